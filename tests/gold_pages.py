"""Saved pages with hand-made gold (tests/fixtures/corpus, tests/fixtures/eval_ar), scored the
way the corpus README says: snippets on whitespace-collapsed normalised text, body token F1
over normalised word tokens as multisets."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

from crawler.extract import Article, extract_article
from crawler.extract.arabic import normalize, tokens

# The one liberty taken with the README's scoring: typographic apostrophes are folded, because
# the English benchmark's gold writes ’ where its saved page has ' (timesofindia: "doesn't").
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})

# Development pages (tests/fixtures/corpus) the current extractor is known to get wrong, with
# the gap each one shows. Their leak and body tests are strict xfails and they stay out of the mean
# floors, which keep their height; an entry goes as soon as its page passes (the marks are
# strict, so a fixed page fails until its entry is removed).
KNOWN_GAPS: dict[str, str] = {}


class GoldPages:
    """The ``<name>.html`` pages of a directory with their ``<name>.json`` gold."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.names = sorted(p.stem for p in directory.glob("*.html"))
        self.gold = cache(self._gold)
        self.extracted = cache(self._extracted)

    def _gold(self, name: str) -> dict:
        return json.loads((self.directory / f"{name}.json").read_text(encoding="utf-8"))

    def _extracted(self, name: str) -> Article:
        page = (self.directory / f"{name}.html").read_bytes()
        return extract_article(page, self.gold(name)["url"])


def collapsed(text: str) -> str:
    """Normalised text on one line, for finding snippets."""
    return " ".join(normalize(text).translate(_APOSTROPHES).split())


def body_prf(predicted: str, expected: str) -> tuple[float, float, float]:
    """Token F1, precision and recall of two bodies over normalised words, as multisets."""
    got, want = Counter(tokens(predicted)), Counter(tokens(expected))
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall), precision, recall


def body_f1(predicted: str, expected: str) -> float:
    """Token F1 of two bodies over normalised words, as multisets."""
    return body_prf(predicted, expected)[0]
