"""Dashboard pages: who may see what, what they show, and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import CampaignStats
from analytics.services import aggregates_recompute
from questionnaires.models import Iscm
from questionnaires.services import response_import
from tests.analytics.conftest import submit_hand_computed

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    settings.SECURE_SSL_REDIRECT = False
    return client


@pytest.fixture
def computed(survey):
    responses = submit_hand_computed(survey)
    aggregates_recompute(campaign_id=survey.campaign.pk)
    return responses


def urls(slug: str) -> dict[str, str]:
    return {
        "dashboard": reverse("analytics:dashboard", args=[slug]),
        "drilldown": reverse("analytics:drilldown", args=[slug, "multi", "a"]),
        "texts": reverse("analytics:texts", args=[slug]),
        "chart_data": reverse("analytics:chart_data", args=[slug, "multi"]),
        "aggregates_csv": reverse("analytics:aggregates_csv", args=[slug]),
    }


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode()


# --- Access -----------------------------------------------------------------------------------------


def test_the_dashboard_url_is_the_documented_one():
    assert reverse("analytics:dashboard", args=["x"]) == "/campaigns/x/dashboard/"
    assert reverse("analytics:drilldown", args=["x", "q", "c"]) == "/campaigns/x/dashboard/drilldown/q/c/"
    assert reverse("analytics:texts", args=["x"]) == "/campaigns/x/dashboard/texts/"
    assert reverse("analytics:recompute", args=["x"]) == "/campaigns/x/dashboard/recompute/"
    assert (
        reverse("analytics:chart_data", args=["x", "gcm_priorities"])
        == "/campaigns/x/dashboard/data/gcm_priorities.csv"
    )


def test_anonymous_visitors_are_sent_to_the_login_page(client, computed, survey):
    for url in [*urls(survey.campaign.slug).values()]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    response = client.post(reverse("analytics:recompute", args=[survey.campaign.slug]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_focal_points_may_not_see_dashboards(client, computed, survey, focal_point):
    client.force_login(focal_point)
    for url in urls(survey.campaign.slug).values():
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("analytics:recompute", args=[survey.campaign.slug])).status_code == 403


def test_observers_see_figures_but_no_individual_answers(client, computed, survey, observer):
    client.force_login(observer)
    pages = urls(survey.campaign.slug)
    response = client.get(pages["dashboard"])
    assert response.status_code == 200
    assert response.context["can_drilldown"] is False and response.context["can_recompute"] is False
    html = response.content.decode()
    assert "data-drilldown-url" not in html and pages["texts"] not in html
    assert client.get(pages["chart_data"]).status_code == 200
    assert client.get(pages["aggregates_csv"]).status_code == 200
    assert client.get(pages["drilldown"]).status_code == 403  # which ISCM said what: raw responses
    assert client.get(pages["texts"]).status_code == 403
    assert client.post(reverse("analytics:recompute", args=[survey.campaign.slug])).status_code == 403


def test_coordinators_see_everything(client, computed, survey, coordinator):
    client.force_login(coordinator)
    for url in urls(survey.campaign.slug).values():
        assert client.get(url).status_code == 200, url


def test_an_unknown_campaign_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("analytics:dashboard", args=["nope"])).status_code == 404


# --- The dashboard page ------------------------------------------------------------------------------


def test_the_dashboard_shows_kpis_charts_and_freshness(client, computed, survey, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("analytics:dashboard", args=[survey.campaign.slug]))
    data = response.context["data"]
    assert data["kpis"] == {"invited": 5, "responded": 4, "rate": 80.0}
    figures = response.context["figures"]
    assert set(figures) == {
        "response-rate-region",
        "response-rate-type",
        "submissions",
        "multi",
        "single",
        "skipped",
    }
    assert figures["multi"]["data"][0]["text"][:3] == ["75.0% (3/4)", "50.0% (2/4)", "50.0% (2/4)"]
    html = response.content.decode()
    assert (
        'id="dashboard-figures"' in html
        and "vendor/plotly/plotly-basic.min.js" in html
        and "js/dashboard.js" in html
    )
    assert "<script>" not in html.replace('<script id="dashboard-figures" type="application/json">', "")
    assert 'id="kpi-rate">80.0%' in html
    # each chart is a figure described by its main finding in words (its text alternative)
    assert 'aria-describedby="finding-multi"' in html and 'id="finding-multi">Most selected: ' in html
    assert 'id="finding-response-rate-region">Highest response rate: ' in html
    assert "Figures as of" in html and "not up to date" not in html
    # the question nobody answered says so, with no chart to divide by zero
    assert "no answers yet" in html
    assert reverse("analytics:drilldown", args=[survey.campaign.slug, "multi", "a"]) in html  # plain link


def test_stale_figures_are_flagged_and_the_coordinator_can_recompute(
    client, computed, survey, coordinator, observer
):
    # an imported response: committed, but the rebuild it requested has not run (submissions keep the
    # figures exact in their own transaction; imports rebuild)
    late = survey.iscm(acronym="LATE")
    response_import(campaign=survey.campaign, iscm=late, user=None, answers={"multi": ["e"]}, status="submitted")
    dashboard = reverse("analytics:dashboard", args=[survey.campaign.slug])
    client.force_login(observer)
    html = client.get(dashboard).content.decode()
    assert "These figures are not up to date." in html and "Recompute now" not in html

    client.force_login(coordinator)
    response = client.get(dashboard)
    assert "These figures are not up to date." in response.content.decode()
    assert "Recompute now" in response.content.decode()
    assert response.context["data"]["kpis"]["responded"] == 5  # rates are always live
    multi = {q["code"]: q for q in response.context["data"]["questions"]}["multi"]
    assert multi["base"] == 4  # the stored figures, as of their time

    response = client.post(reverse("analytics:recompute", args=[survey.campaign.slug]), follow=True)
    assert response.redirect_chain[-1][0] == dashboard
    assert "The figures have been recomputed." in response.content.decode()
    assert "not up to date" not in response.content.decode()
    multi = {q["code"]: q for q in response.context["data"]["questions"]}["multi"]
    assert multi["base"] == 5 and multi["choices"][4]["count"] == 1
    assert not CampaignStats.objects.get(campaign=survey.campaign).is_stale


def test_recompute_is_post_only(client, computed, survey, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("analytics:recompute", args=[survey.campaign.slug])).status_code == 405


def test_filters_sum_the_stored_cells_of_the_subset(client, computed, survey, coordinator):
    client.force_login(coordinator)
    response = client.get(
        reverse("analytics:dashboard", args=[survey.campaign.slug]), {"region": "Africa", "iscm_type": "IRF"}
    )
    data = response.context["data"]
    assert data["filtered"] and not data["freshness"]["live"]  # exact: the sum of the stored cells
    assert data["kpis"] == {"invited": 1, "responded": 1, "rate": 100.0}
    multi = {q["code"]: q for q in data["questions"]}["multi"]
    assert [(c["code"], c["count"]) for c in multi["choices"]] == [
        ("a", 1),
        ("b", 1),
        ("c", 1),
        ("d", 0),
        ("e", 0),
    ]
    html = response.content.decode()
    assert "Figures as of" in html and "counted live" not in html
    assert "?region=Africa&amp;iscm_type=IRF" in html  # drill-down and CSV links keep the filters


def test_unknown_filter_values_are_ignored(client, computed, survey, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("analytics:dashboard", args=[survey.campaign.slug]), {"region": "Atlantis"})
    assert response.status_code == 200
    assert response.context["data"]["filtered"] is False and response.context["data"]["kpis"]["invited"] == 5


def _submit_many(survey, count: int) -> None:
    for n in range(count):
        survey.submit(
            {"multi": ["a", "b"] if n % 2 else ["c"], "single": "yes", "note": f"Note {n}"},
            region=["Africa", "Americas"][n % 2],
            iscm_type=[Iscm.Type.RCP, Iscm.Type.IRF][n % 2],
        )
    aggregates_recompute(campaign_id=survey.campaign.pk)


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("size", [3, 30])
def test_the_dashboard_page_runs_a_bounded_number_of_queries(
    client, survey, coordinator, size, django_assert_max_num_queries
):
    _submit_many(survey, size)
    client.force_login(coordinator)
    url = reverse("analytics:dashboard", args=[survey.campaign.slug])
    with django_assert_max_num_queries(20):
        client.get(url)
    with django_assert_max_num_queries(20):
        client.get(url, {"region": "Africa"})


def test_the_dashboard_page_runs_the_same_queries_at_3_and_30_responses(client, survey, coordinator):
    client.force_login(coordinator)
    url = reverse("analytics:dashboard", args=[survey.campaign.slug])
    _submit_many(survey, 3)
    small = (_queries(client, url), _queries(client, url, {"region": "Africa"}))
    _submit_many(survey, 27)
    assert (_queries(client, url), _queries(client, url, {"region": "Africa"})) == small


# --- Drill-down, free texts, CSV --------------------------------------------------------------------


def test_the_drilldown_lists_the_iscms_that_selected_the_choice(client, computed, survey, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("analytics:drilldown", args=[survey.campaign.slug, "multi", "b"]))
    html = response.content.decode()
    assert "2 ISCMs selected this choice" in html
    assert [i["acronym"] for i in response.context["drilldown"]["iscms"]] == ["R1", "R3"]
    response = client.get(
        reverse("analytics:drilldown", args=[survey.campaign.slug, "multi", "b"]), {"region": "Americas"}
    )
    assert (
        response.context["drilldown"]["iscms"] == []
        and "No ISCM selected this choice." in response.content.decode()
    )
    assert (
        client.get(reverse("analytics:drilldown", args=[survey.campaign.slug, "multi", "zz"])).status_code
        == 404
    )
    assert (
        client.get(reverse("analytics:drilldown", args=[survey.campaign.slug, "note", "a"])).status_code
        == 404
    )


def test_free_text_answers_are_escaped_searchable_and_direction_aware(client, computed, survey, coordinator):
    client.force_login(coordinator)
    url = reverse("analytics:texts", args=[survey.campaign.slug])
    html = client.get(url).content.decode()
    assert "First &lt;b&gt;note&lt;/b&gt;" in html and "<b>note</b>" not in html
    assert '<div class="answer-text" dir="auto">مرحبا\nsecond line</div>' in html
    assert "draft note" not in html
    response = client.get(url, {"q": "second"})
    assert "1 answer contains" in response.content.decode()
    assert [a["iscm"] for a in response.context["questions"][0]["answers"]] == ["R3"]
    response = client.get(url, {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_each_chart_has_its_csv(client, computed, survey, observer, coordinator):
    client.force_login(observer)
    slug = survey.campaign.slug
    text = csv_text(client.get(reverse("analytics:chart_data", args=[slug, "multi"])))
    assert text.splitlines() == [
        "question,choice,label,count,base,pct_of_respondents,selections,pct_of_selections,rank",
        "multi,a,Choice a,3,4,75.0,8,37.5,1",
        "multi,b,Choice b,2,4,50.0,8,25.0,2",
        "multi,c,Choice c,2,4,50.0,8,25.0,2",
        "multi,d,Choice d,1,4,25.0,8,12.5,4",
        "multi,e,Choice e,0,4,0.0,8,0.0,5",
    ]
    skipped = csv_text(client.get(reverse("analytics:chart_data", args=[slug, "skipped"]))).splitlines()
    assert skipped[1] == "skipped,x,Choice x,0,0,,0,,1"  # base 0: no percentage
    region = csv_text(client.get(reverse("analytics:chart_data", args=[slug, "response-rate-region"])))
    assert region.splitlines() == [
        "group,label,invited,responded,rate",
        "Africa,Africa,4,3,75.0",
        "Americas,Americas,1,1,100.0",
    ]
    assert csv_text(client.get(reverse("analytics:chart_data", args=[slug, "submissions"]))).startswith(
        "date,submitted,cumulative\n"
    )
    client.force_login(coordinator)  # a one-response subset: coordinators only (see below)
    filtered = csv_text(
        client.get(reverse("analytics:chart_data", args=[slug, "multi"]), {"region": "Americas"})
    )
    assert filtered.splitlines()[4] == "multi,d,Choice d,1,1,100.0,1,100.0,1"
    assert client.get(reverse("analytics:chart_data", args=[slug, "note"])).status_code == 404
    response = client.get(reverse("analytics:aggregates_csv", args=[slug]))
    assert response["Content-Disposition"] == f'attachment; filename="{slug}-aggregates-en.csv"'
    assert len(csv_text(response).splitlines()) == 1 + 5 + 2 + 2
    # the same download headers as the responses' exports: never sniffed, never cached
    for name, args in (("aggregates_csv", [slug]), ("chart_data", [slug, "multi"])):
        response = client.get(reverse(f"analytics:{name}", args=args))
        assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "no-store"


def test_figure_csvs_escape_formulas_like_the_response_exports():
    from analytics.exports import aggregate_csv_rows

    row = {"question": "q", "code": "c", "count": 1, "base": 1, "selections": 1, "rank": 1}
    rows = list(aggregate_csv_rows([{**row, "label": "=1+1"}, {**row, "label": "'=1+1"}]))
    assert [cells[2] for cells in rows[1:]] == ["'=1+1", "''=1+1"]  # a leading apostrophe is escaped too


def test_observers_get_no_figures_for_a_subset_small_enough_to_identify_an_iscm(
    client, computed, survey, observer, coordinator
):
    slug = survey.campaign.slug
    dashboard = reverse("analytics:dashboard", args=[slug])
    client.force_login(observer)
    response = client.get(dashboard, {"iscm_type": "IRF"})  # one responding IRF: its answers, in effect
    assert response.context["withheld"] is True and response.context["data"]["questions"] == []
    assert "shown to coordinators only" in response.content.decode()
    # participation stays; the timeline of one ISCM's submission goes with its answers
    assert set(response.context["figures"]) == {"response-rate-region", "response-rate-type"}
    assert (
        client.get(reverse("analytics:chart_data", args=[slug, "submissions"]), {"iscm_type": "IRF"}).status_code
        == 403
    )
    assert (
        client.get(reverse("analytics:chart_data", args=[slug, "multi"]), {"iscm_type": "IRF"}).status_code
        == 403
    )
    assert (
        client.get(reverse("analytics:aggregates_csv", args=[slug]), {"iscm_type": "IRF"}).status_code == 403
    )
    # three responses in Africa, but all four minus Africa would be the one ISCM of the Americas
    assert client.get(dashboard, {"region": "Africa"}).context["withheld"] is True
    assert client.get(dashboard).context["withheld"] is False

    client.force_login(coordinator)
    assert client.get(dashboard, {"iscm_type": "IRF"}).context["withheld"] is False
