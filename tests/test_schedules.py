"""Every schedule of `raqib run` continues from the last run recorded in the store, whatever
the restarts: the next digest is due one interval (or at the first cron time) after the last
one, a digest due while raqib was down goes out once at start, and `raqib status` shows next
times that follow from the last ones.

Time is passed in (``now=``): a restart is simulated by reading the store's ``schedule_state``
with :func:`monitor.scheduler.read_state`, asking :func:`monitor.schedules.first_run` when the
job runs first, then stepping through the job's APScheduler trigger the way the scheduler
does, and recording each run with :func:`monitor.scheduler.write_state` (to the second, as
the store keeps it). The real `raqib run` over real restarts is in test_restart_soak.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from crawler.sites import load_site
from crawler.store import finish_run, open_db, start_run
from monitor.config import Config, CrawlSettings
from monitor.records import DigestSchedule, DigestSettings
from monitor.outbox import iso
from monitor.scheduler import crawl_schedule, digest_schedule, read_state, write_state
from monitor.schedules import Cron, Every, LastRun, first_run, next_due
from monitor.status import collect_status, render_status

UTC = timezone.utc
NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Store:
    """A real store file holding ``schedule_state``, as `raqib run` writes it."""

    def __init__(self, path):
        self.path = str(path)

    def last(self, job: str) -> LastRun:
        db = open_db(self.path)
        try:
            return LastRun.from_state(read_state(db).get(job))
        finally:
            db.close()

    def ran(self, job: str, at: datetime, took: timedelta = timedelta(seconds=2)) -> None:
        write_state(self.path, job, last_started=iso(at), last_finished=iso(at + took))

    def plan(self, job: str, at: datetime) -> None:
        write_state(self.path, job, next_run=iso(at))


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "raqib.db")


def live(store: Store, schedule, job: str, lives: list[tuple[datetime, datetime]], *,
         at_once_if_new: bool = False) -> list[datetime]:
    """The times ``job`` runs when `raqib run` is up from each start to each stop of
    ``lives``: at start it reads the store, then it follows the job's trigger (APScheduler
    asks ``trigger.get_next_fire_time(last_run_time, now)`` after each run), writing down
    each run and the next time planned, as ``build_scheduler`` does."""
    runs = []
    for up, down in lives:
        at = first_run(schedule, store.last(job), up, at_once_if_new=at_once_if_new)
        store.plan(job, at)
        trigger = schedule.trigger(at)
        while at < down:
            runs.append(at)
            store.ran(job, at)
            at = trigger.get_next_fire_time(at, at)
            store.plan(job, at)
    return runs


def restarts(first: datetime, every: timedelta, count: int,
             down: timedelta = timedelta(0)) -> list[tuple[datetime, datetime]]:
    """``count`` lives of ``every`` each (minus ``down``, the time a restart takes)."""
    return [(first + k * every, first + (k + 1) * every - down) for k in range(count)]


# --- interval schedules ---------------------------------------------------------------------


def test_restarting_every_half_interval_still_sends_a_digest_every_interval(store):
    store.ran("digest", NOON)
    hourly = Every(HOUR)
    # stopped and started again every half hour, at a quarter past and a quarter to
    runs = live(store, hourly, "digest", restarts(NOON + HOUR / 4, HOUR / 2, 6))
    assert runs == [NOON + HOUR, NOON + 2 * HOUR, NOON + 3 * HOUR]


def test_a_digest_due_while_restarting_goes_out_as_soon_as_raqib_is_back(store):
    store.ran("digest", NOON)
    down = timedelta(seconds=20)
    # each restart takes 20 s, and 13:00 falls in one of them
    lives = restarts(NOON + HOUR / 2 + down, HOUR / 2, 6, down=down)
    runs = live(store, Every(HOUR), "digest", lives)
    # sent at 13:00:20, as soon as raqib is back; the schedule goes on from there
    assert runs == [NOON + HOUR + down, NOON + 2 * HOUR + down, NOON + 3 * HOUR + down]


def test_a_stop_spanning_due_digests_is_followed_by_exactly_one_digest_at_start(store):
    store.ran("digest", NOON)
    back = NOON + 3 * HOUR + timedelta(minutes=40)   # 13:00, 14:00 and 15:00 were missed
    runs = live(store, Every(HOUR), "digest", [(NOON, NOON + HOUR / 2), (back, back + 2 * HOUR)])
    assert runs == [back, back + HOUR]              # once at start, then on from there


def test_a_digest_that_never_ran_waits_one_interval_and_a_crawl_starts_at_once(store):
    assert first_run(Every(HOUR), LastRun(), NOON, at_once_if_new=False) == NOON + HOUR
    assert first_run(Every(HOUR), LastRun(), NOON, at_once_if_new=True) == NOON


def test_restarts_do_not_push_away_the_first_digest_of_a_new_store(store):
    runs = live(store, Every(HOUR), "digest", restarts(NOON, HOUR / 2, 6))
    assert runs == [NOON + HOUR, NOON + 2 * HOUR]    # planned by the first start, and kept


def test_a_run_cut_off_by_a_kill_runs_again_at_start():
    killed = LastRun(started=NOON - timedelta(minutes=5),
                     finished=NOON - timedelta(minutes=65))   # the run before finished
    assert killed.interrupted
    assert first_run(Every(HOUR), killed, NOON, at_once_if_new=False) == NOON
    never_finished = LastRun(started=NOON - timedelta(minutes=5))
    assert first_run(Every(HOUR), never_finished, NOON, at_once_if_new=True) == NOON


def test_a_site_is_crawled_one_interval_after_its_last_crawl_started(store, tmp_path):
    seed = tmp_path / "s.toml"
    seed.write_text('allowed_domains = ["example.com"]\nfeeds = ["https://example.com/rss"]\n'
                    'every = "30m"\n', encoding="utf-8")
    site = load_site(seed)
    config = Config(crawl=CrawlSettings(jitter=timedelta(0)))
    schedule = crawl_schedule(site, config)
    store.ran("crawl:s", NOON - timedelta(minutes=10), took=timedelta(minutes=1))
    assert first_run(schedule, store.last("crawl:s"), NOON, at_once_if_new=True) == (
        NOON + timedelta(minutes=20))
    store.ran("crawl:s", NOON - timedelta(hours=4))
    assert first_run(schedule, store.last("crawl:s"), NOON, at_once_if_new=True) == NOON
    # restarted every 20 minutes for two hours: still crawled every 30 minutes
    store.ran("crawl:s", NOON)
    runs = live(store, schedule, "crawl:s", restarts(NOON + timedelta(minutes=5),
                                                     timedelta(minutes=20), 6),
                at_once_if_new=True)
    assert runs == [NOON + k * timedelta(minutes=30) for k in range(1, 5)]


def test_a_crawls_jitter_is_at_most_a_tenth_of_its_interval(tmp_path):
    seed = tmp_path / "s.toml"
    seed.write_text('allowed_domains = ["example.com"]\nfeeds = ["https://example.com/rss"]\n'
                    'every = "2m"\n', encoding="utf-8")
    schedule = crawl_schedule(load_site(seed), Config())       # default jitter: 30 s
    assert schedule == Every(timedelta(minutes=2), timedelta(seconds=12))
    trigger = schedule.trigger(NOON)
    for _ in range(20):
        fire = trigger.get_next_fire_time(NOON, NOON)
        assert NOON + timedelta(minutes=2) <= fire <= NOON + timedelta(minutes=2, seconds=12)


# --- cron schedules -------------------------------------------------------------------------

BAGHDAD = ZoneInfo("Asia/Baghdad")                               # UTC+3, no summer time


def test_cron_digests_keep_their_wall_clock_times_through_restarts(store):
    four_times_a_day = Cron("0 */6 * * *", "Asia/Baghdad")       # 00, 06, 12, 18 in Baghdad
    six = datetime(2024, 5, 1, 6, 0, tzinfo=BAGHDAD)
    store.ran("digest", six)
    # restarted every three hours (half its interval), at half past the hour
    runs = live(store, four_times_a_day, "digest",
                restarts(six + timedelta(minutes=30), timedelta(hours=3), 6))
    assert [run.astimezone(BAGHDAD).strftime("%d %H:%M") for run in runs] == [
        "01 12:00", "01 18:00", "02 00:00"]


def test_a_cron_digest_due_during_a_restart_goes_out_when_raqib_is_back(store):
    four_times_a_day = Cron("0 */6 * * *", "Asia/Baghdad")
    six = datetime(2024, 5, 1, 6, 0, tzinfo=BAGHDAD)
    store.ran("digest", six)
    noon = datetime(2024, 5, 1, 12, 0, tzinfo=BAGHDAD)
    back = noon + timedelta(seconds=20)            # 12:00 falls in a restart
    runs = live(store, four_times_a_day, "digest", [(six + HOUR, noon), (back, back + HOUR * 13)])
    # sent 20 s late, and the next at its wall-clock time: 18:00, not 18:00:20
    assert [run.astimezone(BAGHDAD).strftime("%d %H:%M:%S") for run in runs] == [
        "01 12:00:20", "01 18:00:00", "02 00:00:00"]


def test_a_stop_spanning_cron_times_is_followed_by_one_digest_then_the_next_cron_time(store):
    seven = Cron("0 7 * * *", "Asia/Baghdad")                    # 04:00 UTC
    store.ran("digest", datetime(2024, 4, 28, 7, 0, tzinfo=BAGHDAD))
    back = datetime(2024, 5, 1, 9, 15, tzinfo=BAGHDAD)          # three mornings missed
    runs = live(store, seven, "digest", [(back, back + timedelta(days=1))])
    assert runs == [back, datetime(2024, 5, 2, 7, 0, tzinfo=BAGHDAD)]


def test_cron_times_follow_the_zones_summer_time(store):
    berlin = Cron("0 7 * * *", "Europe/Berlin")
    zone = ZoneInfo("Europe/Berlin")
    store.ran("digest", datetime(2025, 3, 29, 7, 0, tzinfo=zone))   # 06:00 UTC, winter
    back = datetime(2025, 3, 31, 10, 0, tzinfo=zone)                 # the 30th was missed
    runs = live(store, berlin, "digest", [(back, back + timedelta(days=1))])
    assert [run.astimezone(UTC).strftime("%d %H:%M") for run in runs] == [
        "31 08:00", "01 05:00"]                                       # 07:00 summer time


def test_a_cron_digest_already_sent_today_waits_for_tomorrow(store):
    seven = Cron("0 7 * * *", "Asia/Baghdad")
    sent = datetime(2024, 5, 1, 7, 0, 0, 900_000, tzinfo=BAGHDAD)   # stored as 07:00:00
    store.ran("digest", sent)
    assert first_run(seven, store.last("digest"), sent + HOUR, at_once_if_new=False) == (
        datetime(2024, 5, 2, 7, 0, tzinfo=BAGHDAD))
    assert first_run(seven, LastRun(), sent + HOUR, at_once_if_new=False) == (
        datetime(2024, 5, 2, 7, 0, tzinfo=BAGHDAD))       # first start: waits for 07:00


def test_the_config_says_which_schedule_digests_follow():
    cron = Config(timezone="Asia/Baghdad",
                  digest=DigestSettings(schedule=DigestSchedule(cron="0 7 * * *")))
    assert digest_schedule(cron) == Cron("0 7 * * *", "Asia/Baghdad")
    every = Config(digest=DigestSettings(schedule=DigestSchedule(every=timedelta(hours=6))))
    assert digest_schedule(every) == Every(timedelta(hours=6))
    assert digest_schedule(Config()) is None


# --- raqib status -----------------------------------------------------------------------------


def test_status_right_after_a_stop_shows_next_times_after_the_last_ones(tmp_path):
    """raqib run was stopped while a crawl was under way: the crawl finished, but the next
    time stored is the one that crawl itself was started for."""
    (tmp_path / "demo.toml").write_text('allowed_domains = ["demo.test"]\nfeeds = '
                                        '["https://demo.test/rss"]\nevery = "30m"\n',
                                        encoding="utf-8")
    site = load_site(tmp_path / "demo.toml")
    db_path = str(tmp_path / "raqib.db")
    started = NOON - timedelta(minutes=3)
    db = open_db(db_path)
    run = start_run(db, "demo", started=iso(started + timedelta(seconds=1)))
    finish_run(db, run, finished=iso(started + timedelta(minutes=2)))
    db.close()
    write_state(db_path, "crawl:demo", last_started=iso(started),
                last_finished=iso(started + timedelta(minutes=2)), next_run=iso(started))
    write_state(db_path, "digest", last_started=iso(NOON - timedelta(minutes=50)),
                last_finished=iso(NOON - timedelta(minutes=50)), next_run=iso(NOON - HOUR))

    db = open_db(db_path)
    try:
        status = collect_status(db, [site], now=NOON, digest=Every(HOUR))
        overdue = collect_status(db, [site], now=NOON + HOUR, digest=Every(HOUR))
    finally:
        db.close()
    (demo,) = status.sites
    assert demo.next_crawl == iso(started + timedelta(minutes=30)) > demo.last_crawl
    assert status.digest_next == iso(NOON + timedelta(minutes=10)) and not status.digest_due
    assert ("next digest: \u2068الأربعاء 1 مايو 2024، 12:10\u2069 (every 1h)"   # readable, UTC
            in render_status(status))
    assert overdue.sites[0].next_source == "now" and overdue.digest_due
    text = render_status(overdue)
    assert "next crawl: due now" in text and "next digest: due now" in text


def test_status_shows_a_cron_digest_never_sent_at_its_next_wall_clock_time(tmp_path):
    db = open_db(str(tmp_path / "raqib.db"))
    try:
        status = collect_status(db, [], now=NOON, digest=Cron("0 7 * * *", "Asia/Baghdad"))
    finally:
        db.close()
    assert status.digest_next == "2024-05-02T04:00:00+00:00"


def test_next_due_is_one_interval_after_the_last_start_and_none_before_any():
    assert next_due(Every(HOUR), LastRun(started=NOON)) == NOON + HOUR
    assert next_due(Every(HOUR), LastRun()) is None
