"""Recompute: enqueued on commit, coalesced, idempotent, and never blocking a submission (broker down)."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import services, tasks
from analytics.models import CampaignStats, ChoiceAggregate, ChoiceCell, TextCell
from analytics.services import aggregates_recompute, aggregates_request_recompute, aggregates_sweep_stale
from iscm_survey.celery import app as celery_app
from questionnaires.models import Choice, Response
from questionnaires.services import response_delete, response_return, response_validate
from tests.analytics.conftest import reset_publisher_pools, submit_hand_computed

pytestmark = pytest.mark.django_db


def stats(campaign) -> CampaignStats:
    return CampaignStats.objects.get(campaign=campaign)


def stored(campaign) -> list[tuple]:
    return sorted(
        ChoiceAggregate.objects.filter(campaign=campaign).values_list(
            "question__code", "choice__code", "count", "base", "selections", "rank"
        )
    )


@pytest.fixture
def rebuilds(monkeypatch):
    """Counts the runs of the task body and the ones that actually rebuilt."""
    runs: list[bool] = []

    def counting(*, campaign_id, force=False):
        result = aggregates_recompute(campaign_id=campaign_id, force=force)
        runs.append(result)
        return result

    monkeypatch.setattr(tasks, "aggregates_recompute", counting)
    return runs


def test_a_submission_updates_the_figures_once_committed(survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        survey.submit({"multi": ["a", "b"], "single": "yes"})
    assert len(callbacks) == 1
    assert ("multi", "a", 1, 1, 2, 1) in stored(survey.campaign)
    assert not stats(survey.campaign).is_stale
    assert (stats(survey.campaign).invited, stats(survey.campaign).responded) == (1, 1)


def test_a_burst_of_20_submissions_is_rebuilt_once(survey, rebuilds, django_capture_on_commit_callbacks):
    # Tasks are published with a countdown: by the time the first runs, the whole burst has committed.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for n in range(20):
            survey.submit({"multi": ["a"] if n % 2 else ["b", "c"]})
    assert len(callbacks) == 20  # one task per submission…
    assert len(rebuilds) == 20 and rebuilds.count(True) == 1  # …but only the first found work to do
    multi = {row[1]: row[2:] for row in stored(survey.campaign) if row[0] == "multi"}
    assert multi["a"] == (10, 20, 30, 1) and multi["b"] == (10, 20, 30, 1) and multi["e"] == (0, 20, 30, 4)


def test_every_status_change_keeps_the_figures_exact_without_a_rebuild(
    survey, coordinator, rebuilds, django_capture_on_commit_callbacks
):
    responses = submit_hand_computed(survey)
    aggregates_recompute(campaign_id=survey.campaign.pk)
    for change in (
        lambda: response_validate(response=responses["R1"], user=coordinator),
        lambda: response_return(
            response=Response.objects.get(pk=responses["R1"].pk), user=coordinator, comment="x"
        ),
        lambda: response_delete(response=Response.objects.get(pk=responses["R2"].pk), user=coordinator),
    ):
        rebuilds.clear()
        before = stats(survey.campaign).computed_at
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert rebuilds == []  # on-commit callbacks left: the review e-mails, never a rebuild
        assert not stats(survey.campaign).is_stale and stats(survey.campaign).computed_at > before  # reports renew
    assert ("multi", "a", 2, 3, 6, 1) in stored(survey.campaign)  # R2 deleted
    assert stats(survey.campaign).responded == 3
    assert services.aggregates_differences(campaign_id=survey.campaign.pk) == 0


def test_recomputing_twice_gives_identical_rows(survey):
    submit_hand_computed(survey)
    assert aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    first = stored(survey.campaign)
    first_ids = set(ChoiceAggregate.objects.filter(campaign=survey.campaign).values_list("id", flat=True))
    assert aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    assert stored(survey.campaign) == first
    # nothing changed, nothing written: the same rows, none added
    assert set(ChoiceAggregate.objects.values_list("id", flat=True)) == first_ids
    assert aggregates_recompute(campaign_id=survey.campaign.pk) is False  # fresh: nothing to do
    assert stored(survey.campaign) == first


def test_a_rebuild_that_finds_the_figures_right_writes_nothing(survey):
    """The sweep, the nightly repair and "Recompute now" mostly find exact figures: no row is rewritten
    (a rewrite cost an index entry and a foreign-key check per row, and a dead row per row until vacuum)."""
    submit_hand_computed(survey)
    assert aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    with CaptureQueriesContext(connection) as queries:
        assert aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    tables = [model._meta.db_table for model in (ChoiceAggregate, ChoiceCell, TextCell)]
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "WITH"))
        and any(table in query["sql"] for table in tables)
    ]
    assert writes == []


def test_a_rebuild_writes_only_the_rows_that_differ(survey):
    submit_hand_computed(survey)
    aggregates_recompute(campaign_id=survey.campaign.pk)
    cells = ChoiceCell.objects.filter(campaign=survey.campaign)
    kept = set(cells.exclude(choice__code__in=["a", "b"]).values_list("id", flat=True))
    cells.filter(choice__code="a").delete()  # missing rows
    cells.filter(choice__code="b").update(count=7, base=7)  # wrong figures
    stray = ChoiceCell.objects.create(  # a cell nobody is in
        campaign=survey.campaign,
        question=survey.multi,
        choice=Choice.objects.get(question=survey.multi, code="a"),
        region="Nowhere",
        iscm_type="RCP",
        count=3,
        base=3,
        selections=3,
    )
    TextCell.objects.filter(campaign=survey.campaign).update(answers=5)
    ChoiceAggregate.objects.filter(campaign=survey.campaign).delete()
    assert aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    assert services.aggregates_differences(campaign_id=survey.campaign.pk) == 0
    assert not ChoiceCell.objects.filter(pk=stray.pk).exists()
    assert kept <= set(cells.values_list("id", flat=True))  # the right rows were left in place


def test_a_deleted_campaign_is_nothing_to_do():
    assert aggregates_recompute(campaign_id=999_999) is False


def test_a_request_is_never_hidden_by_an_earlier_rebuild(survey, monkeypatch):
    """Clocks disagree, or a transaction that read the clock early commits late: the request still
    moves `requested_at` past the last computation, so the campaign is stale until rebuilt again."""
    survey.submit({"multi": ["a"]})
    aggregates_recompute(campaign_id=survey.campaign.pk)
    computed = stats(survey.campaign).computed_at
    early = computed - datetime.timedelta(minutes=5)
    monkeypatch.setattr(services.timezone, "now", lambda: early)
    aggregates_request_recompute(campaign_id=survey.campaign.pk)
    monkeypatch.undo()
    after = stats(survey.campaign)
    assert after.requested_at > computed and after.is_stale
    assert services.stale_campaign_ids() == [survey.campaign.pk]
    assert aggregates_recompute(campaign_id=survey.campaign.pk) is True
    assert services.stale_campaign_ids() == []


def test_the_sweep_rebuilds_stale_campaigns_only(survey):
    submit_hand_computed(survey)  # requested, never enqueued here (no on_commit in this test)
    assert stats(survey.campaign).is_stale
    assert aggregates_sweep_stale() == [survey.campaign.pk]
    assert not stats(survey.campaign).is_stale and stored(survey.campaign)
    assert aggregates_sweep_stale() == []
    assert tasks.aggregates_sweep_stale_task.apply().get() == 0


# --- Broker down ------------------------------------------------------------------------------------

DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    """A real (non-eager) Celery publishing to a broker nobody listens on.

    The Celery app read its configuration at import, so it is changed on the app (and restored); and
    Celery prefers the CELERY_BROKER_URL environment variable (set in CI) to its configuration."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)
    celery_app.conf.update(task_always_eager=False, broker_url=DEAD_BROKER)
    reset_publisher_pools()
    yield
    celery_app.conf.update(saved)
    reset_publisher_pools()


