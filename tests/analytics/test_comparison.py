"""Comparing campaigns (issue 15): figures worked out by hand, the command's CSV, the page, who sees what.

Campaign A is the small survey of `submit_hand_computed` (see conftest). Campaign B runs a second
questionnaire where `multi` lost choice e and gained f, `skipped` and `note` are gone and `extra` is new:

    multi   R1 a f · R2 a b · N1 b f            → a 2, b 2, f 2, c 0, d 0; base 3; ranks a b f 1, c d 4
    single  R1 no · R2 yes · N1 yes             → yes 2, no 1; base 3
    extra   R1 x                                 (B only)
R1 and R2 are the same ISCMs as in A; R3, R4 responded to A only, N1 to B only; R3 is invited to B too.

    multi, A → B   a 75.0 → 66.7 (−8.3, rank 1 → 1)   b 50.0 → 66.7 (+16.7, 2 → 1)   f — → 66.7
                   c 50.0 → 0.0 (−50.0, 2 → 4)         d 25.0 → 0.0 (−25.0, 4 → 4)    e 0.0 → —
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import docx
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from analytics import comparison
from analytics.models import ReportFile
from analytics.report import report_compose, report_data
from analytics.report_render import render_docx
from analytics.services import aggregates_recompute, report_comparison_set
from questionnaires.models import Campaign, Iscm, Question, Questionnaire, Response
from questionnaires.services import response_submit
from tests import factories
from tests.analytics.conftest import submit_hand_computed

pytestmark = pytest.mark.django_db

EXPECTED_CSV = [
    "question,choice,label,count_a,base_a,pct_a,rank_a,count_b,base_b,pct_b,rank_b,delta_pct_points,rank_change",
    "multi,a,Choice a,3,4,75.0,1,2,3,66.7,1,-8.3,0",
    "multi,b,Choice b,2,4,50.0,2,2,3,66.7,1,16.7,1",
    "multi,f,Choice f,,,,,2,3,66.7,1,,",
    "multi,c,Choice c,2,4,50.0,2,0,3,0.0,4,-50.0,-2",
    "multi,d,Choice d,1,4,25.0,4,0,3,0.0,4,-25.0,0",
    "multi,e,Choice e,0,4,0.0,5,,,,,,",
    "single,yes,Choice yes,2,3,66.7,1,2,3,66.7,1,0.0,0",
    "single,no,Choice no,1,3,33.3,2,1,3,33.3,2,0.0,0",
]


def _submit(campaign, iscm, answers):
    factories.invite(campaign, iscm)
    response = factories.ResponseFactory(campaign=campaign, iscm=iscm)
    return response_submit(response=response, user=None, answers=answers, expected_version=None).response


@pytest.fixture
def pair(survey):
    """Campaigns A and B of the module docstring, their aggregates computed."""
    responses = submit_hand_computed(survey)
    later = factories.CampaignFactory(
        slug="small-survey-later", title_en="Later survey", questionnaire__status=Questionnaire.Status.DRAFT
    )
    section = factories.SectionFactory(questionnaire=later.questionnaire, position=1, title_en="Only section")
    multi = factories.QuestionFactory(
        section=section, code="multi", type=Question.Type.MULTIPLE_CHOICE, position=1, label_en="Pick some"
    )
    factories.choices_create(multi, ["a", "b", "c", "d", "f"])
    single = factories.QuestionFactory(
        section=section, code="single", type=Question.Type.SINGLE_CHOICE, position=2, label_en="Yes or no"
    )
    factories.choices_create(single, ["yes", "no"])
    extra = factories.QuestionFactory(
        section=section, code="extra", type=Question.Type.MULTIPLE_CHOICE, position=3, label_en="New one"
    )
    factories.choices_create(extra, ["x", "y"])
    Questionnaire.objects.filter(pk=later.questionnaire_id).update(status=Questionnaire.Status.PUBLISHED)
    iscm = {acronym: responses[acronym].iscm for acronym in ("R1", "R2", "R3", "R4")}
    _submit(later, iscm["R1"], {"multi": ["a", "f"], "single": "no", "extra": ["x"]})
    _submit(later, iscm["R2"], {"multi": ["a", "b"], "single": "yes"})
    _submit(later, factories.IscmFactory(acronym="N1", region="Asia"), {"multi": ["b", "f"], "single": "yes"})
    factories.invite(later, iscm["R3"])
    for campaign in (survey.campaign, later):
        aggregates_recompute(campaign_id=campaign.pk, force=True)
    return survey.campaign, Campaign.objects.get(pk=later.pk)


def _csv_lines(rows) -> list[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


def _multi(data):
    return next(q for q in data["questions"] if q["code"] == "multi")


# --- Figures ------------------------------------------------------------------------------------------


def test_matched_questions_and_choices_by_code_with_hand_computed_figures(pair):
    data = comparison.campaign_comparison(list(pair))
    assert [q["code"] for q in data["questions"]] == ["multi", "single"]
    multi = _multi(data)
    assert [row["code"] for row in multi["rows"]] == ["a", "b", "f", "c", "d", "e"]
    b = multi["rows"][1]
    assert [(c["count"], c["base"], str(c["pct_1dp"]), c["rank"]) for c in b["cells"]] == [
        (2, 4, "50.0", 2),
        (2, 3, "66.7", 1),
    ]
    assert (str(b["delta_pct_points"]), b["rank_change"]) == ("16.7", 1)
    assert _csv_lines(comparison.comparison_csv_rows(data["questions"], 2)) == EXPECTED_CSV


def test_questions_of_one_campaign_only_are_named(pair):
    data = comparison.campaign_comparison(list(pair))
    assert [(q["code"], q["campaigns"]) for q in data["only_in"]] == [
        ("skipped", ["Test campaign"]),
        ("note", ["Test campaign"]),
        ("extra", ["Later survey"]),
    ]


def test_top_movers_are_named_in_a_sentence(pair):
    multi = _multi(comparison.campaign_comparison(list(pair)))
    assert [row["code"] for row in multi["movers_up"]] == ["b"]
    assert [row["code"] for row in multi["movers_down"]] == ["c", "d", "a"]
    assert comparison.movers_sentence(multi) == (
        "Largest rises: Choice b (+16.7 points). "
        "Largest falls: Choice c (−50.0 points), Choice d (−25.0 points), Choice a (−8.3 points)."
    )


def test_who_responded_to_both_and_response_rates(pair):
    data = comparison.campaign_comparison(list(pair))
    assert data["iscm_counts"] == {"all": 2, "only": [2, 1], "total": 5}
    assert [(i["acronym"], i["responded"]) for i in data["iscms"]] == [
        ("N1", [False, True]),
        ("R1", [True, True]),
        ("R2", [True, True]),
        ("R3", [True, False]),
        ("R4", [True, False]),
    ]
    assert [(r["invited"], r["responded"]) for r in data["rates"]["overall"]] == [(5, 4), (4, 3)]
    asia = next(row for row in data["rates"]["by_region"] if row["key"] == "Asia")
    assert asia["cells"][0] is None and asia["cells"][1]["responded"] == 1


def test_same_iscms_counts_only_those_that_responded_to_both(pair):
    data = comparison.campaign_comparison(list(pair), same_iscms=True)
    multi = _multi(data)
    by_code = {row["code"]: row for row in multi["rows"]}
    # A, R1 and R2 only: a 2, b 1, c 1 of 2; B: a 2, b 1, f 1 of 2
    assert [(c["count"], c["base"], c["rank"]) for c in by_code["a"]["cells"]] == [(2, 2, 1), (2, 2, 1)]
    assert [(c["count"], c["rank"]) for c in by_code["c"]["cells"]] == [(1, 2), (0, 4)]
    assert [(c["count"], c["rank"]) for c in by_code["b"]["cells"]] == [(1, 2), (1, 2)]
    assert str(by_code["c"]["delta_pct_points"]) == "-50.0"


def test_what_each_iscm_added_and_dropped(pair):
    campaigns = list(pair)
    shared = [i["id"] for i in comparison.respondents(campaigns) if i["in_all"]]
    changes = comparison.iscm_changes(campaigns, "multi", shared)
    assert [
        (i["acronym"], *([c["code"] for c in i[key]] for key in ("kept", "added", "dropped"))) for i in changes["iscms"]
    ] == [("R1", ["a"], ["f"], ["b"]), ("R2", ["a"], ["b"], ["c"])]
    assert comparison.iscm_changes(campaigns, "extra", shared) is None  # B only


def test_each_side_equals_the_campaigns_own_export(pair):
    data = comparison.campaign_comparison(list(pair))
    for side, campaign in enumerate(pair):
        out = io.StringIO()
        call_command("export_aggregates", campaign.slug, stdout=out)
        exported = {
            (row["question"], row["choice"]): row for row in csv.DictReader(io.StringIO(out.getvalue()))
        }
        compared = 0
        for question in data["questions"]:
            for row in question["rows"]:
                cell = row["cells"][side]
                if cell is None:
                    continue
                own = exported[(question["code"], row["code"])]
                assert (str(cell["count"]), str(cell["base"]), str(cell["rank"])) == (
                    own["count"],
                    own["base"],
                    own["rank"],
                )
                assert ("" if cell["pct_1dp"] is None else str(cell["pct_1dp"])) == own["pct_of_respondents"]
                compared += 1
        assert compared == {0: 7, 1: 7}[side]


def test_the_query_count_does_not_grow_with_the_campaigns(pair):
    campaigns = comparison.campaigns_of_slugs([campaign.slug for campaign in pair])
    comparison.campaign_comparison(campaigns)  # the questionnaire schemas cached, as in a running server
    with CaptureQueriesContext(connection) as small:
        comparison.campaign_comparison(campaigns)
    with CaptureQueriesContext(connection) as small_same:
        comparison.campaign_comparison(campaigns, same_iscms=True)
    for n in range(6):
        _submit(campaigns[1], factories.IscmFactory(acronym=f"X{n}"), {"multi": ["c", "d"], "single": "no"})
    aggregates_recompute(campaign_id=campaigns[1].pk, force=True)
    with CaptureQueriesContext(connection) as large:
        comparison.campaign_comparison(campaigns)
    with CaptureQueriesContext(connection) as large_same:
        comparison.campaign_comparison(campaigns, same_iscms=True)
    assert len(small) == len(large) <= 14
    assert len(small_same) == len(large_same) <= 12


# --- The command --------------------------------------------------------------------------------------


def test_compare_campaigns_writes_the_csv(pair, tmp_path):
    target = tmp_path / "comparison.csv"
    a, b = pair
    call_command("compare_campaigns", a.slug, b.slug, "-o", str(target), stderr=io.StringIO())
    assert target.read_text(encoding="utf-8").splitlines() == EXPECTED_CSV


def test_compare_campaigns_refuses_unknown_or_identical_campaigns(pair):
    a, _b = pair
    with pytest.raises(CommandError, match="No campaign"):
        call_command("compare_campaigns", a.slug, "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="different campaigns"):
        call_command("compare_campaigns", a.slug, a.slug, stdout=io.StringIO())


# --- The page -----------------------------------------------------------------------------------------


def _url(pair, name="analytics:compare", **kwargs):
    a, b = pair
    return reverse(name, kwargs=kwargs or None) + f"?a={a.slug}&b={b.slug}"


def test_the_page_shows_the_comparison_in_a_fixed_number_of_queries(pair, client, django_assert_max_num_queries):
    client.force_login(factories.coordinator_create())
    with django_assert_max_num_queries(23):
        page = client.get(_url(pair))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Largest rises: Choice b (+16.7 points)." in html
    assert "only in Later survey" in html
    assert 'id="chart-multi"' in html and 'id="same-iscms-link"' in html
    figure = page.context["figures"]["multi"]
    assert [trace["name"] for trace in figure["data"][1:]] == ["Test campaign", "Later survey"]
    assert figure["data"][2]["customdata"][0][0] == "a"


def test_observers_see_the_comparison_but_not_the_iscms(pair, client):
    client.force_login(factories.observer_create())
    page = client.get(_url(pair))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 ISCMs responded to every compared campaign." in html
    assert 'id="iscm-table"' not in html and 'id="same-iscms-link"' not in html
    assert client.get(_url(pair, "analytics:compare_same_iscms")).status_code == 403
    assert client.get(_url(pair, "analytics:compare_changes", question="multi")).status_code == 403
    assert client.get(_url(pair, "analytics:compare_csv", table="iscms")).status_code == 403


def test_observers_get_figures_of_small_groups_withheld_as_on_their_dashboards(pair, client):
    client.force_login(factories.observer_create())
    page = client.get(_url(pair) + "&region=Americas")  # R4 alone in A, nobody in B
    assert page.context["withheld"] and 'id="withheld"' in page.content.decode()
    assert client.get(_url(pair, "analytics:compare_csv", table="multi") + "&region=Americas").status_code == 403
    client.force_login(factories.coordinator_create())
    assert not client.get(_url(pair) + "&region=Americas").context["withheld"]


def test_csv_of_a_table(pair, client):
    client.force_login(factories.observer_create())
    response = client.get(_url(pair, "analytics:compare_csv", table="multi"))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines == EXPECTED_CSV[:7]
    response = client.get(_url(pair, "analytics:compare_csv", table="rates-type"))
    assert b"".join(response.streaming_content).decode().splitlines()[:2] == [
        "group,label,invited_a,responded_a,rate_a,invited_b,responded_b,rate_b",
        "RCP,Regional consultative process (RCP),4,3,75.0,3,3,100.0",
    ]


def test_the_coordinator_opens_what_each_iscm_added_and_dropped(pair, client):
    client.force_login(factories.coordinator_create())
    page = client.get(_url(pair, "analytics:compare_same_iscms"))
    assert page.status_code == 200 and "2 ISCMs that responded to every compared campaign" in page.content.decode()
    changes = client.get(_url(pair, "analytics:compare_changes", question="multi") + "&choice=f")
    html = changes.content.decode()
    # The page's text, not its markup: a random CSRF token or nonce may contain "R2".
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<script\b.*?</script>", " ", html, flags=re.S))
    assert "+ Choice f" in html and not re.search(r"\bR2\b", text)  # only R1 added or dropped f
    assert re.search(r"\bR1\b", text)


def test_a_wrong_pick_says_so(pair, client):
    client.force_login(factories.coordinator_create())
    a, _b = pair
    page = client.get(reverse("analytics:compare") + f"?a={a.slug}&b=nope")
    assert page.status_code == 200 and "No campaign with the slug nope." in page.content.decode()


# --- The demo -----------------------------------------------------------------------------------------


def test_the_2023_demo_against_a_campaign_with_known_answers(demo):
    """2023: Objective 23 10/13 (76.9%, rank 1), Objective 2 8/13 (61.5%, rank 2), Objective 5 7/13 (53.8%,
    rank 3, tied with 1 and 3). Later: 23 2/3, 1 1/3, 2 1/3, 5 1/3 → ranks 1, 2, 2, 2."""
    later = factories.CampaignFactory(slug="later-known", title_en="Later", questionnaire=demo.questionnaire)
    for acronym, picks in (("K1", ["23", "1"]), ("K2", ["23", "2"]), ("K3", ["5"])):
        _submit(later, factories.IscmFactory(acronym=acronym), {"respondent_name": "Known", "gcm_priorities": picks})
    aggregates_recompute(campaign_id=later.pk, force=True)
    data = comparison.campaign_comparison([demo, later])
    question = next(q for q in data["questions"] if q["code"] == "gcm_priorities")
    rows = {row["code"]: row for row in question["rows"]}
    assert [(c["count"], c["base"], str(c["pct_1dp"]), c["rank"]) for c in rows["23"]["cells"]] == [
        (10, 13, "76.9", 1),
        (2, 3, "66.7", 1),
    ]
    assert (str(rows["2"]["delta_pct_points"]), rows["2"]["rank_change"]) == ("-28.2", 0)
    assert (str(rows["5"]["delta_pct_points"]), rows["5"]["rank_change"]) == ("-20.5", 1)
    assert comparison.leader_sentence(question, demo.title) == (
        "Objective 23 – International cooperation and partnerships remains the most cited (76.9% → 66.7%)."
    )
    assert not data["only_in"]


def test_the_demo_has_a_closed_synthetic_campaign_labelled_so(demo, client):
    synthetic = Campaign.objects.get(slug="demo-cycle-2025-synthetic")
    assert synthetic.synthetic and "synthetic" in synthetic.title_en
    assert synthetic.questionnaire_id == demo.questionnaire_id and synthetic.status == Campaign.Status.CLOSED
    responded = Response.objects.filter(campaign=synthetic, status__in=Response.RESPONDED)
    assert responded.count() == 16
    assert Iscm.objects.filter(responses__in=responded).count() == 16
    call_command("load_demo", stdout=io.StringIO())  # idempotent: the same answers, nothing changes
    assert Response.objects.filter(campaign=synthetic).count() == 16
    client.force_login(factories.coordinator_create())
    assert 'id="synthetic-banner"' in client.get(reverse("analytics:dashboard", args=[synthetic.slug])).content.decode()
    assert 'id="synthetic-banner"' not in client.get(reverse("analytics:dashboard", args=[demo.slug])).content.decode()
    assert 'id="report-synthetic"' in client.get(reverse("analytics:report", args=[synthetic.slug])).content.decode()
    page = client.get(reverse("analytics:compare") + f"?a={demo.slug}&b={synthetic.slug}")
    assert 'id="synthetic-warning"' in page.content.decode()
    out = io.StringIO()
    call_command("compare_campaigns", demo.slug, synthetic.slug, stdout=out)
    gcm23 = next(line for line in out.getvalue().splitlines() if line.startswith("gcm_priorities,23,"))
    assert gcm23.split(",")[3:7] == ["10", "13", "76.9", "1"]


# --- The report: "Compared with <earlier campaign>" ------------------------------------------------------


@pytest.fixture
def earlier_pair(pair):
    a, b = pair
    Campaign.objects.filter(pk=a.pk).update(opens_at=b.opens_at - datetime.timedelta(days=30))
    return Campaign.objects.get(pk=a.pk), b


def test_the_coordinator_picks_the_earlier_campaign_of_the_report(earlier_pair, client):
    a, b = earlier_pair
    stale = ReportFile.objects.create(campaign=b, format="pdf", status=ReportFile.Status.READY)
    client.force_login(factories.coordinator_create())
    report_url = reverse("analytics:report", args=[b.slug])
    assert 'id="report-comparison-form"' in client.get(report_url).content.decode()
    response = client.post(reverse("analytics:report_compared_with", args=[b.slug]), {"earlier": a.slug})
    assert response.status_code == 302
    assert Campaign.objects.get(pk=b.pk).report_compared_with == a
    assert not ReportFile.objects.filter(pk=stale.pk).exists()  # made before the choice: made anew
    page = client.get(report_url)
    html = page.content.decode()
    assert "Compared with Test campaign" in html
    assert "Choice a remains the most cited (75.0% → 66.7%). Largest rises: Choice b (+16.7 points)." in html
    assert "compare-multi" in page.context["report"]["figures"]
    # a later campaign is not "earlier": refused, nothing changes
    client.post(reverse("analytics:report_compared_with", args=[a.slug]), {"earlier": b.slug})
    assert Campaign.objects.get(pk=a.pk).report_compared_with is None


def test_the_comparison_reaches_the_word_document_in_the_reports_languages(earlier_pair):
    a, b = earlier_pair
    report_comparison_set(campaign=b, earlier=a)
    b = Campaign.objects.select_related("questionnaire").get(pk=b.pk)
    with translation.override("fr"):
        report = report_compose(report_data(b))
        document = docx.Document(io.BytesIO(render_docx(report, {})))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Comparaison avec Test campaign" in text
    assert "Choice a reste le choix le plus cité (75,0% → 66,7%)." in text


def test_observers_cannot_pick_the_comparison(earlier_pair, client):
    a, b = earlier_pair
    client.force_login(factories.observer_create())
    response = client.post(reverse("analytics:report_compared_with", args=[b.slug]), {"earlier": a.slug})
    assert response.status_code == 403
    assert Campaign.objects.get(pk=b.pk).report_compared_with is None
