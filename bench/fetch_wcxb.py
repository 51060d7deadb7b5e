"""Rebuild bench/pages/wcxb from a local git copy of WCXB (Murrough-Foley/web-content-extraction-benchmark).

    python3 bench/fetch_wcxb.py GIT_DIR [--commit C]

Selection rule, fixed before any extractor was run: every page that metadata.json labels
``page_type: article`` in the held-out ``test`` split, in file_id order, except pages already
saved in tests/fixtures/corpus (those were looked at while the extractor was developed). Each
page's .html.gz is copied byte for byte; its ground truth is rewritten to the corpus gold format
(url, title, published, author, body, with, without) as ``<file_id>.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "pages" / "wcxb"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("git_dir")
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args()

    def show(path: str) -> bytes:
        return subprocess.run(["git", "--git-dir", args.git_dir, "show", f"{args.commit}:{path}"],
                              capture_output=True, check=True).stdout

    commit = subprocess.run(["git", "--git-dir", args.git_dir, "rev-parse", args.commit],
                            capture_output=True, check=True, text=True).stdout.strip()
    files = json.loads(show("metadata.json"))["files"]
    in_corpus = {re.search(r"wcxb-(\d+)", p.name).group(1) for p in CORPUS.glob("*wcxb-*.json")}
    chosen = [fid for fid, v in sorted(files.items())
              if v["split"] == "test" and v["page_type"] == "article" and fid not in in_corpus]
    OUT.mkdir(parents=True, exist_ok=True)
    for fid in chosen:
        (OUT / f"{fid}.html.gz").write_bytes(show(f"test/html/{fid}.html.gz"))
        truth = json.loads(show(f"test/ground-truth/{fid}.json"))
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
                       "html": f"test/html/{fid}.html.gz", "gold": f"test/ground-truth/{fid}.json",
                       "domain": files[fid]["domain"]},
        }
        (OUT / f"{fid}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
    print(f"{len(chosen)} pages from {commit} into {OUT} (skipped as in corpus: {sorted(in_corpus)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
