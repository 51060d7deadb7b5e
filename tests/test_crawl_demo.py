"""The whole path over real HTTP: the demo news site on 127.0.0.1 is crawled by the real Scrapy
spider in its own process, stored in a real SQLite file, monitored, and digested."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from monitor.alerts import list_alerts, run_monitor
from demo import content
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
from demo.site import DemoSite
from monitor.digest import pending_alerts, render_digest
from monitor.topics import load_topics
from crawl_helpers import CrawlWorld, free_port

REPO_ROOT = Path(__file__).resolve().parents[1]

FURNITURE = ["شاركها", "reviewsTotal", "singularReviewCountLabel", "canReview", "{{",
             "الأكثر مشاهدة", "Scroll to Top", "أضف تعليقك", "جميع الحقوق محفوظة", "اقرأ أيضا"]


def seed_with_only(base_url: str, keep: str) -> str:
    """The demo seed with one way of finding articles: the feed, the sitemap index, or the
    listing pages."""
    seed = tomllib.loads(demo_seed_toml(base_url))
    for key in ("feeds", "sitemaps", "start_urls"):
        if key != keep:
            seed.pop(key, None)
    if keep == "sitemaps":
        seed["sitemaps"] = [base_url + "/sitemap.xml"]
    seed["discover_sitemaps"] = False
    return toml_text(seed)


def toml_text(table: dict) -> str:
    """A flat TOML table (strings, booleans, lists of strings): JSON's escapes are TOML's."""
    lines = []
    for key, value in table.items():
        text = str(value).lower() if isinstance(value, bool) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def stored_ids(world) -> set[str]:
    db = world.db()
    try:
        return {row["url"].rsplit("/", 1)[1].removesuffix(".html") for row in db["articles"].rows}
    finally:
        db.close()


def article_ids(articles) -> set[str]:
    return {a.id for a in articles}


# Discovery ------------------------------------------------------------------------------

@pytest.mark.parametrize("way", ["feeds", "sitemaps", "start_urls"])
def test_each_way_of_discovery_finds_its_articles(world, way):
    with DemoServer(edition=1) as server:
        world.add_seed("demo", seed_with_only(server.base_url, way))
        outcome = world.crawl("demo")
        site = DemoSite(1, server.base_url)
    assert outcome.returncode == 0, outcome.messages
    if way == "feeds":
        expected = article_ids(site.feed_articles())
    elif way == "sitemaps":  # the index leads to the news sitemap and the archive: everything
        expected = article_ids(site.articles)
    else:  # listing pages and their pagination
        expected = {a.id for slug in content.SECTIONS_BY_SLUG
                    for page in site.listing_pages(slug) for a in page}
    assert stored_ids(world) == expected


def test_robots_txt_sitemap_lines_are_followed_when_no_sitemap_is_given(world):
    with DemoServer(edition=1) as server:
        seed = tomllib.loads(seed_with_only(server.base_url, "feeds"))
        seed["discover_sitemaps"] = True
        world.add_seed("demo", toml_text(seed))
        world.crawl("demo")
        requested = server.requested_paths()
        every_article = article_ids(DemoSite(1, server.base_url).articles)
    assert "/sitemap.xml" in requested and "/news-sitemap.xml" in requested
    assert stored_ids(world) == every_article


# The two editions, crawled once each -------------------------------------------------------

@pytest.fixture(scope="module")
def demo_world(tmp_path_factory):
    """Edition 1 crawled and monitored, then edition 2 crawled and monitored."""
    world = CrawlWorld(tmp_path_factory.mktemp("demo"))
    world.add_topics(DEMO_TOPICS_PATH)
    topics = load_topics(world.seeds / "topics.toml")
    with DemoServer(edition=1) as server:
        world.add_seed("demo", demo_seed_toml(server.base_url))
        first = world.crawl("demo")
        db = world.db()
        first_alerts = run_monitor(db, topics)
        db.close()
        server.set_edition(2)
        second = world.crawl("demo")
        db = world.db()
        second_alerts = run_monitor(db, topics)
        db.close()
        third = world.crawl("demo")  # nothing changed since the second crawl
        db = world.db()
        third_alerts = run_monitor(db, topics)
        db.close()
        requested = server.requested_paths()
        base_url = server.base_url
    return {"world": world, "topics": topics, "runs": (first, second, third),
            "base_url": base_url, "alerts": (first_alerts, second_alerts, third_alerts),
            "requested": requested}


def test_the_first_crawl_stores_every_article(demo_world):
    world = demo_world["world"]
    assert stored_ids(world) >= article_ids(DemoSite(1).articles)
    first, _, _ = demo_world["runs"]
    (run,) = first.runs
    assert run.new == len(DemoSite(1).articles) and run.status == "finished"


def test_robots_txt_is_obeyed(demo_world):
    assert content.PRIVATE_PATH not in demo_world["requested"]


def test_stored_articles_carry_no_furniture(demo_world):
    db = demo_world["world"].db()
    for row in db["articles"].rows:
        for snippet in FURNITURE:
            assert snippet not in row["body"], (row["url"], snippet)
            assert snippet not in row["title"], (row["url"], snippet)
    db.close()


def test_a_furniture_only_change_makes_no_version(demo_world):
    """Edition 2 changes view counts, share counters, relative times and the most-viewed list
    on every page; only the real edits make versions."""
    _, second, _ = demo_world["runs"]
    (run,) = second.runs
    assert run.changed == 2  # the tracked edit and the untracked edit
    assert run.new == len(content.NEW_IN_EDITION_2)
    db = demo_world["world"].db()
    edited = {row["url"].rsplit("/", 1)[1].removesuffix(".html")
              for row in db.query("SELECT url FROM versions WHERE version > 1")}
    db.close()
    assert edited == {content.EDITED_TRACKED_ID, content.EDITED_UNTRACKED_ID}


def test_a_diacritics_only_change_makes_no_version(demo_world):
    db = demo_world["world"].db()
    url = DemoSite(2, demo_world["base_url"]).article_url(content.DIACRITICS_ONLY_ID)
    assert db.execute("SELECT COUNT(*) FROM versions WHERE url = ?", [url]).fetchone()[0] == 1
    db.close()


def test_alerts_are_the_designed_ones(demo_world):
    first, second, _ = demo_world["alerts"]
    def ids(alerts):
        return {(a.kind, a.topic, a.url.rsplit("/", 1)[1].removesuffix(".html")) for a in alerts}
    expected_first = {("new", topic, article_id)
                      for topic, article_ids_ in content.EXPECTED_MATCHES[1].items()
                      for article_id in article_ids_}
    assert ids(first) == expected_first
    assert ids(second) == set(content.EXPECTED_EDITION_2_ALERTS)


def test_rerunning_the_monitor_raises_nothing(demo_world):
    db = demo_world["world"].db()
    assert run_monitor(db, demo_world["topics"]) == []
    db.close()


def test_the_broken_page_and_the_failing_page_are_recorded_errors(demo_world):
    db = demo_world["world"].db()
    errors = {(row["stage"], row["url"].rsplit("/", 1)[1].removesuffix(".html"))
              for row in db["crawl_errors"].rows}
    db.close()
    assert ("parse", content.BROKEN_ARTICLE.id) in errors
    assert ("fetch", content.ERROR_ARTICLE.id) in errors


def test_every_digest_format_lists_the_story_and_no_furniture(demo_world):
    db = demo_world["world"].db()
    pending = pending_alerts(db)
    db.close()
    edited_title = DemoSite(2).article(content.EDITED_TRACKED_ID).headline
    for fmt in ("text", "markdown", "html", "json"):
        rendered = render_digest(pending, fmt)
        if fmt == "json":
            readable = " ".join(a["title"] for a in json.loads(rendered)["alerts"])
        elif fmt == "html":  # matched terms are wrapped in <mark>
            readable = html.unescape(re.sub(r"<[^>]+>", "", rendered))
        else:
            readable = rendered.replace("**", "")
        assert edited_title in readable, fmt
        for snippet in FURNITURE:
            assert snippet not in rendered, (fmt, snippet)
    document = render_digest(pending, "html")
    assert 'dir="rtl"' in document and 'lang="ar"' in document
    assert len(json.loads(render_digest(pending, "json"))["alerts"]) == len(pending)


def test_a_second_crawl_of_an_unchanged_site_changes_nothing(demo_world):
    _, _, third = demo_world["runs"]
    (run,) = third.runs
    assert run.new == 0 and run.changed == 0
    assert demo_world["alerts"][2] == []


# Errors: bad seeds and dead sites never stop the other sites -------------------------------

def test_a_bad_seed_and_a_dead_site_are_recorded_while_the_good_site_is_crawled(world):
    dead_port = free_port()
    with DemoServer(edition=1) as server:
        world.add_seed("demo", demo_seed_toml(server.base_url))
        world.add_seed("dead", demo_seed_toml(f"http://127.0.0.1:{dead_port}", site_id="dead"))
        world.add_seed("broken", 'name = "x"\nallowed_domains = ["example.com"]\nevery = "soon"\n')
        outcome = world.crawl()
    assert "broken.toml: every: bad duration" in outcome.messages
    runs = {run.site: run for run in outcome.runs}
    assert runs["demo"].new == len(DemoSite(1).articles)
    assert runs["dead"].status == "failed" and runs["dead"].errors >= 1
    db = world.db()
    stages = {(row["site"], row["stage"]) for row in db["crawl_errors"].rows}
    db.close()
    assert ("broken", "seed") in stages and ("dead", "fetch") in stages


# The project's shape ---------------------------------------------------------------------

def test_scrapy_list_prints_news():
    done = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["news"], done.stderr


def test_sqlite_utils_lists_the_tables(demo_world):
    done = subprocess.run([sys.executable, "-m", "sqlite_utils", "tables",
                           str(demo_world["world"].db_path)],
                          capture_output=True, text=True, timeout=60)
    for table in ("articles", "versions", "crawl_runs"):
        assert table in done.stdout
