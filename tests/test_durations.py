"""Durations as seed and config files write them: every unit of the table, alone or combined."""

from datetime import timedelta

import pytest

from crawler.durations import format_duration, parse_duration


@pytest.mark.parametrize("text, expected", [
    ("45s", timedelta(seconds=45)),
    ("10sec", timedelta(seconds=10)),
    ("30m", timedelta(minutes=30)),
    ("5min", timedelta(minutes=5)),
    ("2h", timedelta(hours=2)),
    ("1d", timedelta(days=1)),
    ("2w", timedelta(weeks=2)),
    ("1h30min", timedelta(hours=1, minutes=30)),
    ("1min30sec", timedelta(minutes=1, seconds=30)),
    ("1h 30m", timedelta(hours=1, minutes=30)),
    ("5MIN", timedelta(minutes=5)),
])
def test_every_unit_of_the_table_is_read(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "5", "5mins", "5minx", "0m", "m5", "5 minutes"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("duration, written", [
    (timedelta(minutes=30), "30m"),
    (timedelta(hours=1), "1h"),
    (timedelta(hours=1, minutes=30), "1h30m"),
    (timedelta(seconds=45), "45s"),
    (timedelta(days=1, hours=2), "1d2h"),
    (timedelta(hours=1, minutes=10), "1h10m"),
])
def test_a_duration_is_written_as_seeds_write_it_and_reads_back(duration, written):
    # status, sites list and the pace alert all say "every 30m", the way the seed says it
    assert format_duration(duration) == written
    assert parse_duration(written) == duration
