"""raqib.toml: paths, time zone, digest schedule and channels; every problem reported with
file, key and reason; secrets only through environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawl_helpers import CrawlWorld
from local_site import TEXT, LocalSite, Page, article_page, listing_page, story
from monitor.cli import main
from monitor.crawling import LOCAL_SITE_SETTINGS
from monitor.config import ConfigError, load_config
from monitor.notify import FileChannel, SmtpChannel, WebhookChannel

REPO_ROOT = Path(__file__).resolve().parents[1]


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "raqib.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def test_the_example_config_loads():
    config = load_config(REPO_ROOT / "raqib.toml.example")
    assert config.timezone == "Asia/Baghdad"
    assert config.digest.schedule.cron == "0 7 * * *"
    assert [type(c) for c in config.channels] == [SmtpChannel, WebhookChannel, FileChannel]
    assert config.channels[0].password_env == "RAQIB_SMTP_PASSWORD"


def test_no_config_means_the_defaults():
    config = load_config(None)
    assert config.timezone == "UTC" and config.channels == ()
    assert config.digest.schedule.cron is None and config.digest.format == "html"


def test_paths_are_relative_to_the_config_file(tmp_path):
    config = load_config(config_file(tmp_path, 'db = "data/news.db"\nseeds = "my-seeds"\n'
                                               '[[channel]]\ntype = "file"\npath = "out"\n'))
    assert config.db == str(tmp_path / "data/news.db")
    assert config.seeds == str(tmp_path / "my-seeds")
    assert config.channels[0].path == tmp_path / "out"


def test_a_duration_is_an_interval_schedule(tmp_path):
    config = load_config(config_file(tmp_path, '[digest]\nschedule = "6h"\n'))
    assert config.digest.schedule.every.total_seconds() == 6 * 3600


def test_every_problem_is_reported_with_file_key_and_reason(tmp_path):
    found = problems(tmp_path, """
timezone = "Mars/Olympus"
colour = "blue"
[digest]
schedule = "0 25 * * *"
format = "pdf"
[[channel]]
type = "smtp"
host = "127.0.0.1"
security = "tls"
to = ["nobody"]
[[channel]]
type = "pigeon"
[[channel]]
type = "webhook"
url = "ftp://example.org"
""")
    path = tmp_path / "raqib.toml"
    assert f"{path}: colour: unknown key (known keys: channel, crawl, db, digest, seeds, " \
           "timezone, topics)" in found
    expected = ["timezone: 'Mars/Olympus' is not a time zone name",
                "digest.schedule: bad cron expression '0 25 * * *'",
                "digest.format: 'pdf' is not one of text, markdown, html, json",
                "channel[0].security: 'tls' is not one of starttls, ssl, none",
                "channel[0].from: missing",
                "channel[0].to: must be a list of email addresses",
                "channel[1].type: 'pigeon' is not a channel type",
                "channel[2].url: 'ftp://example.org' is not an http(s) URL"]
    for message in expected:
        assert any(p.startswith(f"{path}: {message}") for p in found), (message, found)


def test_secrets_in_the_file_are_refused(tmp_path):
    found = problems(tmp_path, '[[channel]]\ntype = "smtp"\nhost = "h"\nfrom = "a@b.c"\n'
                               'to = ["d@e.f"]\npassword = "hunter2"\n')
    (message,) = found
    assert "channel[0].password: secrets never go in the config file" in message
    assert "password_env" in message and "hunter2" not in message


def test_two_channels_need_distinct_names(tmp_path):
    found = problems(tmp_path, '[[channel]]\ntype = "file"\npath = "a"\n'
                               '[[channel]]\ntype = "file"\npath = "b"\n')
    assert any("channel[1].name: 'file' is used by another channel" in p for p in found)


def test_the_cli_reports_a_bad_config_and_takes_paths_from_a_good_one(tmp_path):
    bad = config_file(tmp_path, "[digest]\nformat = 3\n")
    result = CliRunner().invoke(main, ["alerts", "--config", str(bad)])
    assert result.exit_code == 1
    assert f"bad config file:\n{bad}: digest.format: 3 is not one of" in result.output

    good = config_file(tmp_path, 'db = "elsewhere.db"\n')
    result = CliRunner().invoke(main, ["alerts", "--config", str(good)], env={"RAQIB_DB": None})
    # the store the config names is the one looked for (alerts never makes one)
    assert result.exit_code == 1 and f"no store at {tmp_path / 'elsewhere.db'}" in result.output


def test_raqib_crawl_takes_the_configs_scrapy_settings_and_set_wins(tmp_path):
    """``[crawl] settings`` are Scrapy settings for every crawl, `raqib crawl`'s too, and
    ``--set`` overrides them: told not to obey robots.txt by the config, the crawl fetches
    an article that robots.txt forbids; told by ``--set`` to obey, it does not."""
    with LocalSite() as site:
        site.add("/robots.txt", Page(b"User-agent: *\nDisallow: /news/\n", TEXT))
        site.add("/section/", listing_page(["/news/1"]))
        site.add("/news/1", article_page("خبر", story(1)))
        world = CrawlWorld(tmp_path)
        world.add_seed("local", f'allowed_domains = ["127.0.0.1"]\narticle_url = "/news/"\n'
                                f'start_urls = ["{site.url("/section/")}"]\n')
        (world.seeds / "topics.toml").write_text('[[topic]]\nname = "خبر"\nall = ["خبر"]\n',
                                                 encoding="utf-8")
        settings = ", ".join(f'{k} = "{v}"' for k, v in LOCAL_SITE_SETTINGS.items())
        config = config_file(tmp_path, f'[crawl]\nsettings = {{ ROBOTSTXT_OBEY = "False", '
                                       f'{settings} }}\n')
        common = ["--db", str(world.db_path), "--seeds", str(world.seeds), "--config", str(config)]
        obeying = CliRunner().invoke(main, ["crawl", "local", "--set", "ROBOTSTXT_OBEY=True",
                                            *common])
        assert obeying.exit_code == 0, obeying.output
        assert not site.was_requested("/news/1")
        told = CliRunner().invoke(main, ["crawl", "local", *common])
        assert told.exit_code == 0, told.output
        assert site.was_requested("/news/1")
