"""Aggregates: kept exact by each response write in its own transaction, rebuilt from scratch when needed.

A submission, a draft save of a returned response, a return or a deletion moves the stored figures by the
response's own rows (`aggregates_follow_response`): a few rows per changed question, whatever the
campaign's size. Imports, invitation changes, the beat sweep and the nightly check request the full
rebuild (`aggregates_request_recompute` → `aggregates_recompute`), which also repairs figures that were
stale when a response changed (the follow-up then requests a rebuild instead of applying deltas).

Freshness is two timestamps on `CampaignStats`: `requested_at` (a change happened) and `computed_at`
(the `requested_at` a rebuild has taken into account). `requested_at > computed_at` means stale. A write
that keeps the figures exact moves both to the same new moment, so `computed_at` still says "figures
as of" (reports are cached on it). The stats row is the campaign's lock for figures: writes and the
rebuild take it before touching `ChoiceAggregate`, so a rebuild never loses a concurrent write's delta.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from iscm_survey.publish import task_publish
from questionnaires.models import AnswerChoice, Campaign, Invitation, Response

from .models import CampaignStats, ChoiceAggregate, ChoiceCell, ReportFile, TextCell
from .selectors import (
    CELL_FIELDS,
    CELL_TOTALS_SQL,
    TEXT_CELL_FIELDS,
    campaign_cells,
    choice_counts_live,
    choice_counts_params,
)

logger = logging.getLogger(__name__)

_AGG = ChoiceAggregate._meta.db_table
_CELLS = ChoiceCell._meta.db_table
_TEXTS = TextCell._meta.db_table
_PICKS = AnswerChoice._meta.db_table

# A request always moves `requested_at` strictly forward, past both the previous request and the last
# computation, even when the clocks of two web servers disagree or a transaction that read the clock
# earlier commits later. So a rebuild that started before this request can never hide it.
_TICK = datetime.timedelta(microseconds=1)


def _requested_at_expression(now: datetime.datetime) -> models.Expression:
    moment = Value(now, output_field=models.DateTimeField())
    return Greatest(
        moment,
        Coalesce(F("requested_at") + _TICK, moment, output_field=models.DateTimeField()),
        Coalesce(F("computed_at") + _TICK, moment, output_field=models.DateTimeField()),
        output_field=models.DateTimeField(),
    )


def aggregates_on_answers_changed(sender, *, campaign_id: int, **kwargs) -> None:
    """Receiver of `questionnaires.signals.answers_changed`: the campaign's figures must be rebuilt."""
    aggregates_request_recompute(campaign_id=campaign_id)


def aggregates_request_recompute(*, campaign_id: int) -> None:
    """Mark the campaign's figures stale and, once the caller's transaction commits, enqueue a rebuild.

    Called inside the transaction that changes a response, so the stale mark and the change commit
    together. A burst of submissions enqueues several tasks with a short countdown; the first to run
    rebuilds for all of them and the others return at once (see `aggregates_recompute`). If the broker
    is down the submission still succeeds: the campaign stays stale until the beat sweep catches up.
    """
    now = timezone.now()
    stats = CampaignStats.objects.filter(campaign_id=campaign_id)
    if not stats.update(requested_at=_requested_at_expression(now)):
        _stats, created = CampaignStats.objects.get_or_create(
            campaign_id=campaign_id, defaults={"requested_at": now}
        )
        if not created:  # another transaction created the row in the meantime: move its mark forward
            stats.update(requested_at=_requested_at_expression(now))
    transaction.on_commit(lambda: aggregates_enqueue(campaign_id=campaign_id))


def aggregates_enqueue(*, campaign_id: int, countdown: int | None = None) -> bool:
    """Publish a rebuild; False when the broker cannot be reached (the sweep catches up). Never raises."""
    from .tasks import aggregates_recompute_task

    return task_publish(
        aggregates_recompute_task,
        args=[campaign_id],
        countdown=settings.AGGREGATES_RECOMPUTE_COUNTDOWN if countdown is None else countdown,
        log_extra={"campaign": campaign_id},
        defer_on_failure=False,  # the stale-aggregates sweep catches up
    )


