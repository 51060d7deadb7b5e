"""Arabic-aware full-text search: FTS5 over a normalised shadow of each article's latest
version, queried through the same normalisation, with snippets of the original text."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.search import SearchError, parse_query, search, sync_search_index
from monitor_helpers import (
    FOOTBALL, IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, WEATHER, new_db, save,
)

CONSULATE = "https://demo.test/news/4"
CONSULATE_TITLE = "الجالية العراقية بكندا تطالب بقنصلية"
CONSULATE_BODY = ("طالب ممثلون عن الجالية المقيمة بكندا بافتتاح قنصلية في تورنتو، "
                  "في رسالة وجّهوها إلى وزارة الخارجية، قبل زيارة الوزير المرتقبة لكندا.")


@pytest.fixture
def db(tmp_path):
    store = new_db(tmp_path)
    save(store, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(store, FOOTBALL, "العراق يفوز على كندا", "فاز منتخب العراق لكرة القدم على كندا.")
    save(store, WEATHER, "طقس حار في بغداد", "تتجاوز الحرارة 45 درجة، وأكد خبراء الأرصاد "
                                             "استمرار الموجة.")
    save(store, CONSULATE, CONSULATE_TITLE, CONSULATE_BODY)
    sync_search_index(store)
    yield store
    store.close()


def urls(hits):
    return [hit.url for hit in hits]


def test_a_word_with_a_shadda_finds_the_word_without_and_with_it(db):
    # «أكّد» in the Iraq–Canada story, «وأكد» in the weather story.
    assert set(urls(search(db, "أكّد"))) == {IRAQ_CANADA, WEATHER}
    assert set(urls(search(db, "اكد"))) == {IRAQ_CANADA, WEATHER}


def test_a_bare_word_finds_it_with_attached_clitics(db):
    # «بكندا» and «لكندا» only, in the consulate story; «كندا» bare in two others.
    assert set(urls(search(db, "كندا"))) == {IRAQ_CANADA, FOOTBALL, CONSULATE}
    assert urls(search(db, "تورنتو")) == [CONSULATE]


def test_a_query_word_with_a_clitic_finds_what_the_bare_word_finds_and_its_own_form_first(db):
    # «لكندا» is written only in the consulate story, «كندا» bare in two others: the query
    # «لكندا» is folded as the text is, so it finds all three, the story that says «لكندا» first.
    found = urls(search(db, "لكندا"))
    assert set(found) == set(urls(search(db, "كندا"))) == {IRAQ_CANADA, FOOTBALL, CONSULATE}
    assert found[0] == CONSULATE
    # «وأكد» in the weather story, «أكّد» in the Iraq–Canada one
    found = urls(search(db, "وأكد"))
    assert set(found) == {IRAQ_CANADA, WEATHER} and found[0] == WEATHER
    assert set(urls(search(db, "والعراق"))) == set(urls(search(db, "العراق")))


def test_a_query_word_with_a_clitic_is_marked_in_its_snippet_in_either_form(db):
    (hit,) = [h for h in search(db, "لكندا") if h.url == CONSULATE]
    assert {"بكندا", "لكندا"} <= set(hit.matched)


def test_the_definite_article_is_part_of_no_word(db):
    assert set(urls(search(db, "العراق"))) == set(urls(search(db, "عراق")))


def test_every_word_must_occur_and_a_quoted_phrase_must_be_consecutive(db):
    assert urls(search(db, "كندا قنصلية")) == [CONSULATE]
    assert urls(search(db, '"وزير الخارجية"')) == [IRAQ_CANADA]
    assert urls(search(db, '"الخارجية وزير"')) == []


def test_a_match_in_the_title_ranks_above_one_in_the_body(db):
    # «بغداد» is in the weather story's title, and in the Iraq–Canada story's body only.
    assert urls(search(db, "بغداد")) == [WEATHER, IRAQ_CANADA]


def test_snippets_quote_the_original_text_with_the_matches_marked(db):
    (hit,) = search(db, "تورنتو كندا")
    assert hit.matched == ["بكندا", "تورنتو", "لكندا"]
    assert "[بكندا]" in hit.snippet() and "وجّهوها" in hit.snippet()  # the shadda kept
    (hit,) = search(db, "بغداد حار")
    assert hit.title == "طقس حار في بغداد"


def test_the_index_follows_the_latest_version(tmp_path):
    store = new_db(tmp_path)
    save(store, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    assert sync_search_index(store) == 1
    assert search(store, "أوتاوا") == []

    save(store, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")
    assert sync_search_index(store) == 1
    assert sync_search_index(store) == 0  # a rerun indexes nothing
    assert urls(search(store, "أوتاوا")) == [IRAQ_CANADA]
    assert store.execute("SELECT COUNT(*) FROM search_index").fetchone()[0] == 1


def test_a_query_with_nothing_to_search_is_refused():
    with pytest.raises(SearchError, match="nothing to search"):
        parse_query("، ؟ «»")


def test_the_search_command_prints_ranked_results_as_text_or_json(tmp_path):
    store = new_db(tmp_path)
    save(store, CONSULATE, CONSULATE_TITLE, CONSULATE_BODY)
    save(store, WEATHER, "طقس حار في بغداد", "تتجاوز الحرارة 45 درجة.")
    store.close()
    db_path = str(tmp_path / "raqib.db")

    text = CliRunner().invoke(main, ["search", "كندا", "--db", db_path])
    assert text.exit_code == 0, text.output
    assert CONSULATE in text.output and "[بكندا]" in text.output and WEATHER not in text.output

    found = CliRunner().invoke(main, ["search", "كندا", "--db", db_path, "--format", "json",
                                      "--limit", "5"])
    (hit,) = json.loads(found.output)
    assert {"url", "site", "title", "published", "score", "snippet", "matched"} <= set(hit)

    refused = CliRunner().invoke(main, ["search", "؟", "--db", db_path])
    assert refused.exit_code != 0 and "nothing to search" in refused.output


def test_a_snippet_is_one_line(tmp_path):
    store = new_db(tmp_path)
    save(store, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    sync_search_index(store)
    (hit,) = search(store, "بغداد")
    assert "\n" not in hit.snippet() and "[بغداد]" in hit.snippet()
