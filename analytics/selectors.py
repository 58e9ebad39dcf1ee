"""Reads for dashboards, exports and the report: counting happens in SQL, a fixed number of queries.

Everything returned is plain data (dicts, lists, ints, strings, dates) so that `charts.py`, the CSV
writer, templates and the report consume it without touching the database again.

Definitions (see docs/analytics.md): for a choice question and one of its choices,
- count: responded responses (submitted, returned or validated) that selected the choice;
- base: responded responses that answered the question (selected at least one choice);
- selections: all choices selected for the question by those responses;
- pct_of_respondents = count / base, pct_of_selections = count / selections (None when 0 / 0);
- rank: standard competition ranking by count within the question (1, 2, 2, 4).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from questionnaires.models import Answer, Campaign, Invitation, Iscm, Question, Response
from questionnaires.schema import QuestionnaireSchema, questionnaire_schema

from .models import CampaignStats, ChoiceAggregate, ChoiceCell, TextCell
from .numbers import percent

_RESPONDED = ", ".join(f"'{status}'" for status in Response.RESPONDED)

# Per choice of every choice question of a campaign's questionnaire: responded responses that picked
# it (count), responded responses that answered the question (base), all picks of the question
# (selections), and the standard competition rank by count. Zero counts come from the LEFT JOINs.
# Optional filters on the ISCM's region and type serve the dashboard's live subsets.
# (response, question, choice) is unique, so COUNT(*) in `picked` counts responses.
CHOICE_COUNTS_SQL = f"""
WITH responded AS (
    SELECT r.id
    FROM questionnaires_response r
    JOIN questionnaires_iscm i ON i.id = r.iscm_id
    WHERE r.campaign_id = %(campaign)s
      AND r.status IN ({_RESPONDED})
      AND (%(region)s = '' OR i.region = %(region)s)
      AND (%(iscm_type)s = '' OR i.type = %(iscm_type)s)
),
picked AS (
    SELECT ac.question_id, ac.choice_id, COUNT(*) AS count
    FROM questionnaires_answerchoice ac
    JOIN responded ON responded.id = ac.response_id
    GROUP BY ac.question_id, ac.choice_id
),
-- base without COUNT(DISTINCT): that sorts every answer row (spilling to disk at 10,000 responses);
-- grouping by (question, response) first is one hash aggregate, then a small one per question.
per_response AS (
    SELECT ac.question_id, ac.response_id, COUNT(*) AS picks
    FROM questionnaires_answerchoice ac
    JOIN responded ON responded.id = ac.response_id
    GROUP BY ac.question_id, ac.response_id
),
per_question AS (
    SELECT question_id, COUNT(*) AS base, SUM(picks) AS selections
    FROM per_response
    GROUP BY question_id
),
options AS (
    SELECT q.id AS question_id, c.id AS choice_id
    FROM questionnaires_question q
    JOIN questionnaires_choice c
      ON c.choice_list_id = q.choice_list_id OR (q.choice_list_id IS NULL AND c.question_id = q.id)
    WHERE q.questionnaire_id = %(questionnaire)s
      AND q.type IN ('single_choice', 'multiple_choice')
      AND q.item_of_id IS NULL  -- the fields of a list's items are counted by the practices library
)
SELECT o.question_id,
       o.choice_id,
       COALESCE(p.count, 0) AS count,
       COALESCE(pq.base, 0) AS base,
       COALESCE(pq.selections, 0) AS selections,
       RANK() OVER (PARTITION BY o.question_id ORDER BY COALESCE(p.count, 0) DESC) AS rank
FROM options o
LEFT JOIN picked p ON p.question_id = o.question_id AND p.choice_id = o.choice_id
LEFT JOIN per_question pq ON pq.question_id = o.question_id
"""


# Every (question, choice) of the campaign's questionnaire: the rows every cell stores, zero counts included.
_OPTIONS_SQL = """
    SELECT q.id AS question_id, c.id AS choice_id
    FROM questionnaires_question q
    JOIN questionnaires_choice c
      ON c.choice_list_id = q.choice_list_id OR (q.choice_list_id IS NULL AND c.question_id = q.id)
    WHERE q.questionnaire_id = %(questionnaire)s
      AND q.type IN ('single_choice', 'multiple_choice')
      AND q.item_of_id IS NULL  -- the fields of a list's items are counted by the practices library
