"""Bounded work: a gzip bomb unpacks only to a ceiling, over real HTTP on 127.0.0.1, and a bad
time limit is refused (the time limit itself: tests/test_crawl_time_limit.py)."""

from __future__ import annotations

import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crawler.decompress import MAX_UNPACKED

REPO_ROOT = Path(__file__).resolve().parents[1]


def gzip_bomb(unpacked_mib: int = 530) -> bytes:
    """~520 KB of gzip that unpacks to ~530 MB: an XML sitemap opening, then whitespace
    (written a mebibyte at a time, so the test itself never holds 530 MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [packer.compress(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/'
                           b'schemas/sitemap/0.9">')]
    spaces = b" " * (1024 * 1024)
    out += [packer.compress(spaces) for _ in range(unpacked_mib)]
    out.append(packer.flush())
    return b"".join(out)


BOMB = gzip_bomb()


class BombSite(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/sitemap.xml.gz":
            self.send_response(200)
            self.send_header("Content-Type", "application/x-gzip")
            self.send_header("Content-Length", str(len(BOMB)))
            self.end_headers()
            self.wfile.write(BOMB)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


def serve(handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# The CLI in a child process that reports its own peak memory (VmHWM, KiB: the high-water
# mark of this process's own memory, which, unlike ru_maxrss, does not carry the parent's
# across exec) as its last stderr line.
MEASURED = """
import re, sys
from monitor.cli import main
try:
    main(sys.argv[1:])
finally:
    status = open("/proc/self/status").read()
    print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1), file=sys.stderr)
"""


def test_a_gzipped_sitemap_bomb_is_not_unpacked_past_the_ceiling(tmp_path):
    assert 500_000 < len(BOMB) < 560_000
    server = serve(BombSite)
    base = f"http://127.0.0.1:{server.server_port}"
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "bomb.toml").write_text(f'''name = "قنبلة"
allowed_domains = ["127.0.0.1"]
sitemaps = ["{base}/sitemap.xml.gz"]
''', encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, "-c", MEASURED, "sites", "check", "--live",
                               "--seeds", str(seeds)], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1
    assert f"not read: it unpacks to more than {MAX_UNPACKED // 1_048_576} MB" in done.stderr
    peak_mib = int(done.stderr.strip().splitlines()[-1]) / 1024
    # the ceiling (50 MB) plus the interpreter and its libraries; the bomb itself is 530 MB
    assert peak_mib < 250, peak_mib


def test_a_bad_time_limit_is_refused_by_name(world):
    done = subprocess.run([sys.executable, "-m", "monitor.cli", "crawl", "--timeout", "soon",
                           "--db", str(world.db_path), "--seeds", str(world.seeds)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--timeout" in done.stderr