@transaction.atomic
def aggregates_recompute(*, campaign_id: int, force: bool = False) -> bool:
    """Replace the campaign's stored aggregates by a fresh GROUP BY. Returns False if nothing was done.

    Without `force`, a campaign whose figures are already fresh is left alone: that is what coalesces a
    burst of submissions into one rebuild. Concurrent runs are serialised on the campaign row (FOR NO KEY
    UPDATE, which does not block submissions); rerunning, or a duplicate delivery of the task, writes
    the same rows again. `computed_at` becomes the `requested_at` read under that lock: a submission that
    commits while we count has a later `requested_at`, so the campaign stays stale and its own task
    rebuilds again. A deleted campaign is nothing to do.
    """
    campaign = (
        Campaign.objects.select_for_update(no_key=True, of=("self",))
        .select_related("questionnaire")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        return False
    # The stats row first (FOR UPDATE): a response write holding it finishes its deltas and commits
    # before we count, and one arriving now waits, then applies its deltas to the rows we store.
    stats, _created = CampaignStats.objects.select_for_update().get_or_create(campaign=campaign)
    if not force and not stats.is_stale and stats.computed_at is not None:
        return False
    stamp = stats.requested_at or timezone.now()
    if stats.computed_at and stats.computed_at > stamp:  # forced again: keep computed_at from going back
        stamp = stats.computed_at

    params = choice_counts_params(campaign)
    # The cells counted from the answer rows, then the totals as sums of the stored cells. Only the rows
    # that differ are written: a rebuild that finds the figures right (the sweep, the nightly repair,
    # "Recompute now", an import that changed little) rewrites nothing, and a changed count is an UPDATE
    # of its row (no index entry or deferred foreign-key check per row, as a DELETE and INSERT had).
    choice_rows, text_rows = campaign_cells(campaign)
    _rows_store(ChoiceCell, campaign.pk, choice_rows, keys=4)
    _rows_store(TextCell, campaign.pk, text_rows, keys=3)
    with connection.cursor() as cursor:
        cursor.execute(CELL_TOTALS_SQL, params)
        totals = [tuple(row) for row in cursor.fetchall()]
    _rows_store(ChoiceAggregate, campaign.pk, totals, keys=2)
    CampaignStats.objects.filter(pk=stats.pk).update(
        invited=Invitation.objects.filter(campaign=campaign).count(),
        responded=Response.objects.filter(campaign=campaign, status__in=Response.RESPONDED).count(),
        computed_at=stamp,
    )
    logger.info("aggregates recomputed", extra={"event": "aggregates_recomputed", "campaign": campaign_id})
    return True


_AGG_FIELDS = ("question_id", "choice_id", "count", "base", "selections", "rank")
_STORED_FIELDS = {ChoiceCell: CELL_FIELDS, TextCell: TEXT_CELL_FIELDS, ChoiceAggregate: _AGG_FIELDS}
_BATCH = 2000  # rows per statement: SQLite binds at most 32,766 values


def _rows_store(model: type[models.Model], campaign_id: int, rows: list[tuple], *, keys: int) -> None:
    """Make the campaign's stored rows of `model` equal `rows` (its _STORED_FIELDS, the first `keys` of
    them identifying a row): UPDATE the rows whose figures differ, INSERT the missing ones, DELETE the
    others. Three statements at most per batch, none when nothing changed."""
    fields = _STORED_FIELDS[model]
    stored = {
        row[1 : keys + 1]: (row[0], row[keys + 1 :])
        for row in model.objects.filter(campaign_id=campaign_id).values_list("pk", *fields)
    }
    changed, missing = [], []
    for row in rows:
        pk, figures = stored.pop(row[:keys], (None, None))
        if pk is None:
            missing.append(row)
        elif figures != row[keys:]:
            changed.append((pk, *row[keys:]))
    if stored:
        model.objects.filter(pk__in=[pk for pk, _figures in stored.values()]).delete()
    table = model._meta.db_table
    figures = fields[keys:]
    with connection.cursor() as cursor:
        for start in range(0, len(changed), _BATCH):
            batch = changed[start : start + _BATCH]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(figures) + 1)) + ")"] * len(batch))
            cursor.execute(
                f"WITH changed (id, {', '.join(figures)}) AS (VALUES {placeholders}) "
                f"UPDATE {table} SET {', '.join(f'{name} = changed.{name}' for name in figures)} "
                f"FROM changed WHERE {table}.id = changed.id",
                [value for row in batch for value in row],
            )
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (campaign_id, {', '.join(fields)}) VALUES {placeholders}",
                [value for row in batch for value in (campaign_id, *row)],
            )


