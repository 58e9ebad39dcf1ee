"""Writes that race on PostgreSQL (issue 9, "Faults"): two submits of one response, a draft save
against a submit, two recomputes of one campaign.

Each contender runs in a thread with its own database connection. To make them truly overlap, the
test holds the row they all lock (`SELECT ... FOR UPDATE` from a connection of its own), starts them
one after the other, waits until each is queued on that lock (pg_stat_activity), then lets go: the
order in which they wait is the order in which PostgreSQL serves them.

The invariant for responses: exactly one write of a race succeeds; the stored answers are those of
the last successful write, never a mix; the loser gets VersionConflict (or ResponseLocked), and the
version history has no gap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from analytics.models import CampaignStats
from analytics.services import aggregates_recompute
from questionnaires.models import Campaign, Response, ResponseEvent
from questionnaires.schema import questionnaire_schema
from questionnaires.selectors import response_answers
from questionnaires.services import ResponseLocked, VersionConflict, response_save_draft, response_submit
from tests import factories

from .conftest import (
    RECOMPUTE_LOCK_QUERY,
    RESPONSE_LOCK_QUERY,
    WAIT_SECONDS,
    Survey,
    assert_aggregates_correct,
    enqueue_disabled,
    fresh_aggregates,
    lock_waiters,
    row_locked,
    stale_survey,
    stored_aggregates,
    wait_until,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(model, pk: int, waiting_query: str, *contenders: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the contenders in threads, queued in this order on the lock of row `pk`, then released
    together. Returns ("ok", value) or ("error", exception) for each, in the same order."""
    outcomes: list[tuple[str, Any] | None] = [None] * len(contenders)

    def run(index: int, contender: Callable[[], Any]) -> None:
        try:
            outcomes[index] = ("ok", contender())
        except Exception as error:  # noqa: BLE001 - the outcome is what the test asserts
            outcomes[index] = ("error", error)
        finally:
            connections.close_all()

    threads = []
    with row_locked(model, pk):
        for index, contender in enumerate(contenders):
            thread = threading.Thread(target=run, args=(index, contender), daemon=True)
            thread.start()
            threads.append(thread)
            wait_until(
                lambda i=index: len(lock_waiters(waiting_query)) == i + 1 or outcomes[i] is not None,
                what=f"contender {index + 1} to wait for the lock",
            )
            assert outcomes[index] is None, f"contender {index + 1} did not wait: {outcomes[index]}"
    for thread in threads:
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive(), "a contender is still running"
    return outcomes  # type: ignore[return-value]


# --- Responses -------------------------------------------------------------------------------------

DRAFT = {"multi": ["a"], "single": "yes", "note": "draft"}
SUBMITTED = {"multi": ["b", "c"], "single": "no", "note": "submitted"}
OTHER_SUBMITTED = {"multi": ["d"], "single": "yes", "note": "submitted by the other focal point"}


@pytest.fixture
def started(monkeypatch):
    """A response with a complete draft (version 1), two focal points of its ISCM, nothing published."""
    with enqueue_disabled(monkeypatch):
        survey = Survey()
        response = survey.response()
        response_save_draft(response=response, user=None, answers=DRAFT, expected_version=None)
        people = [factories.focal_point_create(response.iscm) for _ in range(2)]
        yield survey, Response.objects.get(pk=response.pk), people


def _write(function, response: Response, user, answers: dict, version: int):
    """What a page does: load the response, write with the version the form was loaded at."""
    return lambda: function(
        response=Response.objects.get(pk=response.pk), user=user, answers=answers, expected_version=version
    )


def _stored(survey: Survey, response: Response) -> dict:
    return response_answers(Response.objects.get(pk=response.pk), questionnaire_schema(survey.campaign.questionnaire))


def _assert_history_without_gap(response: Response) -> None:
    events = ResponseEvent.objects.filter(response=response).order_by("version")
    versions = list(events.values_list("version", flat=True))
    assert versions == list(range(1, len(versions) + 1))
    assert Response.objects.get(pk=response.pk).version == versions[-1]


