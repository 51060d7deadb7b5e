"""Points in time as users write them after ``--since``: a duration back from now (``2h``,
``30m``, ``1d``) or an ISO-8601 date or date-time.

The result is an ISO-8601 UTC string in the store's own format (``utcnow()``:
``2024-05-01T08:00:00+00:00``), so it compares with stored timestamps as plain text.
"""

from __future__ import annotations

from datetime import datetime, timezone

from crawler.durations import parse_duration

_HINT = ("give a duration such as 30m, 2h, 1d or an ISO-8601 time such as 2024-05-01 or"
         " 2024-05-01T08:00+03:00")


def parse_since(text: str, now: datetime | None = None) -> str:
    """``"2h"`` -> two hours before ``now``; ``"2024-05-01"`` -> midnight UTC of that day;
    ``"2024-05-01T08:00+03:00"`` -> that instant in UTC. A date-time without an offset is
    taken as UTC. Raises ValueError naming the input and the accepted forms otherwise."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValueError(f"empty time: {_HINT}")
    try:
        delta = parse_duration(cleaned)
    except ValueError:
        pass
    else:
        moment = (now or datetime.now(timezone.utc)) - delta
        return _utc_iso(moment)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"not a time or a duration: {text!r} ({_HINT})") from None
    return _utc_iso(moment)


def _utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
