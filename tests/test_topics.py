"""Topic files and the Arabic-aware matcher: what a topic finds, and what it must not."""

from __future__ import annotations

import pytest

from crawler.extract.arabic import surface_spans, tokens
from monitor.topics import Topic, TopicMatcher, TopicsError, load_topics

DESIGN_EXAMPLE = """
[[topic]]
name = "العراق وكندا"
all = ["العراق", "كندا"]      # every term must occur
any = ["قوات", "انسحاب"]     # at least one, when given
none = ["كرة القدم"]          # none may occur
sites = []                    # limit to these site ids, when given
"""


def write(tmp_path, text: str):
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def matches(topic: Topic, *, title: str = "", body: str = "", site: str | None = "demo"):
    return TopicMatcher([topic]).match(title=title, body=body, site=site)


# --- the topics file -----------------------------------------------------------------------


def test_the_design_example_loads(tmp_path):
    (topic,) = load_topics(write(tmp_path, DESIGN_EXAMPLE))
    assert topic == Topic(name="العراق وكندا", all=("العراق", "كندا"), any=("قوات", "انسحاب"),
                          none=("كرة القدم",), sites=())


def test_every_problem_is_reported_with_file_key_and_reason(tmp_path):
    path = write(tmp_path, """
colour = "blue"

[[topic]]
name = "العراق"
all = "العراق"

[[topic]]
name = "كندا"
any = ["كندا", ""]
none = [3]
tags = ["x"]

[[topic]]
name = "العراق"
all = ["العراق"]

[[topic]]
all = ["، ؟"]
""")
    with pytest.raises(TopicsError) as caught:
        load_topics(path)
    problems = caught.value.problems
    assert all(problem.startswith(f"{path}: ") for problem in problems)
    expected = [
        "colour: unknown key",
        "topic[1].all: must be a list of strings",
        "topic[2].any[2]: empty term",
        "topic[2].none[1]: must be a string, not int",
        "topic[2].tags: unknown key",
        "topic[3].name: duplicate name «العراق» (also topic[1])",
        "topic[4].name: missing",
        "topic[4].all[1]: «، ؟» has no words to match",
    ]
    for fragment in expected:
        assert any(fragment in problem for problem in problems), (fragment, problems)
    assert str(caught.value).count("\n") == len(problems) - 1


def test_a_topic_needs_something_to_look_for(tmp_path):
    path = write(tmp_path, '[[topic]]\nname = "فارغ"\nnone = ["كرة"]\n')
    with pytest.raises(TopicsError, match=r"topic\[1\]: no terms to look for"):
        load_topics(path)


def test_a_term_both_wanted_and_excluded_is_reported(tmp_path):
    path = write(tmp_path, '[[topic]]\nname = "x"\nall = ["كندا"]\nnone = ["كَندا"]\n')
    with pytest.raises(TopicsError, match=r"topic\[1\]\.none: «كَندا» is also a wanted term"):
        load_topics(path)


def test_topic_must_be_an_array_of_tables(tmp_path):
    path = write(tmp_path, '[topic]\nname = "x"\nall = ["كندا"]\n')
    with pytest.raises(TopicsError, match=r"topic: must be an array of tables"):
        load_topics(path)


def test_broken_toml_and_a_missing_file_are_topics_errors(tmp_path):
    with pytest.raises(TopicsError, match="not valid TOML"):
        load_topics(write(tmp_path, '[[topic]\nname = "x"'))
    with pytest.raises(TopicsError, match="cannot read the file"):
        load_topics(tmp_path / "missing.toml")


# --- matching: Arabic forms ----------------------------------------------------------------

CANADA = Topic(name="كندا", all=("كندا",))
IRAQ = Topic(name="العراق", all=("العراق",))


@pytest.mark.parametrize("text", [
    "وصل الوزير إلى كندا أمس",
    "رسالة لكندا من بغداد",
    "العراق وكندا يتفقان",
    "زار بغداد ثم كندا، وعاد",
    "فكندا شريك أساسي",
    "مرّ بكندا في طريقه",
    "وصل إلى كـــنـدا",        # tatweel
    "«كندا» ترد",
])
def test_a_term_matches_its_clitic_and_punctuated_forms(text):
    assert [m.topic for m in matches(CANADA, body=text)] == ["كندا"]


@pytest.mark.parametrize("text", ["غادر العراق", "قوات بالعراق", "العراقُ والعراق", "للعراق",
                                  "وبالعراق", "كالعراق", "عراق الأمس"])
