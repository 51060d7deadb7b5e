"""Reading the TOML files people write (seeds, topics, raqib.toml), with one wording for the
ways a file can be unreadable, and the checks their readers share: each problem is reported
through a ``Problem`` callback as (key, reason), which the reader writes ``FILE: KEY: reason``."""

from __future__ import annotations

import difflib
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from crawler.durations import parse_duration

Problem = Callable[[str, str], None]


class TomlFileError(ValueError):
    """A file that cannot be read as TOML; the message names the file and the reason."""


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed table of ``path``; TomlFileError when it cannot be read, is not UTF-8 or is
    not valid TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TomlFileError(f"{path}: cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise TomlFileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise TomlFileError(f"{path}: not valid TOML: {error}") from None


# --- checks shared by the readers ---------------------------------------------------------


def unknown(data: dict[str, Any], known: Iterable[str], prefix: str, problem: Problem) -> None:
    """Report every key of ``data`` not in ``known``, with the known key it is nearest to
    when it looks like a slip of the keyboard (``evrey`` → ``every``)."""
    known = set(known)
    for key in sorted(set(data) - known):
        problem(prefix + key, unknown_key_reason(key, known))


def unknown_key_reason(key: str, known: Iterable[str]) -> str:
    """«unknown key (did you mean 'every'? known keys: …)» for ``key``."""
    known = sorted(known)
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return f"unknown key ({hint}known keys: {', '.join(known)})"


def table(data: dict[str, Any], key: str, problem: Problem) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problem(key, f"must be a table: write [{key}] on a line of its own")
        return {}
    return value


def duration(data: dict[str, Any], key: str, default: str, prefix: str, problem: Problem,
             allow_zero: bool = False) -> timedelta:
    raw = data.get(key, default)
    if allow_zero and raw in ("0", 0):
        return timedelta(0)
    try:
        if not isinstance(raw, str):
            raise ValueError(f"{raw!r} is not a string")
        return parse_duration(raw)
    except ValueError as exc:
        problem(prefix + key, f"bad duration: {exc}")
        return parse_duration(default)


def text_value(data: dict[str, Any], key: str, problem: Problem, *, required: bool = False,
               default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is None:
        if required:
            problem(key, "missing")
        return None
    if not isinstance(value, str) or not value.strip():
        problem(key, "must be a non-empty string")
        return default
    return value.strip()
