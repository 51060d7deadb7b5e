"""One story on two sites, over real HTTP: the first demo site and the second demo outlet
(«شبكة الرافدين الإخبارية») are served on 127.0.0.1, crawled by the real spider in its own
process, stored in a real SQLite file and monitored.

The outlet runs agency copies of two of the first site's Iraq–Canada stories, each with its own
headline, intro sentence and furniture: the energy memorandum (18008) from its first edition,
the trainers' withdrawal (18012) from its second. Its third edition goes dark (no links, old
story URLs answer 404); its fourth puts every story behind a paywall (first paragraph only).
"""

from __future__ import annotations

import pytest

from monitor.alerts import list_alerts, run_monitor
from monitor.cluster import list_clusters
from demo import content
from demo.outlet2 import (
    COPY_OF_MOU, COPY_OF_TRAINERS, DARK_EDITION, OUTLET_ID, SYNDICATED, TEASER_EDITION,
    OutletServer, OutletSite, outlet_seed_toml,
)
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
from demo.site import DemoSite
from monitor.search import search, sync_search_index
from monitor.topics import load_topics
from crawl_helpers import CrawlWorld

IRAQ_CANADA = content.TOPIC_IRAQ_CANADA


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    """Both sites crawled and monitored edition by edition; what each monitor run raised."""
    world = CrawlWorld(tmp_path_factory.mktemp("two-sites"))
    world.add_topics(DEMO_TOPICS_PATH)
    topics = load_topics(world.seeds / "topics.toml")
    steps = {}

    def crawl_and_monitor(name, *sites):
        outcome = world.crawl(*sites)
        assert outcome.returncode == 0, outcome.messages
        db = world.db()
        try:
            steps[name] = run_monitor(db, topics)
            steps[name + " rerun"] = run_monitor(db, topics)
            steps[name + " alerts"] = list_alerts(db)
        finally:
            db.close()

    with DemoServer(edition=1) as demo, OutletServer(edition=1) as outlet:
        world.add_seed("demo", demo_seed_toml(demo.base_url))
        world.add_seed(OUTLET_ID, outlet_seed_toml(outlet.base_url))
        crawl_and_monitor("both sites", "demo", OUTLET_ID)
        outlet.set_edition(2)
        crawl_and_monitor("later copy", OUTLET_ID)
        outlet.set_edition(DARK_EDITION)
        crawl_and_monitor("dark", OUTLET_ID)
        outlet.set_edition(TEASER_EDITION)
        crawl_and_monitor("teasers", OUTLET_ID)
        demo_site, outlet_site = DemoSite(1, demo.base_url), OutletSite(2, outlet.base_url)
    return {"world": world, "steps": steps, "demo": demo_site, "outlet": outlet_site}


def story_alert(alerts, url):
    """The alert of the story that ``url`` is one source of."""
    (alert,) = [a for a in alerts if a.kind == "new" and url in a.sources]
    return alert


def test_the_same_story_on_two_sites_gives_one_alert_with_both_sources(two_sites):
    raised = two_sites["steps"]["both sites"]
    original = two_sites["demo"].article_url(SYNDICATED[COPY_OF_MOU.id])
    copy = two_sites["outlet"].article_url(COPY_OF_MOU.id)

    alert = story_alert(raised, original)
    assert alert.topic == IRAQ_CANADA
    assert set(alert.sources) == {original, copy}
    assert [a.url for a in raised if a.url in (original, copy)] == [alert.url]


def test_every_other_story_is_its_own_alert(two_sites):
    raised = two_sites["steps"]["both sites"]
    by_story = {(a.topic, a.url) for a in raised}
    # The first site's designed matches, the memorandum once (under either site's url), and
    # the outlet's own oil story, which shares its subject but not its text with 18006.
    expected = sum(len(ids) for ids in content.EXPECTED_MATCHES[1].values()) + 1
    assert len(by_story) == len(raised) == expected
    oil_story = two_sites["outlet"].article_url("5103")
    assert ("أسعار النفط", oil_story) in by_story
    assert all(len(a.sources) == 1 for a in raised if COPY_OF_MOU.id not in a.url
               and SYNDICATED[COPY_OF_MOU.id] not in a.url)


