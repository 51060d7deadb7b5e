"""The extractor finds the article container first, says which one and why, checks its own
result, and takes a second opinion (trafilatura) only when the result looks wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import Selectors, extract_article
from crawler.sites import load_site, load_sites
from gold_pages import GoldPages, body_f1, collapsed

ROOT = Path(__file__).resolve().parents[1]
CORPUS = GoldPages(ROOT / "tests" / "fixtures" / "corpus")

P = [
    "قالت مصادر مطلعة إن المفاوضات بين الطرفين دخلت مرحلة حاسمة، وإن الأيام المقبلة ستشهد "
    "إعلان اتفاق نهائي بين جميع الأطراف المعنية بالملف.",
    "وأضافت المصادر أن الوسطاء قدموا مقترحاً جديداً يتضمن وقفاً لإطلاق النار لمدة ستة أسابيع؛ "
    "فيما لم يصدر تعليق رسمي من أي جهة حتى الآن.",
    "من جهته، أكد المتحدث باسم الخارجية أن بلاده «ملتزمة بالحل السلمي»، داعياً المجتمع الدولي "
    "إلى دعم الجهود المبذولة لإنهاء الأزمة الراهنة.",
]
COMMENTS = "".join(
    f'<div class="c"><p>تعليق القارئ رقم {i}: أرى أن هذا الاتفاق لن يصمد طويلاً، فالتجارب السابقة '
    f"تقول إن الأطراف لا تلتزم بما توقع عليه، والمواطن هو من يدفع الثمن في النهاية.</p></div>"
    for i in range(8))


def page(body: str) -> str:
    return f"<html><head><title>عنوان الخبر</title></head><body><h1>عنوان الخبر</h1>{body}</body></html>"


@pytest.mark.parametrize("name", CORPUS.names)
def test_the_second_opinion_does_not_run_on_the_development_pages(name):
    check = CORPUS.extracted(name).check
    assert check.status == "ok", check.reason
    assert check.container and check.container_chars > 0
    assert check.body_chars == len(CORPUS.extracted(name).body)


def test_the_chosen_container_is_recorded_with_its_evidence():
    article = extract_article(page(f'<div class="entry-content no-share">{"".join(f"<p>{p}</p>" for p in P)}</div>'))
    assert article.paragraphs == P
    assert article.check.container == "cms-class entry-content"
    first = article.removed[0]
    assert first.rule == "container" and "entry-content" in first.text and "running chars" in first.text


def test_a_semantic_container_holding_little_of_the_running_text_is_not_trusted():
    # itemprop=articleBody on the standfirst only: the article is the <div> that holds the text
    html = page(f'<p itemprop="articleBody">{P[0]}</p><div class="txt">{"".join(f"<p>{p}</p>" for p in P * 3)}</div>')
    article = extract_article(html)
    assert not article.check.container.startswith("itemprop")
    assert P[1] in article.paragraphs and P[2] in article.paragraphs


def test_the_seed_body_selector_wins_over_every_other_evidence():
    html = page(f'<div class="story">{"".join(f"<p>{p}</p>" for p in P)}</div>'
                f'<section class="reader-notes">{COMMENTS}</section>')
    article = extract_article(html, selectors=Selectors(body="div.story"))
    assert article.paragraphs == P
    assert article.check.container == "selector div.story"


def test_a_rule_that_would_take_most_of_the_container_is_refused_and_recorded():
    # the class word «comments» names furniture, but here it marks the wrapper of the text itself
    html = page(f'<article><div class="body article-with-comments">{"".join(f"<p>{p}</p>" for p in P)}'
                f'</div><div class="share">شارك</div></article>')
    article = extract_article(html)
    assert article.paragraphs == P
    refused = [b for b in article.removed if b.rule.startswith("refused:class-id")]
    assert refused and "running text" in refused[0].text


def test_an_empty_body_gets_trafilaturas_second_opinion_and_says_why():
    # a photo story: every paragraph is a caption, which the extractor drops as furniture
    body = "".join(f'<figure><img src="/p{i}.jpg"><figcaption>{p}</figcaption></figure>'
                   for i, p in enumerate(P * 2))
    article = extract_article(page(f"<article>{body}</article>"))
    assert article.check.status == "fallback"
    assert article.check.reason.startswith("empty body") and "trafilatura" in article.check.reason
    assert P[0] in article.body and P[2] in article.body
    assert article.check.body_chars == len(article.body)


def test_an_extractor_error_is_recorded_and_the_plain_text_returned():
    article = extract_article(page(f"<p>{P[0]}</p>"), selectors=Selectors(drop_text=(None,)))  # type: ignore[arg-type]
    assert article.check.status == "error"
    assert article.check.reason.startswith("TypeError: ")
    assert article.body == P[0]


# --- a site the generic rules get wrong, fixed by its seed ----------------------------------

GUARDIAN = "en__theguardian.com__wcxb-4370"
GUARDIAN_SEED = ROOT / "seeds" / "examples" / "guardian_books.toml"


def test_the_guardian_seed_drops_the_lines_only_that_outlet_prints():
    site = load_site(GUARDIAN_SEED)
    gold = CORPUS.gold(GUARDIAN)
    html = (CORPUS.directory / f"{GUARDIAN}.html").read_bytes()
    article = extract_article(html, gold["url"], selectors=site.selectors)
    body = collapsed(article.body)
    for line in ("This article is more than", "Explore more on these topics", "guardianbookshop.com"):
        assert collapsed(line) not in body
    assert all(collapsed(s) in body for s in gold["with"])
    assert {b.rule for b in article.removed} >= {"drop_text"}
    assert body_f1(article.body, gold["body"]) >= 0.99


def test_drop_text_must_be_a_list_of_phrases(tmp_path):
    seed = GUARDIAN_SEED.read_text(encoding="utf-8").replace(
        'drop_text = ["This article is more than", "Explore more on these topics", "guardianbookshop.com"]',
        "drop_text = [1, 2]")
    (tmp_path / "bad.toml").write_text(seed, encoding="utf-8")
    sites, errors = load_sites(tmp_path)
    assert not sites and any("selectors.drop_text" in str(e) for e in errors)