def test_the_same_submit_sent_twice_at_once_is_recorded_once(started):
    survey, response, (first, second) = started

    outcomes = race(
        Response,
        response.pk,
        RESPONSE_LOCK_QUERY,
        _write(response_submit, response, first, SUBMITTED, response.version),
        _write(response_submit, response, second, SUBMITTED, response.version),
    )

    # Both say "done" (the second is the double click the service recognises), one submission is stored.
    assert [kind for kind, _value in outcomes] == ["ok", "ok"], outcomes
    assert ResponseEvent.objects.filter(response=response, action=ResponseEvent.Action.SUBMITTED).count() == 1
    stored = Response.objects.get(pk=response.pk)
    assert stored.status == Response.Status.SUBMITTED
    assert stored.version == response.version + 1
    assert stored.submitted_by == first
    assert _stored(survey, response) == SUBMITTED
    _assert_history_without_gap(response)


def test_two_different_submits_at_once_one_wins_the_other_is_told(started):
    survey, response, (first, second) = started

    outcomes = race(
        Response,
        response.pk,
        RESPONSE_LOCK_QUERY,
        _write(response_submit, response, first, SUBMITTED, response.version),
        _write(response_submit, response, second, OTHER_SUBMITTED, response.version),
    )

    assert outcomes[0][0] == "ok"
    assert outcomes[1][0] == "error" and isinstance(outcomes[1][1], VersionConflict)
    assert ResponseEvent.objects.filter(response=response, action=ResponseEvent.Action.SUBMITTED).count() == 1
    assert _stored(survey, response) == SUBMITTED
    _assert_history_without_gap(response)


@pytest.mark.parametrize("first_in", ["submit", "draft"])
def test_a_draft_save_racing_a_submit_stores_one_of_them_whole(started, first_in):
    survey, response, (submitter, drafter) = started
    draft = {"multi": ["a", "d"], "single": "yes", "note": "typed while the other one submitted"}
    submit = _write(response_submit, response, submitter, SUBMITTED, response.version)
    save = _write(response_save_draft, response, drafter, draft, response.version)
    assert all(draft[code] != SUBMITTED[code] for code in SUBMITTED), "every answer differs: a mix would show"

    if first_in == "submit":
        outcomes = race(Response, response.pk, RESPONSE_LOCK_QUERY, submit, save)
        winner, loser = outcomes
        expected, status, submissions = SUBMITTED, Response.Status.SUBMITTED, 1
    else:
        outcomes = race(Response, response.pk, RESPONSE_LOCK_QUERY, save, submit)
        winner, loser = outcomes
        expected, status, submissions = draft, Response.Status.DRAFT, 0

    assert winner[0] == "ok", outcomes
    assert loser[0] == "error" and isinstance(loser[1], VersionConflict | ResponseLocked), outcomes
    assert _stored(survey, response) == expected
    stored = Response.objects.get(pk=response.pk)
    assert stored.status == status
    assert stored.version == response.version + 1
    assert ResponseEvent.objects.filter(response=response, action=ResponseEvent.Action.SUBMITTED).count() == submissions
    _assert_history_without_gap(response)


# --- Recomputes ------------------------------------------------------------------------------------


def test_two_forced_recomputes_at_once_store_identical_figures(monkeypatch):
    survey = stale_survey(monkeypatch)
    campaign = survey.campaign
    expected = fresh_aggregates(campaign)
    recompute = lambda: aggregates_recompute(campaign_id=campaign.pk, force=True)  # noqa: E731

    outcomes = race(Campaign, campaign.pk, RECOMPUTE_LOCK_QUERY, recompute, recompute)

    assert outcomes == [("ok", True), ("ok", True)]
    assert stored_aggregates(campaign) == expected
    assert_aggregates_correct(campaign)


def test_two_recomputes_of_a_stale_campaign_at_once_rebuild_once(monkeypatch):
    survey = stale_survey(monkeypatch)
    campaign = survey.campaign
    recompute = lambda: aggregates_recompute(campaign_id=campaign.pk)  # noqa: E731

    outcomes = race(Campaign, campaign.pk, RECOMPUTE_LOCK_QUERY, recompute, recompute)

    assert outcomes == [("ok", True), ("ok", False)]  # the second found the figures fresh: a burst coalesced
    assert_aggregates_correct(campaign)
    assert not CampaignStats.objects.get(campaign=campaign).is_stale