def test_a_definite_term_matches_with_or_without_the_article_and_clitics(text):
    assert matches(IRAQ, body=text)


@pytest.mark.parametrize("text", ["وفد عراقي", "العراقيون", "الكنديون", "كنداوي", "الكندية"])
def test_a_derived_word_is_a_different_word_and_never_matches(text):
    assert not matches(IRAQ, body=text)
    assert not matches(CANADA, body=text)


@pytest.mark.parametrize("term,text", [
    ("مدرب", "سحب 45 مدرباً عسكرياً"),              # accusative, with tanwin
    ("مدرب", "وصول المدربين الكنديين"),             # masculine plural, with the article
    ("مدرب", "وللمدربون رأي آخر"),                  # plural with clitics
    ("مدرب", "فريق من المدربات"),                   # feminine plural
    ("المدرب", "مدربة المنتخب"),                    # feminine
    ("شركة", "الشركات النفطية"),                    # a feminine term finds its plural
    ("قوة", "انسحاب القوات"),
    ("لاجئ", "مخيمات اللاجئين"),                    # hamza on yeh, plural
    ("الانتخابات", "نتيجة الانتخابة"),               # a plural term finds its singular
])
def test_light_stemming_finds_plurals_and_feminines_of_a_single_word(term, text):
    (match,) = matches(Topic(name="t", all=(term,)), body=text)
    assert match.terms[0].text in text


@pytest.mark.parametrize("term,text", [
    ("عمل", "عملية عسكرية"),        # a derivation Snowball would conflate
    ("كندا", "كنداات"),             # names ending in alef are not inflected
    ("سوريا", "السوريين"),
    ("ال", "الات"),                 # too short to inflect
    ("2024", "2024ات"),
])
def test_light_stemming_makes_no_false_matches(term, text):
    assert not matches(Topic(name="t", all=(term,)), body=text)


def test_the_demo_topics_match_exactly_the_demo_stories_they_are_designed_for():
    from demo import content
    from demo.server import DEMO_TOPICS_PATH

    matcher = TopicMatcher(load_topics(DEMO_TOPICS_PATH))
    for edition, expected in content.EXPECTED_MATCHES.items():
        found: dict[str, list[str]] = {topic: [] for topic in expected}
        for article in content.articles(edition):
            body = "\n\n".join(article.paragraphs)
            for match in matcher.match(title=article.headline, body=body, site="demo"):
                found[match.topic].append(article.id)
        assert {t: sorted(ids) for t, ids in found.items()} == {
            t: sorted(ids) for t, ids in expected.items()}, edition


@pytest.mark.parametrize("term,text", [
    ("أكّد", "أكد الوزير"),                     # shadda in the term
    ("أكد", "وأكَّدَ الوزيرُ"),                 # harakat and shadda in the text
    ("إسرائيل", "اسرائيل"),                    # hamza forms of alef
    ("القاهرة", "في القاهره"),                 # ta marbuta
    ("مصطفى", "قال مصطفي"),                    # alef maqsura
    ("مؤتمر", "موتمر صحفي"),
    ("٢٠٢٤", "في عام 2024"),                   # Arabic-Indic digits
])
def test_normalisation_makes_spelling_variants_equal(term, text):
    assert matches(Topic(name="t", all=(term,)), body=text)


def test_a_multi_word_term_is_a_phrase_of_consecutive_words():
    football = Topic(name="رياضة", all=("كرة القدم",))
    assert matches(football, body="منتخب العراق لكرةِ القدمِ يفوز")
    assert matches(football, title="كرة", body="قدم كرة القدم")
    assert not matches(football, body="كرة السلة أهم من القدم")
    assert not matches(football, body="القدم كرة")
    assert not matches(football, title="كرة", body="القدم"), "a phrase never spans two fields"


def test_the_words_of_a_phrase_are_exact_not_inflected():
    assert matches(Topic(name="t", all=("مجلس الأمن",)), body="اجتماع لمجلس الأمن")
    assert not matches(Topic(name="t", all=("مجلس الأمن",)), body="مجالس الأمنيين")
    assert not matches(Topic(name="t", all=("شركة النفط",)), body="شركات النفط")


# --- matching: all, any, none, sites -------------------------------------------------------

TOPIC = Topic(name="العراق وكندا", all=("العراق", "كندا"), any=("قوات", "انسحاب"),
              none=("كرة القدم",), sites=())


