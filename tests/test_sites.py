"""Seed files: what a valid one gives, and how each kind of mistake is reported."""

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.sites import SeedError, load_site, load_sites
from monitor.cli import main

GOOD = """
name = "مثال نيوز"
allowed_domains = ["www.example.com"]
feeds = ["https://example.com/rss.xml"]
sitemaps = ["https://example.com/news-sitemap.xml"]
start_urls = ["https://example.com/politics/"]
article_url = '^https?://example\\.com/news/\\d+'
follow_url = '^https?://example\\.com/politics/'
every = "30m"
[selectors]
title = "h1"
body = ".article-body"
drop = [".share", ".most-read"]
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_seed_file_becomes_a_site(tmp_path):
    site = load_site(write(tmp_path, "example.toml", GOOD))
    assert site.id == "example"  # the id defaults to the file name
    assert site.name == "مثال نيوز"
    assert site.allowed_domains == ("example.com",)
    assert site.every == timedelta(minutes=30)
    assert site.selectors.body == ".article-body"
    assert site.selectors.drop == (".share", ".most-read")
    assert site.is_article("https://example.com/news/123")
    assert site.is_article("https://www.example.com/news/123") is False  # regex says no www
    assert not site.is_article("https://other.org/news/123")
    assert site.is_followable("https://example.com/politics/page/2")


@pytest.mark.parametrize("change, key, reason", [
    ('colour = "blue"\n', "colour", "unknown key"),
    ("article_url = '^https?://example\\.com/news/(\\d+'\n", "article_url", "bad regular expression"),
    ('every = "soon"\n', "every", "bad duration"),
])
def test_each_mistake_names_the_file_the_key_and_the_reason(tmp_path, change, key, reason):
    text = "\n".join(line for line in GOOD.splitlines()
                     if not line.startswith(key + " ")) + "\n"
    text = change + text
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(SeedError) as caught:
        load_site(path)
    message = str(caught.value)
    assert str(path) in message and f"{key}:" in message and reason in message


def test_a_bad_regular_expression_is_quoted_as_written_not_with_doubled_backslashes(tmp_path):
    text = GOOD.replace("follow_url = '^https?://example\\.com/politics/'",
                        "follow_url = '^https?://example\\.com/(politics/'")
    with pytest.raises(SeedError) as caught:
        load_site(write(tmp_path, "regex.toml", text))
    assert "follow_url: bad regular expression '^https?://example\\.com/(politics/'" in str(caught.value)


def test_a_mistyped_key_is_told_the_key_it_is_nearest_to(tmp_path):
    text = GOOD.replace("every =", "evrey =").replace('body = ".article-body"', 'bdoy = ".article-body"')
    with pytest.raises(SeedError) as caught:
        load_site(write(tmp_path, "typo.toml", text))
    message = str(caught.value)
    assert "evrey: unknown key (did you mean 'every'? known keys:" in message
    assert "selectors.bdoy: unknown key (did you mean 'body'? known keys:" in message
    # a key like no known one gets the list alone
    with pytest.raises(SeedError) as caught:
        load_site(write(tmp_path, "colour.toml", 'colour = "blue"\n' + GOOD))
    assert "colour: unknown key (known keys:" in str(caught.value)


def test_a_missing_domain_is_reported(tmp_path):
    text = "\n".join(l for l in GOOD.splitlines() if not l.startswith("allowed_domains"))
    with pytest.raises(SeedError, match="allowed_domains: missing"):
        load_site(write(tmp_path, "nodomain.toml", text))


def test_a_url_outside_the_allowed_domains_is_reported(tmp_path):
    text = GOOD.replace('feeds = ["https://example.com/rss.xml"]',
                        'feeds = ["https://elsewhere.net/rss.xml"]')
    with pytest.raises(SeedError, match="outside allowed_domains"):
        load_site(write(tmp_path, "outside.toml", text))


def test_broken_toml_is_reported_with_the_file(tmp_path):
    path = write(tmp_path, "broken.toml", 'name = "unterminated\n')
    with pytest.raises(SeedError, match="not valid TOML"):
        load_site(path)


def test_one_bad_seed_never_stops_the_others(tmp_path):
    write(tmp_path, "good.toml", GOOD)
    write(tmp_path, "bad.toml", GOOD + 'colour = "blue"\n')
    write(tmp_path, "topics.toml", '[[topic]]\nname = "x"\nall = ["y"]\n')  # not a site
    sites, errors = load_sites(tmp_path)
    assert [s.id for s in sites] == ["good"]
    assert [e.path.name for e in errors] == ["bad.toml"]


def test_sites_check_exits_non_zero_and_names_the_problem(tmp_path):
    write(tmp_path, "good.toml", GOOD)
    write(tmp_path, "bad.toml", GOOD.replace('every = "30m"', 'every = "often"'))
    result = CliRunner().invoke(main, ["sites", "check", "--seeds", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.toml: every: bad duration" in result.output
    assert "good.toml" in result.output


def test_sites_check_passes_on_good_seeds(tmp_path):
    write(tmp_path, "good.toml", GOOD)
    result = CliRunner().invoke(main, ["sites", "check", "--seeds", str(tmp_path)])
    assert result.exit_code == 0, result.output