# Stored figures are exact (a rebuild ran and no change is waiting for another).
_FRESH = Q(computed_at__isnull=False) & (Q(requested_at__isnull=True) | Q(computed_at__gte=F("requested_at")))


@contextmanager
def aggregates_follow_response(
    *, response: Response, responded_after: bool, question_ids: list[int] | None
) -> Iterator[bool]:
    """Keep the stored figures exact across one write of a response, in the write's transaction.

    Wrap the code that rewrites the response's answer rows and status. `question_ids`: the choice and
    text questions whose answers the write changes (None: all of them). Before the body, the response's
    current ticked choices of those questions leave the counts of its cell (if it counted: responded);
    after it, its new ones enter them (if it counts now); the totals and ranks of those questions follow.
    Yields False when the figures were not exact to begin with (never computed, or a rebuild pending):
    nothing is applied and the caller requests a rebuild. Yields True otherwise, including when nothing counted changes.
    """
    responded_before = response.has_responded
    if not responded_before and not responded_after:  # drafts never count
        yield True
        return
    if responded_before != responded_after:  # the whole response enters or leaves the figures
        question_ids = None
    if not _stats_hold(campaign_id=response.campaign_id, responded=int(responded_after) - int(responded_before)):
        yield False
        return
    if responded_before and question_ids != []:
        _response_counted(response=response, question_ids=question_ids, sign=-1)
    yield True
    if responded_after and question_ids != []:
        _response_counted(response=response, question_ids=question_ids, sign=1)
    if question_ids != []:
        _totals_follow(campaign_id=response.campaign_id, question_ids=question_ids)


def _stats_hold(*, campaign_id: int, responded: int) -> bool:
    """Lock the stats row for the rest of the transaction and move "figures as of" forward; one query.

    False (nothing written) when the stored figures are not exact: never computed, or stale.
    """
    stamp = _requested_at_expression(timezone.now())
    updated = CampaignStats.objects.filter(_FRESH, campaign_id=campaign_id).update(
        requested_at=stamp, computed_at=stamp, responded=F("responded") + responded
    )
    return bool(updated)


# The response's contribution to the stored figures of its cell (its ISCM's region and type), added
# (sign 1) or taken away (sign -1), for the questions it answered (optionally only some of them). Every
# (question, choice) has its stored row in every cell of the campaign's ISCMs (zero counts included), so
# these are UPDATEs of existing rows: `count` of each ticked choice, `base` and `selections` of the
# question (the rows of all its choices carry them). Each stored row of an answered question meets the
# response's picks of that question once per pick: COUNT(*) is the question's selections, and one of them
# is the row's choice if it was ticked. The totals (`ChoiceAggregate`) then follow as sums of the cells.
# Plain SQL rather than the ORM: one text for PostgreSQL and SQLite (UPDATE … FROM: SQLite ≥ 3.33), and
# the ORM expressions took several times longer to build than to run. Joins, not correlated subqueries
# per row: PostgreSQL's estimate of those grew with the table's dead rows until it JIT-compiled them.
_COUNTED_SQL = f"""
UPDATE {_CELLS}
SET count = count + %(sign)s * delta.ticked,
    base = base + %(sign)s,
    selections = selections + %(sign)s * delta.picks
FROM (
    SELECT stored.id,
           MAX(CASE WHEN ac.choice_id = stored.choice_id THEN 1 ELSE 0 END) AS ticked,
           COUNT(*) AS picks
    FROM {_CELLS} stored
    JOIN {_PICKS} ac ON ac.question_id = stored.question_id
    JOIN questionnaires_response r ON r.id = ac.response_id
    JOIN questionnaires_iscm i ON i.id = r.iscm_id AND i.region = stored.region AND i.type = stored.iscm_type
    WHERE stored.campaign_id = %(campaign)s AND ac.response_id = %(response)s {{questions}}
    GROUP BY stored.id
) delta
WHERE {_CELLS}.id = delta.id
"""  # noqa: S608 - table names are ours, values are parameters

