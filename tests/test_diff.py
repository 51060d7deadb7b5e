"""Sentence-level diffs between versions of an article, and the kind of each edit."""

from __future__ import annotations

import pytest

from monitor.diff import diff_text, diff_versions, edit_kinds, is_correction, split_sentences

TITLE = "مقتل 30 شخصاً في انفجار بمدينة الموصل"
BODY = (
    "الموصل - رقيب نيوز: قُتل 30 شخصاً وأصيب آخرون في انفجار وقع صباح اليوم في سوق شعبي.\n\n"
    "وقال مصدر أمني إن الانفجار نجم عن عبوة ناسفة؛ وأضاف أن فرق الإنقاذ ما زالت تعمل.\n\n"
    "وفرضت القوات الأمنية طوقاً حول المكان."
)


def body_with(*replacements: tuple[str, str], append: str = "") -> str:
    text = BODY
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text + append


# --- sentences --------------------------------------------------------------------------


def test_sentences_split_on_arabic_and_latin_stops_and_paragraph_breaks():
    text = ("قال الوزير إن النمو بلغ 3.5 بالمئة. هل يستمر؟ الجواب: نعم؛ ربما!\n\n"
            "فقرة ثانية «منتهية.» وبعدها")
    assert split_sentences(text) == [
        "قال الوزير إن النمو بلغ 3.5 بالمئة.",
        "هل يستمر؟",
        "الجواب: نعم؛",
        "ربما!",
        "فقرة ثانية «منتهية.»",
        "وبعدها",
    ]


# --- what is not a change ---------------------------------------------------------------


@pytest.mark.parametrize("edited", [
    BODY.replace("قُتل", "قتل").replace("أمني", "أمنيّ"),                 # diacritics
    BODY.replace("الانفجار", "الانفجـــار"),                             # tatweel
    BODY.replace(" ", "  ").replace("\n\n", "\n \n"),                     # whitespace
    BODY.replace("عبوة ناسفة؛", "عبوة ناسفة،").replace(":", " -"),        # punctuation
    BODY.replace("30", "٣٠"),                                            # digit script
])
def test_whitespace_diacritics_tatweel_punctuation_and_digit_script_give_no_diff(edited):
    assert diff_text(BODY, edited) is None
    assert diff_versions({"title": TITLE, "body": BODY}, {"title": TITLE, "body": edited}) == {}


# --- each edit kind on a real-looking edit ----------------------------------------------


def test_a_toll_that_rises_is_numbers_changed_even_across_digit_scripts():
    diff = diff_text(BODY, body_with(("قُتل 30 شخصاً", "قُتل ٤٥ شخصاً")))
    (change,) = diff["changes"]
    assert change["op"] == "replace"
    assert change["removed"] == [split_sentences(BODY)[0]]
    assert change["edit_kinds"] == ["numbers_changed"]
    assert diff["edit_kinds"] == ["numbers_changed"]


def test_new_words_in_a_sentence_are_wording_changed():
    diff = diff_text(BODY, body_with(("عبوة ناسفة", "سيارة مفخخة")))
    assert diff["edit_kinds"] == ["wording_changed"]


def test_figures_and_words_changed_together_are_both():
    diff = diff_text(BODY, body_with(("قُتل 30 شخصاً وأصيب آخرون", "قُتل 45 شخصاً وأصيب 60")))
    assert diff["edit_kinds"] == ["numbers_changed", "wording_changed"]


def test_an_added_paragraph_is_paragraph_added():
    diff = diff_text(BODY, BODY + "\n\nوأعلنت وزارة الصحة حالة الطوارئ في مستشفيات المدينة.")
    (change,) = diff["changes"]
    assert change == {"op": "insert", "removed": [],
                      "added": ["وأعلنت وزارة الصحة حالة الطوارئ في مستشفيات المدينة."],
                      "edit_kinds": ["paragraph_added"]}


def test_a_removed_paragraph_is_paragraph_removed():
    diff = diff_text(BODY, body_with(("\n\nوفرضت القوات الأمنية طوقاً حول المكان.", "")))
    assert diff["removed"] == ["وفرضت القوات الأمنية طوقاً حول المكان."]
    assert diff["edit_kinds"] == ["paragraph_removed"]