"""

# The figures per (region, ISCM type) cell: what the rebuild stores in `ChoiceCell` and `TextCell`. Every
# cell of the campaign's invited or responding ISCMs gets a row per choice (and per text question), zero
# counts included, so that a response's writes always find the rows of its cell to move.
_CELL_KEYS_SQL = f"""
    SELECT i.region, i.type AS iscm_type
    FROM questionnaires_iscm i
    WHERE i.id IN (SELECT iscm_id FROM questionnaires_invitation WHERE campaign_id = %(campaign)s)
       OR i.id IN (
           SELECT iscm_id FROM questionnaires_response WHERE campaign_id = %(campaign)s AND status IN ({_RESPONDED})
       )
    GROUP BY i.region, i.type
"""

_TEXT_TYPES = ", ".join(f"'{kind}'" for kind in Question.TEXT_TYPES)

# The rows every cell stores: choice questions' (question, choice) pairs, and text questions (choice NULL).
_ROW_KEYS_SQL = f"""
    SELECT o.question_id, o.choice_id FROM ({_OPTIONS_SQL}) o
    UNION ALL
    SELECT q.id, NULL FROM questionnaires_question q
    WHERE q.questionnaire_id = %(questionnaire)s AND q.type IN ({_TEXT_TYPES}) AND q.item_of_id IS NULL
