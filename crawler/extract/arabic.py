"""Arabic text normalisation shared by the store (hashing), the monitor (matching) and search.

Normalise for comparing, never for display: callers keep the original text and compare
``normalize(text)`` forms.
"""

from __future__ import annotations

import re
import unicodedata

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

# Word characters: Arabic letters, Latin letters, digits. Everything else (Arabic
# punctuation ، ؛ ؟ « » included) separates words.
_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06f0-\u06f9]+")
TOKEN = _WORD  # what ``tokens`` finds in normalised text: one run of word characters

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
    return _WORD.findall(normalize(text))


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
