"""Counters are not content: a short block that is a label and a number — views, reads,
shares, comments, likes, reading time, rating — changes on every visit and must never make a
version, wherever it stands in the article and whatever its class.

A block is a counter when, in normalised tokens (:func:`crawler.extract.arabic.tokens`), it
holds a number (Western or Arabic-Indic digits, ``1.2K``, «ألف») and every other word is a
counter's word (:data:`COUNTER_WORDS`: «عدد المشاهدات», «وقت القراءة», «دقائق», «تعليق»,
«views», «min read», ...), at most :data:`MAX_WORDS` of them. A number alone is a counter only
when its element says so by class or id (``views``, ``count``, ``hits``...): a bare figure in
a table stays. A number inside a sentence of running text is never touched: «سحب 30 مدرباً»
has words no counter has, and its edit to 45 is an edit.
"""

from __future__ import annotations

import re

from crawler.extract.arabic import tokens

MAX_WORDS = 6     # label words beside the numbers
MAX_CHARS = 120   # a counter block is short

_COUNTER_SURFACE = """
عدد المشاهدات مشاهدة مشاهدات المشاهدة شوهد شوهدت مشاهده زيارة زيارات الزيارات الزوار زائر
قراءة قراءات القراءة القراءات قرأ قراء قارئ وقت مدة زمن دقيقة دقيقتان دقيقتين دقائق ثانية
ثوان ثواني ساعة تعليق تعليقات التعليقات تعليقان مشاركة مشاركات المشاركات مشاركه إعجاب إعجابات
الإعجابات لايك تقييم التقييم تقييمات صوت أصوات نجوم نجمة من أقل أكثر حوالي مرة مرات ألف آلاف
مليون تحميل تحميلات طباعة
views view viewed reads read reading shares share shared comments comment likes like hits
visits visitors min mins minute minutes sec secs seconds time rating ratings votes vote
stars star of out less than about k m
"""
# Normalised, with their clitic forms as tokens() gives them («للقراءة» -> للقراءه).
COUNTER_WORDS = frozenset(tokens(_COUNTER_SURFACE))
_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")
_NUMBER = re.compile(r"^\d+(?:[km])?$|^\d*[km]$")
_NUMBER_WORDS = frozenset(tokens("ألف آلاف مليون"))
_COUNTER_CLASS = re.compile(
    r"view|count|hits|visit|read(?:ing)?[-_]?time|rating|stat|share|comment|like|meta", re.I)


def is_counter(text: str, attrs: str = "") -> bool:
    """Whether a block's ``text`` is a counter; ``attrs`` are its element's class and id
    words (for a number standing alone)."""
    if len(text) > MAX_CHARS:
        return False
    words = tokens(text)
    numbers = [w for w in words if _NUMBER.match(w)]
    if not numbers:
        return False
    others = [w for w in words if not _NUMBER.match(w)]
    if not others:
        return bool(_COUNTER_CLASS.search(attrs))
    return len(others) <= MAX_WORDS and all(_counter_word(w) for w in others)


def _counter_word(word: str) -> bool:
    if word in COUNTER_WORDS or word in _NUMBER_WORDS:
        return True
    return any(word.startswith(c) and word[len(c):] in COUNTER_WORDS for c in _CLITICS)
