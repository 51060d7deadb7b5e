"""A mistyped --db or site name is one clear line and exit 1 (issue 12): commands that read
what earlier crawls stored never make a store, and no file or directory appears where a wrong
--db pointed; a crawl of a site with no seed names the sites there are."""

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


def test_crawling_a_site_without_a_seed_is_one_line_naming_the_sites(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "city.toml").write_text('name = "المدينة"\nallowed_domains = ["127.0.0.1"]\n'
                                     'start_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["crawl", "nosuch", "--db", str(tmp_path / "r.db"),
                                       "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: no site 'nosuch' in {seeds}; its sites: city"