def test_with_the_broker_down_a_submission_keeps_the_figures_exact(
    survey, broker_down, django_capture_on_commit_callbacks
):
    survey.submit({"multi": ["a"]})
    aggregates_recompute(campaign_id=survey.campaign.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        survey.submit({"multi": ["a", "b"], "single": "no"}, acronym="LATE")
    assert callbacks == []  # nothing to publish: the figures moved in the submission's transaction
    assert not stats(survey.campaign).is_stale
    assert ("multi", "a", 2, 2, 3, 1) in stored(survey.campaign)


def test_with_the_broker_down_a_submission_on_stale_figures_succeeds_and_the_sweep_catches_up(
    survey, broker_down, django_capture_on_commit_callbacks
):
    survey.submit({"multi": ["a"]})
    aggregates_recompute(campaign_id=survey.campaign.pk)
    with django_capture_on_commit_callbacks(execute=True):
        aggregates_request_recompute(campaign_id=survey.campaign.pk)  # e.g. an import: its rebuild is lost

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = survey.submit({"multi": ["a", "b"], "single": "no"}, acronym="LATE")
    assert time.monotonic() - started < 10  # bounded connection retries: the request does not hang
    assert Response.objects.get(pk=response.pk).status == Response.Status.SUBMITTED
    assert stats(survey.campaign).is_stale
    assert ("multi", "a", 1, 1, 1, 1) in stored(survey.campaign)  # the figures before it

    assert aggregates_sweep_stale() == [survey.campaign.pk]
    assert not stats(survey.campaign).is_stale
    assert ("multi", "a", 2, 2, 3, 1) in stored(survey.campaign)


def test_enqueue_reports_failure_instead_of_raising(survey, broker_down):
    assert services.aggregates_enqueue(campaign_id=survey.campaign.pk, countdown=0) is False


@pytest.mark.parametrize("how", ["single", "bulk"])
def test_deleting_a_response_in_the_admin_takes_its_answers_out_of_the_figures(
    survey, client, admin_user, how
):
    responses = submit_hand_computed(survey)
    aggregates_recompute(campaign_id=survey.campaign.pk)
    assert ("multi", "a", 3, 4, 8, 1) in stored(survey.campaign) and not stats(survey.campaign).is_stale
    client.force_login(admin_user)
    deleted = responses["R2"]  # answered a and c
    if how == "single":
        page = client.post(reverse("admin:questionnaires_response_delete", args=[deleted.pk]), {"post": "yes"})
    else:
        page = client.post(
            reverse("admin:questionnaires_response_changelist"),
            {"action": "delete_selected", "_selected_action": [deleted.pk], "post": "yes"},
        )
    assert page.status_code == 302 and not Response.objects.filter(pk=deleted.pk).exists()
    # The delete goes through `response_delete`: the figures follow in its transaction, exact at commit.
    assert ("multi", "a", 2, 3, 6, 1) in stored(survey.campaign)  # R2's answers are no longer counted
    assert ("multi", "c", 1, 3, 6, 3) in stored(survey.campaign)
    assert not stats(survey.campaign).is_stale
    assert services.aggregates_differences(campaign_id=survey.campaign.pk) == 0