def test_every_all_term_must_occur():
    assert matches(TOPIC, title="انسحاب القوات", body="العراق وكندا")
    assert not matches(TOPIC, title="انسحاب القوات", body="العراق وحده"), "one of two all terms"


def test_at_least_one_any_term_must_occur_when_any_is_given():
    assert matches(TOPIC, body="العراق وكندا وقوات التحالف")
    assert not matches(TOPIC, body="العراق وكندا يوقعان اتفاقاً تجارياً")


def test_a_none_term_excludes_the_article():
    assert not matches(TOPIC, body="العراق وكندا وانسحاب القوات في مباراة لكرة القدم")


def test_sites_limit_the_topic_to_those_sites():
    limited = Topic(name="كندا", all=("كندا",), sites=("alpha",))
    assert matches(limited, body="كندا", site="alpha")
    assert not matches(limited, body="كندا", site="beta")
    assert not matches(limited, body="كندا", site=None)


def test_topics_are_matched_in_the_order_given():
    matcher = TopicMatcher([IRAQ, CANADA, Topic(name="مصر", all=("مصر",))])
    assert [m.topic for m in matcher.match(title="العراق", body="وكندا")] == ["العراق", "كندا"]


# --- what a match records ------------------------------------------------------------------


def test_a_match_records_each_term_its_field_and_the_original_words():
    (match,) = matches(TOPIC, title="انسحاب القوات من العراق",
                       body="قالت أوتاوا إن لكندا دوراً، وإن كندا، باقية بالعراق.")
    found = [(t.term, t.field, t.text) for t in match.terms]
    assert found == [
        ("العراق", "title", "العراق"),
        ("قوات", "title", "القوات"),
        ("انسحاب", "title", "انسحاب"),
        ("العراق", "body", "بالعراق"),
        ("كندا", "body", "لكندا"),
        ("كندا", "body", "كندا"),
    ]


def test_surface_text_keeps_diacritics_and_covers_a_whole_phrase():
    (match,) = matches(Topic(name="t", all=("أكد", "كرة القدم")),
                       body="وأكّدَ المدرب أن منتخب لكرةِ  القدمِ جاهز")
    assert [t.text for t in match.terms] == ["وأكّدَ", "لكرةِ  القدمِ"]


def test_surface_tokens_agree_with_the_shared_tokenizer():
    text = "قال الوزيرُ: «إنّ ٣٠ جنديّاً» — U.S. ﻻ كـــندا، 3.5% (تقرير)"
    surface = surface_spans(text)
    assert [token for token, _, _ in surface] == tokens(text)
    assert [text[start:end] for _, start, end in surface][:3] == ["قال", "الوزيرُ", "إنّ"]


def test_text_that_unicode_normalisation_changes_matches_the_same_way():
    # presentation forms and the lam-alef ligature, as old pages still send them
    (match,) = matches(Topic(name="t", all=("لا", "كندا")), body="ﻻ يزال الوفد في ﻛﻨﺪا")
    assert [t.text for t in match.terms] == ["ﻻ", "ﻛﻨﺪا"]
    # a word that normalises to two tokens («İ» lower-cases to «i» and a combining dot): found,
    # and shown as its normalised words when its original span cannot be told
    (match,) = matches(Topic(name="t", all=("كندا", "stanbul")), body="من İstanbul إلى كندا")
    assert [t.text for t in match.terms] == ["كندا", "stanbul"]


def test_many_topics_at_once_match_as_each_would_alone():
    from demo import content

    words = sorted({w for a in content.articles(2) for w in tokens(a.headline) if len(w) > 3})
    topics = [Topic(name=f"t{i}", all=(words[i],),
                    any=(words[(i * 7) % len(words)], f"{words[(i * 3) % len(words)]} {words[i]}"),
                    none=(words[(i * 11) % len(words)],) if i % 4 == 0 else ())
              for i in range(0, len(words), 2)]
    together = TopicMatcher(topics)
    alone = [TopicMatcher([topic]) for topic in topics]
    for article in content.articles(2)[:6]:
        body = "\n\n".join(article.paragraphs)
        expected = [m for one in alone
                    for m in one.match(title=article.headline, body=body, site="demo")]
        assert together.match(title=article.headline, body=body, site="demo") == expected


