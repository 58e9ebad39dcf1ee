"""The bundled 2023 survey reproduces the figures of the seed report, and loading it is idempotent."""

import io

from django.core.management import call_command
from django.db.models import Count

from questionnaires.models import AnswerChoice, Campaign, Iscm, Questionnaire, Response
from questionnaires.publish_check import publish_problems
from questionnaires.schema import questionnaire_schema
from tests.questionnaires.demo_figures import OTHER_CHOICES_AT_MOST, QUESTION_BASES, SEED_FIGURES

RESPONDED = ("submitted", "returned", "validated")


def counts(campaign, code):
    rows = (
        AnswerChoice.objects.filter(response__campaign=campaign, response__status__in=RESPONDED, question__code=code)
        .values("choice__code")
        .annotate(n=Count("response", distinct=True))
    )
    return {row["choice__code"]: row["n"] for row in rows}


def test_demo_reproduces_the_seed_figures(demo):
    assert demo.invitations.count() == 24
    responded = Response.objects.filter(campaign=demo, status__in=RESPONDED)
    assert responded.count() == 14
    assert set(responded.values_list("iscm__acronym", flat=True)) == {
        "ARCP", "Budapest Process", "GFMD", "RIAM", "Quito Process", "MIDCOM", "MIDSA", "MIDWA", "ADD",
        "OACPS-EU MD", "Prague Process", "RMFM", "RCM", "SACM",
    }  # fmt: skip
    for code, expected in SEED_FIGURES.items():
        if code == "bases":
            continue
        found = counts(demo, code)
        for choice, count in expected.items():
            assert found.get(choice, 0) == count, (code, choice)
        others = [n for choice, n in found.items() if choice not in expected]
        assert max(others, default=0) <= OTHER_CHOICES_AT_MOST.get(code, 10**6), code
    for code, base in QUESTION_BASES.items():
        answered = (
            AnswerChoice.objects.filter(response__in=responded, question__code=code).values("response").distinct()
        )
        assert answered.count() == base, code
    assert len(counts(demo, "sdg_contributes")) == 17
    assert sum(counts(demo, "gcm_review_format").values()) == 31
    picks = (
        AnswerChoice.objects.filter(response__in=responded, question__code__in=["gcm_priorities", "sdg_priority"])
        .values("response", "question")
        .annotate(n=Count("id"))
    )
    assert max(row["n"] for row in picks) <= 5


def test_demo_accounts_and_open_followup(demo):
    followup = Campaign.objects.get(slug="iscm-followup-open")
    assert followup.is_open
    assert followup.invitations.count() == 24
    assert Response.objects.filter(campaign=followup, status="submitted").exists()
    assert Response.objects.filter(campaign=followup, status="draft").exists()
    midsa = Iscm.objects.get(acronym="MIDSA")
    assert midsa.members.filter(username="fp-midsa@example.org").exists()
    for acronym, email in [
        ("Budapest Process", "fp-budapest-process@example.org"),
        ("OACPS-EU MD", "fp-oacps-eu-md@example.org"),
    ]:
        assert Iscm.objects.get(acronym=acronym).members.filter(username=email).exists()


def dump():
    out = io.StringIO()
    call_command("dumpdata", "questionnaires", "analytics", "auth", stdout=out)
    return out.getvalue()


def test_load_demo_twice_gives_the_same_database(demo):
    first = dump()
    call_command("load_demo", stdout=io.StringIO())
    assert dump() == first


def test_the_2023_history_carries_the_survey_dates(demo, client):
    """Issue 17 #14: the closed 2023 tracker shows the survey's April–May 2023 activity, not the load time."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from questionnaires.models import ResponseEvent

    window = (datetime.datetime(2023, 4, 1, tzinfo=datetime.UTC), datetime.datetime(2023, 6, 1, tzinfo=datetime.UTC))
    responses = Response.objects.filter(campaign=demo)
    assert responses.count() == 17
    for response in responses:
        assert window[0] <= response.updated_at < window[1], response
    assert not ResponseEvent.objects.filter(response__campaign=demo).exclude(at__range=window).exists()
    client.force_login(get_user_model().objects.get(username="coordinator@example.org"))
    page = client.get(reverse("questionnaires:campaign_detail", kwargs={"slug": demo.slug})).content.decode()
    tracker = page.split('id="tracker"')[1].split("</table>")[0]
    assert "May 2023" in tracker and "April 2023" in tracker
    today = datetime.datetime.now(tz=datetime.UTC)
    assert f"{today.day} {today:%B %Y}" not in tracker


def test_the_2025_draft_asks_for_practices_as_lists_and_is_ready_to_publish(demo):
    """Its three practice questions are lists of practices (title, description, year, GCM objectives,
    SDGs, link) in four languages, and the publish check finds nothing to fix."""
    draft = Questionnaire.objects.get(slug="iscm-contributions", version=2)
    schema = questionnaire_schema(draft)
    roles = ["title", "description", "year", "gcm", "sdg", "link"]
    for code in ("sdg_practices", "climate_practices", "gcm_practices"):
        practices = schema.question(code)
        assert (practices.type, practices.max_items) == ("list_of_items", 10)
        assert [field.practice_role for field in practices.items] == roles
        assert all(set(field.labels) == {"en", "fr", "es", "ar"} for field in practices.items)
    assert publish_problems(draft) == []
