"""Measure 1: `aggregates_recompute(force=True)` against one hand-written GROUP BY over the same rows.

The floor counts (question, choice) pairs of the campaign's responded responses in one query: what
any recompute has to read, nothing it has to write. The recompute also counts bases and selections,
ranks, deletes and inserts the stored rows and updates the campaign's stats, in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from analytics.services import aggregates_recompute
from questionnaires.models import Campaign, Response

from .common import BenchContext, interleaved_timed, ratio

FLOOR_SQL = """
SELECT ac.question_id, ac.choice_id, COUNT(*)
FROM questionnaires_answerchoice ac
JOIN questionnaires_response r ON r.id = ac.response_id
WHERE r.campaign_id = %s AND r.status IN %s
GROUP BY 1, 2
"""


def floor_query(campaign_id: int) -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # no tuple adaptation: spell the IN list out
            statuses = tuple(Response.RESPONDED)
            sql = FLOOR_SQL.replace("IN %s", f"IN ({', '.join(['%s'] * len(statuses))})")
            cursor.execute(sql, [campaign_id, *statuses])
        else:
            cursor.execute(FLOOR_SQL, [campaign_id, tuple(Response.RESPONDED)])
        return cursor.fetchall()


def explain_recompute(campaign: Campaign) -> str:
    """EXPLAIN ANALYZE of the recompute's counting query (PostgreSQL only), for the report's appendix."""
    if connection.vendor != "postgresql":
        return ""
    from analytics.selectors import CHOICE_COUNTS_SQL, choice_counts_params

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + CHOICE_COUNTS_SQL, choice_counts_params(campaign))
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_again(ctx: BenchContext) -> dict[str, Any]:
    """The largest campaign again, once the import has put a second copy of its rows in the tables.

    A live database holds many campaigns: the recompute must not depend on the others' rows.
    """
    return measure(ctx, sizes=[ctx.largest], explain=False)


def measure(ctx: BenchContext, *, sizes: list[int] | None = None, explain: bool = True) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in sizes or ctx.sizes:
        campaign = Campaign.objects.get(slug=ctx.campaign_slug(size))
        timings = interleaved_timed(
            {
                "recompute": lambda campaign=campaign: aggregates_recompute(
                    campaign_id=campaign.pk, force=True
                ),
                "floor": lambda campaign=campaign: floor_query(campaign.pk),
            },
            repeat=ctx.repeat,
        )
        recompute, floor = timings["recompute"], timings["floor"]
        results[str(size)] = {
            "recompute_s": recompute,
            "floor_s": floor,
            "ratio": ratio(recompute["median"], floor["median"]),
            "answer_choice_rows": sum(row[2] for row in floor_query(campaign.pk)),
        }
        ctx.log(
            f"  recompute {size:>6}: {recompute['median'] * 1000:8.1f} ms, "
            f"floor {floor['median'] * 1000:7.1f} ms, "
            f"ratio {results[str(size)]['ratio']:.2f}"
        )
    largest = Campaign.objects.get(slug=ctx.campaign_slug(ctx.largest))
    plan = explain_recompute(largest) if explain else ""
    if plan:
        path = ctx.workdir / f"explain-recompute-{ctx.largest}.txt"
        path.write_text(plan + "\n", encoding="utf-8")
        results["explain"] = str(path)
    return results
