"""What a reader does not see in the article's place: hidden elements and dialogs.

Hidden: the ``hidden`` attribute, ``aria-hidden="true"``, an inline ``display:none`` or
``visibility:hidden``, or a hiding class (``d-none``, ``hidden``, ``sr-only``…) — except
Bootstrap's «d-none d-md-block», which is shown on wider screens. The cleaner's hidden rule
uses all of these; choosing the container leaves out only what the page's styles hide
(``is_styled_hidden``): the ``hidden`` attribute also wraps content that React's streamed
rendering moves into place.

A dialog: ``<dialog>``, an ARIA dialog role or ``aria-modal``, or a class or id word (split on
- _ and camelCase) naming a modal, a popup, a lightbox or a dialog. Its text is a site's
comment rules, a login form, a newsletter offer — shown over the page on demand, never the
article itself.
"""

from __future__ import annotations

import re

from crawler.extract.tree import Element, attr_words

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASSES = frozenset({"d-none", "hidden", "hide", "is-hidden", "invisible", "sr-only",
                             "visually-hidden", "visuallyhidden", "screen-reader-text"})
# Bootstrap's responsive display classes: «d-none d-md-block» is shown on wider screens.
_SHOWN_FROM = re.compile(r"^d-(?:sm|md|lg|xl|xxl)-(?:block|flex|inline|inline-block|inline-flex|grid|table)$")
_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})
_DIALOG_WORDS = frozenset({"modal", "popup", "lightbox", "dialog"})
_WORD_SPLIT = re.compile(r"[-_\s]+")


def is_hidden(el: Element) -> bool:
    attrs = el.attrib
    if not attrs:
        return False
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    return is_styled_hidden(el)


def is_styled_hidden(el: Element) -> bool:
    """Hidden by the page's styles (an inline style or a hiding class), not by the ``hidden``
    attribute, which React's streamed rendering puts around content it moves into place."""
    attrs = el.attrib
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    names = (attrs.get("class") or "").lower().split()
    return bool(names) and not _HIDDEN_CLASSES.isdisjoint(names) \
        and not any(_SHOWN_FROM.match(n) for n in names)


def is_dialog(el: Element) -> bool:
    if el.tag == "dialog":
        return True
    attrs = el.attrib
    if not attrs:
        return False
    if (attrs.get("role") or "").lower() in _DIALOG_ROLES or (attrs.get("aria-modal") or "").lower() == "true":
        return True
    if el.tag in ("html", "body") or not (attrs.get("class") or attrs.get("id")):
        return False
    return not _DIALOG_WORDS.isdisjoint(_WORD_SPLIT.split(attr_words(el)))
