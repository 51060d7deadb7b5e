"""English counts for the text a person reads: ``counted(1, "error")`` is "1 error",
``counted(2, "error")`` "2 errors", ``counted(3, "story", "stories")`` "3 stories"."""

from __future__ import annotations


def counted(count: int | None, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun, singular for exactly one (a missing count is shown as "?")."""
    if count is None:
        return f"? {plural or singular + 's'}"
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
