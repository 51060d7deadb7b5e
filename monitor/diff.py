"""Sentence-level diffs between two versions of an article, and what kind of edit each change is.

A field's diff (title, body) compares sentences — split on . ! ? ؟ ؛ and paragraph breaks, with
«3.5» and «U.S.» kept whole — by their normalised words (``arabic.normalized_words``), so a
sentence that only gained a diacritic or tatweel, or lost a comma or a space, is not a change.
As JSON a field's diff is::

    {"changes": [{"op": "replace", "removed": ["..."], "added": ["..."],
                  "edit_kinds": ["numbers_changed"]}, ...],
     "removed": ["..."], "added": ["..."], "edit_kinds": ["numbers_changed", ...]}

``changes`` keeps the order of the text (``op`` is replace, delete or insert); ``removed`` and
``added`` list the same sentences flat, for readers that want only those. A diff of two versions
(:func:`diff_versions`) holds one such dict per changed field and ``edit_kinds``, the sorted
kinds of all its changes; it is empty (``{}``) when no sentence changed.

Edit kinds (:data:`EDIT_KINDS`):

- ``headline_changed``: the title changed.
- ``paragraph_added`` / ``paragraph_removed``: body sentences or paragraphs added or removed.
- ``numbers_changed``: a figure changed (a toll from 30 to 45; «٣٠» is 30, so a change of digit
  script alone is no change).
- ``wording_changed``: the words of a sentence changed (besides its figures, if they changed).
- ``correction_added``: a correction or update note was added («تصحيح:»، «تنويه:»، «تم تحديث هذا
  الخبر»، "Correction:", "Update:").
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import Any, Mapping

from crawler.extract.arabic import normalize, normalized_words, tokens

DIFF_FIELDS = ("title", "body")
EDIT_KINDS = ("correction_added", "headline_changed", "numbers_changed", "paragraph_added",
              "paragraph_removed", "wording_changed")
# Each edit kind's label, English and Arabic, in the order a reader wants them: the one table
# every output that names an edit kind uses (digests, `raqib history`).
EDIT_KIND_LABELS = {
    "headline_changed": ("headline changed", "تغيّر العنوان"),
    "numbers_changed": ("numbers changed", "تغيّرت الأرقام"),
    "paragraph_added": ("paragraph added", "أضيفت فقرة"),
    "paragraph_removed": ("paragraph removed", "حُذفت فقرة"),
    "wording_changed": ("wording changed", "تغيّرت الصياغة"),
    "correction_added": ("correction note added", "أضيفت ملاحظة تصحيح"),
}


def edit_kinds_en(kinds: list[str]) -> str:
    """``["numbers_changed", "paragraph_added"]`` as "numbers changed, paragraph added"."""
    return ", ".join(EDIT_KIND_LABELS.get(k, (k,))[0] for k in kinds)

_PARAGRAPHS = re.compile(r"\s*\n\s*")
# A sentence ends at . ! ? ؟ ؛ ۔ or … (possibly followed by a closing quote or bracket) and
# whitespace; "3.5" and "U.S." without a following space stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?؟؛۔…])\s+|(?<=[.!?؟؛۔…][»\"'”’)\]])\s+")
# A figure, in normalised text (Arabic-Indic digits already ASCII): 30, 3.5, 1,200, ٣٫٥.
_NUMBER = re.compile(r"\d+(?:[.,\u066b\u066c]\d+)*")
# How correction and update notes open, as normalised words.
CORRECTION_OPENINGS: tuple[str, ...] = tuple(normalized_words(opening) for opening in (
    "تصحيح", "تنويه", "توضيح", "استدراك", "ملاحظة المحرر", "ملاحظة من المحرر",
    "تم تحديث هذا الخبر", "تم تحديث الخبر", "تم تعديل هذا الخبر", "جرى تحديث هذا الخبر",
    "تحديث", "correction", "corrected", "clarification", "update", "updated", "editor's note",
))


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, in order, stripped; paragraph breaks always end a sentence."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPHS.split(text or ""):
        for sentence in _SENTENCE_END.split(paragraph):
            if sentence.strip():
                sentences.append(sentence.strip())
    return sentences


def is_correction(sentence: str) -> bool:
    """Whether a sentence is a correction or update note («تصحيح: …», "Update: …")."""
    words = normalized_words(sentence)
    return any(words == opening or words.startswith(opening + " ")
               for opening in CORRECTION_OPENINGS)


def numbers(text: str) -> Counter[str]:
    """The figures of a text (Arabic-Indic and Persian digits read as ASCII), counted."""
    return Counter(_NUMBER.findall(normalize(text)))


def diff_text(old: str, new: str, *, field: str = "body") -> dict[str, Any] | None:
    """Sentence-level diff of two texts, each change with its edit kinds; None when their
    sentences are the same words. ``field`` is "title" or "body" (a title change is always
    ``headline_changed``)."""
    old_sentences, new_sentences = split_sentences(old), split_sentences(new)
    old_words = [normalized_words(s) for s in old_sentences]
    new_words = [normalized_words(s) for s in new_sentences]
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    changes: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or " ".join(old_words[i1:i2]) == " ".join(new_words[j1:j2]):
            continue  # unchanged, or the same words cut into sentences differently («؛» → «،»)
        for removed, added in _pair_sentences(old_sentences[i1:i2], new_sentences[j1:j2]):
            op = "replace" if removed and added else "delete" if removed else "insert"
            changes.append({"op": op, "removed": removed, "added": added,
                            "edit_kinds": edit_kinds(removed, added, field=field)})
    if not changes:
        return None
    return {
        "changes": changes,
        "removed": [s for change in changes for s in change["removed"]],
        "added": [s for change in changes for s in change["added"]],
        "edit_kinds": sorted({kind for change in changes for kind in change["edit_kinds"]}),
    }


_SIMILAR = 0.5  # share of words two sentences have in common to count as one sentence edited


def _pair_sentences(removed: list[str], added: list[str]) -> list[tuple[list[str], list[str]]]:
    """Split a block of replaced sentences into edits, in text order: each removed sentence
    paired with the added one it was edited into (most words in common, order kept), and runs
    of sentences with no counterpart on their own (added or removed outright)."""
    if not removed or not added:
        return [(removed, added)]
    old = [tokens(s) for s in removed]
    new = [tokens(s) for s in added]
    similarity = [[difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() for b in new]
                  for a in old]
    # best total similarity of an order-keeping pairing of old[:i] with new[:j]
    best = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(1, len(old) + 1):
        for j in range(1, len(new) + 1):
            paired = similarity[i - 1][j - 1]
            best[i][j] = max(best[i - 1][j], best[i][j - 1],
                             best[i - 1][j - 1] + paired if paired >= _SIMILAR else 0.0)
    pairs: list[tuple[int, int]] = []
    i, j = len(old), len(new)
    while i and j:
        paired = similarity[i - 1][j - 1]
        if paired >= _SIMILAR and best[i][j] == best[i - 1][j - 1] + paired:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    if not pairs:
        return [(removed, added)]

    edits: list[tuple[list[str], list[str]]] = []
    i = j = 0
    for pi, pj in [*pairs, (len(old), len(new))]:
        if i < pi:
            edits.append((removed[i:pi], []))
        if j < pj:
            edits.append(([], added[j:pj]))
        if pi < len(old):
            edits.append(([removed[pi]], [added[pj]]))
        i, j = pi + 1, pj + 1
    return edits


def edit_kinds(removed: list[str], added: list[str], *, field: str = "body") -> list[str]:
    """The kinds of one change: ``removed`` sentences replaced by ``added`` ones (either may be
    empty), sorted."""
    kinds: set[str] = set()
    notes = [s for s in added if is_correction(s)]
    old_notes = {normalized_words(s) for s in removed if is_correction(s)}
    if any(normalized_words(s) not in old_notes for s in notes):
        kinds.add("correction_added")
    added = [s for s in added if s not in notes]
    removed = [s for s in removed if normalized_words(s) not in old_notes]

    if field == "title":
        kinds.add("headline_changed")
    if removed and added:
        if numbers(" ".join(removed)) != numbers(" ".join(added)):
            kinds.add("numbers_changed")
        if _words_but_numbers(removed) != _words_but_numbers(added):
            kinds.add("wording_changed")
    elif added and field != "title":
        kinds.add("paragraph_added")
    elif removed and field != "title":
        kinds.add("paragraph_removed")
    return sorted(kinds)


def _words_but_numbers(sentences: list[str]) -> list[str]:
    text = _NUMBER.sub(" ", normalize(" ".join(sentences)))
    return tokens(text)


def diff_versions(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Per-field sentence diffs (title, body) between two versions — only the changed fields —
    and ``edit_kinds`` for the whole; ``{}`` when no sentence changed."""
    diffs: dict[str, Any] = {}
    for name in DIFF_FIELDS:
        field_diff = diff_text(old.get(name) or "", new.get(name) or "", field=name)
        if field_diff is not None:
            diffs[name] = field_diff
    if diffs:
        diffs["edit_kinds"] = sorted({kind for name in DIFF_FIELDS if name in diffs
                                      for kind in diffs[name]["edit_kinds"]})
    return diffs
