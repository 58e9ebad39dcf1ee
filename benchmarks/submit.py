"""Measure 6: the cost of one submission, and of one draft save, against the campaign's size.

In-process, through the one write path the views call (`questionnaires.services.response_submit` and
`response_save_draft`, each its own transaction, including what runs when it commits: with Celery eager,
as in the embedded set-up, a recompute requested by the write runs there too). Each call writes fresh
answers (`answers.AnswerMaker`) into a response of `bench-N`: a re-submission of a submitted response,
and a draft save of a draft. Sizes are timed in turns; SQL queries are counted on one more call of
each, with the same answers at every size.
The target is the issue's: the cost of a submission does not depend on how many responses the campaign
holds (largest/smallest within 1.1×, same query count). Afterwards the stored aggregates of every
campaign written to must equal a fresh count, at once (no recompute waited for).
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import ChoiceAggregate
from analytics.selectors import choice_counts_live
from analytics.services import aggregates_differences
from questionnaires.models import Campaign, Response
from questionnaires.services import response_save_draft, response_submit

from .answers import AnswerMaker
from .common import BenchContext, interleaved_timed, ratio

POOL = 5  # responses of each kind written in turns, so that consecutive calls touch different rows


def _writer(campaign: Campaign, status: str, maker: AnswerMaker, rng: random.Random):
    responses = list(Response.objects.filter(campaign=campaign, status=status).order_by("pk")[:POOL])
    if not responses:
        raise RuntimeError(f"{campaign.slug}: no {status} response to write to")
    cycle = itertools.cycle(responses)
    final = status == Response.Status.SUBMITTED
    write = response_submit if final else response_save_draft

    def one(answers_rng: random.Random = rng) -> None:
        response = Response.objects.select_related("campaign__questionnaire").get(pk=next(cycle).pk)
        answers = maker.answers(answers_rng, complete=final)
        write(response=response, user=None, answers=answers, expected_version=None)

    return one


def aggregates_equal(campaign: Campaign) -> bool:
    stored = {
        (row["question_id"], row["choice_id"]): row
        for row in ChoiceAggregate.objects.filter(campaign=campaign).values(
            "question_id", "choice_id", "count", "base", "selections", "rank"
        )
    }
    live = {(row["question_id"], row["choice_id"]): row for row in choice_counts_live(campaign)}
    # and the per-cell figures (choices and text answers) the filtered dashboards sum: the nightly check's count
    return stored == live and aggregates_differences(campaign_id=campaign.pk) == 0


def measure(ctx: BenchContext) -> dict[str, Any]:
    maker = AnswerMaker.bundled()
    rng = random.Random(19)
    campaigns = {size: Campaign.objects.get(slug=ctx.campaign_slug(size)) for size in ctx.sizes}
    writers = {}
    for size, campaign in campaigns.items():
        writers[f"{size}:submit"] = _writer(campaign, Response.Status.SUBMITTED, maker, rng)
        writers[f"{size}:draft"] = _writer(campaign, Response.Status.DRAFT, maker, rng)
    timings = interleaved_timed(writers, repeat=ctx.repeat * 3, warmup=1)
    results: dict[str, Any] = {"sizes": {}}
    for key, write in writers.items():
        size, kind = key.split(":")
        with CaptureQueriesContext(connection) as queries:
            write(random.Random(kind))  # the same answers at every size: comparable query counts
        results["sizes"].setdefault(size, {})[kind] = {
            "seconds": timings[key],
            "queries": len(queries.captured_queries),
        }
        ctx.log(f"  {kind:>6} {int(size):>6}: {timings[key]['median'] * 1000:8.1f} ms, {len(queries)} queries")
    small, large = results["sizes"][str(ctx.smallest)], results["sizes"][str(ctx.largest)]
    for kind in ("submit", "draft"):
        results[f"ratio_{kind}"] = ratio(large[kind]["seconds"]["median"], small[kind]["seconds"]["median"])
        results[f"same_queries_{kind}"] = large[kind]["queries"] == small[kind]["queries"]
    results["aggregates_equal_at_commit"] = all(aggregates_equal(campaign) for campaign in campaigns.values())
    return results
