"""Reading the TOML files people write (seeds, topics, raqib.toml), with one wording for the
ways a file can be unreadable."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


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
