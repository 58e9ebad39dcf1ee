"""Mentions of GCM objectives and SDGs in four languages, the proposed split, search normalisation."""

import pytest

from practices.text import mentions, search_normalize, split_items, split_proposal, year_propose


@pytest.mark.parametrize(
    ("text", "gcm", "sdg"),
    [
        ("This supports objective 15.", ["15"], []),
        ("relevant to GCM objectives 5, 16, 20 and 22.", ["5", "16", "20", "22"], []),
        ("supporting objectives 3, 4, 5 and 11, among others", ["3", "4", "5", "11"], []),
        ("Aligned with objectives GCM 15 and 16.", ["15", "16"], []),
        ("In line with GCM 15 and 16", ["15", "16"], []),
        ("En línea con el objetivo 19 del Pacto", ["19"], []),
        ("Contribuye a los objetivos 5 y 16", ["5", "16"], []),
        ("Conforme aux objectifs 3 et 7 du Pacte", ["3", "7"], []),
        ("Lié à l'ODD 8 et à l'objectif 6", ["6"], ["8"]),
        ("Linked to SDG 10 and SDGs 8, 9 and 10", [], ["8", "9", "10"]),
        ("SDG targets 10.7 and 16.9", [], ["10", "16"]),
        ("ODS 5 y Objetivo de Desarrollo Sostenible 8", [], ["5", "8"]),
        ("يدعم الهدف 23 من الاتفاق العالمي", ["23"], []),
        ("يدعم الهدفين 15 و16", ["15", "16"], []),
        ("يدعم الهدف ٢٣", ["23"], []),
        ("هدف التنمية المستدامة 10", [], ["10"]),
        # no number, out of range, or a year: nothing
        ("with the objective of renewing the commitment", [], []),
        ("objective 24 and SDG 18", [], []),
        ("Call for Action (2019–2025)", [], []),
    ],
)
def test_mentions_in_four_languages(text, gcm, sdg):
    found = mentions(text)
    assert (found.gcm, found.sdg) == (gcm, sdg)


def test_split_proposes_paragraphs_and_list_items_without_the_lead_in():
    answer = (
        "During the Chilean chairmanship, SACM held several activities:\n\n"
        "- An online seminar on access to justice (objectives 15 and 16).\n"
        "- A webinar on migration statistics (objective 1);\n"
        "  continued in 2022\n"
        "* A workshop on diasporas (objective 19).\n\n"
        "A last paragraph,\non two lines."
    )
    assert split_items(answer) == [
        "An online seminar on access to justice (objectives 15 and 16).",
        "A webinar on migration statistics (objective 1); continued in 2022",
        "A workshop on diasporas (objective 19).",
        "A last paragraph, on two lines.",
    ]
    proposal = split_proposal(answer, year=2023)
    assert [(p.gcm, p.year) for p in proposal] == [
        (["15", "16"], 2023),
        (["1"], 2022),
        (["19"], 2023),
        ([], 2023),
    ]


def test_year_is_the_latest_named_year_not_after_the_campaign():
    assert year_propose("In September 2022, then in 2021", 2023) == 2022
    assert year_propose("Call for Action (2019–2025)", 2023) == 2019
    assert year_propose("No year here", 2023) == 2023


def test_search_normalisation_drops_case_accents_and_arabic_diacritics():
    assert search_normalize("Régularisation ÉTÉ Migración") == "regularisation ete migracion"
    assert search_normalize("الْهِجْرَة") == search_normalize("الهجرة")
