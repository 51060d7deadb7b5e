"""THE text module: Arabic normalisation, word characters, tokens, clitics and inflected forms,
shared by the store (hashing), the extractor, the matcher, search, clustering and the digest's
highlighting. Nothing else defines what a word is.

Normalise for comparing, never for display: callers keep the original text and compare
``normalize(text)`` forms. ``SURFACE_WORD`` finds the original words (diacritics and tatweel
included) that ``tokens`` folds; ``WORD_CHAR`` is one character that may stand inside one.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

# Harakat (fathatan .. sukun), superscript alef, Quranic marks, and small high/low signs.
_DIACRITICS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff]"
)
_TATWEEL = "\u0640"

_LETTER_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ئ": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ک": "ك",  # Persian kaf
        # Arabic-Indic and Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        _TATWEEL: "",
    }
)

# Word characters: Arabic letters, Latin letters, digits (as a character class's contents).
# Everything else (Arabic punctuation ، ؛ ؟ « » included) separates words. ``MARKS`` are the
# characters that may sit inside an original word and vanish when it is folded: diacritics and
# tatweel.
LETTERS = ("0-9A-Za-z\u00c0-\u024f\u0621-\u063f\u0641-\u064a\u0660-\u0669\u066e\u066f"
           "\u0671-\u06d3\u06f0-\u06f9")
MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff\u0640"
TOKEN = re.compile(f"[{LETTERS}]+")  # what ``tokens`` finds in normalised text
WORD_CHAR = f"[{LETTERS}{MARKS}]"  # one character of an original word (a regex)
SURFACE_WORD = re.compile(f"[{LETTERS}]{WORD_CHAR}*")  # one original word, marks included

# Proclitics that attach to the front of a word, longest first.
CLITIC_PREFIXES: tuple[str, ...] = (
    "وبال", "وكال", "فبال", "فكال", "ولل", "فلل",
    "وال", "فال", "بال", "كال", "لل",
    "وب", "وك", "ول", "فب", "فك", "فل",
    "ال", "و", "ف", "ب", "ل", "ك",
)
_MIN_STEM = 2


def strip_diacritics(text: str) -> str:
    """Remove harakat (shadda included), superscript alef and tatweel; keep everything else."""
    return _DIACRITICS.sub("", text).replace(_TATWEEL, "")


# ``_LETTER_MAP`` as a chain of ``str.replace`` calls: the same result (no replacement contains a
# character that is replaced), but each is a C-speed scan, where ``str.translate`` looks every
# character of Arabic text up in a dict — 40 times slower, and most of the cost of ``tokens``.
_REPLACEMENTS: tuple[tuple[str, str], ...] = tuple(
    (chr(code), replacement or "") for code, replacement in _LETTER_MAP.items())


def normalize(text: str) -> str:
    """Fold text for matching and hashing: NFKC, no diacritics or tatweel, one alef, ي for ى,
    ه for ة, ASCII digits, lower case. Whitespace and punctuation are left in place."""
    return fold(unicodedata.normalize("NFKC", text))


def fold(text: str) -> str:
    """``normalize`` without its NFKC step: diacritics and tatweel removed, letters and digits
    folded, lower case. It works character by character (each character becomes the same string
    wherever it stands; only Greek capital sigma lower-cases by context, to σ or ς), so text that
    NFKC leaves alone normalises as the concatenation of its characters' folds."""
    text = _DIACRITICS.sub("", text)
    for source, replacement in _REPLACEMENTS:  # text.translate(_LETTER_MAP), faster
        if source in text:
            text = text.replace(source, replacement)
    return text.lower()


def tokens(text: str) -> list[str]:
    """Normalised word tokens; punctuation (Arabic and Latin) and whitespace separate them."""
    return TOKEN.findall(normalize(text))


def normalized_words(text: str) -> str:
    """The text as one line of normalised tokens: the form hashed and indexed."""
    return " ".join(tokens(text))


def clitic_forms(token: str) -> set[str]:
    """A normalised token and every form of it with an attached proclitic removed.

    ``لكندا`` gives {"لكندا", "كندا"}; ``وبالعراق`` gives {"وبالعراق", "بالعراق", "عراق", ...}.
    Only removals that leave at least two letters are offered.
    """
    forms = {token}
    for prefix in CLITIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            forms.add(token[len(prefix):])
    return forms


def term_form(token: str) -> str:
    """The canonical form of a normalised topic-term token: the definite article dropped,
    so «العراق» and «عراق» are the same term."""
    if token.startswith("ال") and len(token) - 2 >= _MIN_STEM:
        return token[2:]
    return token


# Light stemming for topic terms: the inflections of one word, generated from the term rather
# than stripped from the text, so only real inflections of *that* word match. Sound plurals,
# duals, the feminine and the accusative alef of a word; never a derivation (the nisba «عراقي»
# is not «العراق», «عملية» is not «عمل»). Snowball's Arabic stemmer was measured and not used:
# it conflates derivations (عمل/عملية، مدرس/مدرسة، كندا/الكندي) yet misses plurals (معلم/معلمات).
_MASCULINE_ENDINGS = ("ون", "ين", "ان", "ات", "ه", "ا")
_FEMININE_ENDINGS = ("ات", "تان", "تين")
_MIN_INFLECTED = 3


