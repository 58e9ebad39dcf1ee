"""Comparing campaigns: how the ISCMs' answers moved from one survey to the next (see docs/analytics.md).

Reads only: each side's figures come from `selectors.choice_questions`, i.e. the stored aggregates that
`export_aggregates` writes (live counts with the same SQL for a region or ISCM type), so a side of the
comparison never disagrees with the campaign's own export. Questions are matched by code, choices by
code, whatever the questionnaire versions. Everything returned is plain data; the functions below the
selectors are pure (no database).

Definitions, for sides a (first) … z (last):
- delta_pct_points: pct_z − pct_a, each percentage of respondents rounded to one decimal first (as
  printed), so that the table reads 76.9 → 80.0 = +3.1; empty when a side lacks the choice or nobody
  answered the question there;
- rank_change: rank_a − rank_z, positive when the choice moved up (rank 5 → rank 2 = +3); empty in the
  same cases;
- "same ISCMs": only the ISCMs that responded to every compared campaign, so that a change of who
  answered does not pass for a change of priorities (counted live, same definitions as the aggregates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils import formats
from django.utils.translation import gettext as _

from questionnaires.models import AnswerChoice, Campaign, Question, Response

from . import selectors
from .exports import csv_safe
from .numbers import competition_ranks, percent, percent_1dp, percent_text

MAX_CAMPAIGNS = 3
CAMPAIGN_KEYS = ("a", "b", "c")
MOVERS_NAMED = 3


class ComparisonError(ValueError):
    """The campaigns asked for cannot be compared (unknown slug, the same campaign twice, fewer than two)."""


# --- Selectors ------------------------------------------------------------------------------------


def campaigns_of_slugs(slugs: list[str]) -> list[Campaign]:
    """The campaigns in the order asked (one query); ComparisonError for an unknown or repeated slug."""
    slugs = [slug for slug in slugs if slug]
    if len(slugs) < 2:
        raise ComparisonError(_("Choose at least two campaigns to compare."))
    if len(slugs) > MAX_CAMPAIGNS:
        raise ComparisonError(_("At most %(n)s campaigns can be compared at once.") % {"n": MAX_CAMPAIGNS})
    if len(set(slugs)) != len(slugs):
        raise ComparisonError(_("Choose different campaigns: a campaign compared with itself shows no change."))
    found = {c.slug: c for c in Campaign.objects.filter(slug__in=slugs).select_related("questionnaire")}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise ComparisonError(_("No campaign with the slug %(slug)s.") % {"slug": unknown[0]})
    return [found[slug] for slug in slugs]


def campaign_choices() -> list[Campaign]:
    """Every campaign, newest first, for the pickers (one query)."""
    return list(Campaign.objects.order_by("-opens_at", "slug"))


def respondents(campaigns: list[Campaign], *, region: str = "", iscm_type: str = "") -> list[dict[str, Any]]:
    """The ISCMs that responded to at least one of the campaigns, with the campaigns they responded to
    (one query over responses, never answers). Each: id, acronym, name, region, type, responded
    (one bool per campaign, in order), in_all."""
    responses = Response.objects.filter(campaign__in=campaigns, status__in=Response.RESPONDED)
    if region:
        responses = responses.filter(iscm__region=region)
    if iscm_type:
        responses = responses.filter(iscm__type=iscm_type)
    by_iscm: dict[int, dict[str, Any]] = {}
    position = {campaign.pk: index for index, campaign in enumerate(campaigns)}
    for row in responses.values(
        "campaign_id", "iscm_id", "iscm__acronym", "iscm__name", "iscm__region", "iscm__type"
    ).order_by("iscm__acronym"):
        iscm = by_iscm.setdefault(
            row["iscm_id"],
            {
                "id": row["iscm_id"],
                "acronym": row["iscm__acronym"],
                "name": row["iscm__name"],
                "region": row["iscm__region"],
                "type": row["iscm__type"],
                "responded": [False] * len(campaigns),
            },
        )
        iscm["responded"][position[row["campaign_id"]]] = True
    result = list(by_iscm.values())
    for iscm in result:
        iscm["in_all"] = all(iscm["responded"])
    return result


def same_iscm_questions(campaigns: list[Campaign], iscm_ids: list[int]) -> list[list[dict[str, Any]]]:
    """Per campaign, `choice_questions` counted over the given ISCMs' responded responses only.

    Two GROUP BY queries for all the campaigns, then two per campaign for its questions and choices.
    """
    answer_choices = AnswerChoice.objects.filter(
        response__campaign__in=campaigns,
        response__status__in=Response.RESPONDED,
        response__iscm_id__in=iscm_ids,
    ).order_by()
    counts = answer_choices.values("response__campaign_id", "question_id", "choice_id").annotate(count=Count("id"))
    totals = answer_choices.values("response__campaign_id", "question_id").annotate(
        base=Count("response_id", distinct=True), selections=Count("id")
    )
    totals_by_key = {(row["response__campaign_id"], row["question_id"]): row for row in totals}
    rows_by_campaign: dict[int, list[dict[str, int]]] = defaultdict(list)
    for row in counts:
        total = totals_by_key[(row["response__campaign_id"], row["question_id"])]
        rows_by_campaign[row["response__campaign_id"]].append(
            {
                "question_id": row["question_id"],
                "choice_id": row["choice_id"],
                "count": row["count"],
                "base": total["base"],
                "selections": total["selections"],
            }
        )
    for rows in rows_by_campaign.values():
        _rank_rows(rows)
    return [selectors.choice_questions_of_counts(campaign, rows_by_campaign[campaign.pk]) for campaign in campaigns]


def _rank_rows(rows: list[dict[str, int]]) -> None:
    """Standard competition ranks by count within each question, as the stored aggregates' RANK()."""
    by_question: dict[int, list[dict[str, int]]] = defaultdict(list)
    for row in rows:
        by_question[row["question_id"]].append(row)
    for question_rows in by_question.values():
        for row, rank in zip(question_rows, competition_ranks([r["count"] for r in question_rows]), strict=True):
            row["rank"] = rank


