"""A second opinion when an extraction looks wrong: trafilatura on the same page.

It runs only when the body is empty, far shorter than the running text of the container it
came from, or short while the page clearly holds much more running text — on most pages it
does not run at all (``check.status`` says which pages it ran on). The longer of the two
bodies is taken, and ``Article.check`` records why.
"""

from __future__ import annotations

from crawler.extract.container import Container
from crawler.extract.model import Article, ExtractionCheck
from crawler.extract.tree import collapse

_COLLAPSE_SHARE = 0.4    # a body under this share of its container's running text collapsed
_CONTAINER_MIN = 500     # ... when the container held at least this much
_SHORT_BODY = 500        # a body this short is suspect ...
_PAGE_SHARE = 0.25       # ... when it is under this share of the page's running text ...
_PAGE_MIN = 1500         # ... and the page holds at least this much
_EMPTY_PAGE = 200        # an empty body is suspect on a page with this much text
_BETTER = 1.5            # the second opinion must be this many times longer to be taken
_BETTER_MIN = 200        # ... and at least this many characters longer


def second_opinion(article: Article, html: str, url: str | None, container: Container,
                   *, pruned_running: int, page_running: int, page_text: int) -> ExtractionCheck:
    """The check of ``article``; replaces its body by trafilatura's when that is clearly better.
    ``pruned_running`` is the container's running text once the furniture rules have run (they
    are bounded already); the body is judged against it and against the page's."""
    ours = len(article.body)
    where = container.describe()
    base = dict(container=f"{container.how} {container.detail}".strip(),
                container_chars=container.running_chars)
    status, why = _suspect(ours, pruned_running, page_running, page_text)
    if status is None:
        return ExtractionCheck("ok", "", body_chars=ours, **base)
    other = _trafilatura(html, url, article.title)
    if len(other) >= max(_BETTER * ours, ours + _BETTER_MIN):
        article.body = other
        return ExtractionCheck("fallback", f"{why}; trafilatura found {len(other)} chars (container {where})",
                               body_chars=len(other), **base)
    return ExtractionCheck(status, f"{why}; trafilatura found {len(other)} chars (container {where})",
                           body_chars=ours, **base)


def _suspect(ours: int, running: int, page_running: int, page_text: int) -> tuple[str | None, str]:
    if ours == 0:
        if page_text < _EMPTY_PAGE:
            return None, ""
        return "empty", f"empty body on a page with {page_text} chars of text"
    if running >= _CONTAINER_MIN and ours < _COLLAPSE_SHARE * running:
        return "collapsed", f"body {ours} chars of its container's {running} running chars"
    if ours < _SHORT_BODY and page_running >= _PAGE_MIN and ours < _PAGE_SHARE * page_running:
        return "collapsed", f"body {ours} chars on a page with {page_running} running chars"
    return None, ""


def _trafilatura(html: str, url: str | None, title: str) -> str:
    """trafilatura's body as paragraphs one blank line apart (without the headline), or ""
    when it finds none."""
    import trafilatura  # a broken install is an error to see, not an empty opinion

    try:
        text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                                   deduplicate=True)
    except Exception:  # noqa: BLE001 — a second opinion that fails is no opinion
        return ""
    if not text:
        return ""
    lines = [collapse(line) for line in text.split("\n")]
    return "\n\n".join(line for line in lines if line and line != title)
