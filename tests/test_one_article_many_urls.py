"""One article under many URLs of its site: a feed that lists the same page under two URLs
(two section paths, no canonical link) gives one article with two addresses and one ``new``
alert; a follow-up story of that site that repeats most of it and adds a paragraph is its own
article.

The site is served on 127.0.0.1 (tests/local_news_site.py) and crawled by the real spider in
a child process; the monitor runs after each crawl."""

from __future__ import annotations

import pytest

from crawl_helpers import CrawlWorld
from crawler.pagestore import same_article_elsewhere
from crawler.store import StoredArticle, open_db, save_article
from local_news_site import STORIES, NewsSite
from monitor.alerts import run_monitor
from monitor.topics import load_topics

TOPICS = """
[[topic]]
name = "الكهرباء"
any = ["الكهرباء"]
"""
POWER_PLANT, SECOND_URL, FOLLOW_UP = 3, 103, 104
MORE = ("وفي تطور لاحق، أعلنت الوزارة أن الشركة المنفذة باشرت أعمال المسح الميداني في موقع "
        "المحطة، وأن الدفعة الأولى من المعدات ستصل إلى ميناء أم قصر خلال الشهر المقبل.")


@pytest.fixture(scope="module")
def two_urls(tmp_path_factory):
    world = CrawlWorld(tmp_path_factory.mktemp("two-urls"))
    world.seeds.mkdir(parents=True)
    world.seeds.joinpath("topics.toml").write_text(TOPICS, encoding="utf-8")
    topics = load_topics(world.seeds / "topics.toml")
    steps = {}
    with NewsSite() as site:
        site.copies[SECOND_URL] = POWER_PLANT
        world.add_seed("rafid", site.seed_toml())
        for crawl in ("first", "again", "follow-up"):
            if crawl == "follow-up":
                site.followups[FOLLOW_UP] = (POWER_PLANT, MORE)
            outcome = world.crawl("rafid")
            assert outcome.returncode == 0, outcome.messages
            db = world.db()
            try:
                steps[crawl] = {
                    "alerts": run_monitor(db, topics),
                    "articles": {u for (u,) in db.execute("SELECT url FROM articles")},
                    "aliases": dict(db.execute("SELECT alias, url FROM url_aliases")),
                }
            finally:
                db.close()
        urls = {n: site.story_url(n) for n in (POWER_PLANT, SECOND_URL, FOLLOW_UP)}
    return {"steps": steps, "urls": urls}


def test_the_same_page_under_two_urls_is_one_article_with_two_addresses(two_urls):
    first, urls = two_urls["steps"]["first"], two_urls["urls"]
    assert len(first["articles"]) == len(STORIES)
    pair = {urls[POWER_PLANT], urls[SECOND_URL]}
    (stored,) = pair & first["articles"]
    (other,) = pair - {stored}
    assert first["aliases"][other] == stored


def test_it_raises_one_new_alert(two_urls):
    first, urls = two_urls["steps"]["first"], two_urls["urls"]
    (alert,) = first["alerts"]
    assert alert.kind == "new" and alert.url in (urls[POWER_PLANT], urls[SECOND_URL])


def test_the_next_crawl_stores_and_alerts_nothing_more(two_urls):
    again = two_urls["steps"]["again"]
    assert again["alerts"] == []
    assert again["articles"] == two_urls["steps"]["first"]["articles"]


def test_a_follow_up_that_adds_a_paragraph_is_its_own_article(two_urls):
    follow_up, urls = two_urls["steps"]["follow-up"], two_urls["urls"]
    assert urls[FOLLOW_UP] in follow_up["articles"]
    assert urls[FOLLOW_UP] not in follow_up["aliases"]
    assert [(a.kind, a.url) for a in follow_up["alerts"]] == [("new", urls[FOLLOW_UP])]


def test_only_articles_of_the_same_site_within_the_week_are_matched(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    headline, paragraphs = STORIES[POWER_PLANT]
    body = "\n\n".join(paragraphs)
    save_article(db, StoredArticle("https://a.example/news/1", "a", headline, body,
                                   fetched="2026-12-01T10:00:00+00:00"))
    with db.conn:
        def match(url, site="a", fetched="2026-12-02T10:00:00+00:00", text=body):
            return same_article_elsewhere(db.conn, site, url, headline, text, fetched)

        assert match("https://a.example/news/2") == "https://a.example/news/1"
        assert match("https://a.example/news/2", text=body + " وأضاف.") == "https://a.example/news/1"
        assert match("https://b.example/news/2", site="b") is None
        assert match("https://a.example/news/2", fetched="2026-12-20T10:00:00+00:00") is None
        assert match("https://a.example/news/2", text=body + "\n\n" + MORE) is None
        assert match("https://a.example/news/1") is None  # stored already: itself
    db.close()