# The same for the text questions' answer counts (`TextCell`): a response has at most one answer row per
# question, so each non-empty one moves its cell's count by one.
_TEXTS_COUNTED_SQL = f"""
UPDATE {_TEXTS}
SET answers = answers + %(sign)s
FROM (
    SELECT stored.id
    FROM {_TEXTS} stored
    JOIN questionnaires_answer a ON a.question_id = stored.question_id
    JOIN questionnaires_response r ON r.id = a.response_id
    JOIN questionnaires_iscm i ON i.id = r.iscm_id AND i.region = stored.region AND i.type = stored.iscm_type
    WHERE stored.campaign_id = %(campaign)s AND a.response_id = %(response)s AND a.text <> '' {{questions}}
) delta
WHERE {_TEXTS}.id = delta.id
"""  # noqa: S608 - table names are ours, values are parameters

# The totals of the changed questions as sums of their cells, with the standard competition rank
# (1, 2, 2, 4) as the rebuild computes it; only rows that move are written (fewer dead row versions on
# PostgreSQL). A few dozen rows per question and cell: the cost does not depend on the responses.
# MATERIALIZED: summed once. As a subquery, PostgreSQL (its estimate of the campaign's stored rows thrown
# off by the dead row versions the deltas leave) re-ran the sums once per stored row: 8 ms, not 0.5.
_TOTALS_SQL = f"""
WITH totals AS MATERIALIZED (
    SELECT question_id, choice_id, SUM(count) AS count, SUM(base) AS base, SUM(selections) AS selections,
           RANK() OVER (PARTITION BY question_id ORDER BY SUM(count) DESC) AS rank
    FROM {_CELLS}
    WHERE campaign_id = %(campaign)s {{questions}}
    GROUP BY question_id, choice_id
)
UPDATE {_AGG}
SET count = totals.count, base = totals.base, selections = totals.selections, rank = totals.rank
FROM totals
WHERE {_AGG}.campaign_id = %(campaign)s AND {_AGG}.question_id = totals.question_id
  AND {_AGG}.choice_id = totals.choice_id
  AND ({_AGG}.count <> totals.count OR {_AGG}.base <> totals.base
       OR {_AGG}.selections <> totals.selections OR {_AGG}.rank <> totals.rank)
"""  # noqa: S608 - table names are ours, values are parameters


def _questions_clause(column: str, question_ids: list[int] | None, params: dict[str, object]) -> str:
    if question_ids is None:
        return ""
    names = []
    for index, question_id in enumerate(question_ids):
        params[f"q{index}"] = question_id
        names.append(f"%(q{index})s")
    return f"AND {column} IN ({', '.join(names)})"


def _response_counted(*, response: Response, question_ids: list[int] | None, sign: int) -> None:
    params: dict[str, object] = {"sign": sign, "response": response.pk, "campaign": response.campaign_id}
    with connection.cursor() as cursor:
        cursor.execute(_COUNTED_SQL.format(questions=_questions_clause("ac.question_id", question_ids, params)), params)
        cursor.execute(
            _TEXTS_COUNTED_SQL.format(questions=_questions_clause("a.question_id", question_ids, params)), params
        )


def _totals_follow(*, campaign_id: int, question_ids: list[int] | None) -> None:
    params: dict[str, object] = {"campaign": campaign_id}
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_SQL.format(questions=_questions_clause("question_id", question_ids, params)), params)


def aggregates_differences(*, campaign_id: int) -> int:
    """How many stored rows (and stats) differ from a fresh count; 0 when the figures are exact.

    Only meaningful for fresh figures: a stale campaign is waiting for its rebuild anyway.
    """
    campaign = Campaign.objects.get(pk=campaign_id)
    stored = {
        (row["question_id"], row["choice_id"]): row
        for row in ChoiceAggregate.objects.filter(campaign=campaign).values(
            "question_id", "choice_id", "count", "base", "selections", "rank"
        )
    }
    live = {(row["question_id"], row["choice_id"]): row for row in choice_counts_live(campaign)}
    differences = sum(1 for key in stored.keys() | live.keys() if stored.get(key) != live.get(key))
    stored_cells = {row[:4]: row[4:] for row in ChoiceCell.objects.filter(campaign=campaign).values_list(*CELL_FIELDS)}
    live_choice_rows, live_text_rows = campaign_cells(campaign)
    live_cells = {row[:4]: row[4:] for row in live_choice_rows}
    cells = stored_cells.keys() | live_cells.keys()
    differences += sum(1 for cell in cells if stored_cells.get(cell) != live_cells.get(cell))
    text_rows = TextCell.objects.filter(campaign=campaign).values_list(*TEXT_CELL_FIELDS)
    stored_texts = {row[:3]: row[3] for row in text_rows}
    live_texts = {row[:3]: row[3] for row in live_text_rows}
    texts = stored_texts.keys() | live_texts.keys()
    differences += sum(1 for cell in texts if stored_texts.get(cell) != live_texts.get(cell))
    stats = CampaignStats.objects.filter(campaign=campaign).first()
    responded = Response.objects.filter(campaign=campaign, status__in=Response.RESPONDED).count()
    if stats is not None and stats.responded != responded:
        differences += 1
    return differences


