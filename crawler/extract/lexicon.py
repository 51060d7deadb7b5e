"""The generic furniture lexicon: labels, disclaimers and copyright lines that many sites print
around their articles. A string one outlet prints belongs in that outlet's seed
(``[selectors] drop_text``), never here.
"""

from __future__ import annotations

import re

from crawler.extract.arabic import normalize

# Arabic (and a few English) labels of furniture blocks: a short block that is one of these
# is furniture, and so is the link list that follows it.
FURNITURE_LABELS: tuple[str, ...] = (
    "شارك", "شاركها", "شارك الخبر", "شارك هذا الخبر", "شارك المقال", "مشاركة", "مشاركه",
    "تابعونا", "تابعونا على", "تابعنا على", "تابعنا", "تابعوا", "انضم الى",
    "اقرأ أيضا", "اقرأ أيضاً", "إقرأ أيضاً", "إقرأ أيضا", "اقرأ ايضا", "اقرا كمان", "اقرأ المزيد",
    "اقرأ كذلك", "شاهد أيضا", "شاهد أيضاً", "طالع أيضا", "المزيد", "مواضيع أخرى",
    "الأكثر مشاهدة", "الأكثر قراءة", "الأكثر تصفحا", "الأكثر تصفحاً", "الأكثر شعبية",
    "الأكثر تداولا", "الأكثر تعليقا", "الأكثر مشاركة", "الأكثر قراءه",
    "أخبار ذات صلة", "مواضيع ذات صلة", "مقالات ذات صلة", "موضوعات ذات صلة", "ذات صلة",
    "مواضيع ذات علاقة", "أخبار متعلقة", "الموضوعات المتعلقة", "أخبار مشابهة", "اخترنا لكم",
    "مختارات", "آخر الأخبار", "أحدث الأخبار", "أخبار عاجلة",
    "التعليقات", "تعليقات", "أضف تعليقك", "أضف تعليق", "اضف تعليقاً", "اترك تعليقاً",
    "اترك تعليقا", "إضافة تعليق", "إضافة تعليق جديد", "لا توجد تعليقات",
    "جميع الحقوق محفوظة", "الوسوم", "الكلمات المفتاحية", "كلمات مفتاحية", "وسوم",
    "الكلمات الدالة", "كلمات دالة", "اكثر قراءة", "الأكثر زيارة", "موضوعات متعلقة",
    "مقالات مختارة", "شريط الأخبار",
    "إعلان", "اعلان", "استطلاع الرأي", "النشرة البريدية", "اشترك في النشرة",
    "Scroll to Top", "Back to top", "Share", "Share this", "Share this article", "Related",
    "Related stories", "Related articles", "Read more", "Read also", "Most read",
    "Most popular", "Most viewed", "Comments", "Advertisement", "Sponsored", "Tags",
    "Trending", "Recommended", "Follow us", "Sign up", "Subscribe", "Newsletter",
    "Skip to main content", "التالي", "السابق", "الخبر التالي",
    "الخبر السابق", "المقال التالي", "المقال السابق",
)
# Disclaimers that stand above comment sections and under opinion pieces: a short block at
# the edge of the article containing one of these is furniture.
DISCLAIMERS: tuple[str, ...] = (
    "لا تعبر عن رأي", "لا يعبر عن رأي", "لا تعبر بالضرورة عن رأي", "لا يعبر بالضرورة عن رأي",
    "لا تعكس بالضرورة", "الآراء الواردة", "تعبر عن رأي أصحابها", "تعبر عن وجهة نظر أصحابها",
    "مراجعة التعليقات قبل نشرها", "شروط التعليق",
    "do not necessarily reflect", "comments are moderated",
)
# Copyright lines (matched on normalised text).
COPYRIGHT = re.compile(r"جميع الحقوق محفوظه|الحقوق محفوظه|حقوق النشر محفوظه|all rights reserved|©", re.I)
# Words of the notice a site prints just above its comment section (normalised). «تعليق»
# alone is not one: it also means "suspension" («تعليق الرحلات»).
COMMENT_NOTICE = re.compile(
    r"التعليقات|تعليقاتكم|تعليقك|اضف تعليق|اترك تعليق|كتابه تعليق|\bcomments?\b|\bcommenting\b", re.I)


def norm_label(text: str) -> str:
    """Normalised words of a text, one space apart: the form labels are compared in."""
    return " ".join(re.findall(r"\w+", normalize(text)))


SOCIAL_WORDS = frozenset(norm_label(
    "فيسبوك فيس بوك تويتر اكس واتساب واتس اب تيليجرام تلغرام تليجرام لينكدان لينكد ان انستغرام "
    "انستجرام يوتيوب تيك توك بريد الكتروني طباعه طباعة نسخ الرابط facebook twitter x whatsapp "
    "telegram linkedin instagram youtube tiktok email e mail print copy link messenger reddit"
).split())
_LABELS = sorted({norm_label(label) for label in FURNITURE_LABELS}, key=len, reverse=True)
DISCLAIMER_RE = re.compile("|".join(re.escape(norm_label(d)) for d in DISCLAIMERS))
LABEL_RE = re.compile(r"^(?:" + "|".join(re.escape(lbl) for lbl in _LABELS) + r")(?!\w)")
LABEL_TAIL_MAX = 40       # extra characters a multi-word label block may carry after its label


_FIRST_WORDS = frozenset(label.split()[0] for label in _LABELS)
_FIRST_WORD = re.compile(r"\w+")


def _may_be_label(text: str) -> bool:
    """A cheap first look: does the text start with the first word of some label?"""
    first = _FIRST_WORD.search(text[:40])
    return first is not None and normalize(first.group(0)) in _FIRST_WORDS


def label_match(text: str, link_share: float, *, at_edge: bool) -> bool:
    """Whether a block's text is a furniture label: exactly a label, a label followed by social
    network names, a label heading links («اقرأ أيضاً: <a>…</a>»), or — only at the edge of the
    article, where furniture lives — a multi-word label with a short tail. In the middle of the
    article «آخر الأخبار تشير إلى…» is a sentence, not a label."""
    if not _may_be_label(text):
        return False
    norm = norm_label(text)
    match = LABEL_RE.match(norm)
    if not match:
        return False
    rest = norm[match.end():].split()
    if not rest or all(word in SOCIAL_WORDS for word in rest):
        return True
    if link_share >= 0.5:
        return True
    return at_edge and " " in match.group(0) and len(" ".join(rest)) <= LABEL_TAIL_MAX


def site_phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for a seed's ``drop_text`` list, matched on normalised words."""
    forms = [norm_label(p) for p in phrases if norm_label(p)]
    if not forms:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