def inflected_forms(form: str) -> set[str]:
    """A normalised single-word term form and its light inflections.

    ``مدرب`` gives مدربون، مدربين، مدربان، مدربات، مدربه، مدربا; a feminine ``معلمه`` (معلمة) gives
    معلمات، معلمتان، معلمتين; a plural ``شركات`` gives its singular ``شركه``. Words shorter than
    three letters, words ending in alef (names such as كندا، سوريا), numbers and Latin words are
    left as they are.
    """
    forms = {form}
    if len(form) < _MIN_INFLECTED or not all("\u0621" <= char <= "\u064a" for char in form):
        return forms
    if form.endswith("ات") and len(form) - 2 >= 2:
        forms.add(form[:-2] + "ه")
    elif form.endswith("ه"):
        forms.update(form[:-1] + ending for ending in _FEMININE_ENDINGS)
    elif not form.endswith("ا"):
        forms.update(form + ending for ending in _MASCULINE_ENDINGS)
    return forms


# --- original words and their tokens ------------------------------------------------------


def folds_word_by_word(text: str) -> bool:
    """Whether the original words of ``text`` (``SURFACE_WORD``) fold to its tokens one by one,
    in order — ``fold(word)`` of each is its token. True of most text: it holds when NFKC leaves
    the text alone and it has none of the characters that fold otherwise (``_odd_characters``)."""
    return unicodedata.is_normalized("NFKC", text) and not _odd_characters().search(text)


def surface_spans(text: str) -> list[tuple[str, int, int]]:
    """The tokens ``tokens(text)`` gives, each with the span of original text it came from
    (trailing diacritics and tatweel included, so «أكّدَ» is shown whole): (token, start, end)."""
    result: list[tuple[str, int, int]] = []
    start: int | None = None
    word: list[str] = []
    for index, char in enumerate(text):
        folded, is_word = _fold_char(char)
        if is_word:
            if start is None:
                start = index
            word.append(folded)
        elif folded == "" and start is not None:
            continue  # a diacritic or tatweel inside or at the end of a word
        elif start is not None:
            result.append(("".join(word), start, index))
            start, word = None, []
    if start is not None:
        result.append(("".join(word), start, len(text)))
    return result


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> tuple[str, bool]:
    """A character's normalised form, and whether it is a word character (both decided by
    ``normalize`` / ``tokens``, so the two tokenisations agree)."""
    folded = normalize(char)
    return folded, bool(folded) and tokens(folded) == [folded]


def _is_plain(char: str) -> bool:
    """Whether ``fold`` treats a character the way ``SURFACE_WORD`` assumes: a letter of
    ``LETTERS`` becomes one word character of ``TOKEN``, a mark of ``MARKS`` nothing, and
    any other character something (a separator) with no word character in it."""
    folded = fold(char)
    if re.fullmatch(f"[{LETTERS}]", char):
        return len(folded) == 1 and TOKEN.fullmatch(folded) is not None
    if re.fullmatch(f"[{MARKS}]", char):
        return folded == ""
    return folded != "" and TOKEN.search(folded) is None


@lru_cache(maxsize=1)
def _odd_characters() -> re.Pattern[str]:
    """The characters that rule ``folds_word_by_word`` out: those NFKC changes, and those
    ``_is_plain`` is false of. Worked out once for the Basic Multilingual Plane (~20 ms): only
    the characters that ``fold`` may change or that are letters, marks or word characters
    are tried one by one; every other character folds to itself, a separator. (Characters
    beyond the BMP are all plain separators when NFKC leaves them alone; tests/test_arabic.py
    checks this.)"""
    chars = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]
    chars.remove("\n")  # plain: it folds to itself and is no word character
    folds = fold("\n".join(chars)).split("\n")  # each character's fold, give or take Σ
    if len(folds) != len(chars):  # never seen: then one by one
        folds = [fold(char) for char in chars]
    tried = {char for char, folded in zip(chars, folds) if folded != char}
    tried.update(re.findall(WORD_CHAR, "".join(chars)))
    tried.update(TOKEN.findall(" ".join(chars)))
    odd = sorted({ord(char) for char in chars if not unicodedata.is_normalized("NFKC", char)}
                 | {ord(char) for char in tried if not _is_plain(char)})
    ranges: list[str] = []
    for _, run in itertools.groupby(enumerate(odd), key=lambda pair: pair[1] - pair[0]):
        codes = [code for _, code in run]
        ranges.append(re.escape(chr(codes[0])) if len(codes) == 1 else
                      f"{re.escape(chr(codes[0]))}-{re.escape(chr(codes[-1]))}")
    return re.compile(f"[{''.join(ranges)}]")
