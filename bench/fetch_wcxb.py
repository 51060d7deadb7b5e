"""Rebuild bench/pages/wcxb (or bench/pages/wcxb-dev) from a local git copy of WCXB
(Murrough-Foley/web-content-extraction-benchmark).

    python3 bench/fetch_wcxb.py GIT_DIR [--commit C] [--split test|dev]

Selection rules, fixed before any extractor was run on the pages:

- ``--split test`` (the default) -> bench/pages/wcxb, HELD OUT: every page that metadata.json
  labels ``page_type: article`` in WCXB's ``test`` split, in file_id order;
- ``--split dev`` -> bench/pages/wcxb-dev, a development set (rules may be tuned on it, its
  pages may be read one by one): every second ``article`` page of WCXB's ``dev`` split in
  file_id order (the first, the third, ...), which keeps the set to about half the size.

Either way pages already saved in tests/fixtures/corpus are left out (they were looked at while
the extractor was developed, and a page must not count twice). Each page's .html.gz is copied
byte for byte; its ground truth is rewritten to the corpus gold format (url, title, published,
author, body, with, without) as ``<file_id>.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = {"test": ROOT / "bench" / "pages" / "wcxb", "dev": ROOT / "bench" / "pages" / "wcxb-dev"}
STEP = {"test": 1, "dev": 2}  # every page of the test split; every second one of dev
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("git_dir")
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--split", choices=sorted(OUT), default="test",
                        help="test: bench/pages/wcxb, held out (default); dev: bench/pages/wcxb-dev")
    args = parser.parse_args()
    split, out = args.split, OUT[args.split]

    def show(path: str) -> bytes:
        return subprocess.run(["git", "--git-dir", args.git_dir, "show", f"{args.commit}:{path}"],
                              capture_output=True, check=True).stdout

    commit = subprocess.run(["git", "--git-dir", args.git_dir, "rev-parse", args.commit],
                            capture_output=True, check=True, text=True).stdout.strip()
    files = json.loads(show("metadata.json"))["files"]
    in_corpus = {re.search(r"wcxb-(\d+)", p.name).group(1) for p in CORPUS.glob("*wcxb-*.json")}
    articles = [fid for fid, v in sorted(files.items())
                if v["split"] == split and v["page_type"] == "article"]
    chosen = [fid for fid in articles[::STEP[split]] if fid not in in_corpus]
    out.mkdir(parents=True, exist_ok=True)
    for fid in chosen:
        (out / f"{fid}.html.gz").write_bytes(show(f"{split}/html/{fid}.html.gz"))
        truth = json.loads(show(f"{split}/ground-truth/{fid}.json"))
        gt = truth["ground_truth"]
        gold = {
            "url": truth.get("url") or "",
            "title": gt.get("title") or "",
            "published": gt.get("publish_date") or "",
            "author": gt.get("author") or "",
            "body": gt.get("main_content") or "",
            "with": gt.get("with") or [],
            "without": gt.get("without") or [],
            "source": {"repo": "Murrough-Foley/web-content-extraction-benchmark", "commit": commit,
                       "html": f"{split}/html/{fid}.html.gz",
                       "gold": f"{split}/ground-truth/{fid}.json",
                       "domain": files[fid]["domain"]},
        }
        (out / f"{fid}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
    skipped = sorted(set(articles[::STEP[split]]) & in_corpus)
    print(f"{len(chosen)} pages of the {split} split from {commit} into {out.relative_to(ROOT)}"
          f" (skipped as in corpus: {skipped})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
