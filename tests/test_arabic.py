"""The shared Arabic normalisation: its output is what the store hashes, so a faster
implementation must give exactly what the first one gave, for every input.

``normalize`` once folded letters with ``str.translate``; it now uses a chain of ``str.replace``
calls (much faster on Arabic text). The reference below is the first implementation, kept here
to compare against on all the text the tests have: the extraction corpus, the unseen pages, the
encoding fixtures, the demo site (stories and rendered pages, both editions, both outlets),
every Unicode code point, and random mixtures of the characters that are folded.
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest

from crawler.extract import arabic
from crawler.extract.arabic import normalize, normalized_words, tokens

FIXTURES = Path(__file__).parent / "fixtures"


def reference_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = arabic._DIACRITICS.sub("", text)
    return text.translate(arabic._LETTER_MAP).lower()


def reference_tokens(text: str) -> list[str]:
    return arabic._WORD.findall(reference_normalize(text))


def reference_normalized_words(text: str) -> str:
    return " ".join(reference_tokens(text))


def assert_same(text: str, label: str) -> None:
    assert normalize(text) == reference_normalize(text), label
    assert tokens(text) == reference_tokens(text), label
    assert normalized_words(text) == reference_normalized_words(text), label


def fixture_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for encoding in ("utf-8", "cp1256", "iso8859-6"):
            texts.append((f"{path.name} as {encoding}", data.decode(encoding, errors="replace")))
    return texts


def demo_texts() -> list[tuple[str, str]]:
    from monitor.demo import content, outlet2
    from monitor.demo.site import DemoSite

    texts = []
    for edition in content.EDITIONS:
        for article in content.articles(edition):
            texts.append((f"demo story {article.id}", article.text))
        site = DemoSite(edition)
        for path in site.paths():
            response = site.render(path)
            if response is not None:
                texts.append((f"demo page {path} (edition {edition})", response.text))
    for edition in outlet2.OUTLET_EDITIONS:  # the second outlet: its stories and pages
        site = outlet2.OutletSite(edition)
        for article in outlet2.outlet_articles(edition):
            texts.append((f"outlet2 story {article.id}", article.text))
        for path in ("/", *(outlet2.story_path(a) for a in site.linked_articles())):
            response = site.render(path)
            if response is not None:
                texts.append((f"outlet2 page {path} (edition {edition})", response.text))
    return texts


def test_the_test_corpus_normalises_exactly_as_before():
    texts = fixture_texts()
    assert len(texts) > 100
    for label, text in texts:
        assert_same(text, label)


def test_the_demo_site_normalises_exactly_as_before():
    texts = demo_texts()
    assert len(texts) > 20
    for label, text in texts:
        assert_same(text, label)


def test_every_code_point_normalises_exactly_as_before():
    points = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    for start in range(0, len(points), 4096):
        chunk = points[start:start + 4096]
        assert_same("".join(chunk), f"U+{ord(chunk[0]):04X}..")
        assert_same(" ".join(chunk), f"U+{ord(chunk[0]):04X}.. spaced")


@pytest.mark.parametrize("seed", range(5))
def test_random_mixtures_of_folded_characters_normalise_exactly_as_before(seed):
    rng = random.Random(seed)
    folded = [chr(code) for code in arabic._LETTER_MAP]
    marks = [chr(code) for code in range(0x064B, 0x0660)] + ["\u0670", "\u0640", "\u0653"]
    letters = [chr(code) for code in range(0x0621, 0x064B)] + list("AbCİẞΣσ ،.«»\n")
    pool = folded + marks + letters + ["ﻻ", "ﻛ", "ﺪ", "\u00a0", "٫", "١"]
    for _ in range(200):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 80)))
        assert_same(text, repr(text))


def test_no_replacement_brings_back_a_folded_character():
    sources = {source for source, _ in arabic._REPLACEMENTS}
    assert sources == {chr(code) for code in arabic._LETTER_MAP}
    assert not any(set(replacement) & sources for _, replacement in arabic._REPLACEMENTS)
    assert all(re.fullmatch(r"[0-9\u0621-\u064a]?", replacement)
               for _, replacement in arabic._REPLACEMENTS)
