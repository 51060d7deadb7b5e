"""`raqib topics test`: backtesting topics on the stored articles before relying on them."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.store import StoredArticle, save_article
from monitor.cli import main
from demo import content
from demo.server import DEMO_TOPICS_PATH
from monitor.topics import Topic, backtest_topics, load_topics, render_backtests
from monitor_helpers import new_db, save

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
CANADA = Topic(name="كندا", all=("كندا",))


def store_demo_site(tmp_path: Path, edition: int = 2):
    """The demo site's stories, stored as a crawl of ``edition`` stores them."""
    db = new_db(tmp_path)
    for article in content.articles(edition):
        save_article(db, StoredArticle(
            url=f"https://demo.test{article.path}", site="demo", title=article.headline,
            body="\n\n".join(article.paragraphs), published=article.published,
            fetched="2026-11-29T09:00:00+00:00"))
    return db


def test_a_backtest_of_the_demo_topics_finds_what_they_are_designed_to_match(tmp_path):
    db = store_demo_site(tmp_path)

    results = backtest_topics(db, load_topics(DEMO_TOPICS_PATH), days=14, now=NOW,
                              samples=100)

    for result in results:
        found = sorted(sample["url"].rsplit("/", 1)[1].removesuffix(".html")
                       for sample in result.samples)
        assert found == sorted(content.EXPECTED_MATCHES[2][result.topic]), result.topic
        assert result.total == len(found)


def test_matches_are_counted_per_day_by_published_date_else_first_seen(tmp_path):
    db = new_db(tmp_path)
    save(db, "https://a.test/1", "كندا أولاً", "نص.", published="2026-11-27T23:30:00+03:00")
    save(db, "https://a.test/2", "وفي كندا", "نص.", published="2026-11-27T08:00:00+00:00")
    save(db, "https://a.test/3", "لكندا", "نص.", published=None,
         fetched="2026-11-29T07:00:00+00:00")
    save(db, "https://a.test/4", "مصر", "نص.", published="2026-11-28T08:00:00+00:00")
    save(db, "https://a.test/5", "كندا قديماً", "نص.", published="2026-10-01T08:00:00+00:00")

    (result,) = backtest_topics(db, [CANADA], days=3, now=NOW)

    assert result.per_day == [("2026-11-27", 2), ("2026-11-28", 0), ("2026-11-29", 1)]
    assert result.total == 3
    # samples newest first, each with the words that matched
    assert [s["url"] for s in result.samples] == [
        "https://a.test/3", "https://a.test/1", "https://a.test/2"]
    assert result.samples[0]["terms"] == [{"term": "كندا", "field": "title", "text": "لكندا"}]


def test_samples_stop_at_five_and_the_latest_version_is_tested(tmp_path):
    db = new_db(tmp_path)
    for number in range(7):
        save(db, f"https://a.test/{number}", f"كندا {number}", "نص.",
             published="2026-11-28T08:00:00+00:00")
    save(db, "https://a.test/0", "مصر", "نص.", published="2026-11-28T08:00:00+00:00",
         fetched="2026-11-28T10:00:00+00:00")  # edited: no longer about Canada

    (result,) = backtest_topics(db, [CANADA], days=1, now=datetime(2026, 11, 28, tzinfo=timezone.utc))

    assert result.total == 6
    assert len(result.samples) == 5


def test_the_text_report_shows_days_samples_and_terms(tmp_path):
    db = new_db(tmp_path)
    save(db, "https://a.test/1", "العراق وكندا يبحثان التعاون", "وصل الوزير إلى بغداد.",
         published="2026-11-28T08:00:00+00:00")

    text = render_backtests(backtest_topics(
        db, [Topic(name="العراق وكندا", all=("العراق", "كندا"))], days=2, now=NOW))

    assert "العراق وكندا\u2069: 1 match from 2026-11-28 to 2026-11-29" in text
    assert "  2026-11-28    1  █\n  2026-11-29    0\n" in text
    assert "\u200fالعراق وكندا يبحثان التعاون" in text
    assert "terms: \u2068العراق (العراق)؛ كندا (وكندا)\u2069" in text


# --- the command -----------------------------------------------------------------------


@pytest.fixture
def demo_store(tmp_path):
    store_demo_site(tmp_path).close()
    return str(tmp_path / "raqib.db")


def test_topics_test_backtests_every_topic_or_the_one_named(demo_store):
    runner = CliRunner()
    base = ["topics", "test", "--db", demo_store, "--topics", str(DEMO_TOPICS_PATH),
            "--days", "3650", "--format", "json"]

    every = runner.invoke(main, base)
    one = runner.invoke(main, [*base[:2], "أسعار النفط", *base[2:]])

    assert every.exit_code == 0, every.output
    assert [r["topic"] for r in json.loads(every.output)] == ["العراق وكندا", "أسعار النفط"]
    (oil,) = json.loads(one.output)
    assert oil["topic"] == "أسعار النفط"
    assert oil["total"] == len(content.EXPECTED_MATCHES[2]["أسعار النفط"])
    assert {"date", "url", "site", "title", "terms"} <= set(oil["samples"][0])


def test_topics_test_names_the_known_topics_when_the_name_is_wrong(demo_store):
    result = CliRunner().invoke(main, ["topics", "test", "الرياضة", "--db", demo_store,
                                       "--topics", str(DEMO_TOPICS_PATH)])
    assert result.exit_code != 0
    assert "no topic named «الرياضة»" in result.output
    assert "«العراق وكندا»" in result.output
