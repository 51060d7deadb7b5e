"""The ``raqib`` command: a thin layer over the library. Each command opens what it needs,
calls one function, and turns errors into a clear message."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from crawler.extract.safetext import terminal_json, terminal_safe_all
from crawler.sites import load_sites
from crawler.store import open_db

from monitor.words import counted

DEFAULT_DB = "raqib.db"


class Context:
    """Paths every command shares: the store, the config, the seeds and the topics file."""

    def __init__(self, db: str | None, config: str | None, seeds: str | None,
                 topics: str | None):
        self.config = config or ("raqib.toml" if Path("raqib.toml").exists() else None)
        self.settings = _load_config(self.config)  # monitor.config.Config; defaults without one
        # An option beats $RAQIB_DB, which beats the config file, which beats the default.
        self.db = db or os.environ.get("RAQIB_DB") or self.settings.db or DEFAULT_DB
        self.seeds = seeds or self.settings.seeds or "seeds"
        self.topics = topics or self.settings.topics or str(Path(self.seeds) / "topics.toml")

    def check_store(self) -> None:
        """Stop with one clear line when the store is damaged or another program's database
        (see monitor.doctor), before a command reads or writes it."""
        from monitor.doctor import StoreProblem, check_store

        click.get_current_context().meta["raqib.db"] = self.db
        try:
            check_store(self.db)
        except StoreProblem as exc:
            raise StoreUnusable(str(exc)) from exc

    def open_db(self, *, existing: bool = False):
        """The store, brought up to the current schema. ``existing``: for a command that reads
        what earlier crawls stored, a store that is not there is one clear line, never a new
        empty store made where a mistyped ``--db`` points."""
        if existing and not Path(self.db).exists():
            raise click.ClickException(
                f"no store at {self.db}: `raqib crawl` or `raqib demo` makes one; give --db PATH "
                "(or set RAQIB_DB) to read another")
        self.check_store()
        return open_db(self.db)

    def load_topics(self):
        from monitor.topics import TopicsError, load_topics

        if not Path(self.topics).exists():
            raise click.ClickException(f"no topics file at {self.topics} (give --topics FILE)")
        try:
            return load_topics(self.topics)
        except TopicsError as exc:
            raise click.ClickException("bad topics file:\n" + "\n".join(exc.problems)) from exc


class StoreUnusable(click.ClickException):
    """The store is damaged or not raqib's: the message is the whole line shown."""

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


class RaqibGroup(click.Group):
    """The command group; an SQLite error saying the store is damaged, met anywhere in a
    command, becomes the one line of :class:`StoreUnusable` instead of a traceback."""

    def invoke(self, ctx: click.Context):
        from monitor.doctor import StoreProblem, is_damage

        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            path = ctx.meta.get("raqib.db", DEFAULT_DB)
            raise StoreUnusable(str(StoreProblem(path, str(exc)))) from exc


def _load_config(path: str | None):
    from monitor.config import ConfigError, load_config

    if path is not None and not Path(path).exists():
        raise click.ClickException(f"no config file at {path}")
    try:
        return load_config(path)
    except ConfigError as exc:
        raise click.ClickException("bad config file:\n" + "\n".join(exc.problems)) from exc


def common_options(func):
    """``--db``, ``--config``, ``--seeds`` and ``--topics``, taken by every command."""
    func = click.option("--topics", "topics", type=click.Path(dir_okay=False),
                        help="Topics file (default: SEEDS/topics.toml).")(func)
    func = click.option("--seeds", "seeds", type=click.Path(file_okay=False),
                        help="Seeds directory (default: ./seeds).")(func)
    func = click.option("--config", "config", type=click.Path(dir_okay=False),
                        help="Config file (default: ./raqib.toml when it exists).")(func)
    func = click.option("--db", "db", type=click.Path(dir_okay=False),
                        help="SQLite store (default: $RAQIB_DB, else ./raqib.db).")(func)
    return func


def _context(db, config, seeds, topics) -> Context:
    return Context(db, config, seeds, topics)


