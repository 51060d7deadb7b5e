"""Where raqib's extractor spends its time: cProfile over development pages.

    .venv/bin/python bench/profile_extract.py [DIR...] [--top N] [--sort tottime|cumulative]
        [--repeat N] [--stages]

Default folders: tests/fixtures/corpus and bench/pages/wcxb-dev (development pages only;
held-out folders are refused, as in bench/extract_eval.py). Prints the functions that cost
most and, with ``--stages``, the share of the time each of raqib's stages takes (the
functions extract_article calls directly), trafilatura's whole extraction on the same pages
measured beside it for scale.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from extract_eval import HELD_OUT, load, trafilatura_extractor  # noqa: E402

from crawler.extract import extract_article  # noqa: E402

DEFAULT_DIRS = [ROOT / "tests" / "fixtures" / "corpus", ROOT / "bench" / "pages" / "wcxb-dev"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="*", type=Path, default=DEFAULT_DIRS)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--stages", action="store_true",
                        help="also print the time of each stage of crawler/extract/article.py")
    args = parser.parse_args(argv)
    pages = []
    for directory in args.directories:
        if directory.resolve() in HELD_OUT:
            parser.error(f"{directory} is held out: profile development pages only")
        pages += [(html, gold.get("url") or "") for _, html, gold in load(directory)]
    if not pages:
        parser.error("no pages")

    extract_article(*pages[0])  # imports and caches outside the profile
    trafilatura = trafilatura_extractor()
    plain = _timed(pages, extract_article, args.repeat)
    if trafilatura is not None:
        trafilatura(*pages[0])
        traf = _timed(pages, trafilatura, args.repeat)
        print(f"{len(pages)} pages: raqib {plain * 1000 / len(pages):.1f} ms/page, trafilatura "
              f"{traf * 1000 / len(pages):.1f} ms/page (×traf {traf / plain:.2f}), unprofiled\n")

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.repeat):
        for html, url in pages:
            extract_article(html, url)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats(args.sort).print_stats(args.top)
    if args.stages:
        _print_stages(stats)
    return 0


def _timed(pages, extractor, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for html, url in pages:
            extractor(html, url)
    return (time.perf_counter() - start) / repeat


def _print_stages(stats: pstats.Stats) -> None:
    """The functions ``_extract`` calls, by cumulative time, as shares of its own."""
    raw = stats.stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    extract = next((k for k in raw if k[2] == "_extract" and k[0].endswith("article.py")), None)
    if extract is None:
        return
    total = raw[extract][3]
    rows = []
    for func, (_, _, _, _, callers) in raw.items():
        if extract in callers:
            ct = callers[extract][3]
            rows.append((ct, f"{Path(func[0]).name}:{func[1]}({func[2]})"))
    print(f"stages of _extract ({total:.2f} s cumulative):")
    for ct, name in sorted(rows, reverse=True):
        if ct >= 0.005 * total:
            print(f"  {ct / total:6.1%}  {ct:7.2f} s  {name}")


if __name__ == "__main__":
    raise SystemExit(main())