def question_codes(campaigns: list[Campaign]) -> list[dict[str, Any]]:
    """Every question of the campaigns' questionnaires (one query): questionnaire_id, code, label, section."""
    questions = (
        Question.objects.filter(questionnaire_id__in={c.questionnaire_id for c in campaigns}, item_of=None)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )
    return [
        {"questionnaire_id": q.questionnaire_id, "code": q.code, "label": q.label, "is_choice": q.is_choice}
        for q in questions
    ]


def campaign_comparison(
    campaigns: list[Campaign], *, region: str = "", iscm_type: str = "", same_iscms: bool = False
) -> dict[str, Any]:
    """Everything the comparison page, its CSVs and the command show, in a fixed number of queries
    whatever the campaigns' sizes: 6 per campaign plus 2 (`same_iscms`: 4 per campaign plus 4).

    Keys: campaigns (slug, title, synthetic, questionnaire), filters, same_iscms, iscms (see
    `respondents`), iscm_counts, rates (see `compare_rates`), questions (see `compare_questions`),
    only_in (questions of some of the campaigns only: code, label, campaigns), responded and groups
    (`selectors.response_groups`, for disclosure control) per side.
    """
    iscms = respondents(campaigns, region=region, iscm_type=iscm_type)
    if same_iscms:
        shared = [iscm["id"] for iscm in iscms if iscm["in_all"]]
        sides = same_iscm_questions(campaigns, shared)
    else:
        sides = [selectors.choice_questions(c, region=region, iscm_type=iscm_type) for c in campaigns]
    groups = [selectors.response_groups(campaign) for campaign in campaigns]
    rates = [
        selectors.response_rates(campaign, region=region, iscm_type=iscm_type, groups=campaign_groups)
        for campaign, campaign_groups in zip(campaigns, groups, strict=True)
    ]
    # the questions each questionnaire's presentation hints show as shares of all selections
    selections_hints = [{q["code"] for q in side if q["hints"]["of_selections"]} for side in sides]
    return {
        "campaigns": [_campaign_summary(campaign) for campaign in campaigns],
        "filters": {"region": region, "iscm_type": iscm_type},
        "same_iscms": same_iscms,
        "regions": sorted({region for g in groups for region in selectors.regions_of_groups(g)}),
        "iscms": iscms,
        "iscm_counts": iscm_counts(iscms, len(campaigns)),
        "responded": [r["responded"] for r in rates],
        "groups": groups,
        "rates": compare_rates(rates),
        "questions": compare_questions(sides, of_selections=set.intersection(*selections_hints)),
        "only_in": questions_only_in(campaigns, question_codes(campaigns)),
    }


def _campaign_summary(campaign: Campaign) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "synthetic": campaign.synthetic,
        "questionnaire": str(campaign.questionnaire),
        "opens_at": campaign.opens_at,
    }