def _since(since: str | None) -> str | None:
    if since is None:
        return None
    from monitor.timeparse import parse_since

    try:
        return parse_since(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc


@click.group(cls=RaqibGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="raqib")
def main() -> None:
    """رقيب raqib: crawl Arabic news sites, keep every version, alert on tracked topics."""


# Crawling ------------------------------------------------------------------------------

@main.command()
@click.argument("sites", nargs=-1)
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting for this crawl.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@click.option("--timeout", "time_limit", metavar="DURATION",
              help="Stop the crawl after this long, e.g. 10m (default: [crawl] timeout of "
                   "raqib.toml, 15m).")
@common_options
def crawl(sites, settings, verbose, time_limit, db, config, seeds, topics) -> None:
    """Crawl the named sites (default: all) once, then run the monitor. A crawl still running
    at its time limit is stopped (what it stored is kept) and the command exits 1.

    Example: raqib crawl aljazeera --db news.db --timeout 10m
    """
    from crawler.durations import parse_duration

    ctx = _context(db, config, seeds, topics)
    overrides = {**ctx.settings.crawl.settings, **_parse_settings(settings)}
    try:
        limit = (parse_duration(time_limit) if time_limit else ctx.settings.crawl.timeout)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--timeout") from exc
    if sites:
        _known_sites_only(ctx, sites)
    _crawl_and_monitor(ctx, list(sites), overrides, verbose, timeout=limit.total_seconds())


def _known_sites_only(ctx: Context, names) -> None:
    """Stop with one line naming the seeds' sites when a named site has no seed (a seed that
    does not load is the crawl's to report, with its problems)."""
    found, errors = load_sites(ctx.seeds)
    known = {site.id for site in found} | {Path(error.path).stem for error in errors}
    missing = [name for name in names if name not in known]
    if missing:
        listed = ", ".join(sorted(site.id for site in found)) or "(none)"
        raise click.ClickException(
            f"no site {', '.join(repr(m) for m in missing)} in {ctx.seeds}; its sites: {listed}")


def _parse_settings(pairs) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
        overrides[name] = value
    return overrides


def _crawl_and_monitor(ctx: Context, sites: list[str], overrides: dict[str, str],
                       verbose: bool = False, timeout: float | None = None) -> None:
    """Crawl, print what each run found, run the monitor. On a terminal each site's counts
    are shown as the crawl goes (one line, redrawn; cleared before the summary); off one
    nothing but the summary. Every site's run failed: one line saying so, exit 1."""
    import subprocess

    from monitor.crawling import (
        close_timed_out_runs, crawl_sites, every_run_failed, last_run_id, runs_after,
    )

    ctx.check_store()
    before = last_run_id(ctx.db)
    progress = TerminalProgress() if sys.stderr.isatty() and not verbose else None
    try:
        outcome = crawl_sites(ctx.db, ctx.seeds, sites, overrides,
                              log_level="INFO" if verbose else "WARNING", timeout=timeout,
                              on_progress=progress.update if progress else None)
    except subprocess.TimeoutExpired:
        if progress:
            progress.clear()
        close_timed_out_runs(ctx.db, before, timeout or 0)
        for run in runs_after(ctx.db, before):
            click.echo(f"crawled {run.line()}")
        _monitor(ctx)  # what the crawl stored before its stop is kept, and monitored
        raise click.ClickException(f"the crawl was stopped at its time limit of "
                                   f"{timeout:.0f}s (--timeout, or [crawl] timeout)")
    if progress:
        progress.clear()
    crashed = not outcome.runs and outcome.returncode not in (0, 2)
    for line in outcome.messages.splitlines():
        if verbose or crashed or line.startswith("raqib:"):
            click.echo(line, err=True)
    for run in outcome.runs:
        click.echo(f"crawled {run.line()}")
        for error in run.error_lines(limit=None if verbose else 5):
            click.echo(f"    {error}")
    if not outcome.runs:
        raise click.ClickException("nothing was crawled")
    _monitor(ctx)
    from crawler.run import STORE_FAILED

    if outcome.returncode == STORE_FAILED:
        raise click.ClickException("some pages could not be stored (see the errors above); "
                                   "the next crawl fetches them again")
    failed = every_run_failed(outcome.runs)
    if failed:
        raise click.ClickException(failed)


class TerminalProgress:
    """Each site's counts on one line of the terminal, redrawn as reports arrive (from the
    crawl's reader thread), cut to the terminal's width so that it never wraps."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.sites: dict[str, Any] = {}
        self.drawn = False

    def update(self, progress) -> None:
        import shutil

        self.sites[progress.site] = progress
        width = shutil.get_terminal_size().columns - 1
        text = "crawling " + " · ".join(site.line() for site in self.sites.values())
        self.stream.write("\r\x1b[K" + text[:width])
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


def _monitor(ctx: Context) -> list:
    from monitor.alerts import run_monitor

    topics = ctx.load_topics()
    db = ctx.open_db()
    try:
        raised = run_monitor(db, topics)
    finally:
        db.close()
    click.echo(f"monitor: {counted(len(raised), 'new alert')}")
    return raised


@main.command()
@common_options
def monitor(db, config, seeds, topics) -> None:
    """Match stories stored since the last checkpoint against the topics and raise alerts.

    Example: raqib monitor --db raqib.db
    """
    _monitor(_context(db, config, seeds, topics))


# Extraction ----------------------------------------------------------------------------

@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--url", help="The page's URL (helps dates and titles).")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="text",
              show_default=True)
@click.option("--explain", is_flag=True,
              help="Also show the container found, the check, and each removed block and its rule.")
@click.option("--site", "site_id", help="Apply this seed's [selectors] (from --seeds).")
@common_options
def extract(files, url, fmt, explain, site_id, db, config, seeds, topics) -> None:
    """Run the extractor on saved pages.

    Example: raqib extract page.html --format jsonl
    """
    from crawler.extract import extract_article

    selectors = None
    if site_id:
        found, _ = load_sites(_context(db, config, seeds, topics).seeds)
        chosen = [s for s in found if s.id == site_id]
        if not chosen:
            raise click.ClickException(f"no site {site_id!r} in the seeds")
        selectors = chosen[0].selectors
    records = []
    for file in files:
        article = extract_article(Path(file).read_bytes(), url, selectors=selectors)
        record: dict[str, Any] = {
            "file": file, "url": article.url, "title": article.title, "body": article.body,
            "published": article.published, "author": article.author,
        }
        if explain:
            record["removed"] = [{"rule": r.rule, "text": r.text} for r in article.removed]
            record["check"] = {"status": article.check.status, "reason": article.check.reason,
                               "container": article.check.container,
                               "container_chars": article.check.container_chars,
                               "body_chars": article.check.body_chars}
            record["not_article"] = (None if article.interstitial is None else
                                     {"kind": article.interstitial.kind,
                                      "stage": article.interstitial.stage,
                                      "reason": article.interstitial.reason})
        records.append(record)
    if fmt == "jsonl":
        for record in records:
            click.echo(terminal_json(record, indent=None))
    elif fmt == "json":
        click.echo(terminal_json(records if len(records) > 1 else records[0]))
    else:
        for record in records:
            click.echo(f"== {record['file']}")
            click.echo(f"title: {record['title']}")
            click.echo(f"published: {record['published'] or '-'}")
            click.echo(f"author: {record['author'] or '-'}")
            click.echo("")
            click.echo(record["body"])
            if explain:
                check = record["check"]
                click.echo(f"\ncheck: {check['status']} (container {check['container'] or '-'}, "
                           f"{check['container_chars']} running chars; body {check['body_chars']})"
                           + (f": {check['reason']}" if check["reason"] else ""))
                if record["not_article"]:
                    refused = record["not_article"]
                    click.echo(f"not the article: {refused['reason']} (a crawl records it as "
                               f"{refused['stage']} and stores no version)")
                click.echo("\n-- removed --")
                for removed in record["removed"]:
                    click.echo(f"[{removed['rule']}] {removed['text']}")
            click.echo("")


@main.command()
@click.argument("site", required=False)
@common_options
def reextract(site, db, config, seeds, topics) -> None:
    """Run the current extractor over the stored pages (of SITE, or all); record a new version
    only where the cleaned text changes, then run the monitor.

    Example: raqib reextract demo
    """
    from crawler.reextract import reextract as reextract_pages

    ctx = _context(db, config, seeds, topics)
    found, _ = load_sites(ctx.seeds)
    selectors = {s.id: s.selectors for s in found}
    store = ctx.open_db(existing=True)
    try:
        stored = [row[0] for row in store.execute("SELECT DISTINCT site FROM articles ORDER BY site")]
        if site is not None and site not in stored:
            raise click.ClickException(f"no stored article of site {site!r}; the store holds: "
                                       f"{', '.join(stored) or '(none)'}")
        # a site's seed carries its [selectors]: without it the pages would be re-read by the
        # generic rules alone, and what the seed fixed would come back as edits
        unseeded = [s for s in ([site] if site else stored) if s not in selectors]
        if unseeded:
            raise click.ClickException(
                f"no seed for {', '.join(unseeded)} in {ctx.seeds}: reextract reads each site "
                "with its seed's selectors; give --seeds DIR (or name the sites that have one)")
        counts = reextract_pages(store, site, selectors)
    finally:
        store.close()
    click.echo(f"re-extracted: {counts['changed']} changed, {counts['same']} unchanged, "
               f"{counts['empty']} now empty (kept), {counts['no_page']} without a stored page; "
               f"{counts['problems']} with an extraction problem")
    if counts["changed"] and Path(ctx.topics).exists():
        _monitor(ctx)


# Alerts, digests, history -------------------------------------------------------------

@main.command()
@click.option("--since", help="Only alerts since T: ISO-8601 time or a duration such as 2h.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common_options
def alerts(since, fmt, db, config, seeds, topics) -> None:
    """List the alerts raised.

    Example: raqib alerts --since 2h --format json
    """
    from monitor.alerts import list_alerts

    from monitor.history import isolate
    from monitor.localtime import arabic_time
    from monitor.words import counted

    since_iso = _since(since)
    ctx = _context(db, config, seeds, topics)
    store = ctx.open_db(existing=True)
    try:
        found = list_alerts(store, since=since_iso)
    finally:
        store.close()
    if fmt == "json":
        click.echo(terminal_json([a.to_json() for a in found]))
        return
    found = terminal_safe_all(found)
    if not found:
        click.echo("no alerts")
    for alert in found:
        sources = (f" (+{counted(len(alert.sources) - 1, 'source')})"
                   if len(alert.sources) > 1 else "")
        when = isolate(arabic_time(alert.created, ctx.settings.tz))
        click.echo(f"{when}  {alert.kind:<6}  [{alert.topic}]  {alert.title}{sources}")
        click.echo(f"    {alert.url}")


@main.command()
@click.option("--since", help="Only alerts since T: ISO-8601 time or a duration such as 2h.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html", "json"]),
              default="text", show_default=True)
@click.option("--send", is_flag=True, help="Deliver through the configured channels now.")
@common_options
def digest(since, fmt, send, db, config, seeds, topics) -> None:
    """Print the digest of alerts not yet delivered (marks nothing); with --send, deliver it
    through the channels of raqib.toml now, retrying any failed delivery at once.

    Example: raqib digest --format html > digest.html
    """
    from monitor.digest import pending_alerts, render_digest, site_names

    if send:
        if since:
            raise click.BadParameter("--since only filters the preview; --send delivers every "
                                     "alert not yet delivered", param_hint="--since")
        _send_digest(_context(db, config, seeds, topics))
        return
    ctx = _context(db, config, seeds, topics)
    store = ctx.open_db(existing=True)
    try:
        pending = pending_alerts(store, since=_since(since))
    finally:
        store.close()
    click.echo(render_digest(pending, fmt, tz=ctx.settings.tz, names=site_names(ctx.seeds)))


def _send_digest(ctx: Context) -> None:
    from monitor.digest import site_names
    from monitor.outbox import send_digests

    if not ctx.settings.channels:
        where = ctx.config or "raqib.toml"
        raise click.ClickException(f"no delivery channel configured: add a [[channel]] to "
                                   f"{where} (see raqib.toml.example)")
    store = ctx.open_db(existing=True)
    try:
        report = send_digests(store, list(ctx.settings.channels), ctx.settings.digest,
                              force=True, tz=ctx.settings.tz, names=site_names(ctx.seeds))
    finally:
        store.close()
    if report.built is None and not report.attempts:
        click.echo("nothing new to send")
        return
    if report.built is not None:
        click.echo(f"built digest {report.built}")
    for attempt in report.attempts:
        click.echo(attempt.line(), err=not attempt.ok)
    if report.failed:
        raise click.ClickException(
            f"{len(report.failed)} delivery(ies) failed; the error is recorded and the digest "
            "will be retried (raqib status shows it)")


@main.command()
@click.argument("url")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common_options
def history(url, fmt, db, config, seeds, topics) -> None:
    """Every stored version of one article, with the diff between consecutive ones, and
    when it was taken down or came back.

    Example: raqib history https://example.com/news/1 --format json
    """
    from monitor.history import article_history, article_removals, render_history

    store = _context(db, config, seeds, topics).open_db(existing=True)
    try:
        entries = article_history(store, url)
        removals = article_removals(store, url)
    finally:
        store.close()
    if not entries:
        raise click.ClickException(f"no stored article at {url}")
    click.echo(render_history(entries, fmt, color=True, removals=removals))  # echo drops colour off a terminal


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="At most this many results.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common_options
def search(query, limit, fmt, db, config, seeds, topics) -> None:
    """Arabic-aware full-text search over the stored articles, best first.

    Diacritics, letter forms and attached clitics are ignored («أكّد» finds «أكد», «كندا»
    finds «لكندا»); every word must occur; "quoted words" are a phrase. Snippets quote the
    original text with the matched words in [brackets].

    Example: raqib search كندا "وزير الخارجية" --format json
    """
    from monitor.search import SearchError, search as run_search, sync_search_index

    store = _context(db, config, seeds, topics).open_db(existing=True)
    try:
        sync_search_index(store)
        hits = run_search(store, " ".join(query), limit=limit)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    if fmt == "json":
        click.echo(terminal_json([hit.to_json() for hit in hits]))
        return
    hits = terminal_safe_all(hits)
    if not hits:
        click.echo("no results")
    for hit in hits:
        click.echo(f"{hit.title}  ({hit.site}{', ' + hit.published if hit.published else ''})")
        click.echo(f"    {hit.url}")
        click.echo(f"    {hit.snippet()}")
        click.echo("")


# Sites and topics ----------------------------------------------------------------------

@main.group()
def sites() -> None:
    """Show sites and validate their seed files."""


@sites.command("list")
@common_options
def sites_list(db, config, seeds, topics) -> None:
    """Show the sites of the seeds directory.

    Example: raqib sites list --seeds seeds
    """
    ctx = _context(db, config, seeds, topics)
    found, errors = load_sites(ctx.seeds)
    for site in found:
        from crawler.durations import format_duration
        from monitor.words import counted

        sources = len(site.feeds) + len(site.sitemaps) + len(site.start_urls)
        click.echo(f"{site.id:<16} {site.name}  ({', '.join(site.allowed_domains)}; "
                   f"{counted(sources, 'source')}; every {format_duration(site.every)})")
    for error in errors:
        click.echo(f"INVALID {error.path}", err=True)
    if errors:
        sys.exit(1)


@sites.command("check")
@click.option("--live", is_flag=True,
              help="Also fetch every feed, sitemap and listing page now (needs a network).")
@common_options
def sites_check(live, db, config, seeds, topics) -> None:
    """Validate every seed file; name the file, key and problem; exit non-zero on any.
    With --live, also check that each site's feeds and sitemaps answer with entries.

    Example: raqib sites check --seeds seeds/examples --live
    """
    ctx = _context(db, config, seeds, topics)
    found, errors = load_sites(ctx.seeds)
    for site in found:
        click.echo(f"ok       {site.path}  ({site.id})")
    for error in errors:
        for problem in error.problems:
            click.echo(f"error    {problem}", err=True)
    if errors:
        click.echo(f"{len(errors)} bad seed file(s), {len(found)} good", err=True)
        sys.exit(1)
    if not found:
        click.echo(f"no seed files in {ctx.seeds} (one TOML file per site; see README: "
                   "Add a site; seeds/examples/ has real outlets)")
    if live:
        from monitor.status import check_live

        checks = [check for site in found for check in check_live(site)]
        for check in checks:
            click.echo(check.line(), err=not check.ok)
        failed = [check for check in checks if not check.ok]
        if failed:
            click.echo(f"{len(failed)} of {len(checks)} source(s) did not answer with entries",
                       err=True)
            sys.exit(1)


@main.group()
def topics_group() -> None:
    """Show topics, and backtest them on the stored articles."""


main.add_command(topics_group, name="topics")


@topics_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common_options
def topics_list(fmt, db, config, seeds, topics) -> None:
    """Show the tracked topics: each one's terms, all of which must occur (all), one of which
    must (any), none of which may (none), and the sites it is limited to.

    Example: raqib topics list --topics seeds/topics.toml --format json
    """
    from crawler.extract.safetext import terminal_json, terminal_safe

    found = _context(db, config, seeds, topics).load_topics()
    if fmt == "json":
        click.echo(terminal_json([{"name": t.name, "all": list(t.all), "any": list(t.any),
                                   "none": list(t.none), "sites": list(t.sites)}
                                  for t in found]))
        return
    for topic in found:
        click.echo(terminal_safe(topic.name))
        for label, terms in (("all", topic.all), ("any", topic.any), ("none", topic.none),
                             ("sites", topic.sites)):
            if terms:
                click.echo(f"  {label}: " + terminal_safe("، ".join(terms)))


@topics_group.command("test")
@click.argument("name", required=False)
@click.option("--days", default=14, show_default=True, type=click.IntRange(min=1),
              help="How many days back, by published date (else first seen).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common_options
def topics_test(name, days, fmt, db, config, seeds, topics) -> None:
    """Backtest one topic (NAME) or every topic on the stored articles: matches per day and
    sample titles with the words that matched.

    Example: raqib topics test "العراق وكندا" --days 30
    """
    from monitor.topics import backtest_topics, render_backtests, select_topics

    ctx = _context(db, config, seeds, topics)
    try:
        chosen = select_topics(ctx.load_topics(), name)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    store = ctx.open_db(existing=True)
    try:
        results = backtest_topics(store, chosen, days=days)
    finally:
        store.close()
    click.echo(render_backtests(results, fmt))


# Staying up: run, status, serve ---------------------------------------------------------

@main.command()
@click.option("--once", is_flag=True,
              help="One round: crawl every site, run the monitor, send the digest; then exit.")
@click.option("--no-digest", is_flag=True, help="With --once: do not send the digest.")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting for every crawl.")
@common_options
def run(once, no_digest, settings, db, config, seeds, topics) -> None:
    """Stay up: crawl each site on its own interval, run the monitor after each crawl, send
    digests on the schedule of raqib.toml; SIGINT or SIGTERM stops it cleanly. With --once,
    do one round (every site, the monitor, the digest of whatever is new) for cron; it exits
    1 when every site's crawl failed.

    Example: raqib run --config raqib.toml
    """
    import logging

    from monitor.scheduler import RunPlan, run_forever, run_once

    ctx = _context(db, config, seeds, topics)
    ctx.check_store()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    plan = RunPlan(db=ctx.db, seeds=ctx.seeds, topics=ctx.topics, config=ctx.settings,
                   overrides=_parse_settings(settings))
    if once:
        from monitor.crawling import every_run_failed, last_run_id, runs_after

        before = last_run_id(ctx.db)
        for line in run_once(plan, send=not no_digest):
            click.echo(line)
        failed = every_run_failed(runs_after(ctx.db, before))
        if failed:  # cron mails what exits non-zero
            raise click.ClickException(failed)
        return
    run_forever(plan)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common_options
def status(fmt, db, config, seeds, topics) -> None:
    """Each site's last crawl, next crawl and errors, and the digest waiting to go out.

    Example: raqib status --format json
    """
    from monitor.scheduler import digest_schedule
    from monitor.status import collect_status, render_status

    ctx = _context(db, config, seeds, topics)
    found, _ = load_sites(ctx.seeds)
    schedule = digest_schedule(ctx.settings) if ctx.settings.channels else None
    store = ctx.open_db(existing=True)
    try:
        click.echo(render_status(collect_status(store, found, digest=schedule,
                                                tz=ctx.settings.tz), fmt, tz=ctx.settings.tz))
    finally:
        store.close()


@main.command()
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Bind here and answer requests naming this host (anyone who can reach it "
                   "can read the whole store: give --password-env).")
@click.option("--password-env", "password_env", metavar="VAR",
              help="Ask for the password held in environment variable VAR (HTTP basic auth).")
@common_options
def serve(port, host, password_env, db, config, seeds, topics) -> None:
    """Browse the store with Datasette on 127.0.0.1: tables described, canned queries for
    the latest alerts, edited stories with diffs, sites' health, crawl history and search.
    Anyone who can reach it can read the whole store.

    Example: raqib serve --db raqib.db --port 8001
    """
    from monitor.serve import datasette_available, serve as serve_store

    if password_env is not None and not os.environ.get(password_env):
        raise click.ClickException(f"environment variable {password_env} is not set")
    if host not in ("127.0.0.1", "localhost", "::1") and password_env is None:
        click.echo(f"raqib: serving on {host} without --password-env: anyone who can reach "
                   "it can read the whole store", err=True)
    ctx = _context(db, config, seeds, topics)
    if not datasette_available():
        raise click.ClickException("Datasette is not installed: pip install 'raqib[serve]' "
                                   "(or pip install datasette)")
    ctx.open_db(existing=True).close()  # the schema up to date (crawler.schema) before Datasette reads it
    click.echo(f"serving {ctx.db} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    sys.exit(serve_store(ctx.db, port, host, password_env))


# Keeping the store safe: doctor, backup ----------------------------------------------------

@main.command()
@click.option("--recover", "recover_to", type=click.Path(dir_okay=False), metavar="NEW.db",
              help="Copy what is readable into a new store at NEW.db.")
@common_options
def doctor(recover_to, db, config, seeds, topics) -> None:
    """Check the store for damage (SQLite's integrity_check and quick_check), name the damaged
    tables and indexes and count the readable rows; exit 1 when it is damaged. With --recover,
    copy what is readable into a new store (the sqlite3 command's .recover, or iterdump:
    whichever recovers more).

    Example: raqib doctor --db raqib.db --recover rescued.db
    """
    from monitor.doctor import diagnose, recover

    ctx = _context(db, config, seeds, topics)
    if not Path(ctx.db).exists():
        raise click.ClickException(f"no store at {ctx.db}")
    report = diagnose(ctx.db)
    for line in report.lines():
        click.echo(line)
    if recover_to is None:
        if not report.ok:
            sys.exit(1)
        return
    try:
        recovery = recover(ctx.db, recover_to)
    except (FileExistsError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in recovery.lines():
        click.echo(line)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@common_options
def backup(path, db, config, seeds, topics) -> None:
    """Copy the store to PATH with SQLite's online backup API: a consistent copy even while a
    crawl writes to the store. PATH must not exist.

    Example: raqib backup backups/raqib-$(date +%F).db
    """
    from monitor.backup import backup_store

    ctx = _context(db, config, seeds, topics)
    ctx.check_store()
    try:
        done = backup_store(ctx.db, path)
    except (FileExistsError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(done.line())


# The offline demo ----------------------------------------------------------------------

@main.command()
@click.option("--dir", "workdir", default="raqib-demo", show_default=True,
              type=click.Path(file_okay=False), help="Where the demo keeps its seeds and store.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html", "json"]),
              default="text", show_default=True)
def demo(workdir, fmt) -> None:
    """Offline: serve two demo news sites on 127.0.0.1, crawl them, change them (new stories,
    an edit, a widget-only change, a story syndicated by the second site), crawl again, print
    the digest.

    Example: raqib demo --format markdown
    """
    from demo.run import closing_lines, prepare, walk_through
    from monitor.crawling import LOCAL_SITE_SETTINGS
    from monitor.digest import pending_alerts, render_digest, site_names

    paths = prepare(workdir)
    ctx = Context(str(paths.db), None, str(paths.seeds), str(paths.topics))
    walk_through(paths, lambda _paths, sites: _crawl_and_monitor(ctx, sites, LOCAL_SITE_SETTINGS),
                 click.echo)
    store = ctx.open_db()
    try:
        pending = pending_alerts(store)
    finally:
        store.close()
    click.echo("")
    click.echo(render_digest(pending, fmt, names=site_names(paths.seeds)))
    for line in closing_lines(paths):
        click.echo(line)


if __name__ == "__main__":
    main()
