"""A digest shows each site by the name its seed gives (``name = "…"``), not its id, in every
format a person reads; json keeps the id and adds the name; a site without a seed shows its id."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from monitor.alerts import run_monitor
from monitor.cli import main
from monitor.history import FSI, PDI
from monitor.topics import Topic
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_TITLE, new_db, save

TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا"))]
NAME = "رقيب نيوز التجريبي"
WIRE = "https://wire.test/news/7"


@pytest.fixture
def store(tmp_path):
    """Two stories: one of ``demo`` (seeded, with a name), one of ``wire`` (no seed)."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, WIRE, "كندا تعيد فتح سفارتها في العراق", "أعلنت كندا أنها ستعيد فتح سفارتها في العراق.",
         site="wire")
    run_monitor(db, TOPICS)
    db.close()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "demo.toml").write_text(f'name = "{NAME}"\nallowed_domains = ["demo.test"]\n'
                                     'feeds = ["https://demo.test/rss"]\n', encoding="utf-8")
    return tmp_path


def digest(store, fmt: str) -> str:
    result = CliRunner().invoke(main, ["digest", "--format", fmt, "--db", str(store / "raqib.db"),
                                       "--seeds", str(store / "seeds")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_text_digest_names_each_source_by_its_seed_name(store):
    text = digest(store, "text")
    assert f"source: {FSI}{NAME}{PDI} · {IRAQ_CANADA}" in text
    assert f"source: wire · {WIRE}" in text                    # no seed: its id
    assert f"{FSI}demo{PDI}" not in text


def test_the_markdown_digest_names_each_source_by_its_seed_name(store):
    markdown = digest(store, "markdown")
    assert f"  {NAME} · published" in markdown
    assert "  wire · published" in markdown


def test_the_html_digest_names_each_source_by_its_seed_name(store):
    page = digest(store, "html")
    assert f'<span class="site">{NAME}</span>' in page
    assert '<span class="site">wire</span>' in page
    assert '<span class="site">demo</span>' not in page


def test_the_json_digest_keeps_site_ids_and_adds_their_names(store):
    document = json.loads(digest(store, "json"))
    stories = {s["url"]: s for t in document["topics"] for s in t["new"]}
    assert stories[IRAQ_CANADA]["site"] == "demo"
    assert stories[IRAQ_CANADA]["site_name"] == NAME
    assert stories[IRAQ_CANADA]["sources"][0] == {"site": "demo", "url": IRAQ_CANADA,
                                                   "title": STORY_TITLE, "name": NAME}
    assert stories[WIRE]["site_name"] == "wire"
    assert {a["site"] for a in document["alerts"]} == {"demo", "wire"}


def test_a_delivered_digest_names_each_source_by_its_seed_name(store):
    config = store / "raqib.toml"
    config.write_text('seeds = "seeds"\n[[channel]]\ntype = "file"\npath = "digests"\n'
                      'format = "html"\n', encoding="utf-8")
    sent = CliRunner().invoke(main, ["digest", "--send", "--db", str(store / "raqib.db"),
                                     "--config", str(config)], catch_exceptions=False)
    assert sent.exit_code == 0, sent.output
    (written,) = (store / "digests").iterdir()
    page = written.read_text(encoding="utf-8")
    assert f'<span class="site">{NAME}</span>' in page
    assert '<span class="site">wire</span>' in page