def test_the_matchers_keys_are_exactly_the_tokens_whose_clitic_forms_are_term_forms():
    from crawler.extract.arabic import clitic_forms
    from demo import content

    terms = ("العراق", "كندا", "مدرب", "كرة القدم", "لا", "مجلس الأمن", "2024")
    matcher = TopicMatcher([Topic(name="t", any=terms)])
    forms = {form for term in matcher._terms for word in term.forms for form in word}
    words = {w for a in content.articles(2) for w in tokens(a.text)}
    words |= {prefix + form for form in forms for prefix in ("", "و", "بال", "وبال", "لل", "ف")}
    words |= {"وبالعراق", "فللمدربين", "ال", "ولا", "بلا", "وكرة"}
    for word in words:
        assert (word in matcher._keys) == bool(clitic_forms(word) & forms), word


CORPUS_TOPICS = [Topic(name="a", all=("العراق",), any=("كندا", "الحكومة", "قال")),
                 Topic(name="b", all=("وزير الخارجية",)),
                 Topic(name="c", any=("مدرب", "شركة", "الرئيس", "2024"), none=("كرة القدم",))]


def _texts():
    """Every article text the tests have: the demo stories and the extraction corpus."""
    import json
    from pathlib import Path

    from demo import content

    texts = [(a.headline, "\n\n".join(a.paragraphs)) for e in content.EDITIONS
             for a in content.articles(e)]
    fixtures = Path(__file__).parent / "fixtures"
    for path in sorted(fixtures.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, dict):
            texts.append((str(data.get("title") or ""), str(data.get("body") or data.get("text")
                                                                or "")))
    return texts


def test_the_matchers_tokens_are_the_shared_tokenizers_for_every_text():
    from monitor.topics import _Field

    samples = [*(t for pair in _texts() for t in pair), "من İstanbul إلى كندا",
               "ﻻ يزال الوفد في ﻛﻨﺪا", "قال الوزيرُ: «إنّ ٣٠ جنديّاً» — U.S. ﻻ كـــندا، 3.5%",
               " َكتب ٰ ا\u0653 Σίσυφος ẞ ǅ ﬁ \U0001d400 😀 كندا"]
    matcher = TopicMatcher(CORPUS_TOPICS)
    for text in samples:
        field_ = _Field("body", text, matcher._keys)
        assert field_.tokens == tokens(text), text[:80]
        for index, token in enumerate(field_.tokens):  # each shown word is its token's
            shown = field_.surface(index, index)
            assert tokens(shown) == [token] or shown == token, (text[:80], index)


def test_one_matcher_finds_what_a_fresh_one_finds_article_after_article():
    texts = _texts()
    shared = TopicMatcher(CORPUS_TOPICS)
    results = [shared.match(title=t, body=b, site="x") for t, b in texts * 2]
    fresh = [TopicMatcher(CORPUS_TOPICS).match(title=t, body=b, site="x") for t, b in texts * 2]
    assert results == fresh
    assert sum(map(len, results)) > 10


def test_a_mistyped_topic_key_is_told_the_key_it_is_nearest_to(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text('[[topic]]\nname = "العراق"\nal = ["العراق"]\n', encoding="utf-8")
    with pytest.raises(TopicsError) as caught:
        load_topics(path)
    assert any("topic[1].al: unknown key (did you mean 'all'?" in p for p in caught.value.problems)


def test_topics_list_shows_each_topic_s_terms_as_written_in_text_and_json(tmp_path):
    import json

    from click.testing import CliRunner

    from monitor.cli import main

    path = tmp_path / "topics.toml"
    path.write_text('[[topic]]\nname = "العراق وكندا"\nall = ["العراق", "كندا"]\n'
                    'none = ["كرة القدم"]\nsites = ["demo"]\n'
                    '[[topic]]\nname = "أسعار النفط"\nany = ["النفط", "برنت"]\n', encoding="utf-8")
    text = CliRunner().invoke(main, ["topics", "list", "--topics", str(path)])
    assert text.exit_code == 0
    assert text.output.splitlines() == [
        "العراق وكندا", "  all: العراق، كندا", "  none: كرة القدم", "  sites: demo",
        "أسعار النفط", "  any: النفط، برنت"]
    listed = json.loads(CliRunner().invoke(
        main, ["topics", "list", "--topics", str(path), "--format", "json"]).output)
    assert listed[0] == {"name": "العراق وكندا", "all": ["العراق", "كندا"], "any": [],
                         "none": ["كرة القدم"], "sites": ["demo"]}
    assert listed[1]["any"] == ["النفط", "برنت"]
