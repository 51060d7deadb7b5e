"""Rebuild bench/pages/aeb from a local git copy of scrapinghub/article-extraction-benchmark.

    python3 bench/fetch_aeb.py GIT_DIR [--commit C]

Selection rule, fixed before any extractor was run: every page of the benchmark (``html/`` and
``ground-truth.json``), nothing dropped. Each page's .html.gz is copied byte for byte; its
ground truth (article body only: the benchmark has no title or date gold) is rewritten to the
corpus gold format as ``<id>.json`` with empty title, published, with and without, so only the
body is scored. GIT_DIR is a bare copy such as the one the `fetch` tool writes; nothing is
downloaded here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "pages" / "aeb"
REPO = "scrapinghub/article-extraction-benchmark"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("git_dir")
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args()

    def git(*argv: str) -> bytes:
        return subprocess.run(["git", "--git-dir", args.git_dir, *argv],
                              capture_output=True, check=True).stdout

    commit = git("rev-parse", args.commit).decode().strip()
    truth = json.loads(git("show", f"{commit}:ground-truth.json"))
    OUT.mkdir(parents=True, exist_ok=True)
    for page_id, item in sorted(truth.items()):
        (OUT / f"{page_id}.html.gz").write_bytes(git("show", f"{commit}:html/{page_id}.html.gz"))
        gold = {
            "url": item.get("url") or "",
            "title": "",
            "published": "",
            "body": item.get("articleBody") or "",
            "with": [],
            "without": [],
            "source": {"repo": REPO, "commit": commit, "html": f"html/{page_id}.html.gz",
                       "gold": f"ground-truth.json[{page_id}].articleBody", "license": "MIT"},
        }
        (OUT / f"{page_id}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")
    print(f"{len(truth)} pages from {REPO}@{commit} into {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
