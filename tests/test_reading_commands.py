"""Commands that read what earlier crawls stored never make a store: a mistyped --db is one
clear line and exit 1, and no file or directory appears where it pointed (issue 12)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from monitor.cli import main

READING = [
    ["alerts"],
    ["digest"],
    ["digest", "--send"],
    ["history", "https://example.com/news/1"],
    ["search", "العراق"],
    ["status"],
    ["reextract"],
    ["topics", "test", "العراق وكندا"],
    ["serve"],
]


@pytest.mark.parametrize("command", READING, ids=lambda c: " ".join(c))
def test_a_reading_command_on_a_missing_store_says_so_and_makes_nothing(tmp_path, command):
    missing = tmp_path / "nonexistent" / "dir" / "r.db"
    topics = tmp_path / "topics.toml"
    topics.write_text('[[topic]]\nname = "العراق وكندا"\nall = ["العراق", "كندا"]\n',
                      encoding="utf-8")
    config = tmp_path / "raqib.toml"  # a channel, so `digest --send` gets as far as the store
    config.write_text('[[channel]]\ntype = "file"\nname = "archive"\npath = "digests"\n',
                      encoding="utf-8")
    result = CliRunner().invoke(main, [*command, "--db", str(missing), "--seeds", str(tmp_path),
                                       "--topics", str(topics), "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert f"no store at {missing}" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "nonexistent").exists()


def test_a_crawl_still_makes_the_store_it_is_pointed_at(tmp_path):
    store = tmp_path / "new.db"
    result = CliRunner().invoke(main, ["crawl", "--db", str(store), "--seeds", str(tmp_path)])
    assert store.exists(), result.output
