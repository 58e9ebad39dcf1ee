"""report.py: the wording composed from plain figures — ties, zeros, denominators, lists, annex text.
No database."""

from __future__ import annotations

import pytest
from django.utils import translation

from analytics import report
from tests.report.helpers import question, report_input

GCM_LABELS = {
    "23": "International cooperation",
    "2": "Adverse drivers",
    "1": "Data",
    "3": "Information",
    "5": "Pathways",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_whole_percentages_round_half_up_from_the_integers():
    assert report.percent_whole(10, 13) == 77
    assert report.percent_whole(8, 13) == 62
    assert report.percent_whole(7, 13) == 54
    assert report.percent_whole(1, 8) == 13  # 12.5 → 13 (half up, not banker's rounding)
    assert report.percent_whole(1, 0) is None
    assert report.pct_whole_text(14, 24) == "58%"
    assert report.pct_1dp_text(11, 31) == "35.5%"
    assert report.pct_1dp_text(8, 31) == "25.8%"


def test_lists_are_joined_with_and():
    assert report.join_list([]) == ""
    assert report.join_list(["A"]) == "A"
    assert report.join_list(["A", "B"]) == "A and B"
    assert report.join_list(["A", "B", "C"]) == "A, B and C"
    assert report.join_list(["A, x", "B, y"], groups=True) == "A, x; and B, y"


def test_seed_priorities_wording_names_the_tie_of_three_with_each():
    q = question(
        {"23": 10, "2": 8, "1": 7, "3": 7, "5": 7, "7": 3, "10": 3},
        base=13,
        choice_list="gcm",
        labels=GCM_LABELS,
    )
    text = " ".join(report.ranking_sentences(q, ranks=5))
    assert text == (
        "Objective 23 (International cooperation) ranks first, cited by 10 of 13 responding ISCMs (77%). "
        "It is followed by Objective 2 (Adverse drivers), cited by 8 of 13 (62%); "
        "and Objectives 1 (Data), 3 (Information) and 5 (Pathways), each cited by 7 of 13 (54%)."
    )


def test_a_tie_at_the_top_is_worded_as_a_tie():
    q = question({"a": 3, "b": 3, "c": 1, "d": 0}, base=4, labels={"a": "Alpha", "b": "Beta", "c": "Gamma"})
    text = " ".join(report.ranking_sentences(q, ranks=3))
    assert text == (
        "“Alpha” and “Beta” rank first, each cited by 3 of 4 responding ISCMs (75%). "
        "They are followed by “Gamma”, cited by 1 of 4 (25%)."
    )


def test_choices_nobody_selected_are_never_named_and_all_is_said_as_all():
    q = question({"8": 4, "5": 4, "1": 0}, base=4, choice_list="sdg", labels={"8": "Work", "5": "Gender"})
    text = " ".join(report.ranking_sentences(q, ranks=5))
    assert text == (
        "SDGs 8 (Work) and 5 (Gender) rank first, each cited by all 4 responding ISCMs that answered (100%)."
    )
    assert "SDG 1" not in text


def test_ties_at_the_last_named_rank_are_all_named():
    q = question({"a": 5, "b": 4, "c": 3, "d": 3, "e": 1}, base=6)
    groups = report.leading_groups(q, ranks=3)
    assert [[c["code"] for c in group] for group in groups] == [["a"], ["b"], ["c", "d"]]


def test_selections_are_shares_of_selections_with_one_decimal():
    q = question(
        {"regional_event": 11, "written_input": 8, "iscm_event": 8, "other": 4},
        base=13,
        labels={"regional_event": "Regional", "written_input": "Written inputs", "iscm_event": "ISCM events"},
        descriptions={"regional_event": "Regional review events hosted by the UN"},
    )
    text = " ".join(report.ranking_sentences(q, ranks=3, of_selections=True))
    assert text == (
        "“Regional review events hosted by the UN” comes first, with 35.5% of the selections (11 of 31). "
        "It is followed by “Written inputs” and “ISCM events”, each with 25.8% (8 of 31)."
    )
    note = report.base_note(q, responded=14, of_selections=True)
    assert note == (
        "13 of the 14 responding ISCMs answered this question. Percentages are shares of all 31 selections "
        "made by the 13 ISCMs that answered (several choices per ISCM)."
    )


def test_base_note_names_the_denominator_and_the_base_only_when_it_differs():
    q = question({"a": 2, "b": 1}, base=3)
    assert (
        report.base_note(q, responded=3) == "Percentages are shares of the ISCMs that answered the question."
    )
    assert report.base_note(q, responded=5).startswith("3 of the 5 responding ISCMs answered this question.")
    nobody = question({"a": 0, "b": 0}, base=0)
    assert report.base_note(nobody, responded=5) == "No responding ISCM answered this question."
    assert report.ranking_sentences(nobody, ranks=3) == []


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (
            {"yes": 9, "no": 0, "undecided": 4},
            "69% plan to engage in the 2024 cycle of the GCM regional review (9 of the 13 ISCMs that answered). "
            "The remaining 31% have not yet decided (4). None responded that they do not plan to participate.",
        ),
        (
            {"yes": 13, "no": 0, "undecided": 0},
            "All 13 responding ISCMs that answered plan to engage in the 2024 cycle of the GCM regional review. "
            "None responded that they do not plan to participate.",
        ),
        (
            {"yes": 0, "no": 3, "undecided": 10},
            "None of the 13 responding ISCMs that answered plan to engage in the 2024 cycle of the GCM "
            "regional review. 77% have not yet decided (10 of 13). 23% responded that they do not plan to "
            "participate (3 of 13).",
        ),
        (
            {"yes": 6, "no": 3, "undecided": 4},
            "46% plan to engage in the 2024 cycle of the GCM regional review (6 of the 13 ISCMs that answered). "
            "31% have not yet decided (4 of 13). 23% responded that they do not plan to participate (3 of 13).",
        ),
    ],
)
def test_positive_choices_wording_handles_zero_and_all(counts, expected):
    """A single choice hinted with positive and negative choices and report phrases (the 2023 review plan)."""
    q = question(
        counts,
        base=13,
        question_type="single_choice",
        positive=["yes"],
        negative=["no"],
        phrases={
            "yes": "plan to engage in the 2024 cycle of the GCM regional review",
            "no": "responded that they do not plan to participate",
            "undecided": "have not yet decided",
        },
    )
    assert " ".join(report.positive_sentences(q)) == expected
    assert report.finding(q, responded=13)["paragraphs"] == [expected]