def aggregates_check_all() -> dict[int, int]:
    """The nightly consistency check: each campaign with fresh figures compared with a fresh count.

    A campaign found different (a bug, or a change made behind the services' back, e.g. SQL by hand) is
    logged and rebuilt. Returns {campaign id: differing rows} for those.
    """
    repaired = {}
    for campaign_id in (
        CampaignStats.objects.filter(_FRESH).order_by("campaign_id").values_list("campaign_id", flat=True)
    ):
        differences = aggregates_differences(campaign_id=campaign_id)
        if differences:
            logger.warning(
                "aggregates differed from a fresh count",
                extra={"event": "aggregates_check_failed", "campaign": campaign_id, "rows": differences},
            )
            aggregates_recompute(campaign_id=campaign_id, force=True)
            repaired[campaign_id] = differences
    return repaired


def stale_campaign_ids() -> list[int]:
    """Campaigns with a change that no rebuild has taken into account yet."""
    return list(
        CampaignStats.objects.filter(requested_at__isnull=False)
        .filter(models.Q(computed_at__isnull=True) | models.Q(computed_at__lt=F("requested_at")))
        .order_by("campaign_id")
        .values_list("campaign_id", flat=True)
    )


def aggregates_sweep_stale() -> list[int]:
    """Rebuild every stale campaign here and now (the beat task runs this in a worker); returns their ids.

    Done inline rather than by enqueueing: the sweep exists for when publishing failed. One campaign's
    database error does not stop the others; it stays stale for the next sweep.
    """
    rebuilt = []
    for campaign_id in stale_campaign_ids():
        try:
            if aggregates_recompute(campaign_id=campaign_id):
                rebuilt.append(campaign_id)
        except DatabaseError:
            logger.exception(
                "stale campaign not recomputed", extra={"event": "sweep_failed", "campaign": campaign_id}
            )
    return rebuilt


def report_comparison_set(*, campaign: Campaign, earlier: Campaign | None) -> None:
    """Choose the campaign the report compares with (None: no comparison). Report files made before no
    longer match the report: the finished ones are deleted, so the next download request makes them anew."""
    if earlier is not None and (earlier.pk == campaign.pk or earlier.opens_at >= campaign.opens_at):
        raise ValueError("the report compares with an earlier campaign")
    Campaign.objects.filter(pk=campaign.pk).update(report_compared_with=earlier)
    campaign.report_compared_with = earlier
    report_files_discard(campaign_id=campaign.pk)
    logger.info(
        "report comparison chosen",
        extra={"event": "report_comparison_set", "campaign": campaign.pk, "earlier": earlier.pk if earlier else None},
    )


def report_files_discard(*, campaign_id: int) -> None:
    """The finished report files of a campaign no longer match its report (a choice on the report page, a
    published practice edited): they are deleted, so the next download request makes them anew."""
    for report_file in ReportFile.objects.filter(campaign_id=campaign_id).exclude(
        status__in=[ReportFile.Status.PENDING, ReportFile.Status.RUNNING]
    ):
        if report_file.file:
            report_file.file.delete(save=False)
        report_file.delete()


def report_annex_set(*, campaign: Campaign, grouping: str) -> None:
    """How the report's annex groups the campaign's practices: by ISCM or by GCM objective."""
    if grouping not in Campaign.ReportAnnex.values:
        raise ValueError(f"unknown annex grouping {grouping!r}")
    Campaign.objects.filter(pk=campaign.pk).update(report_annex=grouping)
    campaign.report_annex = grouping
    report_files_discard(campaign_id=campaign.pk)
    logger.info(
        "report annex grouping chosen",
        extra={"event": "report_annex_set", "campaign": campaign.pk, "grouping": grouping},
    )