def iscm_changes(campaigns: list[Campaign], question_code: str, iscm_ids: list[int]) -> dict[str, Any] | None:
    """Per ISCM that responded to every campaign: what it kept, added and dropped among its choices of
    one question between the first and the last campaign (one query, plus two for the choices' labels).
    Names individual ISCMs' answers: the caller must have checked `can_view_all_responses`.
    None if the question is not a choice question of both the first and the last campaign."""
    first, last = campaigns[0], campaigns[-1]
    questions = {
        q.questionnaire_id: q
        for q in Question.objects.filter(
            questionnaire_id__in=[first.questionnaire_id, last.questionnaire_id], code=question_code
        ).select_related("choice_list")
    }
    question = questions.get(last.questionnaire_id)
    if question is None or first.questionnaire_id not in questions or not all(q.is_choice for q in questions.values()):
        return None
    list_code = question.choice_list.code if question.choice_list_id else ""
    labels = {
        c.code: selectors.choice_display_label(list_code, c.code, c.label)
        for q in questions.values()
        for c in q.choices_queryset()
    }
    picks = (
        AnswerChoice.objects.filter(
            response__campaign__in=[first, last],
            response__status__in=Response.RESPONDED,
            response__iscm_id__in=iscm_ids,
            question__in=questions.values(),
        )
        .order_by("response__iscm__acronym", "choice__position")
        .values_list("response__campaign_id", "response__iscm__acronym", "response__iscm__name", "choice__code")
    )
    chosen: dict[str, dict[str, Any]] = {}
    for campaign_id, acronym, name, code in picks:
        iscm = chosen.setdefault(acronym, {"acronym": acronym, "name": name, "first": [], "last": []})
        iscm["first" if campaign_id == first.pk else "last"].append(code)
    iscms = []
    for iscm in chosen.values():
        before, after = iscm["first"], iscm["last"]
        iscms.append(
            {
                "acronym": iscm["acronym"],
                "name": iscm["name"],
                "kept": [_labelled(code, labels) for code in after if code in before],
                "added": [_labelled(code, labels) for code in after if code not in before],
                "dropped": [_labelled(code, labels) for code in before if code not in after],
                "answered": [bool(before), bool(after)],
            }
        )
    return {"question": {"code": question.code, "label": question.label}, "iscms": iscms}


def _labelled(code: str, labels: dict[str, str]) -> dict[str, str]:
    return {"code": code, "label": labels.get(code, code)}


# --- Pure functions over the sides' figures ---------------------------------------------------------


def iscm_counts(iscms: list[dict[str, Any]], sides: int) -> dict[str, Any]:
    """How many ISCMs responded to every campaign, and to each campaign only."""
    return {
        "all": sum(1 for iscm in iscms if iscm["in_all"]),
        "only": [
            sum(1 for iscm in iscms if iscm["responded"][side] and sum(iscm["responded"]) == 1) for side in range(sides)
        ],
        "total": len(iscms),
    }


def _cell(question: dict[str, Any], choice: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": choice["count"],
        "base": question["base"],
        "selections": question["selections"],
        "pct": choice["pct_of_respondents"],
        "pct_1dp": percent_1dp(choice["count"], question["base"]),
        "pct_of_selections": choice["pct_of_selections"],
        "pct_of_selections_1dp": percent_1dp(choice["count"], question["selections"]),
        "rank": choice["rank"],
    }