@pytest.mark.parametrize("note", [
    "تصحيح: ورد في نسخة سابقة من هذا الخبر أن الانفجار وقع مساءً.",
    "تنويه: عُدّل عدد الضحايا بناءً على بيان وزارة الصحة.",
    "تمّ تحديث هذا الخبر بإضافة تصريحات المصدر الأمني.",
    "Correction: an earlier version misspelled the market's name.",
    "Update: the toll was revised by the health ministry.",
])
def test_a_correction_or_update_note_is_correction_added(note):
    diff = diff_text(BODY, BODY + "\n\n" + note)
    assert diff["edit_kinds"] == ["correction_added"]
    assert is_correction(note)


def test_a_sentence_that_merely_mentions_an_update_is_not_a_note():
    assert not is_correction("وقال إن تحديث البيانات سيستغرق أسبوعاً.")


def test_a_changed_title_is_headline_changed_with_what_else_changed():
    diff = diff_versions({"title": TITLE, "body": BODY},
                         {"title": TITLE.replace("30", "45"), "body": BODY})
    assert set(diff) == {"title", "edit_kinds"}
    assert diff["title"]["edit_kinds"] == ["headline_changed", "numbers_changed"]
    assert diff["edit_kinds"] == ["headline_changed", "numbers_changed"]


def test_an_edit_of_several_kinds_lists_each_change_and_the_whole():
    old = {"title": TITLE, "body": BODY}
    new = {"title": "ارتفاع حصيلة انفجار الموصل إلى 45 قتيلاً",
           "body": body_with(("قُتل 30 شخصاً", "قُتل 45 شخصاً"),
                             append="\n\nتصحيح: ورد في نسخة سابقة أن الانفجار وقع مساءً.")}

    diff = diff_versions(old, new)

    assert [c["edit_kinds"] for c in diff["body"]["changes"]] == [
        ["numbers_changed"], ["correction_added"]]
    assert diff["edit_kinds"] == ["correction_added", "headline_changed", "numbers_changed",
                                  "wording_changed"]
    # the shape other code reads is unchanged: changes / removed / added per field
    assert diff["body"]["added"] == [c for change in diff["body"]["changes"]
                                     for c in change["added"]]


def test_edit_kinds_of_one_change():
    assert edit_kinds(["سقط 30 قتيلاً."], ["سقط 45 قتيلاً."]) == ["numbers_changed"]
    assert edit_kinds([], ["جملة جديدة."]) == ["paragraph_added"]
    assert edit_kinds(["جملة قديمة."], []) == ["paragraph_removed"]
    assert edit_kinds(["عنوان"], ["عنوان آخر"], field="title") == [
        "headline_changed", "wording_changed"]


def test_the_demo_sites_edits_get_the_kinds_a_reader_would_name():
    from demo import content

    def version(edition: int, article_id: str) -> dict[str, str]:
        article = content.article(edition, article_id)
        return {"title": article.headline, "body": "\n\n".join(article.paragraphs)}

    tracked = diff_versions(version(1, content.EDITED_TRACKED_ID),
                            version(2, content.EDITED_TRACKED_ID))
    assert tracked["edit_kinds"] == ["headline_changed", "numbers_changed", "paragraph_added"]
    assert [c["edit_kinds"] for c in tracked["body"]["changes"]] == [
        ["numbers_changed"], ["paragraph_added"]]
    untracked = diff_versions(version(1, content.EDITED_UNTRACKED_ID),
                              version(2, content.EDITED_UNTRACKED_ID))
    assert untracked["edit_kinds"] == ["paragraph_added"]
    assert diff_versions(version(1, content.DIACRITICS_ONLY_ID),
                         version(2, content.DIACRITICS_ONLY_ID)) == {}


def test_one_sentence_edited_and_one_written_anew_are_two_changes():
    old = "قال الوزير إن 30 جندياً سيغادرون."
    new = "قال الوزير إن 45 جندياً سيغادرون. وأعلنت أوتاوا أنها ستفتح مكتباً تجارياً."
    assert [(c["op"], c["edit_kinds"]) for c in diff_text(old, new)["changes"]] == [
        ("replace", ["numbers_changed"]), ("insert", ["paragraph_added"])]
