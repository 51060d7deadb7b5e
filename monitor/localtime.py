"""Times as a person reading Arabic reads them: in the configured time zone (``raqib.toml``
``timezone``), as «الخميس 3 ديسمبر 2026، 12:48».

The store keeps every time as a UTC ISO-8601 string; only what a person reads is converted
here. Machine output (JSON, the ``datetime`` attribute of an html ``<time>``) keeps the ISO
value.

Month names are the Gregorian set most Arab news sites print (Al Jazeera and Al Arabiya among
them): «يناير … ديسمبر», transliterated from the European names. The
Levantine/Iraqi set («كانون الثاني، شباط…») is read in Iraq and Syria but not across the Arab
world, and the Syriac names are ambiguous to an Egyptian or Gulf reader; the transliterated set
is understood everywhere. Weekdays are the standard names; digits are Western («3», «12:48»),
as those sites print them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone, tzinfo

MONTHS_AR = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
             "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")
WEEKDAYS_AR = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")


def parse_moment(value: str | None) -> datetime | date | None:
    """An ISO-8601 string as an aware datetime (a time without an offset is UTC, as the store
    keeps it), a date for a date alone, or None when it is neither."""
    if not value:
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def arabic_time(value: str | None, tz: tzinfo | None = None) -> str:
    """``value`` (ISO-8601) in zone ``tz`` (default UTC) as «الخميس 3 ديسمبر 2026، 12:48»; a
    date alone as «الخميس 3 ديسمبر 2026»; a value that is not ISO-8601 as it is ("" for
    none)."""
    moment = parse_moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if isinstance(moment, datetime):
        local = moment.astimezone(tz or timezone.utc)
        return f"{_day(local.date())}، {local:%H:%M}"
    return _day(moment)


def readable_time(value: str | None, tz: tzinfo | None = None,
                  wrap: Callable[[str], str] = str) -> str:
    """``value`` as :func:`arabic_time` writes it (passed through ``wrap``, e.g. a bidi
    isolate for a terminal) when it is an ISO-8601 time or date, else as it is
    (``str(value)``): the one reading of a stored time for every text a person reads."""
    return wrap(arabic_time(value, tz)) if parse_moment(value) else str(value)


def _day(day: date) -> str:
    return f"{WEEKDAYS_AR[day.weekday()]} {day.day} {MONTHS_AR[day.month - 1]} {day.year}"


def zone_name(tz: tzinfo | None) -> str:
    """The zone's name as configured ("Asia/Baghdad"), "UTC" by default."""
    if tz is None:
        return "UTC"
    return getattr(tz, "key", None) or datetime.now(tz).tzname() or "UTC"
