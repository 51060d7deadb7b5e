"""A due refetch is skipped when the sitemap's ``lastmod`` (or the feed entry's ``updated``)
says the page has not changed since raqib last fetched it (issue 17 item 5): over real HTTP
on 127.0.0.1, the crawl's clock moved with ``RAQIB_NOW``, the server counting requests."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from crawler.extract.feeds import parse_feed
from crawler.sitemaps import read_sitemap
from local_site import TEXT, XML, LocalSite, Page, article_page, story
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


def urlset(entries: list[tuple[str, datetime | None]]) -> bytes:
    """A sitemap whose entries each carry their own lastmod (or none)."""
    items = "".join(f"<url><loc>{loc}</loc>"
                    + (f"<lastmod>{when.isoformat()}</lastmod>" if when else "") + "</url>"
                    for loc, when in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>').encode()


class MappedSite:
    """/news/1..4 in a sitemap; 1-3 with a lastmod each, 4 without."""

    def __init__(self, site: LocalSite):
        self.site = site
        self.lastmod = {n: T0 - timedelta(minutes=60 - 10 * n) for n in (1, 2, 3)}
        self.paragraphs = {n: story(n) for n in (1, 2, 3, 4)}
        site.add("/robots.txt", Page(b"User-agent: *\nAllow: /\n", TEXT))
        self.publish()

    def publish(self) -> None:
        self.site.add("/sitemap.xml", Page(urlset(
            [(self.site.url(f"/news/{n}"), self.lastmod.get(n)) for n in (1, 2, 3, 4)]), XML))
        for n, paragraphs in self.paragraphs.items():
            self.site.add(f"/news/{n}", article_page(f"خبر رقم {n} عن الاقتصاد", paragraphs))

    def edit(self, n: int, when: datetime) -> None:
        self.paragraphs[n] = [*self.paragraphs[n], "وأضاف المتحدث أن الاجتماع المقبل سيعقد "
                                                   "في العاصمة خلال الشهر القادم."]
        self.lastmod[n] = when
        self.publish()


def seed(site: LocalSite, budget: int = 300) -> str:
    return (f'name = "موقع"\nallowed_domains = ["127.0.0.1"]\n'
            f'sitemaps = ["{site.url("/sitemap.xml")}"]\n'
            "article_url = '^http://127\\.0\\.0\\.1:\\d+/news/\\d+'\n"
            f'every = "30m"\nmax_age = "3650d"\nrefetch_budget = {budget}\n')


def crawl(world, site: LocalSite, now: datetime) -> tuple[Counter, object]:
    before = len(site.requested)
    outcome = crawl_sites(world.db_path, world.seeds, ["wire"],
                          {**LOCAL_SITE_SETTINGS, "RAQIB_NOW": now.isoformat()}, timeout=120)
    assert outcome.returncode == 0, outcome.messages
    asked = Counter(p for p in site.requested[before:] if p.startswith("/news/"))
    return asked, outcome.runs[-1]


def test_a_page_the_sitemap_says_is_unchanged_is_not_fetched_again(world):
    with LocalSite() as site:
        mapped = MappedSite(site)
        world.add_seed("wire", seed(site))
        asked, run = crawl(world, site, T0)
        assert run.new == 4 and set(asked) == {f"/news/{n}" for n in (1, 2, 3, 4)}

        asked, run = crawl(world, site, T0 + timedelta(minutes=30))  # every one is due
        assert set(asked) == {"/news/4"}                  # no lastmod: the tiers decide

        mapped.edit(2, T0 + timedelta(minutes=45))
        asked, run = crawl(world, site, T0 + timedelta(minutes=60))
        assert set(asked) == {"/news/2", "/news/4"} and run.changed == 1
        db = world.db()
        versions = dict(db.execute("SELECT url, COUNT(*) FROM versions GROUP BY url").fetchall())
        db.close()
        assert versions[site.url("/news/2")] == 2


def test_the_budget_a_skipped_refetch_frees_goes_to_a_waiting_one(world):
    with LocalSite() as site:
        MappedSite(site)
        world.add_seed("wire", seed(site, budget=2))
        crawl(world, site, T0)
        # due: 1, 2, 3, 4 (in that order); the budget takes 1 and 2, both unchanged by the
        # sitemap, so their slots go to 3 (unchanged too) and then 4, which is fetched
        asked, run = crawl(world, site, T0 + timedelta(minutes=30))
        assert set(asked) == {"/news/4"}
        db = world.db()
        (deferred,) = db.execute("SELECT refetch_deferred FROM crawl_runs WHERE id = ?",
                                 [run.run_id]).fetchone()
        db.close()
        assert deferred == 0


def test_updated_times_are_read_and_shared_ones_dropped():
    shared = T0.isoformat()
    found = read_sitemap(urlset([(f"https://x.test/news/{n}", T0) for n in range(3)]), 10**6)
    assert [link.updated for link in found.links] == [None, None, None]  # a build time
    assert read_sitemap(urlset([("https://x.test/news/1", T0)]), 10**6).links[0].updated == shared
    feed = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            b'<entry><title>a</title><link href="https://x.test/news/1"/>'
            b'<published>2026-11-01T07:00:00Z</published>'
            b'<updated>2026-11-01T08:00:00Z</updated></entry>'
            b'<entry><title>b</title><link href="https://x.test/news/2"/>'
            b'<published>2026-11-01T07:30:00Z</published></entry></feed>')
    links = parse_feed(feed).links
    assert [link.updated for link in links] == ["2026-11-01T08:00:00+00:00", None]
