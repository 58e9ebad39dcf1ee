"""Figures kept exact by each write: equal to a full rebuild after any sequence of changes, and a cost per
submission that does not grow with the campaign (same queries with 3 or 40 responses, no rebuild)."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from analytics.models import CampaignStats, ChoiceAggregate, ChoiceCell
from analytics.selectors import choice_counts_live, choice_counts_of_cells
from analytics.services import (
    aggregates_check_all,
    aggregates_differences,
    aggregates_recompute,
    aggregates_sweep_stale,
)
from questionnaires.models import AnswerChoice, Choice, ChoiceList, Iscm, Response
from questionnaires.services import (
    response_delete,
    response_import,
    response_return,
    response_save_draft,
    response_submit,
    response_validate,
)
from tests import factories
from tests.analytics.conftest import Survey

pytestmark = pytest.mark.django_db


def random_answers(rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {"multi": rng.sample(["a", "b", "c", "d", "e"], rng.randint(0, 3))}
    if rng.random() < 0.7:
        answers["single"] = rng.choice(["yes", "no"])
    if rng.random() < 0.2:
        answers["skipped"] = rng.sample(["x", "y"], rng.randint(1, 2))
    if rng.random() < 0.5:
        answers["note"] = rng.choice(["short", "a longer note", "مرحبا"])
    return answers


def stats(survey) -> CampaignStats:
    return CampaignStats.objects.get(campaign=survey.campaign)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_figures_equal_a_full_rebuild_after_any_sequence_of_changes(
    survey, coordinator, seed, django_capture_on_commit_callbacks
):
    rng = random.Random(seed)
    # spread over (region, type) cells: the stored cells must follow each write as the totals do
    cells = [
        ("Africa", Iscm.Type.RCP),
        ("Africa", Iscm.Type.IRF),
        ("Europe", Iscm.Type.RCP),
        ("Asia", Iscm.Type.GLOBAL),
    ]
    iscms = [
        survey.iscm(acronym=f"S{n:02d}", region=cells[n % 4][0], iscm_type=cells[n % 4][1]) for n in range(8)
    ]
    survey.submit({"multi": ["a"]}, acronym="FIRST")
    aggregates_recompute(campaign_id=survey.campaign.pk)
    broker_down = False  # while True, requested rebuilds are lost (the sweep catches up at the end)
    steps = []
    for _step in range(40):
        iscm = rng.choice(iscms)
        response = Response.objects.filter(campaign=survey.campaign, iscm=iscm).first()
        status = response.status if response else None
        action = rng.choice(["draft", "submit", "submit", "return", "validate", "import", "delete", "broker"])
        steps.append((action, iscm.acronym, status))
        with django_capture_on_commit_callbacks(execute=not broker_down):
            if action == "broker":
                broker_down = not broker_down
            elif action == "draft" and status not in (Response.Status.SUBMITTED, Response.Status.VALIDATED):
                response = response or factories.ResponseFactory(campaign=survey.campaign, iscm=iscm)
                response_save_draft(response=response, user=None, answers=random_answers(rng), expected_version=None)
            elif action == "submit":
                response = response or factories.ResponseFactory(campaign=survey.campaign, iscm=iscm)
                response_submit(response=response, user=None, answers=random_answers(rng), expected_version=None)
            elif action == "return" and status in (Response.Status.SUBMITTED, Response.Status.VALIDATED):
                response_return(response=response, user=coordinator, comment="Please check")
            elif action == "validate" and status == Response.Status.SUBMITTED:
                response_validate(response=response, user=coordinator)
            elif action == "import":
                response_import(
                    campaign=survey.campaign,
                    iscm=iscm,
                    user=coordinator,
                    answers=random_answers(rng),
                    status=rng.choice([Response.Status.SUBMITTED, Response.Status.DRAFT]),
                )
            elif action == "delete" and response:
                response_delete(response=response, user=coordinator)
        if not stats(survey).is_stale:
            assert aggregates_differences(campaign_id=survey.campaign.pk) == 0, steps
            for region, iscm_type in cells:  # a filtered dashboard sums the cells: equal to a live count
                assert choice_counts_of_cells(survey.campaign, region=region, iscm_type=iscm_type) == (
                    choice_counts_live(survey.campaign, region=region, iscm_type=iscm_type)
                ), steps
    aggregates_sweep_stale()
    assert aggregates_differences(campaign_id=survey.campaign.pk) == 0, steps
    assert aggregates_check_all() == {}  # the nightly check finds nothing to fix
    # the rebuild's bases count the rows marked first: exactly one per answer, whatever the writes were
    answers = AnswerChoice.objects.values("response", "question", "item")
    firsts = answers.annotate(n=Count("id", filter=Q(is_first=True)))
    assert firsts and {row["n"] for row in firsts} == {1}, steps


def test_the_nightly_check_repairs_figures_changed_behind_the_services_back(survey):
    survey.submit({"multi": ["a", "b"], "single": "yes"})
    aggregates_recompute(campaign_id=survey.campaign.pk)
    ChoiceAggregate.objects.filter(campaign=survey.campaign, choice__code="a").update(count=7)
    assert aggregates_check_all() == {survey.campaign.pk: 1}
    assert aggregates_differences(campaign_id=survey.campaign.pk) == 0


def test_the_nightly_check_repairs_cells_changed_behind_the_services_back(survey):
    survey.submit({"multi": ["a", "b"], "single": "yes"}, region="Europe")
    aggregates_recompute(campaign_id=survey.campaign.pk)
    ChoiceCell.objects.filter(campaign=survey.campaign, choice__code="b", region="Europe").update(count=0)
    assert aggregates_check_all() == {survey.campaign.pk: 1}
    assert aggregates_differences(campaign_id=survey.campaign.pk) == 0


def test_an_iscm_moved_to_another_region_has_its_campaigns_rebuilt(survey, django_capture_on_commit_callbacks):
    response = survey.submit({"multi": ["a"]}, region="Africa")
    aggregates_recompute(campaign_id=survey.campaign.pk)
    iscm = response.iscm
    iscm.region = "Oceania"
    with django_capture_on_commit_callbacks(execute=False):
        iscm.save()
    assert stats(survey).is_stale  # its answers now count in another cell: the figures are rebuilt
    aggregates_sweep_stale()
    oceania = choice_counts_of_cells(survey.campaign, region="Oceania")
    assert oceania == choice_counts_live(survey.campaign, region="Oceania")
    assert sorted(row["count"] for row in oceania)[-1] == 1
    iscm.name = "Renamed"
    iscm.save()
    assert not stats(survey).is_stale  # a change that moves no cell rebuilds nothing


def _write_costs(survey, tag: str, django_capture_on_commit_callbacks) -> dict[str, int]:
    """Queries of a first submission, a re-submission with changed answers and a draft save, with
    everything that runs at commit (with Celery eager, a requested rebuild would run there)."""
    first = factories.ResponseFactory(campaign=survey.campaign, iscm=survey.iscm(acronym=f"{tag}-F"))
    draft = factories.ResponseFactory(campaign=survey.campaign, iscm=survey.iscm(acronym=f"{tag}-D"))
    writes = {
        "first submission": lambda: response_submit(
            response=first, user=None, answers={"multi": ["a", "b"], "single": "yes"}, expected_version=None
        ),
        "re-submission": lambda: response_submit(
            response=Response.objects.get(pk=first.pk),
            user=None,
            answers={"multi": ["c"], "single": "no", "note": "changed"},
            expected_version=None,
        ),
        "draft save": lambda: response_save_draft(
            response=draft, user=None, answers={"multi": ["d"], "note": "typing"}, expected_version=None
        ),
    }
    costs = {}
    for name, write in writes.items():
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            write()
        costs[name] = len(queries)
    return costs


def test_a_submission_costs_the_same_queries_whatever_the_campaign_size(
    survey, rebuilds_forbidden, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    rng = random.Random(19)
    for _n in range(3):
        survey.submit(random_answers(rng))
    aggregates_recompute(campaign_id=survey.campaign.pk)
    small = _write_costs(survey, "small", django_capture_on_commit_callbacks)
    for _n in range(40):
        survey.submit(random_answers(rng))
    large = _write_costs(survey, "large", django_capture_on_commit_callbacks)

    assert small == large
    assert aggregates_differences(campaign_id=survey.campaign.pk) == 0
    # Pinned: validation reads, the response lock, its answers, the rewrite, the figures' deltas
    # (stats row, counts out, counts in, ranks), the response and its history event, two savepoint
    # statements. A rebuild would add 8 queries and a scan of the campaign.
    submitted = Response.objects.filter(campaign=survey.campaign, status=Response.Status.SUBMITTED).first()
    with django_assert_max_num_queries(20), django_capture_on_commit_callbacks(execute=True):
        response_submit(
            response=submitted,
            user=None,
            answers={"multi": ["e"], "single": "yes"},
            expected_version=None,
        )
    draft = factories.ResponseFactory(campaign=survey.campaign, iscm=survey.iscm(acronym="LAST"))
    with django_assert_max_num_queries(14), django_capture_on_commit_callbacks(execute=True):
        response_save_draft(
            response=draft,
            user=None,
            answers={"multi": ["a"], "note": "typing"},
            expected_version=None,
        )


@pytest.fixture
def rebuilds_forbidden(monkeypatch):
    """A full rebuild during the test is a failure: submissions must not scan the campaign."""
    from analytics import tasks

    def forbidden(**kwargs):
        raise AssertionError(f"a full rebuild ran: {kwargs}")

    monkeypatch.setattr(tasks, "aggregates_recompute", forbidden)


def test_a_choice_added_to_a_shared_list_is_counted_from_its_first_tick(db, django_capture_on_commit_callbacks):
    shared = ChoiceList.objects.create(code="goals", name="Goals")
    first = Choice.objects.create(choice_list=shared, code="g1", label_en="Goal 1", position=1)
    survey = Survey(skipped_list=shared)  # "skipped" asks for goals
    survey.submit({"skipped": [first.code]})
    aggregates_recompute(campaign_id=survey.campaign.pk)
    with django_capture_on_commit_callbacks(execute=True):
        Choice.objects.create(choice_list=shared, code="g2", label_en="Goal 2", position=2)
    with django_capture_on_commit_callbacks(execute=True):
        survey.submit({"skipped": ["g1", "g2"]})
    assert not stats(survey).is_stale
    assert aggregates_differences(campaign_id=survey.campaign.pk) == 0
    g2 = ChoiceAggregate.objects.get(campaign=survey.campaign, choice__code="g2")
    assert (g2.count, g2.base, g2.rank) == (1, 2, 2)