def compare_questions(
    sides: list[list[dict[str, Any]]], *, of_selections: set[str] | frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The choice questions every side has (matched by code), in the last side's questionnaire order.

    Each: code, label, section, choice_list (the last side's), of_selections (the hints say % of
    selections), sides (base, selections, answered per side), rows (one per choice code of any side,
    by the last side's rank, then the earlier sides'), movers_up / movers_down (rows of the largest
    rises and falls, up to MOVERS_NAMED each). Each row: code, display_label, description, cells (one
    per side: count, base, selections, pct, pct_1dp, pct_of_selections, rank; None where the side's
    questionnaire lacks the choice), delta_pct_points (Decimal), rank_change.
    """
    by_code = [{q["code"]: q for q in side} for side in sides]
    matched = [q["code"] for q in sides[-1] if all(q["code"] in side for side in by_code)]
    result = []
    for code in matched:
        questions = [side[code] for side in by_code]
        result.append(_compare_question(questions, of_selections=code in of_selections))
    return result


def _compare_question(questions: list[dict[str, Any]], *, of_selections: bool) -> dict[str, Any]:
    last = questions[-1]
    choices: dict[str, dict[str, Any]] = {}
    # the last side's ranking first, then choices only earlier campaigns offered
    for question in reversed(questions):
        for choice in question["ranked"]:
            choices.setdefault(choice["code"], choice)
    rows = []
    for code, choice in choices.items():
        cells = []
        for question in questions:
            match = next((c for c in question["choices"] if c["code"] == code), None)
            cells.append(_cell(question, match) if match else None)
        rows.append(
            {
                "code": code,
                "label": choice["label"],
                "display_label": choice["display_label"],
                "description": choice["description"],
                "cells": cells,
                "delta_pct_points": delta_pct_points(cells[0], cells[-1]),
                "rank_change": rank_change(cells[0], cells[-1]),
            }
        )
        rows[-1]["delta_text"] = points_text(rows[-1]["delta_pct_points"])
        rows[-1]["rank_change_text"] = rank_change_text(rows[-1]["rank_change"])
    movers = [row for row in rows if row["delta_pct_points"]]
    return {
        "code": last["code"],
        "label": last["label"],
        "section": last["section"],
        "choice_list": last["choice_list"],
        "of_selections": of_selections,
        "sides": [{"base": q["base"], "selections": q["selections"], "answered": q["answered"]} for q in questions],
        "answered": all(q["answered"] for q in questions),
        "rows": rows,
        "movers_up": sorted(
            (row for row in movers if row["delta_pct_points"] > 0), key=lambda row: -row["delta_pct_points"]
        )[:MOVERS_NAMED],
        "movers_down": sorted(
            (row for row in movers if row["delta_pct_points"] < 0), key=lambda row: row["delta_pct_points"]
        )[:MOVERS_NAMED],
    }


def delta_pct_points(first: dict[str, Any] | None, last: dict[str, Any] | None) -> Decimal | None:
    if first is None or last is None or first["pct_1dp"] is None or last["pct_1dp"] is None:
        return None
    return last["pct_1dp"] - first["pct_1dp"]


def rank_change(first: dict[str, Any] | None, last: dict[str, Any] | None) -> int | None:
    if first is None or last is None or not first["base"] or not last["base"]:
        return None
    return first["rank"] - last["rank"]


def questions_only_in(campaigns: list[Campaign], questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Questions (any type) whose code some of the campaigns' questionnaires lack: code, label, campaigns
    (titles of the campaigns that asked it), in questionnaire order."""
    codes_by_questionnaire: dict[int, set[str]] = defaultdict(set)
    first_seen: dict[str, dict[str, Any]] = {}
    for question in questions:
        codes_by_questionnaire[question["questionnaire_id"]].add(question["code"])
        first_seen.setdefault(question["code"], question)
    result = []
    for code, question in first_seen.items():
        asked = [c for c in campaigns if code in codes_by_questionnaire[c.questionnaire_id]]
        if len(asked) < len(campaigns):
            result.append({"code": code, "label": question["label"], "campaigns": [c.title for c in asked]})
    return result


def compare_rates(rates: list[dict[str, Any]]) -> dict[str, Any]:
    """Response rates side by side: overall (invited, responded, rate per side), by_region and by_type
    (rows of key, label, cells: one per side, None where the side invited nobody of the group)."""

    def merged(rows_per_side: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        keys: dict[str, str] = {}
        for rows in rows_per_side:
            for row in rows:
                keys.setdefault(row["key"], row["label"])
        by_side = [{row["key"]: row for row in rows} for rows in rows_per_side]
        return [
            {"key": key, "label": label, "cells": [side.get(key) for side in by_side]} for key, label in keys.items()
        ]

    return {
        "overall": [
            {"invited": r["invited"], "responded": r["responded"], "rate": percent(r["responded"], r["invited"])}
            for r in rates
        ],
        "by_region": sorted(merged([r["by_region"] for r in rates]), key=lambda row: row["key"]),
        "by_type": merged([r["by_type"] for r in rates]),
    }


def pct_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{formats.number_format(value, 1)}%"


def points_text(value: Decimal | None) -> str:
    """ "+3.1", "−18.6", "0.0" (a real minus sign), "—" for no value."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{formats.number_format(abs(value), 1)}"


def rank_change_text(value: int | None) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"


def movers_sentence(question: dict[str, Any]) -> str:
    """ "Largest rises: A (+12.5 points), B (+8.0 points). Largest falls: C (−10.0 points)." or ""."""
    parts = []
    if question["movers_up"]:
        parts.append(
            _("Largest rises: %(choices)s.") % {"choices": ", ".join(_mover_text(row) for row in question["movers_up"])}
        )
    if question["movers_down"]:
        parts.append(
            _("Largest falls: %(choices)s.")
            % {"choices": ", ".join(_mover_text(row) for row in question["movers_down"])}
        )
    return " ".join(parts)


def _mover_text(row: dict[str, Any]) -> str:
    return _("%(choice)s (%(points)s points)") % {
        "choice": row["display_label"],
        "points": points_text(row["delta_pct_points"]),
    }


def leader_sentence(question: dict[str, Any], earlier_title: str) -> str:
    """What leads the last campaign, against the first: "Objective 23 remains the most cited (76.9% →
    80.0%)." or "… is now the most cited (…), ahead of X, first in <earlier campaign> (…)."; "" when a
    side has no answers."""
    if not question["answered"]:
        return ""
    rows = question["rows"]
    leader = rows[0]
    first_cell, last_cell = leader["cells"][0], leader["cells"][-1]
    values = {
        "choice": leader["display_label"],
        "before": pct_text(first_cell["pct_1dp"] if first_cell else None),
        "after": pct_text(last_cell["pct_1dp"]),
    }
    if first_cell is not None and first_cell["rank"] == 1:
        return _("%(choice)s remains the most cited (%(before)s → %(after)s).") % values
    earlier_leaders = [row for row in rows if row["cells"][0] is not None and row["cells"][0]["rank"] == 1]
    earlier = earlier_leaders[0]
    return _(
        "%(choice)s is now the most cited (%(before)s → %(after)s), ahead of %(earlier_choice)s, "
        "the most cited in %(earlier)s (%(earlier_pct)s)."
    ) % {
        **values,
        "earlier_choice": earlier["display_label"],
        "earlier": earlier_title,
        "earlier_pct": pct_text(earlier["cells"][0]["pct_1dp"]),
    }


# --- CSV ----------------------------------------------------------------------------------------------

SIDE_COLUMNS = ("count", "base", "pct", "rank")


def csv_columns(sides: int) -> list[str]:
    """question,choice,label,count_a,base_a,pct_a,rank_a,count_b,…,delta_pct_points,rank_change."""
    return [
        "question",
        "choice",
        "label",
        *(f"{column}_{key}" for key in CAMPAIGN_KEYS[:sides] for column in SIDE_COLUMNS),
        "delta_pct_points",
        "rank_change",
    ]


def comparison_csv_rows(questions: list[dict[str, Any]], sides: int) -> Iterator[list[object]]:
    """CSV rows of the compared questions: percentages of respondents with one decimal, as in
    `export_aggregates`; a choice missing from one side has empty cells there."""
    yield csv_columns(sides)
    for question in questions:
        for row in question["rows"]:
            cells: list[object] = []
            for cell in row["cells"]:
                if cell is None:
                    cells += ["", "", "", ""]
                else:
                    cells += [cell["count"], cell["base"], percent_text(cell["count"], cell["base"]), cell["rank"]]
            delta = row["delta_pct_points"]
            yield [
                question["code"],
                row["code"],
                csv_safe(row["label"]),
                *cells,
                "" if delta is None else str(delta),
                "" if row["rank_change"] is None else row["rank_change"],
            ]


def rate_csv_rows(rows: list[dict[str, Any]], sides: int) -> Iterator[list[object]]:
    """group,label,invited_a,responded_a,rate_a,invited_b,…: response rates per group side by side."""
    yield ["group", "label", *(f"{c}_{key}" for key in CAMPAIGN_KEYS[:sides] for c in ("invited", "responded", "rate"))]
    for row in rows:
        cells: list[object] = []
        for cell in row["cells"]:
            if cell is None:
                cells += ["", "", ""]
            else:
                cells += [cell["invited"], cell["responded"], percent_text(cell["responded"], cell["invited"])]
        yield [csv_safe(row["key"]), csv_safe(row["label"]), *cells]


def overall_rate_csv_rows(overall: list[dict[str, Any]], campaigns: list[dict[str, Any]]) -> Iterator[list[object]]:
    """campaign,title,invited,responded,rate: one row per compared campaign."""
    yield ["campaign", "title", "invited", "responded", "rate"]
    for campaign, rate in zip(campaigns, overall, strict=True):
        yield [
            campaign["slug"],
            csv_safe(campaign["title"]),
            rate["invited"],
            rate["responded"],
            percent_text(rate["responded"], rate["invited"]),
        ]


def iscm_csv_rows(iscms: list[dict[str, Any]], sides: int) -> Iterator[list[object]]:
    """iscm,name,region,type,responded_a,responded_b,…: which ISCMs responded to which campaign (yes/no)."""
    yield ["iscm", "name", "region", "type", *(f"responded_{key}" for key in CAMPAIGN_KEYS[:sides])]
    for iscm in iscms:
        yield [
            csv_safe(iscm["acronym"]),
            csv_safe(iscm["name"]),
            csv_safe(iscm["region"]),
            iscm["type"],
            *("yes" if responded else "no" for responded in iscm["responded"]),
        ]
