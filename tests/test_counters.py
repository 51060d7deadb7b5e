"""Counters are not content (crawler/extract/counters.py): a site whose story bodies carry a
view counter, a reading time, a share and a comment count — inside the article, each a new
figure on every visit, as Arabic CMS themes print them — is crawled three times: no version
is added and no alert raised. A number changed inside a sentence of a story (30 -> 45) is an
edit: a version and an ``update`` alert.

The site is served on 127.0.0.1 (tests/local_news_site.py) and crawled by the real spider in
a child process; the monitor runs after each crawl."""

from __future__ import annotations

import pytest

from crawl_helpers import CrawlWorld
from crawler.extract import extract_article
from crawler.extract.counters import is_counter
from local_news_site import STORIES, NewsSite
from monitor.alerts import run_monitor
from monitor.topics import load_topics

TOPICS = """
[[topic]]
name = "الكهرباء"
any = ["الكهرباء"]
"""
POWER_PLANT = 3  # «وزارة الكهرباء توقع عقداً ...»: «على أن تنجز خلال ثلاثين شهراً»


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    world = CrawlWorld(tmp_path_factory.mktemp("counters"))
    world.seeds.mkdir(parents=True)
    world.seeds.joinpath("topics.toml").write_text(TOPICS, encoding="utf-8")
    topics = load_topics(world.seeds / "topics.toml")
    steps = {}
    with NewsSite() as site:
        site.counters = True
        site.replace[POWER_PLANT] = ("ثلاثين شهراً", "30 شهراً")
        world.add_seed("rafid", site.seed_toml())
        for crawl in ("first", "second", "third", "edited"):
            if crawl == "edited":
                site.replace[POWER_PLANT] = ("ثلاثين شهراً", "45 شهراً")
            outcome = world.crawl("rafid")
            assert outcome.returncode == 0, outcome.messages
            db = world.db()
            try:
                steps[crawl] = {
                    "alerts": run_monitor(db, topics),
                    "versions": db.execute("SELECT COUNT(*) FROM versions").fetchone()[0],
                    "bodies": dict(db.execute("SELECT url, body FROM articles")),
                }
            finally:
                db.close()
        served = site.views
        power_plant = site.story_url(POWER_PLANT)
    return {"steps": steps, "served": served, "power_plant": power_plant}


def test_three_crawls_of_changing_counters_add_no_version_and_raise_no_alert(counted):
    steps = counted["steps"]
    assert counted["served"] > 1000 + 3 * len(STORIES) * 37 - 1  # the figures moved each time
    assert [steps[c]["versions"] for c in ("first", "second", "third")] == [len(STORIES)] * 3
    assert [a.kind for a in steps["first"]["alerts"]] == ["new"]
    assert steps["second"]["alerts"] == [] and steps["third"]["alerts"] == []


def test_no_counter_is_stored(counted):
    for body in counted["steps"]["third"]["bodies"].values():
        assert "المشاهدات" not in body and "وقت القراءة" not in body
        for paragraph in body.split("\n\n"):
            assert not paragraph.endswith((" مشاركة", " تعليقات")), paragraph


def test_a_number_changed_in_a_sentence_is_a_version_and_an_update_alert(counted):
    edited = counted["steps"]["edited"]
    assert edited["versions"] == len(STORIES) + 1
    (alert,) = edited["alerts"]
    assert (alert.kind, alert.url) == ("update", counted["power_plant"])
    assert "45 شهراً" in edited["bodies"][counted["power_plant"]]


@pytest.mark.parametrize("text, attrs", [
    ("عدد المشاهدات: 1,234", ""), ("وقت القراءة: ٣ دقائق", ""), ("1.2K مشاركة", ""),
    ("للقراءة 3 دقائق", ""), ("Views: 1234", ""), ("3 min read", ""), ("التقييم 4.5/5", ""),
    ("1234", "post-views-count"), ("(12) تعليقات", ""),
])
def test_label_and_number_blocks_are_counters(text, attrs):
    assert is_counter(text, attrs)


@pytest.mark.parametrize("text", [
    "قررت كندا سحب 30 من مدربيها العسكريين", "قتل 30 شخصاً في الهجوم.", "2026", "1234",
    "ارتفع عدد القتلى إلى 45", "عدد المشاهدات",
])
def test_numbers_in_sentences_and_bare_figures_are_not(text):
    assert not is_counter(text)


def test_a_counter_in_the_middle_of_a_wordpress_body_is_dropped_and_the_sentence_kept():
    page = ('<html lang="ar"><body><article><h1>عنوان الخبر عن الكهرباء</h1>'
            '<div class="entry-content"><p>قالت وزارة الكهرباء إن المحطة الجديدة ستنجز خلال 30 '
            'شهراً، وإنها ستضيف خمسمئة ميغاواط إلى الشبكة الوطنية قبل الصيف المقبل.</p>'
            '<div class="post-views entry-meta"><span class="post-views-label">عدد المشاهدات: '
            '</span><span class="post-views-count">4,512</span></div>'
            '<p>وأضاف المتحدث أن العمل سيبدأ الشهر المقبل بعد استكمال الإجراءات القانونية، وأن '
            'الشركة المنفذة ستعتمد على كوادر محلية في معظم مراحل المشروع.</p>'
            '</div></article></body></html>')
    article = extract_article(page, "https://example.com/news/1")
    assert "30 شهراً" in article.body and "4,512" not in article.body
    assert "المشاهدات" not in article.body
