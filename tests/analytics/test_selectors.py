"""Figures worked out by hand on small factory-built campaigns: counts, bases, selections, ranks,
zero counts, a question nobody answered, drafts, returned and withdrawn responses, filters."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from analytics import selectors
from analytics.models import ChoiceAggregate
from analytics.services import aggregates_recompute, aggregates_request_recompute
from questionnaires.models import Iscm, Response
from questionnaires.services import response_delete, response_import, response_return
from tests import factories
from tests.analytics.conftest import submit_hand_computed

pytestmark = pytest.mark.django_db


def figures(question: dict) -> dict[str, tuple[int, int | None]]:
    """{choice code: (count, rank)} of a selector question."""
    return {choice["code"]: (choice["count"], choice["rank"]) for choice in question["choices"]}


def by_code(questions: list[dict]) -> dict[str, dict]:
    return {question["code"]: question for question in questions}


def test_counts_bases_selections_and_ranks_match_the_hand_computation(survey):
    submit_hand_computed(survey)
    assert aggregates_recompute(campaign_id=survey.campaign.pk)
    questions = by_code(selectors.choice_questions(survey.campaign))

    multi = questions["multi"]
    assert (multi["base"], multi["selections"]) == (4, 8)
    # ties share a rank and the next rank skips (1, 2, 2, 4); a choice nobody picked is there with 0
    assert figures(multi) == {"a": (3, 1), "b": (2, 2), "c": (2, 2), "d": (1, 4), "e": (0, 5)}
    assert [c["code"] for c in multi["ranked"]] == ["a", "b", "c", "d", "e"]
    a = multi["choices"][0]
    assert a["pct_of_respondents"] == pytest.approx(75.0) and a["pct_of_selections"] == pytest.approx(37.5)
    assert multi["choices"][4]["pct_of_respondents"] == 0

    single = questions["single"]
    assert (single["base"], single["selections"]) == (3, 3)
    assert figures(single) == {"yes": (2, 1), "no": (1, 2)}
    assert single["choices"][0]["pct_of_respondents"] == pytest.approx(200 / 3)

    # the questionnaire's text question is not a choice question
    assert list(questions) == ["multi", "single", "skipped"]


def test_a_question_nobody_answered_has_base_zero_and_no_percentages(survey):
    submit_hand_computed(survey)
    aggregates_recompute(campaign_id=survey.campaign.pk)
    skipped = by_code(selectors.choice_questions(survey.campaign))["skipped"]
    assert (skipped["base"], skipped["selections"], skipped["answered"]) == (0, 0, False)
    assert figures(skipped) == {"x": (0, 1), "y": (0, 1)}
    assert all(c["pct_of_respondents"] is None and c["pct_of_selections"] is None for c in skipped["choices"])


def test_stored_rows_are_the_live_count(survey):
    submit_hand_computed(survey)
    aggregates_recompute(campaign_id=survey.campaign.pk)
    stored = sorted(
        ChoiceAggregate.objects.filter(campaign=survey.campaign).values_list(
            "question_id", "choice_id", "count", "base", "selections", "rank"
        )
    )
    live = sorted(
        tuple(row[key] for key in ("question_id", "choice_id", "count", "base", "selections", "rank"))
        for row in selectors.choice_counts_live(survey.campaign)
    )
    assert stored == live
    assert len(stored) == 5 + 2 + 2  # one row per choice of every choice question


def test_drafts_never_count(survey):
    survey.draft({"multi": ["a"], "single": "yes"}, acronym="D1")
    survey.submit({"multi": ["b"]}, acronym="S1")
    aggregates_recompute(campaign_id=survey.campaign.pk)
    questions = by_code(selectors.choice_questions(survey.campaign))
    assert figures(questions["multi"])["a"] == (0, 2)
    assert figures(questions["multi"])["b"] == (1, 1)
    assert questions["single"]["base"] == 0
    assert selectors.dashboard_data(survey.campaign)["kpis"] | {} == {
        "invited": 2,
        "responded": 1,
        "rate": 50.0,
    }


def test_a_returned_response_still_counts_a_withdrawn_or_deleted_one_does_not(survey, coordinator):
    responses = submit_hand_computed(survey)
    response_return(response=responses["R1"], user=coordinator, comment="Please check the SDGs.")
    aggregates_recompute(campaign_id=survey.campaign.pk)
    assert figures(by_code(selectors.choice_questions(survey.campaign))["multi"])["a"] == (3, 1)

    # back to draft (e.g. corrected through the import): no longer counted
    response_import(
        campaign=survey.campaign,
        iscm=responses["R2"].iscm,
        user=coordinator,
        answers={"multi": ["a", "c"], "single": "yes"},
        status=Response.Status.DRAFT,
    )
    response_delete(response=Response.objects.get(pk=responses["R3"].pk), user=coordinator)
    aggregates_recompute(campaign_id=survey.campaign.pk)
    multi = by_code(selectors.choice_questions(survey.campaign))["multi"]
    assert (multi["base"], multi["selections"]) == (2, 3)  # R1 (returned) and R4
    assert figures(multi) == {"a": (1, 1), "b": (1, 1), "c": (0, 4), "d": (1, 1), "e": (0, 4)}


def test_filters_count_the_subset_live(survey):
    submit_hand_computed(survey)
    aggregates_recompute(campaign_id=survey.campaign.pk)

    africa = by_code(selectors.choice_questions(survey.campaign, region="Africa"))["multi"]
    assert (africa["base"], africa["selections"]) == (3, 7)
    assert figures(africa) == {"a": (3, 1), "b": (2, 2), "c": (2, 2), "d": (0, 4), "e": (0, 4)}

    irf = by_code(selectors.choice_questions(survey.campaign, iscm_type=Iscm.Type.IRF))
    assert figures(irf["multi"]) == {"a": (1, 1), "b": (1, 1), "c": (1, 1), "d": (0, 4), "e": (0, 4)}
    assert figures(irf["single"]) == {"yes": (0, 2), "no": (1, 1)}

    both = selectors.dashboard_data(survey.campaign, region="Africa", iscm_type=Iscm.Type.RCP)
    # exact figures: the subset is the sum of its stored (region, type) cells, not counted live
    assert both["freshness"]["live"] is False and both["filtered"] is True
    assert by_code(both["questions"])["multi"]["base"] == 2
    assert both["kpis"] == {
        "invited": 3,
        "responded": 2,
        "rate": pytest.approx(200 / 3),
    }  # R1, R2 and the draft

    nobody = by_code(selectors.choice_questions(survey.campaign, region="Europe"))["multi"]
    assert nobody["base"] == 0 and nobody["answered"] is False


def test_unfiltered_figures_are_the_stored_ones_until_recomputed(survey):
    survey.submit({"multi": ["a"]}, acronym="S1")
    # never computed: counted live, so the dashboard is right from the first response
    data = selectors.dashboard_data(survey.campaign)
    assert data["freshness"]["live"] is True and by_code(data["questions"])["multi"]["base"] == 1

    aggregates_recompute(campaign_id=survey.campaign.pk)
    survey.submit({"multi": ["c"]}, acronym="S2")  # stored figures follow the submission at once
    data = selectors.dashboard_data(survey.campaign)
    assert data["freshness"]["live"] is False and data["freshness"]["is_stale"] is False
    assert by_code(data["questions"])["multi"]["base"] == 2

    aggregates_request_recompute(campaign_id=survey.campaign.pk)  # e.g. an import, rebuilt later
    survey.submit({"multi": ["b"]}, acronym="S3")  # stale figures: no delta, a rebuild is requested
    data = selectors.dashboard_data(survey.campaign)
    assert data["freshness"]["live"] is False and data["freshness"]["is_stale"] is True
    assert by_code(data["questions"])["multi"]["base"] == 2  # the stored figures, flagged as stale

    aggregates_recompute(campaign_id=survey.campaign.pk)
    data = selectors.dashboard_data(survey.campaign)
    assert data["freshness"]["is_stale"] is False and by_code(data["questions"])["multi"]["base"] == 3


def test_response_rates_by_region_and_type_and_submissions_by_day(survey):
    submit_hand_computed(survey)
    survey.iscm(acronym="N1", region="Europe", iscm_type=Iscm.Type.GLOBAL)  # invited, silent
    Response.objects.filter(iscm__acronym__in=["R1", "R2"]).update(
        submitted_at=datetime.datetime(2023, 4, 11, 9, tzinfo=datetime.UTC)
    )
    Response.objects.filter(iscm__acronym="R3").update(
        submitted_at=datetime.datetime(2023, 4, 11, 23, 59, tzinfo=datetime.UTC)
    )
    Response.objects.filter(iscm__acronym="R4").update(
        submitted_at=datetime.datetime(2023, 4, 14, 0, 1, tzinfo=datetime.UTC)
    )

    data = selectors.dashboard_data(survey.campaign)
    assert data["kpis"] == {"invited": 6, "responded": 4, "rate": pytest.approx(400 / 6)}
    assert [(r["key"], r["invited"], r["responded"]) for r in data["by_region"]] == [
        ("Africa", 4, 3),
        ("Americas", 1, 1),
        ("Europe", 1, 0),
    ]
    assert [(r["key"], r["invited"], r["responded"]) for r in data["by_type"]] == [
        ("RCP", 4, 3),
        ("IRF", 1, 1),
        ("GLOBAL", 1, 0),
    ]
    assert data["by_region"][2]["rate"] == 0
    assert data["over_time"] == [
        {"date": "2023-04-11", "label": "11 April 2023", "count": 3, "cumulative": 3},
        {"date": "2023-04-14", "label": "14 April 2023", "count": 1, "cumulative": 4},
    ]
    assert selectors.submissions_over_time(survey.campaign, region="Americas") == [
        {"date": "2023-04-14", "label": "14 April 2023", "count": 1, "cumulative": 1}
    ]


def test_campaign_timing_counts_whole_days_left():
    campaign = factories.CampaignFactory.build(
        opens_at=datetime.datetime(2023, 4, 1, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(2023, 6, 1, tzinfo=datetime.UTC),
    )
    open_ = selectors.campaign_timing(campaign, now=datetime.datetime(2023, 5, 30, 12, tzinfo=datetime.UTC))
    assert (open_["status"], open_["days_left"], open_["closed"]) == ("open", 2, False)
    closed = selectors.campaign_timing(campaign, now=datetime.datetime(2023, 6, 2, tzinfo=datetime.UTC))
    assert (closed["status"], closed["days_left"], closed["closed"]) == ("closed", None, True)
    early = selectors.campaign_timing(campaign, now=datetime.datetime(2023, 3, 1, tzinfo=datetime.UTC))
    assert early["status"] == "scheduled"
    campaign.closed_manually_at = datetime.datetime(2023, 5, 10, tzinfo=datetime.UTC)
    assert selectors.campaign_timing(campaign, now=timezone.now())["closes_at"] == campaign.closed_manually_at


def test_drilldown_lists_the_iscms_that_selected_a_choice(survey):
    submit_hand_computed(survey)
    drill = selectors.choice_drilldown(survey.campaign, "multi", "b")
    assert [i["acronym"] for i in drill["iscms"]] == ["R1", "R3"] and drill["count"] == 2
    assert drill["choice"]["label"] == "Choice b"
    assert [i["acronym"] for i in selectors.choice_drilldown(survey.campaign, "multi", "c")["iscms"]] == [
        "R2",
        "R3",
    ]
    assert selectors.choice_drilldown(survey.campaign, "multi", "e")["iscms"] == []  # only the draft picked e
    filtered = selectors.choice_drilldown(survey.campaign, "multi", "b", iscm_type=Iscm.Type.IRF)
    assert [i["acronym"] for i in filtered["iscms"]] == ["R3"]
    assert selectors.choice_drilldown(survey.campaign, "multi", "zz") is None
    assert selectors.choice_drilldown(survey.campaign, "note", "a") is None
    assert selectors.choice_drilldown(survey.campaign, "nope", "a") is None


def test_text_answers_of_responded_responses_searchable(survey):
    submit_hand_computed(survey)
    (note,) = selectors.text_answers(survey.campaign)
    assert note["code"] == "note"
    assert [(a["iscm"], a["text"]) for a in note["answers"]] == [
        ("R1", "First <b>note</b>"),
        ("R3", "مرحبا\nsecond line"),
    ]  # the draft's note is not there
    (found,) = selectors.text_answers(survey.campaign, search="SECOND")
    assert [a["iscm"] for a in found["answers"]] == ["R3"]
    (none,) = selectors.text_answers(survey.campaign, search="nowhere")
    assert none["answers"] == []
    data = selectors.dashboard_data(survey.campaign)
    assert data["text_questions"] == [
        {"code": "note", "label": "Comments", "section": "Only section", "answers": 2}
    ]


@pytest.mark.parametrize("responses", [3, 30])
def test_dashboard_data_runs_a_fixed_number_of_queries(survey, responses, django_assert_num_queries):
    for n in range(responses):
        survey.submit(
            {"multi": ["a", "b"] if n % 2 else ["c"], "single": "yes", "note": f"Note {n}"},
            region=["Africa", "Americas", "Europe"][n % 3],
        )
    aggregates_recompute(campaign_id=survey.campaign.pk)
    with django_assert_num_queries(6):  # the questionnaire's schema is cached
        selectors.dashboard_data(survey.campaign)
    with django_assert_num_queries(6):  # filtered: the sum of the stored cells instead of the totals
        selectors.dashboard_data(survey.campaign, region="Africa")