"""

# The campaign's responded responses, each with its cell's number (`{cells}`: the cells as a VALUES list,
# numbered by `campaign_cells`), so that answer rows are grouped by integers, not by the region's text.
# LEFT JOIN: every responded ISCM is in a cell, and the estimate stays the responses' number.
_RESPONDED_CELLS = f"""(
    SELECT r.id, cells.cell
    FROM questionnaires_response r
    JOIN questionnaires_iscm i ON i.id = r.iscm_id
    LEFT JOIN (SELECT column1 AS cell, column2 AS region, column3 AS iscm_type FROM (VALUES {{cells}}) v) cells
      ON cells.region = i.region AND cells.iscm_type = i.type
    WHERE r.campaign_id = %(campaign)s AND r.status IN ({_RESPONDED})
)"""

# One pass over the answer rows of the responded responses, per (question, choice, cell): the picks, and
# the answers (rows marked first of their answer: the responses that answered, whose sum over a question's
# choices is its base). (response, question, choice) is unique, so COUNT(*) counts responses. Joined to
# the responses' cells computed first (see `campaign_cells`): one hash probe per answer row.
_PICKED_SQL = f"""
SELECT ac.question_id, ac.choice_id, responded.cell, COUNT(*), COUNT(*) FILTER (WHERE ac.is_first)
FROM questionnaires_answerchoice ac
JOIN {_RESPONDED_CELLS} responded ON responded.id = ac.response_id
GROUP BY ac.question_id, ac.choice_id, responded.cell
"""

# Non-empty text answers per (question, cell).
_TEXTS_SQL = f"""
SELECT a.question_id, responded.cell, COUNT(*)
FROM questionnaires_answer a
JOIN {_RESPONDED_CELLS} responded ON responded.id = a.response_id
WHERE a.text <> ''
GROUP BY a.question_id, responded.cell
"""

# Planner settings for the two counting queries only (see `campaign_cells`), then back to the defaults.
_PLANNER_SET = "SET LOCAL join_collapse_limit = 1; SET LOCAL jit = off"
_PLANNER_RESET = "SET LOCAL join_collapse_limit TO DEFAULT; SET LOCAL jit TO DEFAULT"

CELL_FIELDS = ("question_id", "choice_id", "region", "iscm_type", "count", "base", "selections")
TEXT_CELL_FIELDS = ("question_id", "region", "iscm_type", "answers")


def campaign_cells(campaign: Campaign) -> tuple[list[tuple], list[tuple]]:
    """A fresh count of the campaign's cells (four queries): the `ChoiceCell` rows a rebuild would store,
    as CELL_FIELDS, and the `TextCell` rows, as TEXT_CELL_FIELDS. Base and selections of a cell are the
    sums over the question's choices of its answers and picks. Plain SELECTs, which may use parallel
    workers (an INSERT … SELECT may not)."""
    params = choice_counts_params(campaign)
    # a transaction for the SET LOCALs below (the nightly check runs in autocommit), no savepoint needed
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(_CELL_KEYS_SQL, params)
        cells = sorted(cursor.fetchall())
        if not cells:  # nobody invited, nobody responded: no cell, no row
            return [], []
        cursor.execute(_ROW_KEYS_SQL, params)
        row_keys = cursor.fetchall()
        for number, (region, iscm_type) in enumerate(cells):
            params[f"region_{number}"], params[f"type_{number}"] = region, iscm_type
        values = ", ".join(f"({number}, %(region_{number})s, %(type_{number})s)" for number in range(len(cells)))
        if connection.vendor == "postgresql":
            # The joins in the order written: the responses' cells first (a few thousand rows), then the
            # answer rows against them. Left to itself the planner joined the answer rows to the responses,
            # then to the ISCMs, then to the cells: three hash probes per answer row instead of one.
            # No JIT: compiling cost more than these GROUP BYs when the estimates ran high.
            cursor.execute(_PLANNER_SET)
        cursor.execute(_PICKED_SQL.replace("{cells}", values), params)
        picked = cursor.fetchall()
        cursor.execute(_TEXTS_SQL.replace("{cells}", values), params)
        texts = {(question_id, cell): n for question_id, cell, n in cursor.fetchall()}
        if connection.vendor == "postgresql":
            cursor.execute(_PLANNER_RESET)
    counts, bases, selections = {}, defaultdict(int), defaultdict(int)
    for question_id, choice_id, cell, count, answers in picked:
        counts[question_id, choice_id, cell] = count
        bases[question_id, cell] += answers
        selections[question_id, cell] += count
    choice_rows, text_rows = [], []
    for question_id, choice_id in row_keys:
        for number, (region, iscm_type) in enumerate(cells):
            if choice_id is None:
                text_rows.append((question_id, region, iscm_type, texts.get((question_id, number), 0)))
            else:
                count = counts.get((question_id, choice_id, number), 0)
                figures = (count, bases[question_id, number], selections[question_id, number])
                choice_rows.append((question_id, choice_id, region, iscm_type, *figures))
    return choice_rows, text_rows


# The figures of a selection (all ISCMs, a region, a type, or both) as sums of the stored cells, in the
# shape of CHOICE_COUNTS_SQL (every choice a row, ranks by count): a few hundred rows read, whatever the
# number of responses.
CELL_TOTALS_SQL = f"""
SELECT o.question_id,
       o.choice_id,
       COALESCE(t.count, 0) AS count,
       COALESCE(t.base, 0) AS base,
       COALESCE(t.selections, 0) AS selections,
       RANK() OVER (PARTITION BY o.question_id ORDER BY COALESCE(t.count, 0) DESC) AS rank
FROM ({_OPTIONS_SQL}) o
LEFT JOIN (
    SELECT question_id, choice_id, SUM(count) AS count, SUM(base) AS base, SUM(selections) AS selections
    FROM {ChoiceCell._meta.db_table}
    WHERE campaign_id = %(campaign)s
      AND (%(region)s = '' OR region = %(region)s)
      AND (%(iscm_type)s = '' OR iscm_type = %(iscm_type)s)
    GROUP BY question_id, choice_id
) t ON t.question_id = o.question_id AND t.choice_id = o.choice_id
"""  # noqa: S608 - the table name is ours


def _fetch_dicts(sql: str, params: dict[str, object]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def choice_counts_params(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> dict[str, object]:
    return {
        "campaign": campaign.pk,
        "questionnaire": campaign.questionnaire_id,
        "region": region or "",
        "iscm_type": iscm_type or "",
    }


def choice_counts_live(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> list[dict[str, int]]:
    """CHOICE_COUNTS_SQL run now (one query): the rows a recompute would store, for any subset."""
    return _fetch_dicts(CHOICE_COUNTS_SQL, choice_counts_params(campaign, region=region, iscm_type=iscm_type))


def choice_counts_of_cells(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> list[dict[str, Any]]:
    """The figures of a selection summed from the stored cells (one query), in `choice_counts_live`'s shape."""
    return _fetch_dicts(CELL_TOTALS_SQL, choice_counts_params(campaign, region=region, iscm_type=iscm_type))