def test_positive_choices_without_phrases_are_named_by_their_labels():
    q = question(
        {"yes": 3, "partly": 1, "no": 0},
        base=4,
        question_type="single_choice",
        labels={"yes": "Yes", "partly": "Partly", "no": "No"},
        positive=["yes", "partly"],
        negative=["no"],
    )
    assert " ".join(report.positive_sentences(q)) == (
        "All 4 responding ISCMs that answered chose “Yes” or “Partly”. None chose “No”."
    )
    q = question(
        {"yes": 2, "partly": 1, "no": 1},
        base=4,
        question_type="single_choice",
        labels={"yes": "Yes", "partly": "Partly", "no": "No"},
        positive=["yes", "partly"],
        negative=["no"],
    )
    assert " ".join(report.positive_sentences(q)) == (
        "75% chose “Yes” or “Partly” (3 of the 4 ISCMs that answered). 25% chose “No” (1 of 4)."
    )


def test_response_sentence_cases():
    assert report.response_sentence({"invited": 24, "responded": 14}) == (
        "14 of the 24 ISCMs invited (58%) responded."
    )
    assert report.response_sentence({"invited": 3, "responded": 0}) == (
        "None of the 3 ISCMs invited has responded yet."
    )
    assert report.response_sentence({"invited": 3, "responded": 3}) == "All 3 ISCMs invited responded (100%)."
    assert report.response_sentence({"invited": 0, "responded": 0}) == (
        "No ISCM has been invited to this campaign yet."
    )


