"""`raqib crawl` as a user meets it (issue 12): on a terminal each site's counts (pages
fetched, articles new and changed, errors) are shown as the crawl goes and cleared before the
summary; off one (cron, a pipe) the output is the plain summary alone; when every site's run
failed the command says so in one line and exits 1. The command run as a process, over real
HTTP on 127.0.0.1, under a real pseudo-terminal for the terminal case."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
from pathlib import Path

from local_news_site import NewsSite
from monitor.crawling import LOCAL_SITE_SETTINGS

TOPICS = Path(__file__).resolve().parents[1] / "seeds" / "topics.toml"
SETTINGS = [arg for name, value in LOCAL_SITE_SETTINGS.items()
            for arg in ("--set", f"{name}={value}")]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_seed() -> str:
    port = closed_port()
    return (f'name = "موقع مغلق"\nallowed_domains = ["127.0.0.1"]\n'
            f'feeds = ["http://127.0.0.1:{port}/rss.xml"]\n'
            "article_url = '/news/'\ndiscover_sitemaps = false\n")


def raqib(world, *args: str) -> list[str]:
    world.add_topics(TOPICS)
    return [sys.executable, "-m", "monitor.cli", *args, "--db", str(world.db_path),
            "--seeds", str(world.seeds), *SETTINGS]


def run_in_a_terminal(command: list[str]) -> tuple[int, str]:
    """Run ``command`` with its standard output and error on a pseudo-terminal; what the
    terminal received, and the exit status."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=follower,
                             stderr=follower, env={**os.environ, "COLUMNS": "200"})
    os.close(follower)
    received = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return child.wait(timeout=120), received.decode("utf-8", "replace")


def test_every_site_failing_is_one_line_and_exit_1(world):
    world.add_seed("shut", unreachable_seed())
    world.add_seed("gone", unreachable_seed())
    done = subprocess.run(raqib(world, "crawl"), capture_output=True, text=True, timeout=180)
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: every site failed: ") and "nothing fetched" in last, last
    assert "gone" in last and "shut" in last
    assert "crawled gone:" in done.stdout and "crawled shut:" in done.stdout


def test_one_site_failing_of_two_is_not_a_failed_crawl(world):
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml("rafid"))
        world.add_seed("shut", unreachable_seed())
        done = subprocess.run(raqib(world, "crawl"), capture_output=True, text=True,
                              timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every site failed" not in done.stderr


def test_off_a_terminal_the_output_is_the_plain_summary(world):
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml("rafid"))
        done = subprocess.run(raqib(world, "crawl"), capture_output=True, text=True,
                              timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "crawled rafid: " in done.stdout
    both = done.stdout + done.stderr
    assert "\x1b" not in both and "\r" not in both and "fetched" not in both


def test_on_a_terminal_each_site_shows_its_counts_as_it_goes(world):
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml("rafid"))
        status, screen = run_in_a_terminal(raqib(world, "crawl"))
    assert status == 0, screen
    progress, _, summary = screen.rpartition("crawled rafid: ")
    assert "crawling rafid: " in progress and " fetched, " in progress, screen
    assert progress.rstrip("\r\n").endswith("\r\x1b[K"), "the progress line is cleared"
    assert summary.split(",")[1].strip().endswith("new") and " new, " in progress
    # the last report is the whole crawl: as many fetched and new as the summary says
    last = progress.split("\r\x1b[K")[-2]
    assert last.startswith("crawling rafid: ")
    pages, new = summary.split(",")[0].split()[0], summary.split(",")[1].split()[0]
    assert last.startswith(f"crawling rafid: {pages} fetched, {new} new"), (last, summary)


def test_every_site_failing_on_a_terminal_is_the_same_one_line(world):
    world.add_seed("shut", unreachable_seed())
    status, screen = run_in_a_terminal(raqib(world, "crawl"))
    assert status == 1
    assert screen.strip().splitlines()[-1].startswith("Error: the crawl of shut failed (")


def test_run_once_with_every_site_failing_exits_1_for_cron(world):
    world.add_seed("shut", unreachable_seed())
    done = subprocess.run(raqib(world, "run", "--once", "--no-digest"), capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: the crawl of shut failed (")
