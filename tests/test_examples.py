"""seeds/examples: real Arabic outlets by their public feeds. Offline, they are only validated;
`raqib sites check --live` fetches the sources and is tested here on the local demo site."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crawler.sites import load_sites
from monitor.cli import main
from demo.server import DemoServer, demo_seed_toml

EXAMPLES = Path(__file__).resolve().parents[1] / "seeds" / "examples"


def test_the_example_seeds_are_valid_and_marked_as_needing_internet():
    sites, errors = load_sites(EXAMPLES)
    assert errors == []
    assert len(sites) >= 5
    for site in sites:
        assert site.needs_internet, site.id
        assert site.feeds or site.sitemaps, site.id
        assert all(url.startswith("https://") for url in site.feeds + site.sitemaps)


def test_the_example_seeds_are_not_in_the_default_seeds():
    sites, _ = load_sites(EXAMPLES.parent)
    assert not any(site.needs_internet for site in sites)


def test_sites_check_live_fetches_each_feed_and_sitemap(world):
    with DemoServer() as server:
        world.add_seed("demo", demo_seed_toml(server.base_url))
        result = CliRunner().invoke(main, ["sites", "check", "--live", "--seeds",
                                           str(world.seeds)])
        assert result.exit_code == 0, result.output
        assert f"ok    demo           feed      {server.base_url}/rss.xml  (HTTP 200, " in result.output
        assert "sitemap" in result.output and "entries" in result.output

        world.add_seed("broken", demo_seed_toml(server.base_url, "broken").replace(
            "/rss.xml", "/no-such-feed.xml"))
        failing = CliRunner().invoke(main, ["sites", "check", "--live", "--seeds",
                                            str(world.seeds)])
        assert failing.exit_code == 1
        assert "FAIL  broken" in failing.output and "HTTP 404" in failing.output
