"""The shared Arabic normalisation: its output is what the store hashes, so a faster
implementation must give exactly what the first one gave, for every input.

``normalize`` once folded letters with ``str.translate``; it now uses a chain of ``str.replace``
calls (much faster on Arabic text). The reference below is the first implementation, kept here
to compare against on all the text the tests have: the extraction corpus, the evaluation pages, the
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


# The first implementation, written out with its own tables (not the module's), so the
# module is held to what it gave rather than to itself.
_REFERENCE_DIACRITICS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff]")
_REFERENCE_LETTERS = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي",
    "ة": "ه", "ؤ": "و", "ک": "ك", "\u0640": "",
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
}
_REFERENCE_MAP = str.maketrans(_REFERENCE_LETTERS)
_REFERENCE_WORD = re.compile(
    r"[0-9A-Za-z\u00c0-\u024f\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06f0-\u06f9]+")


def reference_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _REFERENCE_DIACRITICS.sub("", text)
    return text.translate(_REFERENCE_MAP).lower()


def reference_tokens(text: str) -> list[str]:
    return _REFERENCE_WORD.findall(reference_normalize(text))


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
    from demo import content, outlet2
    from demo.site import DemoSite

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
    folded = list(_REFERENCE_LETTERS)
    marks = [chr(code) for code in range(0x064B, 0x0660)] + ["\u0670", "\u0640", "\u0653"]
    letters = [chr(code) for code in range(0x0621, 0x064B)] + list("AbCİẞΣσ ،.«»\n")
    pool = folded + marks + letters + ["ﻻ", "ﻛ", "ﺪ", "\u00a0", "٫", "١"]
    for _ in range(200):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 80)))
        assert_same(text, repr(text))


def test_each_folded_letter_folds_alone_and_inside_a_word():
    # from Arabic examples: every alef with hamza or madda, yeh/alef maqsura, ta marbuta,
    # waw with hamza, the Persian letters and both families of digits
    assert tokens("أحمد إبراهيم آمال ٱلله") == ["احمد", "ابراهيم", "امال", "الله"]
    assert tokens("مستشفى فارسی رئيس مدرسة مؤتمر کتاب") == [
        "مستشفي", "فارسي", "رييس", "مدرسه", "موتمر", "كتاب"]
    assert tokens("عام ٢٠٢٤ و۱۴۰۳") == ["عام", "2024", "و1403"]
    assert tokens("كـــندا") == ["كندا"]
    assert tokens("وَأَكَّدَ الوزيرُ") == ["واكد", "الوزير"]


def test_arabic_punctuation_separates_words():
    assert tokens("قال،وأضاف؛ لماذا؟«نعم»") == ["قال", "واضاف", "لماذا", "نعم"]


def test_an_original_word_keeps_its_marks_and_folds_to_its_token():
    text = "وأكّدَ الوزيرُ: «إنّ ٣٠ جنديّاً» — كـــندا، 3.5%"
    words = arabic.SURFACE_WORD.findall(text)
    assert words[:3] == ["وأكّدَ", "الوزيرُ", "إنّ"]
    assert [arabic.fold(word) for word in words] == tokens(text)
    assert [(token, text[start:end]) for token, start, end in arabic.surface_spans(text)][:2] == [
        ("واكد", "وأكّدَ"), ("الوزير", "الوزيرُ")]


def test_text_that_folds_word_by_word_gives_its_tokens_from_its_original_words():
    """Wherever ``folds_word_by_word`` says yes, folding the original words one by one gives
    ``tokens``: checked for every character of the Basic Multilingual Plane standing alone,
    inside an Arabic word and between two."""
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        for text in (char, f"كت{char}اب", f"كتاب{char}قلم", f"{char}ب"):
            if arabic.folds_word_by_word(text):
                words = arabic.SURFACE_WORD.findall(text)
                folded = arabic.fold(" ".join(words))
                assert (folded.split(" ") if folded else []) == tokens(text), hex(code)
    for text in ("من İstanbul إلى كندا", "ﻻ يزال الوفد في ﻛﻨﺪا"):  # text that does not
        assert not arabic.folds_word_by_word(text)
    # beyond the BMP every character NFKC leaves alone is a plain separator
    beyond = [chr(code) for code in range(0x10000, 0x110000)
              if unicodedata.is_normalized("NFKC", chr(code))]
    joined = "\n".join(beyond)
    assert not tokens(joined)
    folded = normalize(joined).split("\n")
    assert len(folded) == len(beyond) and all(folded)
