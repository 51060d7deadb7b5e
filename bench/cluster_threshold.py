"""Measure word-shingle Jaccard similarity for same-story and different-story pairs, to choose
``monitor.cluster.SAME_STORY_JACCARD``. Run by hand:

    .venv/bin/python bench/cluster_threshold.py

Same-story pairs: the second demo outlet's agency copies against the first demo site's
originals, and synthetic rewrites of every demo story (another intro sentence, a share of the
words replaced, the second half dropped). Different-story pairs: every pair of distinct demo
stories (many share subject, desk and phrasing), and every pair of the real pages of the
extraction corpus (tests/fixtures/corpus) about different pages.
"""

from __future__ import annotations

import itertools
import json
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor import cluster  # noqa: E402
from demo import content  # noqa: E402
from demo.outlet2 import SYNDICATED, outlet_articles  # noqa: E402


def story_shingles(title: str, paragraphs) -> set[str]:
    return cluster.shingles(title, "\n\n".join(paragraphs))


def rewrite(paragraphs, share: float, rng: random.Random) -> list[str]:
    """Replace ``share`` of the words with other words."""
    out = []
    for paragraph in paragraphs:
        words = paragraph.split()
        for i in range(len(words)):
            if rng.random() < share:
                words[i] = rng.choice(["قال", "أكد", "أضاف", "وأوضح", "بحسب", "مصدر", "اليوم"])
        out.append(" ".join(words))
    return out


def summary(name: str, values: list[float]) -> None:
    print(f"{name:<58} n={len(values):<4} min={min(values):.3f} median="
          f"{statistics.median(values):.3f} max={max(values):.3f}")


def main() -> None:
    rng = random.Random(7)
    demo = {a.id: a for a in content.articles(2)} | {a.id: a for a in content.articles(1)}
    originals = {a.id: a for a in content.articles(1)}

    copies = []
    for copy in outlet_articles(2):
        if copy.id in SYNDICATED:
            original = originals[SYNDICATED[copy.id]]
            copies.append(cluster.jaccard(story_shingles(copy.headline, copy.paragraphs),
                                          story_shingles(original.headline, original.paragraphs)))
    summary("agency copies on the second outlet vs originals", copies)

    new_intro, rewritten = [], {0.1: [], 0.2: [], 0.25: [], 0.3: []}
    first_half = []
    for a in originals.values():
        base = story_shingles(a.headline, a.paragraphs)
        other = story_shingles("عنوان آخر للخبر نفسه", ["مقدمة مختلفة كتبها محرر آخر في وكالة أخرى "
                                                        "عن الحدث نفسه."] + list(a.paragraphs[1:]))
        new_intro.append(cluster.jaccard(base, other))
        for share in rewritten:
            rewritten[share].append(cluster.jaccard(
                base, story_shingles(a.headline, rewrite(a.paragraphs, share, rng))))
        half = a.paragraphs[: max(1, len(a.paragraphs) // 2)]
        first_half.append(cluster.jaccard(base, story_shingles(a.headline, half)))
    summary("another headline and intro paragraph", new_intro)
    for share, values in rewritten.items():
        summary(f"{int(share * 100)}% of the words replaced", values)
    summary("only the first half (a shortened copy)", first_half)

    stories = list(demo.values()) + [a for a in outlet_articles(2) if a.id not in SYNDICATED]
    distinct = [cluster.jaccard(story_shingles(a.headline, a.paragraphs),
                                story_shingles(b.headline, b.paragraphs))
                for a, b in itertools.combinations(stories, 2) if a.id != b.id]
    summary("distinct demo stories (both sites)", distinct)
    iraq_canada = [demo[i] for i in ("18001", "18005", "18008", "18012", "18016", "18017", "18019")]
    summary("distinct Iraq–Canada stories", [
        cluster.jaccard(story_shingles(a.headline, a.paragraphs),
                        story_shingles(b.headline, b.paragraphs))
        for a, b in itertools.combinations(iraq_canada, 2)])

    corpus = []
    for path in sorted((ROOT / "tests/fixtures/corpus").glob("*.json")):
        if path.name.endswith(".source.json"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        corpus.append((data.get("url"), cluster.shingles(data.get("title") or "",
                                                         data.get("body") or "")))
    pairs = list(itertools.combinations(corpus, 2))
    summary("distinct real pages (extraction corpus)",
            [cluster.jaccard(a, b) for (url_a, a), (url_b, b) in pairs if url_a != url_b])
    summary("one real page extracted by two tools (corpus)",
            [cluster.jaccard(a, b) for (url_a, a), (url_b, b) in pairs if url_a == url_b])
    print(f"\nchosen: SAME_STORY_JACCARD = {cluster.SAME_STORY_JACCARD} "
          f"(shingles of {cluster.SHINGLE_WORDS} words)")


if __name__ == "__main__":
    main()
