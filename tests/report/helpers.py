"""Plain report inputs built by hand (no database): question dicts as `selectors.choice_questions` returns
them, and a whole `report_data` dict."""

from __future__ import annotations

import datetime
from typing import Any

from analytics.numbers import competition_ranks, percent


def hints(question_type: str = "multiple_choice", label: str = "Which ones?", **given: Any) -> dict[str, Any]:
    """The presentation hints of a question dict, defaulted as `questionnaires.schema.hints_for` does."""
    return {
        "chart": "bars" if question_type == "multiple_choice" else "donut",
        "of_selections": False,
        "title": label,
        "top": 3,
        "positive": [],
        "negative": [],
        "coverage": False,
        "summary": "",
    } | given


def question(
    counts: dict[str, int],
    *,
    base: int,
    selections: int | None = None,
    choice_list: str = "",
    code: str = "q",
    label: str = "Which ones?",
    section: str = "Section",
    labels: dict[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    phrases: dict[str, str] | None = None,
    question_type: str = "multiple_choice",
    **given_hints: Any,
) -> dict[str, Any]:
    codes = list(counts)
    ranks = competition_ranks([counts[c] for c in codes])
    labels = labels or {}
    descriptions = descriptions or {}
    phrases = phrases or {}
    selections = selections if selections is not None else sum(counts.values())
    choices = []
    for index, choice_code in enumerate(codes):
        title = labels.get(choice_code, f"Title {choice_code}")
        display = (
            f"Objective {choice_code} – {title}"
            if choice_list == "gcm"
            else f"SDG {choice_code} – {title}"
            if choice_list == "sdg"
            else title
        )
        choices.append(
            {
                "code": choice_code,
                "label": title,
                "description": descriptions.get(choice_code, ""),
                "display_label": display,
                "report_phrase": phrases.get(choice_code, ""),
                "position": index,
                "count": counts[choice_code],
                "rank": ranks[index] if base else 1,
                "pct_of_respondents": percent(counts[choice_code], base),
                "pct_of_selections": percent(counts[choice_code], selections),
            }
        )
    return {
        "code": code,
        "label": label,
        "type": question_type,
        "section": section,
        "choice_list": choice_list,
        "hints": hints(question_type, label, **given_hints),
        "base": base,
        "selections": selections,
        "answered": base > 0,
        "choices": choices,
        "ranked": sorted(choices, key=lambda c: (c["rank"], c["position"])),
    }


def report_input(
    *,
    questions: list[dict[str, Any]],
    invited: int = 5,
    respondents: list[tuple[str, str]] = (("A", "Dialogue A"), ("B", "Dialogue B")),
    slug: str = "generic",
    annex_questions: list[tuple[str, str]] = (),
    answers: list[tuple[str, str, str]] = (),
) -> dict[str, Any]:
    responded = len(respondents)
    return {
        "campaign": {
            "slug": "campaign",
            "title": "A campaign",
            "intro": "First paragraph.\n\nSecond paragraph.",
            "opens_at": datetime.datetime(2023, 4, 1, tzinfo=datetime.UTC),
            "closes_at": datetime.datetime(2023, 5, 31, tzinfo=datetime.UTC),
        },
        "questionnaire": {"slug": slug, "title": "The questionnaire"},
        "kpis": {"invited": invited, "responded": responded, "rate": percent(responded, invited)},
        "respondents": [
            {"acronym": acronym, "name": name, "display_name": f"{name} ({acronym})"}
            for acronym, name in respondents
        ],
        "questions": questions,
        "annex_questions": [{"code": code, "label": label} for code, label in annex_questions],
        "answers": [{"iscm": iscm, "question": code, "text": text} for iscm, code, text in answers],
        "freshness": {"computed_at": None, "requested_at": None, "is_stale": False, "live": True},
    }
