"""One story, many sites: near-duplicate stories form one cluster, and a clustered story is
one alert per topic whose ``sources`` list every site's url."""

from __future__ import annotations

import pytest

from monitor.alerts import CHECKPOINT_KEY, list_alerts, run_monitor
from monitor.cluster import (
    SAME_STORY_JACCARD, StoryClusters, cluster_urls, jaccard, list_clusters, shingles,
)
from demo import content
from demo.outlet2 import COPY_OF_MOU, COPY_OF_TRAINERS, SYNDICATED
from monitor.topics import Topic
from monitor_helpers import new_db, save

TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا"))]
MOU = content.article(1, SYNDICATED[COPY_OF_MOU.id])
TRAINERS = content.article(1, SYNDICATED[COPY_OF_TRAINERS.id])
PHONE_CALL = content.article(2, "18019")  # same subject and desk as TRAINERS, another story

ORIGINAL = "https://demo.test/news/18008"
COPY = "https://rafidain.test/story/5101/"
THIRD = "https://third.test/a/1"
DAY_1 = "2026-11-26T10:00:00+00:00"
DAY_2 = "2026-11-27T10:00:00+00:00"


def store(db, url, article, site, fetched=DAY_1, body=None):
    return save(db, url, article.headline, body or "\n\n".join(article.paragraphs), site=site,
                fetched=fetched)


def text(article):
    return shingles(article.headline, "\n\n".join(article.paragraphs))


def test_shingles_ignore_diacritics_and_punctuation():
    assert shingles("أكّد الوزيرُ، اليوم", "") == shingles("أكد الوزير اليوم", "") == {
        "اكد الوزير", "الوزير اليوم"}


def test_copies_clear_the_threshold_and_distinct_stories_do_not():
    assert jaccard(text(COPY_OF_MOU), text(MOU)) >= SAME_STORY_JACCARD
    assert jaccard(text(COPY_OF_TRAINERS), text(TRAINERS)) >= SAME_STORY_JACCARD
    assert jaccard(text(PHONE_CALL), text(TRAINERS)) < SAME_STORY_JACCARD / 3


def test_the_same_story_on_two_sites_is_one_alert_with_both_sources(tmp_path):
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo")
    store(db, COPY, COPY_OF_MOU, "rafidain")

    (alert,) = run_monitor(db, TOPICS, now=DAY_1)

    assert (alert.kind, alert.url, alert.sources) == ("new", ORIGINAL, [ORIGINAL, COPY])
    (cluster,) = list_clusters(db)
    assert cluster["urls"] == [ORIGINAL, COPY] and cluster["sites"] == ["demo", "rafidain"]


def test_a_later_copy_adds_its_url_to_the_alert_already_raised(tmp_path):
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo")
    (alert,) = run_monitor(db, TOPICS, now=DAY_1)
    store(db, COPY, COPY_OF_MOU, "rafidain", fetched=DAY_2)
    store(db, THIRD, COPY_OF_MOU, "third", fetched=DAY_2)

    assert run_monitor(db, TOPICS, now=DAY_2) == []

    (stored,) = list_alerts(db)
    assert (stored.id, stored.sources) == (alert.id, [ORIGINAL, COPY, THIRD])
    assert stored.created == DAY_1


def test_distinct_stories_on_the_same_subject_stay_apart(tmp_path):
    db = new_db(tmp_path)
    store(db, ORIGINAL, TRAINERS, "demo")
    store(db, COPY, PHONE_CALL, "rafidain")

    alerts = run_monitor(db, TOPICS, now=DAY_1)

    assert {(a.url, tuple(a.sources)) for a in alerts} == {
        (ORIGINAL, (ORIGINAL,)), (COPY, (COPY,))}
    assert list_clusters(db) == []


def test_one_sites_near_identical_stories_stay_separate_stories(tmp_path):
    """A site's templated items (a daily price report) are not one story syndicated."""
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo")
    store(db, ORIGINAL + "-again", COPY_OF_MOU, "demo")

    assert len(run_monitor(db, TOPICS, now=DAY_1)) == 2
    assert list_clusters(db) == []


def test_a_copy_seen_long_after_the_story_starts_a_story_of_its_own(tmp_path):
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo", fetched="2026-11-01T10:00:00+00:00")
    store(db, COPY, COPY_OF_MOU, "rafidain", fetched="2026-11-20T10:00:00+00:00")

    assert len(run_monitor(db, TOPICS, now=DAY_1)) == 2


def test_empty_and_one_line_stories_never_cluster(tmp_path):
    db = new_db(tmp_path)
    save(db, ORIGINAL, "العراق وكندا", "", site="demo")
    save(db, COPY, "العراق وكندا", "", site="rafidain")

    assert len(run_monitor(db, TOPICS, now=DAY_1)) == 2


def test_an_edit_keeps_the_story_in_its_cluster(tmp_path):
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo")
    store(db, COPY, COPY_OF_MOU, "rafidain")
    run_monitor(db, TOPICS, now=DAY_1)
    store(db, COPY, COPY_OF_MOU, "rafidain", fetched=DAY_2,
          body="\n\n".join(COPY_OF_MOU.paragraphs[:2]) + "\n\nوأعلنت أوتاوا لاحقاً أنها ستفتح "
               "مكتباً تجارياً في العراق.")

    (update,) = run_monitor(db, TOPICS, now=DAY_2)

    assert (update.kind, update.url, update.sources) == ("update", COPY, [ORIGINAL, COPY])
    assert cluster_urls(db.conn, COPY) == [ORIGINAL, COPY]


def test_a_reset_checkpoint_clusters_and_alerts_nothing_twice(tmp_path):
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo")
    run_monitor(db, TOPICS, now=DAY_1)
    store(db, COPY, COPY_OF_MOU, "rafidain", fetched=DAY_2)
    run_monitor(db, TOPICS, now=DAY_2)
    db.execute("DELETE FROM monitor_state WHERE key = ?", [CHECKPOINT_KEY])

    assert run_monitor(db, TOPICS, now=DAY_2) == []

    (alert,) = list_alerts(db)
    assert alert.sources == [ORIGINAL, COPY]
    assert db["clusters"].count == 1 and db["cluster_members"].count == 2


def test_a_failure_while_writing_alerts_leaves_no_cluster_behind(tmp_path):
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo")
    store(db, COPY, COPY_OF_MOU, "rafidain")
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON alerts BEGIN"
               " SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(Exception, match="disk says no"):
        run_monitor(db, TOPICS, now=DAY_1)
    assert db["cluster_members"].count == 0 and db["alerts"].count == 0

    db.execute("DROP TRIGGER refuse")
    (alert,) = run_monitor(db, TOPICS, now=DAY_1)
    assert alert.sources == [ORIGINAL, COPY]


def test_the_index_is_rebuilt_from_stored_signatures(tmp_path):
    """A new monitor process finds the stories an earlier one clustered."""
    db = new_db(tmp_path)
    store(db, ORIGINAL, MOU, "demo")
    run_monitor(db, TOPICS, now=DAY_1)
    db.conn.close()

    reopened = new_db(tmp_path)
    clusters = StoryClusters(reopened)
    assert ORIGINAL in clusters._lsh  # noqa: SLF001 - the rebuilt index itself
    store(reopened, COPY, COPY_OF_MOU, "rafidain", fetched=DAY_2)
    assert run_monitor(reopened, TOPICS, now=DAY_2) == []
    assert list_alerts(reopened)[0].sources == [ORIGINAL, COPY]
