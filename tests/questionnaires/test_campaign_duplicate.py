"""Duplicate a campaign (issue 17 #9): the new-campaign form filled from another campaign, with the same
texts and invited ISCMs and its questionnaire in the newest published version; new name and dates."""

import pytest
from django.urls import reverse

from questionnaires.models import Campaign, Invitation, Questionnaire
from questionnaires.services import questionnaire_new_version
from tests import factories

pytestmark = pytest.mark.django_db


def test_duplicate_a_campaign_with_the_newer_questionnaire(client, coordinator, iscm, other_iscm):
    source = factories.CampaignFactory(slug="survey-2025", title_en="Survey 2025", title_fr="Enquête 2025")
    factories.invite(source, iscm, other_iscm)
    newer = questionnaire_new_version(questionnaire=source.questionnaire)
    newer.status = Questionnaire.Status.PUBLISHED
    newer.save()
    client.force_login(coordinator)

    tracker = client.get(reverse("questionnaires:campaign_detail", kwargs={"slug": source.slug})).content.decode()
    link = reverse("questionnaires:campaign_create") + "?from=survey-2025"
    assert f'href="{link}"' in tracker
    form = client.get(link)
    html = form.content.decode()
    assert 'data-copy-of="survey-2025"' in html
    assert form.context["form"].initial["questionnaire"] == newer.pk
    assert form.context["form"].initial["title_fr"] == "Enquête 2025"
    assert sorted(form.context["form"].initial["invited_iscms"]) == sorted([iscm.pk, other_iscm.pk])

    done = client.post(
        reverse("questionnaires:campaign_create"),
        {
            "slug": "survey-2026",
            "questionnaire": newer.pk,
            "title_en": "Survey 2025",
            "opens_at": "2030-01-01T09:00",
            "closes_at": "2030-02-01T09:00",
            "invited_iscms": form.context["form"].initial["invited_iscms"],
        },
    )
    assert done.status_code == 302
    copy = Campaign.objects.get(slug="survey-2026")
    assert copy.questionnaire == newer
    assert set(Invitation.objects.filter(campaign=copy).values_list("iscm__acronym", flat=True)) == {"MIDSA", "RCM"}
    assert Campaign.objects.get(slug="survey-2025").questionnaire == source.questionnaire  # untouched


def test_duplicate_keeps_the_questionnaire_when_there_is_no_newer_version(client, coordinator, iscm):
    source = factories.CampaignFactory(slug="survey-2025")
    factories.invite(source, iscm)
    questionnaire_new_version(questionnaire=source.questionnaire)  # a draft version: not offered
    client.force_login(coordinator)
    form = client.get(reverse("questionnaires:campaign_create") + "?from=survey-2025")
    assert form.context["form"].initial["questionnaire"] == source.questionnaire_id


def test_an_unknown_source_gives_an_empty_form(client, coordinator):
    client.force_login(coordinator)
    form = client.get(reverse("questionnaires:campaign_create") + "?from=nothing-here")
    assert form.status_code == 200 and "data-copy-of" not in form.content.decode()
