"""Extraction benchmark: raqib against trafilatura and readability-lxml on pages with gold.

    .venv/bin/python bench/extract_eval.py --all [--only raqib,trafilatura] [--repeat N]
    .venv/bin/python bench/extract_eval.py [DIR] [--only ...] [--per-page] [--repeat N]

``--all`` measures every split in one run and prints one table per split, development sets
first, then the held-out ones:

- dev corpus, Arabic / English: tests/fixtures/corpus (rules are written while looking at it);
- WCXB dev: bench/pages/wcxb-dev, every second article page of WCXB's dev split
  (bench/fetch_wcxb.py --split dev; development: tune on it, read it page by page);
- eval_ar: tests/fixtures/eval_ar, the frozen Arabic evaluation split (held out);
- WCXB test: bench/pages/wcxb, the held-out WCXB article pages (held out);
- AEB: bench/pages/aeb, scrapinghub's article-extraction-benchmark (held out).

A split whose folder is missing or holds no page is named and skipped. With DIR, only that
folder is measured (default tests/fixtures/corpus), grouped by the ``ar__``/``en__`` prefixes
when its pages carry them.

DIR holds ``<name>.html`` (or ``<name>.html.gz``) pages next to ``<name>.json`` gold (url,
title, published, body, with, without), as in tests/fixtures/corpus. Scoring follows the corpus
README: body token F1/precision/recall over word tokens after Arabic normalisation, as
multisets; ``with`` found and ``without`` leaked on the whitespace-collapsed normalised text;
title equal after whitespace collapsing; date equal on the first ten characters (a split whose
gold has no titles or dates shows "-"). Pages per second are measured per split in the same
run for every extractor, from the page's bytes to its fields (decompressing a .html.gz is not
timed), the extractors taking turns page by page so that a shared machine's load falls on all
of them alike; "×traf" is an extractor's pages/s divided by trafilatura's on the same split. "<0.9"
counts pages whose body F1 is below 0.9, "empty" pages with no body, "fallback" how often
raqib's second opinion ran (Article.check.status == "fallback"). The scorer is
tests/gold_pages.py's. trafilatura is a dependency of raqib; readability-lxml is optional
(``pip install -e .[bench]``); a missing one is skipped.

``--per-page`` prints every page's scores, for development folders only: held-out pages are
never looked at one by one while rules change (/work/notes/common.md), so it refuses them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from crawler.extract import extract_article  # noqa: E402
from crawler.extract.encoding import decode_html  # noqa: E402
from gold_pages import body_prf, collapsed  # noqa: E402  (the one scorer)

DEFAULT_DIR = ROOT / "tests" / "fixtures" / "corpus"


@dataclass
class Output:
    title: str = ""
    body: str = ""
    published: str = ""
    status: str = ""  # raqib's Article.check.status: how often the second opinion ran


@dataclass
class Score:
    f1: float
    precision: float
    recall: float
    with_found: int
    with_total: int
    leaked: int
    without_total: int
    title_ok: bool | None
    date_ok: bool | None
    empty: bool = False
    fallback: bool = False


@dataclass
class Run:
    name: str
    scores: dict[str, Score] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0


# --- extractors ----------------------------------------------------------------------------

def raqib(html: bytes, url: str) -> Output:
    article = extract_article(html, url)
    return Output(article.title, article.body, article.published or "", article.check.status)


def trafilatura_extractor() -> Callable[[bytes, str], Output] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(html: bytes, url: str) -> Output:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        if doc is None:
            return Output()
        data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
        body = "\n\n".join(line for line in (data.get("text") or "").split("\n") if line.strip())
        return Output(data.get("title") or "", body, data.get("date") or "")

    return run


def readability_extractor() -> Callable[[bytes, str], Output] | None:
    try:
        import lxml.html
        from readability import Document
    except ImportError:
        return None

    def run(html: bytes, url: str) -> Output:
        doc = Document(decode_html(html), url=url)
        summary = lxml.html.fromstring(doc.summary(html_partial=True))
        paragraphs = []
        for el in summary.iter("p", "h2", "h3", "h4", "li", "blockquote", "pre"):
            text = " ".join(el.text_content().split())
            if text:
                paragraphs.append(text)
        if not paragraphs:
            paragraphs = [" ".join(summary.text_content().split())]
        return Output(doc.short_title() or doc.title() or "", "\n\n".join(paragraphs), "")

    return run


# --- scoring -------------------------------------------------------------------------------

def score(out: Output, gold: dict) -> Score:
    f1, precision, recall = body_prf(out.body, gold.get("body") or "")
    body = collapsed(out.body)
    with_ = gold.get("with") or []
    without = gold.get("without") or []
    title = gold.get("title")
    published = gold.get("published")
    return Score(
        f1, precision, recall,
        sum(collapsed(s) in body for s in with_), len(with_),
        sum(collapsed(s) in body for s in without), len(without),
        (" ".join(out.title.split()) == " ".join(title.split())) if title else None,
        ((out.published or "")[:10] == published[:10]) if published else None,
        not out.body.strip(), out.status == "fallback",
    )


# --- running and reporting -----------------------------------------------------------------

def load(directory: Path) -> list[tuple[str, bytes, dict]]:
    pages = []
    for html in sorted([*directory.glob("*.html"), *directory.glob("*.html.gz")]):
        name = html.name.removesuffix(".gz").removesuffix(".html")
        gold_file = directory / f"{name}.json"
        if gold_file.exists():
            data = html.read_bytes()
            if html.suffix == ".gz":
                data = gzip.decompress(data)
            pages.append((name, data, json.loads(gold_file.read_text("utf-8"))))
    return pages


def measure(pages, extractors: dict[str, Callable], repeat: int) -> list[Run]:
    """Every extractor on every page, page by page in turn (so a loaded machine's slow
    moments fall on all extractors alike), ``repeat`` times; seconds are the mean per run."""
    runs = {name: Run(name) for name in extractors}
    outputs: dict[tuple[str, str], Output] = {}
    for name, extractor in extractors.items():
        extractor(pages[0][1], pages[0][2].get("url") or "")  # warm up imports and caches
    for _ in range(repeat):
        for page, html, gold in pages:
            for name, extractor in extractors.items():
                start = time.perf_counter()
                try:
                    outputs[name, page] = extractor(html, gold.get("url") or "")
                except Exception as exc:  # a peer crashing on a page scores zero there
                    print(f"  {name} failed on {page}: {exc!r}", file=sys.stderr)
                    outputs[name, page] = Output()
                runs[name].seconds += time.perf_counter() - start
    for name, result in runs.items():
        result.seconds /= repeat
        for page, _, gold in pages:
            result.scores[page] = score(outputs[name, page], gold)
            if outputs[name, page].status:
                result.statuses[outputs[name, page].status] += 1
    return list(runs.values())


@dataclass(frozen=True)
class Split:
    name: str
    directory: Path
    held_out: bool
    prefix: str = ""   # only the pages whose name starts with it


SPLITS = [
    Split("dev corpus, Arabic", ROOT / "tests" / "fixtures" / "corpus", False, "ar__"),
    Split("dev corpus, English", ROOT / "tests" / "fixtures" / "corpus", False, "en__"),
    Split("WCXB dev", ROOT / "bench" / "pages" / "wcxb-dev", False),
    Split("eval_ar (held out)", ROOT / "tests" / "fixtures" / "eval_ar", True),
    Split("WCXB test (held out)", ROOT / "bench" / "pages" / "wcxb", True),
    Split("AEB (held out)", ROOT / "bench" / "pages" / "aeb", True),
]
HELD_OUT = {s.directory.resolve() for s in SPLITS if s.held_out}


def summary(run_: Run, names: list[str], n_pages: int) -> dict[str, str]:
    scores = [run_.scores[n] for n in names]
    if not scores:
        return {}
    titled = [s.title_ok for s in scores if s.title_ok is not None]
    dated = [s.date_ok for s in scores if s.date_ok is not None]
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    return {
        "F1": f"{mean([s.f1 for s in scores]):.3f}",
        "P": f"{mean([s.precision for s in scores]):.3f}",
        "R": f"{mean([s.recall for s in scores]):.3f}",
        "with": (f"{sum(s.with_found for s in scores)}/{sum(s.with_total for s in scores)}"
                 if any(s.with_total for s in scores) else "-"),
        "leaks": str(sum(s.leaked for s in scores)) if any(s.without_total for s in scores) else "-",
        "title": f"{sum(titled)}/{len(titled)}" if titled else "-",
        "date": f"{sum(dated)}/{len(dated)}" if dated else "-",
        "<0.9": str(sum(s.f1 < 0.9 for s in scores)),
        "empty": str(sum(s.empty for s in scores)),
        "fallback": str(sum(s.fallback for s in scores)) if run_.name == "raqib" else "-",
        "pages/s": f"{n_pages / run_.seconds:.1f}" if run_.seconds else "-",
    }


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


HEADER = ["pages", "extractor", "F1", "P", "R", "<0.9", "empty", "with", "leaks", "title",
          "date", "fallback", "pages/s", "×traf"]


def ratios(runs: list[Run], n_pages: int) -> dict[str, str]:
    speed = {r.name: n_pages / r.seconds for r in runs if r.seconds}
    base = speed.get("trafilatura")
    return {name: f"{v / base:.2f}" if base else "-" for name, v in speed.items()}


def rows_for(label: str, runs: list[Run], names: list[str], n_timed: int) -> list[list[str]]:
    speed = ratios(runs, n_timed)
    return [[f"{label} ({len(names)})", r.name,
             *(summary(r, names, n_timed)[k] for k in HEADER[2:-1]), speed.get(r.name, "-")]
            for r in runs]


def print_checks(runs: list[Run], n_pages: int) -> None:
    for r in runs:
        if r.statuses:
            counts = ", ".join(f"{status} {n}" for status, n in r.statuses.most_common())
            print(f"{r.name} extraction check (Article.check.status) over {n_pages} pages: {counts}")


def run_all(extractors: dict[str, Callable], repeat: int) -> None:
    for split in SPLITS:
        pages = [p for p in load(split.directory) if p[0].startswith(split.prefix)] \
            if split.directory.is_dir() else []
        if not pages:
            print(f"## {split.name}: no page + gold pairs in {split.directory.relative_to(ROOT)}"
                  " (skipped)\n")
            continue
        runs = measure(pages, extractors, repeat)
        kind = "held out" if split.held_out else "development"
        print(f"## {split.name}: {split.directory.relative_to(ROOT)}"
              f"{'/' + split.prefix + '*' if split.prefix else ''}, {kind}\n")
        print(table([HEADER, *rows_for(split.name.split(" (")[0], runs, [p for p, _, _ in pages],
                                       len(pages))]))
        print()
        print_checks(runs, len(pages))
        print()
    print(f"pages/s: each split's pages, bytes in, fields out, mean of {repeat} run(s); "
          "×traf: pages/s over trafilatura's on the same split.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--all", action="store_true", help="every split, one table each")
    parser.add_argument("--only", help="comma-separated extractors to run")
    parser.add_argument("--per-page", action="store_true",
                        help="print every page's scores (development folders only)")
    parser.add_argument("--repeat", type=int, help="timing repeats (default 3; 1 with --all)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.all else 3)

    available: dict[str, Callable | None] = {
        "raqib": raqib,
        "trafilatura": trafilatura_extractor(),
        "readability": readability_extractor(),
    }
    extractors = {}
    for name in (args.only.split(",") if args.only else list(available)):
        if available.get(name) is None:
            print(f"({name} not installed: skipped)", file=sys.stderr)
        else:
            extractors[name] = available[name]

    if args.all:
        if args.per_page:
            parser.error("--per-page is for one development folder, not --all")
        run_all(extractors, repeat)
        return 0

    if args.per_page and args.directory.resolve() in HELD_OUT:
        parser.error(f"{args.directory} is held out: no per-page results from it")
    pages = load(args.directory)
    if not pages:
        parser.error(f"no page + gold pairs in {args.directory}")
    runs = measure(pages, extractors, repeat)

    groups = {
        "Arabic": [p for p, _, _ in pages if p.startswith("ar__")],
        "English": [p for p, _, _ in pages if p.startswith("en__")],
        "all": [p for p, _, _ in pages],
    }
    if len(groups["all"]) in (len(groups["Arabic"]), len(groups["English"])):
        del groups["all"]  # one language only: "all" would repeat its rows
    if not groups["Arabic"] and not groups["English"]:
        groups = {"all": [p for p, _, _ in pages]}
    rows = [HEADER]
    for group, names in groups.items():
        if names:
            rows += rows_for(group, runs, names, len(pages))
    print(table(rows))
    print("\npages/s: every page of the directory, bytes in, fields out, "
          f"mean of {repeat} runs; the same figure on each row of one extractor.")
    print_checks(runs, len(pages))

    if args.per_page:
        rows = [["page", "extractor", "F1", "P", "R", "with", "leaks", "title", "date"]]
        for page, _, _ in pages:
            for r in runs:
                s = r.scores[page]
                rows.append([page[:45], r.name, f"{s.f1:.3f}", f"{s.precision:.3f}", f"{s.recall:.3f}",
                             f"{s.with_found}/{s.with_total}", str(s.leaked),
                             "-" if s.title_ok is None else "yes" if s.title_ok else "NO",
                             "-" if s.date_ok is None else "yes" if s.date_ok else "NO"])
        print()
        print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
