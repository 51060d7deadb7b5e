"""Hostile URLs and bodies, as an attacker would serve them on 127.0.0.1 (issue 10): nothing
local is read, nothing hangs, memory stays bounded, and every refused or dropped request is a
``crawl_errors`` row naming the reason."""

from __future__ import annotations

import gzip
import zlib

import pytest

from crawl_helpers import crawl_errors as errors, crawl_with_peak_memory
from local_site import (
    GZIP, HTML, XML, LocalSite, Page, SilentServer, article_page, gzipped, listing_page,
    sitemap_index, story, urlset,
)

SECRET = "SECRET-LOCAL-FILE-6f1c"


def seed(site: LocalSite, **keys: str) -> str:
    lines = ['allowed_domains = ["127.0.0.1"]', "discover_sitemaps = false"]
    lines += [f"{key} = {value}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def stored_text(world) -> str:
    db = world.db()
    try:
        return " ".join(r["title"] + r["body"] for r in db.query("SELECT title, body FROM articles"))
    finally:
        db.close()


@pytest.fixture
def local_file(tmp_path):
    """A local HTML file that looks like an article: reading it would store it."""
    path = tmp_path / "local" / "news.html"
    path.parent.mkdir()
    page = article_page(SECRET, [SECRET + " " + p for p in story(1)])
    path.write_bytes(page.body)
    return path


@pytest.mark.parametrize("where", ["sitemap loc", "sitemap index child", "listing link"])
def test_a_file_url_on_the_allowed_host_reads_nothing_local(world, local_file, where):
    file_url = f"file://127.0.0.1{local_file}"
    with LocalSite() as site:
        if where == "sitemap loc":
            site.add("/sitemap.xml", Page(urlset([file_url, site.url("/news/1")]), XML))
        elif where == "sitemap index child":
            site.add("/sitemap.xml", Page(sitemap_index([file_url, site.url("/s1.xml")]), XML))
            site.add("/s1.xml", Page(urlset([site.url("/news/1")]), XML))
        else:
            site.add("/section/", listing_page([file_url, "/news/1"]))
        site.add("/news/1", article_page("خبر", story(2)))
        key = ({"start_urls": f'["{site.url("/section/")}"]'} if where == "listing link"
               else {"sitemaps": f'["{site.url("/sitemap.xml")}"]'})
        world.add_seed("outlet", seed(site, **key))
        outcome = world.crawl("outlet")
    assert outcome.returncode == 0, outcome.messages
    assert SECRET not in stored_text(world)
    assert "خبر" in stored_text(world)  # the rest of the site is crawled
    (refusal,) = [e for e in errors(world) if e[1] == file_url]
    assert refusal[0] == "url" and "not an http(s) URL (scheme 'file')" in refusal[2]


def test_an_ftp_url_in_a_sitemap_does_not_hang_the_crawl(world):
    with SilentServer() as ftp, LocalSite() as site:
        ftp_url = f"ftp://127.0.0.1:{ftp.port}/news/1"
        site.add("/sitemap.xml", Page(urlset([ftp_url, site.url("/news/1")]), XML))
        site.add("/news/1", article_page("خبر", story(1)))
        world.add_seed("outlet", seed(site, sitemaps=f'["{site.url("/sitemap.xml")}"]'))
        outcome = world.crawl("outlet")  # crawl_helpers gives up after 120 s
        connections = len(ftp.connections)
    assert outcome.returncode == 0, outcome.messages
    assert connections == 0
    assert any(e[1] == ftp_url and "scheme 'ftp'" in e[2] for e in errors(world))


def test_a_chain_of_300_sitemap_indexes_stops_at_the_depth_cap(world):
    with LocalSite() as site:
        for n in range(300):
            site.add(f"/sitemap-{n}.xml", Page(sitemap_index([site.url(f"/sitemap-{n + 1}.xml")]), XML))
        world.add_seed("outlet", seed(site, sitemaps=f'["{site.url("/sitemap-0.xml")}"]',
                                      max_sitemap_depth="4"))
        world.crawl("outlet")
        requested = [p for p in site.requested if p.startswith("/sitemap-")]
    assert requested == [f"/sitemap-{n}.xml" for n in range(5)]
    (capped,) = [e for e in errors(world) if "max_sitemap_depth" in e[2]]
    assert capped[0] == "sitemap" and capped[1].endswith("/sitemap-5.xml")


def test_the_sitemap_depth_cap_has_a_small_default(world):
    with LocalSite() as site:
        for n in range(20):
            site.add(f"/sitemap-{n}.xml", Page(sitemap_index([site.url(f"/sitemap-{n + 1}.xml")]), XML))
        world.add_seed("outlet", seed(site, sitemaps=f'["{site.url("/sitemap-0.xml")}"]'))
        world.crawl("outlet")
        requested = [p for p in site.requested if p.startswith("/sitemap-")]
    assert 2 <= len(requested) <= 5
    assert any("max_sitemap_depth" in e[2] for e in errors(world))


def gzip_bomb(size: int) -> bytes:
    """``size`` bytes of zeros, gzipped (about a thousandth of the size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + compressor.flush()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(512 << 20)  # 512 MiB unpacked, about 500 KiB on the wire


def test_a_gzip_bomb_page_is_dropped_with_bounded_memory(world, bomb):
    with LocalSite() as site:
        site.add("/section/", listing_page(["/news/bomb", "/news/1"]))
        site.add("/news/bomb", Page(bomb, HTML, headers={"Content-Encoding": "gzip"}))
        site.add("/news/1", article_page("خبر", story(1)))
        world.add_seed("outlet", seed(site, start_urls=f'["{site.url("/section/")}"]'))
        outcome, peak_mib = crawl_with_peak_memory(world, "outlet")
    assert outcome.returncode == 0, outcome.messages
    (dropped,) = [e for e in errors(world) if e[1].endswith("/news/bomb")]
    assert dropped[0] == "fetch" and "exceeded DOWNLOAD_MAXSIZE" in dropped[2]
    assert "خبر" in stored_text(world)
    assert 30 < peak_mib < 400  # a crawl process is measured (over 30 MiB), and bounded


@pytest.mark.parametrize("served", ["as a .xml.gz file", "with Content-Encoding: gzip"])
def test_a_gzipped_50_mb_sitemap_is_refused_with_bounded_memory(world, served):
    locs = "".join(f"<url><loc>http://127.0.0.1/news/{n}</loc></url>" for n in range(10))
    filler = b"<!-- " + b"x" * (50 << 20) + b" -->"
    document = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + locs.encode() + filler + b"</urlset>")
    with LocalSite() as site:
        if served == "as a .xml.gz file":
            path, page = "/sitemap.xml.gz", Page(gzip.compress(document), GZIP)
        else:
            path, page = "/sitemap.xml", Page(gzip.compress(document), XML,
                                              headers={"Content-Encoding": "gzip"})
        site.add(path, page)
        world.add_seed("outlet", seed(site, sitemaps=f'["{site.url(path)}"]'))
        outcome, peak_mib = crawl_with_peak_memory(world, "outlet")
    assert outcome.returncode == 0, outcome.messages
    (refused,) = [e for e in errors(world) if e[1].endswith(path)]
    assert "DOWNLOAD_MAXSIZE" in refused[2]
    assert 30 < peak_mib < 400  # a crawl process is measured (over 30 MiB), and bounded


def test_more_than_20_redirects_are_dropped_and_recorded(world):
    with LocalSite() as site:
        for n in range(30):
            site.add(f"/news/hop-{n}", Page(b"", HTML, 302, {"Location": f"/news/hop-{n + 1}"}))
        site.add("/section/", listing_page(["/news/hop-0"]))
        world.add_seed("outlet", seed(site, start_urls=f'["{site.url("/section/")}"]'))
        world.crawl("outlet")
        hops = [p for p in site.requested if p.startswith("/news/hop-")]
    assert len(hops) == 21  # the first request and 20 redirects
    (dropped,) = [e for e in errors(world) if "/news/hop-" in e[1]]
    assert dropped[0] == "fetch" and "max redirections reached" in dropped[2]


@pytest.mark.parametrize("target", ["http://localhost:{port}/news/elsewhere",
                                    "file:///etc/passwd"])
def test_a_redirect_off_the_site_is_refused_and_recorded(world, target):
    with LocalSite() as site:
        location = target.format(port=site.port)
        site.add("/news/away", Page(b"", HTML, 302, {"Location": location}))
        site.add("/news/elsewhere", article_page("خبر خارجي", story(9)))
        site.add("/section/", listing_page(["/news/away"]))
        world.add_seed("outlet", seed(site, start_urls=f'["{site.url("/section/")}"]'))
        world.crawl("outlet")
        requested = list(site.requested)
    assert "/news/elsewhere" not in requested
    assert stored_text(world) == ""
    (refused,) = [e for e in errors(world) if e[1].endswith("/news/away")]
    assert refused[0] == "url" and "redirect" in refused[2] and location in refused[2]