def test_a_later_copy_adds_a_source_instead_of_a_new_alert(two_sites):
    steps = two_sites["steps"]
    assert steps["later copy"] == []
    original = two_sites["demo"].article_url(SYNDICATED[COPY_OF_TRAINERS.id])
    copy = two_sites["outlet"].article_url(COPY_OF_TRAINERS.id)

    before = story_alert(steps["both sites alerts"], original)
    after = story_alert(steps["later copy alerts"], original)
    assert before.sources == [original]
    assert (after.id, after.url, after.sources) == (before.id, original, [original, copy])
    assert len(steps["later copy alerts"]) == len(steps["both sites alerts"])


def test_the_clusters_are_the_syndicated_stories(two_sites):
    db = two_sites["world"].db()
    try:
        clusters = list_clusters(db)
    finally:
        db.close()
    demo, outlet = two_sites["demo"], two_sites["outlet"]
    assert sorted(sorted(c["urls"]) for c in clusters) == sorted(
        sorted([outlet.article_url(copy_id), demo.article_url(original_id)])
        for copy_id, original_id in SYNDICATED.items())
    assert all(sorted(c["sites"]) == ["demo", OUTLET_ID] for c in clusters)


def test_a_rerun_of_the_monitor_raises_nothing(two_sites):
    steps = two_sites["steps"]
    for name in ("both sites", "later copy", "dark", "teasers"):
        assert steps[name + " rerun"] == [], name


def test_a_site_that_stops_yielding_articles_raises_one_health_alert(two_sites):
    steps = two_sites["steps"]
    (alert,) = steps["dark"]
    assert (alert.kind, alert.topic, alert.site) == ("health", "", OUTLET_ID)
    assert alert.details["problem"] == "no_articles"
    assert "found no articles" in alert.title
    assert steps["dark rerun"] == []  # once per problem (see test_health for the rest)


def test_bodies_much_shorter_than_usual_raise_a_health_alert(two_sites):
    raised = two_sites["steps"]["teasers"]
    (health,) = [a for a in raised if a.kind == "health"]
    assert health.site == OUTLET_ID and health.details["problem"] == "short_bodies"
    assert health.details["median_chars"] < 0.4 * health.details["usual_chars"]
    # The paywall also cut the tracked copies: each is an update of its own url.
    assert {a.kind for a in raised} == {"health", "update"}


def test_search_finds_both_copies_of_the_story(two_sites):
    db = two_sites["world"].db()
    try:
        sync_search_index(db)
        hits = search(db, "مذكرة تفاهم الطاقة المتجددة")
    finally:
        db.close()
    urls = [hit.url for hit in hits]
    assert set(urls[:2]) == {two_sites["outlet"].article_url(COPY_OF_MOU.id),
                             two_sites["demo"].article_url(SYNDICATED[COPY_OF_MOU.id])}


# The second outlet itself, rendered without a server --------------------------------------

def test_the_outlet_feed_and_listing_link_every_story_until_it_goes_dark():
    for edition in (1, 2, TEASER_EDITION):
        site = OutletSite(edition, "http://127.0.0.1:8000")
        feed, listing = site.render("/feed.atom").text, site.render("/latest/").text
        for article in site.articles:
            assert site.article_url(article.id) in feed and site.article_url(article.id) in listing
    dark = OutletSite(DARK_EDITION, "http://127.0.0.1:8000")
    assert "/story/" not in dark.render("/feed.atom").text + dark.render("/latest/").text
    assert dark.render("/story/5101/") is None  # the old URLs answer 404


def test_the_outlets_teaser_edition_keeps_only_the_first_paragraph():
    full = OutletSite(2).render("/story/5105/").text
    teaser = OutletSite(TEASER_EDITION).render("/story/5105/").text
    assert COPY_OF_TRAINERS.paragraphs[1] in full and COPY_OF_TRAINERS.paragraphs[1] not in teaser
    assert COPY_OF_TRAINERS.paragraphs[0] in teaser and "اشترك" in teaser
