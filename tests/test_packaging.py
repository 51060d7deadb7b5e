"""What `pip install .` (not only an editable install) ships: every data file a package reads
at run time is named by a package-data pattern in pyproject.toml, so a wheel carries it."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _package_data() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return project["tool"]["setuptools"]["package-data"]


def _shipped(path: Path, patterns: dict[str, list[str]]) -> bool:
    for package, globs in patterns.items():
        base = ROOT.joinpath(*package.split("."))
        if base in path.parents:
            relative = path.relative_to(base).as_posix()
            if any(fnmatch(relative, glob) for glob in globs):
                return True
    return False


def test_the_demo_data_files_are_package_data():
    patterns = _package_data()
    data_files = [p for p in (ROOT / "demo").rglob("*")
                  if p.is_file() and p.suffix in {".toml", ".html", ".j2", ".md", ".json", ".css"}]
    assert data_files, "the demo has data files"
    missing = [p.relative_to(ROOT).as_posix() for p in data_files if not _shipped(p, patterns)]
    assert missing == []


def test_the_demo_reads_its_stories_from_its_data_files():
    from demo import content

    assert content.load_data("stories")["story"][0]["id"] == content.EDITION_1[0].id
    assert len(content.EDITION_1) == 18 and len(content.EDITION_2) == 21
