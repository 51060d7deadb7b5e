"""`raqib run` stopped and started again while a site changes under it: the real command in
real processes, real HTTP on 127.0.0.1 (tests/changing_site.py), a real store and a file
channel, intervals of seconds. Whatever the restarts: every edit is stored once, every tracked
change is alerted once, every alert is in exactly one digest, no due digest is skipped or sent
twice, and no crawl overlaps itself.

Nothing here waits on a fixed sleep: each step waits for what the store, the site or the log
says, with deadlines generous enough for a busy machine. A digest's runs are read from the
store (``schedule_state.last_started`` of ``digest``) by a watcher thread; the test knows when
each process was ready (its "digest: ..." line in the log) and when it was told to stop, so
"no due digest skipped" is checked against when raqib was actually up."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from changing_site import ChangingSite
from monitor.cli import main
from raqib_process import (
    DEADLINE, DigestWatcher, Life, Raqib, Store, utcnow, wait_for, write_world,
)

pytestmark = pytest.mark.slow

SLACK = timedelta(seconds=3)   # how late a due digest may start (scheduler wake-up, a busy CPU)
TRACKED = {
    "iraq-canada-troops": ("العراق وكندا يبحثان جدول انسحاب القوات", [
        "أكد وزير الخارجية العراقي أن بلاده بحثت مع كندا جدول انسحاب القوات من قاعدة التاجي.",
        "وقال إن الاجتماع عقد في بغداد بحضور السفير الكندي وممثلين عن وزارة الدفاع."]),
    "iraq-canada-trade": ("كندا والعراق يوقعان اتفاقية للتعاون التجاري", [
        "وقعت كندا والعراق اتفاقية لتسهيل التبادل التجاري وتشجيع الاستثمار في قطاع الزراعة.",
        "وتشمل الاتفاقية إعفاءات جمركية على عدد من السلع خلال السنوات الخمس المقبلة."]),
    "iraq-canada-students": ("منح دراسية كندية لطلاب من العراق", [
        "أعلنت السفارة الكندية في بغداد عن منح دراسية جديدة لطلاب العراق للدراسة في كندا.",
        "وأوضحت أن باب التقديم يبقى مفتوحاً حتى نهاية الشهر المقبل عبر موقعها الإلكتروني."]),
}
UNTRACKED = {
    "cairo-derby": ("الأهلي يفوز على الزمالك في قمة الدوري", [
        "فاز الأهلي على الزمالك بهدفين نظيفين في المباراة التي أقيمت على استاد القاهرة.",
        "وسجل الهدفين لاعب الوسط في الشوط الثاني بعد تمريرتين من الجناح الأيسر."]),
    "gulf-weather": ("موجة حر تضرب دول الخليج هذا الأسبوع", [
        "توقعت هيئة الأرصاد أن تتجاوز درجات الحرارة خمسين درجة في عدد من مدن الخليج.",
        "ونصحت السكان بتجنب التعرض المباشر لأشعة الشمس في ساعات الظهيرة."]),
}
LATER = {  # published while raqib runs: one tracked, one not
    "iraq-canada-flights": ("استئناف الرحلات الجوية بين العراق وكندا", [
        "أعلنت الخطوط الجوية العراقية استئناف رحلاتها إلى تورنتو في كندا بعد توقف طويل.",
        "وقال مدير الشركة إن الرحلات ستكون أسبوعية في المرحلة الأولى."]),
    "dates-harvest": ("موسم وفير لحصاد التمور في البصرة", [
        "بدأ المزارعون في البصرة موسم حصاد التمور وسط توقعات بإنتاج يفوق العام الماضي.",
        "وأشار خبراء إلى أن الأمطار الغزيرة في الشتاء ساعدت على تحسين جودة المحصول."]),
}


def check_no_due_digest_skipped(runs: list[datetime], lives: list[Life], every: timedelta,
                                end: datetime, first_due: datetime | None = None) -> None:
    """Consecutive digests are at least an interval apart (never one twice), and each due time
    (``first_due``, then one interval after each digest) brings a digest: at once when raqib
    was up then, else as soon as it was back."""

    def latest_start(due: datetime) -> datetime | None:
        for life in lives:
            if life.ready - SLACK <= due < life.stopped:
                return due
            if due < life.ready:
                return life.ready
        return None   # raqib was not started again after it

    for a, b in zip(runs, runs[1:]):
        assert b - a >= every - timedelta(seconds=1), f"digest at {b} only {b - a} after {a}"
    dues = [first_due] * (first_due is not None) + [run + every for run in runs]
    followers = runs + [None] if first_due is not None else runs[1:] + [None]
    for due, b in zip(dues, followers):
        bound = latest_start(due)
        if bound is None or bound + SLACK >= end:
            continue
        assert b is not None and b <= bound + SLACK, (
            f"the digest due at {due} (raqib up from {bound}) came at {b}")


# --- restarts more often than the digest interval -----------------------------------------------


def test_restarting_raqib_every_half_interval_still_sends_a_digest_every_interval(tmp_path):
    every = timedelta(seconds=4)
    site = ChangingSite()   # no site is crawled: only the digest's clock matters here
    config = write_world(tmp_path, site, crawl_every=None, digest_every="4s")
    raqib = Raqib(config, tmp_path / "run.log")
    store = Store(tmp_path / "raqib.db")
    watcher = DigestWatcher(store)
    watcher.start()
    try:
        for _ in range(6):                 # three intervals of up-time, in halves
            life = raqib.start()
            # up for half an interval, then restarted (a restart takes seconds too)
            wait_for(lambda: utcnow() >= life.ready + every / 2, "half an interval")
            raqib.stop(life)
        end = utcnow()
    finally:
        raqib.kill_all()
        watcher.stop()
    runs = watcher.runs
    assert all(life.stopped - life.ready < every for life in raqib.lives)  # never a whole one
    assert len(runs) >= 3
    # the first is due one interval after the first start, whatever the restarts in between
    check_no_due_digest_skipped(runs, raqib.lives, every, end,
                                first_due=raqib.lives[0].ready + every)


# --- the soak --------------------------------------------------------------------------------


class Editor(threading.Thread):
    """Edits a story every second or so, publishes two more on the way; edits a story again
    only once its last edit is stored (so that every edit can be seen by a crawl)."""

    def __init__(self, site: ChangingSite, store: Store):
        super().__init__(daemon=True)
        self.site, self.store = site, store
        self.turn = 0
        self._stop_event = threading.Event()

    def stored(self, slug: str) -> bool:
        story = self.site.stories[slug]
        return len(self.store.versions(self.site.url(slug))) == story.edits + 1

    def run(self) -> None:
        later = list(LATER.items())
        while not self._stop_event.wait(1.0):
            self.turn += 1
            if self.turn % 6 == 0 and later:
                slug, (title, paragraphs) = later.pop(0)
                self.site.publish(slug, title, paragraphs)
                continue
            ready = [slug for slug in list(self.site.stories) if self.stored(slug)]
            if ready:
                self.site.edit(ready[self.turn % len(ready)])

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


def test_restarts_over_a_changing_site_lose_nothing_and_do_nothing_twice(tmp_path):
    every = timedelta(seconds=8)
    with ChangingSite() as site:
        for slug, (title, paragraphs) in {**TRACKED, **UNTRACKED}.items():
            site.publish(slug, title, paragraphs)
        config = write_world(tmp_path, site, crawl_every="3s", digest_every="8s")
        raqib = Raqib(config, tmp_path / "run.log")
        store = Store(tmp_path / "raqib.db")
        watcher, editor = DigestWatcher(store), Editor(site, store)
        watcher.start()
        try:
            life = raqib.start()
            wait_for(lambda: store.value("SELECT COUNT(*) FROM articles") == 5,
                     "the first crawl to store the five stories")
            editor.start()
            wait_for(lambda: watcher.runs_since(life.ready), "the first digest")

            # 1. stopped while a crawl is under way: it finishes, and is recorded
            with site.hold("gulf-weather") as held:
                assert held.requested.wait(DEADLINE), "no crawl asked for the held page"
                raqib.stop(life, before_exit=held.release)
            assert store.value("SELECT COUNT(*) FROM crawl_runs WHERE status != 'finished'") == 0
            # right after the stop, `raqib status` shows next times after the last ones
            shown = CliRunner().invoke(main, ["status", "--format", "json", "--config",
                                              str(config)])
            assert shown.exit_code == 0, shown.output
            status = json.loads(shown.output)
            (city,) = status["sites"]
            assert city["next_crawl"] is None or city["next_crawl"] > city["last_crawl"]
            assert status["digest_due"] or (
                status["digest_next"] > status["digest_last"]["last_started"])

            # 2. stopped just after a digest, and down until the next one was due
            life = raqib.start()
            seen = len(watcher.runs)
            wait_for(lambda: len(watcher.runs) > seen, "a digest")
            raqib.stop(life)
            due = store.last_digest() + every
            wait_for(lambda: utcnow() > due + timedelta(seconds=1), "the next digest to be due")
            life = raqib.start()
            assert life.caught_up, "the digest due while stopped was not caught up at start"
            wait_for(lambda: watcher.runs_since(life.ready - SLACK), "the digest at start")

            # 3. stopped with a crawl under way, and a digest falling due while it finishes
            with site.hold("cairo-derby") as held:
                assert held.requested.wait(DEADLINE), "no crawl asked for the held page"
                seen = len(watcher.runs)
                wait_for(lambda: len(watcher.runs) > seen, "a digest while the crawl is held")

                def past_due_then_release() -> None:
                    due = store.last_digest() + every
                    wait_for(lambda: utcnow() > due + timedelta(seconds=1),
                             "the next digest to be due")
                    held.release()

                raqib.stop(life, before_exit=past_due_then_release)
            life = raqib.start()
            assert life.caught_up, "the digest due while stopping was not caught up at start"

            # the site stops changing; everything it did reaches a digest
            wait_for(lambda: editor.turn >= 14 and not LATER.keys() - site.stories.keys(),
                     "the editor's edits")
            editor.stop()
            wait_for(lambda: all(editor.stored(slug) for slug in site.stories),
                     "every edit to be stored")
            wait_for(lambda: store.value("SELECT COUNT(*) FROM alerts") > 0 and store.value(
                "SELECT COUNT(*) FROM alerts WHERE delivered IS NULL") == 0 and store.value(
                "SELECT COUNT(*) FROM versions WHERE id > (SELECT CAST(value AS INTEGER)"
                " FROM monitor_state WHERE key = 'versions_checkpoint')") == 0,
                "every alert to be delivered")
            raqib.stop(life)
            end = utcnow()
        finally:
            editor.stop()
            raqib.kill_all()
            watcher.stop()

    log = raqib.log_text()
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]
    assert len(raqib.lives) == 4

    # every edit stored once: version n of a story holds its first n-1 edits, and no more
    for slug, story in site.stories.items():
        bodies = store.versions(site.url(slug))
        assert len(bodies) == story.edits + 1, slug
        for number, body in enumerate(bodies, start=1):
            assert [n for n in range(1, story.edits + 1) if f"تحديث رقم {n} " in body] == list(
                range(1, number)), (slug, number)
    edits = sum(story.edits for story in site.stories.values())
    assert edits >= 8

    # every tracked change alerted once: one `new`, then one `update` per later version
    tracked = [slug for slug in site.stories if slug in TRACKED or slug.startswith("iraq-")]
    for slug in site.stories:
        alerts = store.rows("SELECT kind, details FROM alerts WHERE url = ? AND kind != 'health'"
                            " ORDER BY id", (site.url(slug),))
        if slug not in tracked:
            assert alerts == [], slug
            continue
        kinds = [kind for kind, _ in alerts]
        assert kinds == ["new"] + ["update"] * site.stories[slug].edits, slug
        assert [json.loads(details)["to_version"] for _, details in alerts[1:]] == list(
            range(2, site.stories[slug].edits + 2)), slug

    # every alert in exactly one digest, and that digest's file says which
    all_ids = sorted(row[0] for row in store.rows("SELECT id FROM alerts"))
    files = sorted((tmp_path / "digests").glob("digest-*.json"))
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    sent = sorted(alert["id"] for document in documents for alert in document["alerts"])
    assert sent == all_ids
    assert len(documents) == store.value("SELECT COUNT(*) FROM digests")
    for document in documents:
        assert all(alert["digest"] == document["digest"] for alert in document["alerts"])

    # no due digest skipped, none sent twice; two stops were caught up at start, once each
    runs = watcher.runs
    check_no_due_digest_skipped(runs, raqib.lives, every, end)
    for life in raqib.lives[2:]:
        after = [run for run in runs if run >= life.ready.replace(microsecond=0) - SLACK]
        assert after[0] <= life.ready + SLACK            # at start ...
        assert len(after) == 1 or after[1] - after[0] >= every - timedelta(seconds=1)  # once

    # no crawl overlapping itself
    crawls = store.rows("SELECT started, finished, status FROM crawl_runs ORDER BY started")
    assert len(crawls) >= 6 and {status for _, _, status in crawls} == {"finished"}
    for (_, finished, _), (started, _, _) in zip(crawls, crawls[1:]):
        assert finished <= started
