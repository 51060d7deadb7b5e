"""`raqib run` with a cron digest schedule, stopped and started again across its cron times
(issue 17, done-when 4, the cron half; tests/test_restart_soak.py has the interval half): the
real command in real processes, a site on 127.0.0.1 crawled every few seconds, a file
channel, and ``schedule = "* * * * *"`` (every minute, the finest cron has).

- up at a cron time: the digest goes out then, once;
- restarted twice between two cron times: nothing goes out in between;
- down across a cron time: exactly one digest as soon as raqib is back, then the next cron
  time, on time, once;
- every alert in exactly one digest file, every digest file a digest run.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from changing_site import ChangingSite
from monitor.cli import main
from raqib_process import DigestWatcher, Raqib, Store, utcnow, wait_for, write_world

pytestmark = pytest.mark.slow

CRON = "* * * * *"
MINUTE = timedelta(minutes=1)
SLACK = timedelta(seconds=3)   # how late a due digest may start (scheduler wake-up, a busy CPU)
STORIES = [
    ("iraq-canada-troops", "العراق وكندا يبحثان جدول انسحاب القوات", [
        "أكد وزير الخارجية العراقي أن بلاده بحثت مع كندا جدول انسحاب القوات من قاعدة التاجي.",
        "وقال إن الاجتماع عقد في بغداد بحضور السفير الكندي وممثلين عن وزارة الدفاع."]),
    ("iraq-canada-trade", "كندا والعراق يوقعان اتفاقية للتعاون التجاري", [
        "وقعت كندا والعراق اتفاقية لتسهيل التبادل التجاري وتشجيع الاستثمار في قطاع الزراعة.",
        "وتشمل الاتفاقية إعفاءات جمركية على عدد من السلع خلال السنوات الخمس المقبلة."]),
    ("iraq-canada-students", "منح دراسية كندية لطلاب من العراق", [
        "أعلنت السفارة الكندية في بغداد عن منح دراسية جديدة لطلاب العراق للدراسة في كندا.",
        "وأوضحت أن باب التقديم يبقى مفتوحاً حتى نهاية الشهر المقبل عبر موقعها الإلكتروني."]),
]


def first_at(raqib: Raqib) -> datetime:
    """When the latest `raqib run` planned its first digest (its "digest: …, first at" line)."""
    (line,) = re.findall(Raqib.READY, raqib.log_text())[-1:]
    return datetime.fromisoformat(re.search(r"first at (\S+)", line).group(1))


def status_next_digest(config) -> datetime:
    shown = CliRunner().invoke(main, ["status", "--format", "json", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    return datetime.fromisoformat(json.loads(shown.output)["digest_next"])


def test_restarts_across_cron_times_send_one_digest_per_cron_time(tmp_path):
    with ChangingSite() as site:
        site.publish(*STORIES[0])
        config = write_world(tmp_path, site, crawl_every="3s", digest_every=CRON)
        raqib = Raqib(config, tmp_path / "run.log")
        store = Store(tmp_path / "raqib.db")
        watcher = DigestWatcher(store)
        watcher.start()
        tracked = 1
        try:
            # 1. up at the first cron time: its digest goes out then
            life = raqib.start()
            t1 = first_at(raqib)
            assert t1 > life.ready - SLACK and t1.second == 0 and t1 - life.ready <= MINUTE
            wait_for(lambda: watcher.runs_since(t1), "the digest at the first cron time",
                     timeout=(t1 - utcnow()).total_seconds() + 90)
            raqib.stop(life)
            t2 = t1 + MINUTE

            # 2. restarted twice before the next cron time, with a story published on the way:
            #    nothing goes out before it
            site.publish(*STORIES[1])
            tracked += 1
            life = raqib.start()
            assert first_at(raqib) == t2 and not life.caught_up
            wait_for(lambda: store.value("SELECT COUNT(*) FROM alerts") == tracked,
                     "the new story to be alerted")
            raqib.stop(life)
            life = raqib.start()
            assert first_at(raqib) == t2 and not life.caught_up
            wait_for(lambda: utcnow() >= min(life.ready + timedelta(seconds=5),
                                             t2 - timedelta(seconds=12)), "a few seconds up")
            assert utcnow() < t2 - timedelta(seconds=8), "too slow to stop before the cron time"
            raqib.stop(life)
            down_from = utcnow()

            # 3. down across the next cron time: one digest as soon as raqib is back ...
            wait_for(lambda: utcnow() > t2 + timedelta(seconds=2), "the cron time to pass",
                     timeout=90)
            life = raqib.start()
            assert life.caught_up, "the digest of the cron time passed while down was not sent"
            wait_for(lambda: watcher.runs_since(life.ready - SLACK), "the digest at start")
            # ... and the schedule goes on at the next cron time, not again now
            t3 = t2 + MINUTE
            assert status_next_digest(config) == t3
            site.publish(*STORIES[2])
            tracked += 1
            seen = len(watcher.runs)
            wait_for(lambda: len(watcher.runs) > seen, "the digest at the cron time after",
                     timeout=(t3 - utcnow()).total_seconds() + 90)
            wait_for(lambda: store.value("SELECT COUNT(*) FROM alerts WHERE delivered IS NULL")
                     == 0, "every alert to be delivered")
            raqib.stop(life)
        finally:
            raqib.kill_all()
            watcher.stop()

    log = raqib.log_text()
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]
    assert len(raqib.lives) == 4

    # one digest per cron time: at the first one, at start for the one passed while down, at
    # the next one; none while raqib was restarted in between
    runs = watcher.runs
    assert len(runs) == 3, runs
    first, caught_up, third = runs
    assert t1 <= first <= t1 + SLACK
    assert not [run for run in runs if down_from.replace(microsecond=0) - SLACK < run < t2]
    catch_up_life = raqib.lives[3]
    assert t2 < caught_up <= catch_up_life.ready + SLACK
    assert t3 <= third <= t3 + SLACK

    # every alert in exactly one digest, each digest file one digest
    alerts = sorted(row[0] for row in store.rows("SELECT id FROM alerts WHERE kind = 'new'"))
    assert len(alerts) == tracked
    documents = [json.loads(path.read_text(encoding="utf-8"))
                 for path in sorted((tmp_path / "digests").glob("digest-*.json"))]
    sent = sorted(alert["id"] for document in documents for alert in document["alerts"])
    assert sent == sorted(row[0] for row in store.rows("SELECT id FROM alerts"))
    assert len({document["digest"] for document in documents}) == len(documents)
    assert len(documents) == store.value("SELECT COUNT(*) FROM digests") <= len(runs)