def test_text_blocks_keep_paragraphs_and_turn_dashes_and_bullets_into_lists():
    text = "Intro line\nsecond line\n\n- one\n- two\n• three\n\nClosing.\r\n\r\n-not a bullet\x00"
    assert report.text_blocks(text) == [
        {"kind": "paragraph", "lines": ["Intro line", "second line"]},
        {"kind": "list", "items": ["one", "two", "three"]},
        {"kind": "paragraph", "lines": ["Closing."]},
        {"kind": "paragraph", "lines": ["-not a bullet"]},
    ]
    assert report.text_blocks("Lead:\n- a\n- b\nafter") == [
        {"kind": "paragraph", "lines": ["Lead:"]},
        {"kind": "list", "items": ["a", "b"]},
        {"kind": "paragraph", "lines": ["after"]},
    ]


def test_generic_report_structure():
    multi = question({"a": 2, "b": 1, "c": 0}, base=2, code="multi", label="Pick some", section="Part one")
    skipped = question({"x": 0, "y": 0}, base=0, code="skipped", label="Nobody", section="Part two")
    data = report_input(
        questions=[multi, skipped],
        respondents=[("B", "Beta dialogue"), ("A", "Alpha dialogue")],
        annex_questions=[("practices", "Practices")],
        answers=[("A", "practices", "We meet.\n\n- often")],
    )
    composed = report.report_compose(data)
    assert composed["title"] == "A campaign"
    assert composed["intro"] == ["First paragraph.", "Second paragraph."]
    assert "2 of the 5 ISCMs invited (40%) responded." in composed["summary"][0]
    assert composed["summary"][1] == (
        "This document summarises the answers of the following ISCMs: Beta dialogue (B) and Alpha dialogue (A)."
    )
    assert [section["title"] for section in composed["sections"]] == ["Part one", "Part two"]
    first, second = composed["sections"][0]["findings"][0], composed["sections"][1]["findings"][0]
    assert first["figure_number"] == 1 and second["figure_number"] == 2
    assert first["paragraphs"] == [
        "“Title a” ranks first, cited by all 2 responding ISCMs that answered (100%). It is followed by "
        "“Title b”, cited by 1 of 2 (50%)."
    ]
    assert second["paragraphs"] == [] and second["note"] == "No responding ISCM answered this question."
    assert set(composed["figures"]) == {"multi", "skipped"}
    assert composed["figures"]["multi"]["data"][0]["type"] == "bar"
    annex = composed["annex"]
    assert annex["title"] == "Annex: answers to the open questions"
    assert [iscm["acronym"] for iscm in annex["iscms"]] == ["B", "A"]  # the order given (by name)
    assert annex["iscms"][0]["answers"] == []
    assert annex["iscms"][1]["answers"] == [
        {
            "question": "Practices",
            "code": "practices",
            "blocks": [{"kind": "paragraph", "lines": ["We meet."]}, {"kind": "list", "items": ["often"]}],
        }
    ]


def test_a_single_choice_without_positive_choices_is_ranked():
    q = question({"yes": 2, "no": 1}, base=3, question_type="single_choice", labels={"yes": "Yes", "no": "No"})
    assert report.finding(q, responded=3)["paragraphs"] == [
        "“Yes” ranks first, cited by 2 of 3 responding ISCMs (67%). It is followed by “No”, cited by 1 of 3 (33%)."
    ]
    unknown = question({"yes": 2, "no": 1}, base=3, question_type="single_choice", positive=["gone"])
    assert report.positive_sentences(unknown) == []
    assert report.finding(unknown, responded=3)["paragraphs"][0].startswith("“Title yes” ranks first")
