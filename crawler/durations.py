"""Durations as people write them in seed and config files: ``30m``, ``2h``, ``1d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

# Longer spellings first: "5min" must not read as "5m" followed by "in".
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(sec|s|min|m|h|d|w)", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """Parse ``30m``, ``5min``, ``2h``, ``1d``, ``1h30m``, ``45s``, ``10sec``, ``2w``; raise
    ValueError otherwise."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise ValueError("empty duration")
    seconds = 0.0
    position = 0
    for match in _PART.finditer(cleaned):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2).lower()]
        position = match.end()
    if position != len(cleaned) or seconds <= 0:
        raise ValueError(f"not a duration: {text!r} (write e.g. 30m, 2h, 1d, 1h30m)")
    return timedelta(seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """A duration written as seeds write it, largest units first: ``30m``, ``2h``,
    ``1h30m``, ``45s``, ``1d``; :func:`parse_duration` reads it back."""
    seconds = round(duration.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