def _is_filtered(region: str, iscm_type: str) -> bool:
    return bool(region or iscm_type)


def _responded(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> QuerySet[Response]:
    responses = Response.objects.filter(campaign=campaign, status__in=Response.RESPONDED)
    if region:
        responses = responses.filter(iscm__region=region)
    if iscm_type:
        responses = responses.filter(iscm__type=iscm_type)
    return responses


# --- Labels ---------------------------------------------------------------------------------------


def choice_display_label(list_code: str, code: str, label: str) -> str:
    """How a chart names a choice: "Objective 23 – <short title>", "SDG 8 – <short title>", or the label."""
    if list_code == "gcm":
        return _("Objective %(number)s – %(title)s") % {"number": code, "title": label}
    if list_code == "sdg":
        return _("SDG %(number)s – %(title)s") % {"number": code, "title": label}
    return label


# --- Choice questions ----------------------------------------------------------------------------


def _schema(campaign: Campaign) -> QuestionnaireSchema:
    return questionnaire_schema(campaign.questionnaire)


def choice_questions(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> list[dict[str, Any]]:
    """Every choice question, in questionnaire order, with its choices' figures. Two queries
    (four while the questionnaire's schema is not cached).

    Unfiltered, the figures are the stored aggregates (as of `CampaignStats.computed_at`); for a
    region or ISCM type, or before the first recompute, they are counted live with the same SQL.
    Each question: code, label, type, section, choice_list ("gcm", "sdg" or ""), hints (the presentation
    hints of the compiled schema in the active language: chart, of_selections, title, top, positive,
    negative, coverage, summary), base, selections,
    answered (base > 0), `choices` in questionnaire order and `ranked` (rank, then questionnaire order);
    each choice: code, label, description, display_label, report_phrase, count, rank, pct_of_respondents,
    pct_of_selections (floats, exact; None when the denominator is 0).
    """
    stats = CampaignStats.objects.filter(campaign=campaign).first()
    rows, _live = _count_rows(campaign, stats, region=region, iscm_type=iscm_type)
    return _choice_questions(_schema(campaign), rows)


def choice_questions_of_counts(campaign: Campaign, rows: list[dict[str, int]]) -> list[dict[str, Any]]:
    """`choice_questions` for counts the caller made (e.g. of a subset of ISCMs), in the rows' shape:
    question_id, choice_id, count, base, selections, rank; a choice without a row counts 0. Two queries."""
    return _choice_questions(_schema(campaign), rows)


def _count_rows(
    campaign: Campaign, stats: CampaignStats | None, *, region: str, iscm_type: str
) -> tuple[list[dict[str, int]], bool]:
    """(rows, counted live?): unfiltered, the stored rows once computed (flagged stale if they are); for a
    region or type, the sum of the stored cells while the figures are exact (writes keep them so), else
    live SQL over the subset (never computed, or a rebuild pending)."""
    computed = stats is not None and stats.computed_at is not None
    if not _is_filtered(region, iscm_type):
        if computed:
            rows = ChoiceAggregate.objects.filter(campaign=campaign).order_by()
            return list(rows.values("question_id", "choice_id", "count", "base", "selections", "rank")), False
    elif computed and not stats.is_stale:
        return choice_counts_of_cells(campaign, region=region, iscm_type=iscm_type), False
    return choice_counts_live(campaign, region=region, iscm_type=iscm_type), True


def _choice_questions(schema: QuestionnaireSchema, rows: list[dict[str, int]]) -> list[dict[str, Any]]:
    by_key = {(row["question_id"], row["choice_id"]): row for row in rows}
    per_question = {row["question_id"]: row for row in rows}

    result = []
    for question in schema.choice_questions():
        totals = per_question.get(question.id, {})
        base = int(totals.get("base", 0))
        selections = int(totals.get("selections", 0))
        list_code = question.choice_list
        choices = []
        for choice in question.choices:
            row = by_key.get((question.id, choice.id))
            count = int(row["count"]) if row else 0
            choices.append(
                {
                    "code": choice.code,
                    "label": choice.label,
                    "description": choice.description,
                    "display_label": choice_display_label(list_code, choice.code, choice.label),
                    "report_phrase": choice.report_phrase,
                    "position": choice.position,
                    "count": count,
                    # a choice added after the last recompute has no stored row: it ranks after the rest
                    "rank": int(row["rank"]) if row else None,
                    "pct_of_respondents": percent(count, base),
                    "pct_of_selections": percent(count, selections),
                }
            )
        unranked_rank = 1 + sum(1 for c in choices if c["rank"] is not None and c["count"] > 0)
        for choice in choices:
            if choice["rank"] is None:
                choice["rank"] = unranked_rank
        hints = question.hints
        result.append(
            {
                "code": question.code,
                "label": question.label,
                "type": question.type,
                "section": question.section_title,
                "choice_list": list_code,
                "hints": {
                    "chart": hints.chart,
                    "of_selections": hints.denominator == "selections",
                    "title": hints.title_in() or question.label,
                    "top": hints.top,
                    "positive": list(hints.positive),
                    "negative": list(hints.negative),
                    "coverage": hints.coverage,
                    "summary": hints.summary_in(),
                },
                "base": base,
                "selections": selections,
                "answered": base > 0,
                "choices": choices,
                "ranked": sorted(choices, key=lambda c: (c["rank"], c["position"])),
            }
        )
    return result


def choice_question(
    campaign: Campaign, question_code: str, *, region: str = "", iscm_type: str = ""
) -> dict[str, Any] | None:
    """One question of `choice_questions` (same query count), or None if there is no such choice question."""
    for question in choice_questions(campaign, region=region, iscm_type=iscm_type):
        if question["code"] == question_code:
            return question
    return None


def aggregate_rows(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> list[dict[str, Any]]:
    """Flat rows for the aggregates CSV: every choice of every choice question, questionnaire order."""
    return [
        {
            "question": question["code"],
            "base": question["base"],
            "selections": question["selections"],
            **choice,
        }
        for question in choice_questions(campaign, region=region, iscm_type=iscm_type)
        for choice in question["choices"]
    ]


# --- Response rates ------------------------------------------------------------------------------


def _rate_row(key: str, label: str, invited: int, responded: int) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "invited": invited,
        "responded": responded,
        "rate": percent(responded, invited),
    }


def response_groups(campaign: Campaign) -> list[dict[str, Any]]:
    """Invited and responded ISCMs per (region, type): two GROUP BY queries, the basis of every rate.

    Responded counts responded responses (submitted, returned, validated), as `CampaignStats.responded`.
    """
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in (
        Invitation.objects.filter(campaign=campaign)
        .values("iscm__region", "iscm__type")
        .annotate(n=Count("id"))
    ):
        key = (row["iscm__region"], row["iscm__type"])
        groups[key] = {"region": key[0], "type": key[1], "invited": row["n"], "responded": 0}
    for row in _responded(campaign).values("iscm__region", "iscm__type").annotate(n=Count("id")):
        key = (row["iscm__region"], row["iscm__type"])
        groups.setdefault(key, {"region": key[0], "type": key[1], "invited": 0, "responded": 0})
        groups[key]["responded"] = row["n"]
    return sorted(groups.values(), key=lambda g: (g["region"], g["type"]))


def response_rates(
    campaign: Campaign, *, region: str = "", iscm_type: str = "", groups: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """KPIs and rates by region and by ISCM type, for the subset the filters select."""
    groups = groups if groups is not None else response_groups(campaign)
    subset = [
        g
        for g in groups
        if (not region or g["region"] == region) and (not iscm_type or g["type"] == iscm_type)
    ]
    type_labels = dict(Iscm.Type.choices)
    by_region: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for group in subset:
        for bucket, key in ((by_region, group["region"]), (by_type, group["type"])):
            bucket[key][0] += group["invited"]
            bucket[key][1] += group["responded"]
    invited = sum(g["invited"] for g in subset)
    responded = sum(g["responded"] for g in subset)
    return {
        "invited": invited,
        "responded": responded,
        "rate": percent(responded, invited),
        "by_region": [_rate_row(key, _(key), *counts) for key, counts in sorted(by_region.items())],
        "by_type": [
            _rate_row(key, str(type_labels.get(key, key)), *counts)
            for key, counts in sorted(
                by_type.items(),
                key=lambda item: (
                    list(type_labels).index(item[0]) if item[0] in type_labels else len(type_labels)
                ),
            )
        ],
    }


def campaign_timing(campaign: Campaign, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Status, and whole days left until the close (rounded up) while open."""
    now = now or timezone.now()
    status = campaign.status_at(now)
    close = campaign.effective_close
    days_left = campaign.days_left_at(now)
    return {
        "status": status,
        "status_label": str(Campaign.Status(status).label),
        "opens_at": campaign.opens_at,
        "closes_at": close,
        "days_left": days_left,
        "closed": status == Campaign.Status.CLOSED,
    }


def submissions_over_time(
    campaign: Campaign, *, region: str = "", iscm_type: str = ""
) -> list[dict[str, Any]]:
    """Responded responses per day of submission (GROUP BY date), with the running total. One query."""
    rows = (
        _responded(campaign, region=region, iscm_type=iscm_type)
        .filter(submitted_at__isnull=False)
        .annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    cumulative = 0
    points = []
    for row in rows:
        cumulative += row["n"]
        points.append(
            {
                "date": row["day"].isoformat(),
                "label": formats.date_format(row["day"], "DATE_FORMAT"),  # the page's date style
                "count": row["n"],
                "cumulative": cumulative,
            }
        )
    return points


# --- Freshness ------------------------------------------------------------------------------------


def _freshness(stats: CampaignStats | None, *, live: bool) -> dict[str, Any]:
    return {
        "computed_at": stats.computed_at if stats else None,
        "requested_at": stats.requested_at if stats else None,
        "is_stale": bool(stats and stats.is_stale),
        "live": live,
    }


def aggregates_freshness(campaign: Campaign) -> dict[str, Any]:
    return _freshness(CampaignStats.objects.filter(campaign=campaign).first(), live=False)


# --- Text answers ---------------------------------------------------------------------------------


def _text_answer_counts(
    campaign: Campaign, question_ids: list[int], *, region: str, iscm_type: str, stored: bool = False
) -> dict[int, int]:
    """Non-empty answers per text question of the selection: the sum of the stored cells when the figures
    are exact (`stored`), else counted live."""
    if stored:
        cells = TextCell.objects.filter(campaign=campaign, question_id__in=question_ids)
        if region:
            cells = cells.filter(region=region)
        if iscm_type:
            cells = cells.filter(iscm_type=iscm_type)
        rows = cells.values("question_id").annotate(n=Sum("answers")).order_by()
    else:
        rows = (
            Answer.objects.filter(
                response__in=_responded(campaign, region=region, iscm_type=iscm_type),
                question_id__in=question_ids,
            )
            .exclude(text="")
            .values("question_id")
            .annotate(n=Count("id"))
        )
    return {row["question_id"]: row["n"] for row in rows}


def text_answers(
    campaign: Campaign, *, search: str = "", region: str = "", iscm_type: str = "", question_code: str = ""
) -> list[dict[str, Any]]:
    """Each text question with every responded answer and its ISCM (two queries). Raw responses: the
    caller must have checked `can_view_all_responses`. `search` matches the text, case-insensitively."""
    schema = _schema(campaign)
    questions = [q for q in schema.text_questions() if not question_code or q.code == question_code]
    answers = (
        Answer.objects.filter(
            response__in=_responded(campaign, region=region, iscm_type=iscm_type),
            question_id__in=[q.id for q in questions],
        )
        .exclude(text="")
        .select_related("response__iscm")
        .order_by("response__iscm__acronym", "id")
    )
    if search:
        answers = answers.filter(text__icontains=search)
    by_question: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer in answers:
        iscm = answer.response.iscm
        by_question[answer.question_id].append(
            {"iscm": iscm.acronym, "iscm_name": iscm.display_name, "region": iscm.region, "text": answer.text}
        )
    return [
        {
            "code": q.code,
            "label": q.label,
            "section": q.section_title,
            "type": q.type,
            # names and e-mails of the people who answered: collapsed by default, rarely what one reads
            "is_contact": q.type in (Question.Type.SHORT_TEXT, Question.Type.EMAIL),
            "answers": by_question.get(q.id, []),
        }
        for q in questions
    ]


# --- Drill-down -----------------------------------------------------------------------------------


def choice_drilldown(
    campaign: Campaign, question_code: str, choice_code: str, *, region: str = "", iscm_type: str = ""
) -> dict[str, Any] | None:
    """The ISCMs whose responded response selected the choice (three queries); None if no such choice.

    Names individual ISCMs' answers: the caller must have checked `can_view_all_responses`.
    """
    question = _schema(campaign).question(question_code)
    if question is None or not question.is_choice:
        return None
    choice = question.choice(choice_code)
    if choice is None:
        return None
    responses = (
        _responded(campaign, region=region, iscm_type=iscm_type)
        .filter(answer_choices__question_id=question.id, answer_choices__choice_id=choice.id)
        .select_related("iscm")
        .order_by("iscm__acronym")
    )
    list_code = question.choice_list
    iscms = [
        {
            "acronym": r.iscm.acronym,
            "name": r.iscm.display_name,
            "region": r.iscm.region,
            "type": r.iscm.get_type_display(),
            "status": r.get_status_display(),
            "submitted_at": r.submitted_at,
        }
        for r in responses
    ]
    return {
        "question": {"code": question.code, "label": question.label},
        "choice": {
            "code": choice.code,
            "label": choice.label,
            "description": choice.description,
            "display_label": choice_display_label(list_code, choice.code, choice.label),
        },
        "count": len(iscms),
        "iscms": iscms,
    }


# --- The dashboard --------------------------------------------------------------------------------


def campaign_regions(campaign: Campaign) -> list[str]:
    """Regions of the invited ISCMs, for the filter (one query)."""
    return list(
        Invitation.objects.filter(campaign=campaign)
        .order_by("iscm__region")
        .values_list("iscm__region", flat=True)
        .distinct()
    )


def regions_of_groups(groups: list[dict[str, Any]]) -> list[str]:
    """Regions of the invited ISCMs, for the filter, from `response_groups` (no query of its own)."""
    return sorted({group["region"] for group in groups if group["invited"]})


def dashboard_data(
    campaign: Campaign,
    *,
    region: str = "",
    iscm_type: str = "",
    groups: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the dashboard shows, as plain data, in a fixed number of queries (six with the
    questionnaire's schema cached; four when the caller passes the `response_groups` it already read,
    e.g. for the region filter).

    Keys: filters, filtered, timing, kpis (invited, responded, rate), by_region, by_type,
    over_time, questions (see `choice_questions`), text_questions (code, label, answers count),
    freshness (computed_at, requested_at, is_stale, live).
    """
    filtered = _is_filtered(region, iscm_type)
    stats = CampaignStats.objects.filter(campaign=campaign).first()
    schema = _schema(campaign)
    rows, live = _count_rows(campaign, stats, region=region, iscm_type=iscm_type)
    choice_data = _choice_questions(schema, rows)
    rates = response_rates(campaign, region=region, iscm_type=iscm_type, groups=groups)
    text_questions = schema.text_questions()
    text_counts = _text_answer_counts(
        campaign,
        [q.id for q in text_questions],
        region=region,
        iscm_type=iscm_type,
        stored=stats is not None and stats.computed_at is not None and not stats.is_stale,
    )
    return {
        "filters": {"region": region, "iscm_type": iscm_type},
        "filtered": filtered,
        "timing": campaign_timing(campaign),
        "kpis": {"invited": rates["invited"], "responded": rates["responded"], "rate": rates["rate"]},
        "by_region": rates["by_region"],
        "by_type": rates["by_type"],
        "over_time": submissions_over_time(campaign, region=region, iscm_type=iscm_type),
        "questions": choice_data,
        "text_questions": [
            {
                "code": q.code,
                "label": q.label,
                "section": q.section_title,
                "answers": text_counts.get(q.id, 0),
            }
            for q in text_questions
        ],
        "freshness": _freshness(stats, live=live),
    }
