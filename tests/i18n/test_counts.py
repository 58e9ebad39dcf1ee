"""The same answers given in English and in Spanish count the same: answers are stored by choice code."""

import pytest
from django.utils import translation

from analytics.models import ChoiceAggregate
from analytics.services import aggregates_recompute
from questionnaires.models import Answer, AnswerChoice, Response
from questionnaires.services import response_get_or_create, response_submit
from tests import factories

CHOICE_ANSWERS = {
    "respondent_name": "Focal point",
    "sdg_contributes": ["3", "5", "8", "10", "16", "17"],
    "sdg_priority": ["8", "10", "17"],
    "gcm_contributes": ["1", "2", "7", "10", "23"],
    "gcm_review_plan": "yes",
    "gcm_review_format": ["regional_event", "written_input"],
    "gcm_priorities": ["2", "7", "23"],
}
FREE_TEXT = {
    "en": "Labour mobility and skills partnerships.",
    "es": "Movilidad laboral y alianzas para el desarrollo de aptitudes.",
}


def submit(campaign, iscm, user, language):
    with translation.override(language):  # the form was shown in this language
        return response_submit(
            response=response_get_or_create(campaign=campaign, iscm=iscm),
            user=user,
            answers={**CHOICE_ANSWERS, "hlpf_message": FREE_TEXT[language]},
            expected_version=None,
            language=translation.get_language(),
        ).response


def stored_choices(response):
    return sorted(AnswerChoice.objects.filter(response=response).values_list("question__code", "choice__code"))


def aggregates(campaign):
    return sorted(
        ChoiceAggregate.objects.filter(campaign=campaign).values_list(
            "question__code", "choice__code", "count", "base", "selections", "rank"
        )
    )


@pytest.fixture
def people(db):
    english, spanish = factories.IscmFactory(acronym="MIDSA"), factories.IscmFactory(acronym="RCM")
    return {
        "en": (english, factories.focal_point_create(english, username="fp-en@example.org")),
        "es": (spanish, factories.focal_point_create(spanish, username="fp-es@example.org")),
    }


def test_the_same_answers_in_english_and_in_spanish_give_the_same_counts(bundled_questionnaire, people):
    """One campaign answered in English, another in Spanish: identical stored choices and aggregates."""
    campaigns = {language: factories.CampaignFactory(questionnaire=bundled_questionnaire) for language in people}
    responses = {}
    for language, (iscm, user) in people.items():
        factories.invite(campaigns[language], iscm)
        responses[language] = submit(campaigns[language], iscm, user, language)
        aggregates_recompute(campaign_id=campaigns[language].pk, force=True)

    assert stored_choices(responses["en"]) == stored_choices(responses["es"])
    assert len(stored_choices(responses["es"])) == 6 + 3 + 5 + 1 + 2 + 3
    assert aggregates(campaigns["en"]) == aggregates(campaigns["es"])
    sdg_8 = next(row for row in aggregates(campaigns["es"]) if row[:2] == ("sdg_priority", "8"))
    assert sdg_8[2:] == (1, 1, 3, 1)  # count, base, selections, rank


def test_answers_in_both_languages_add_up_in_one_campaign(bundled_questionnaire, people):
    campaign = factories.CampaignFactory(questionnaire=bundled_questionnaire)
    for language, (iscm, user) in people.items():
        factories.invite(campaign, iscm)
        submit(campaign, iscm, user, language)

    aggregates_recompute(campaign_id=campaign.pk, force=True)

    counts = {(question, choice): (count, base) for question, choice, count, base, *_ in aggregates(campaign)}
    assert counts[("gcm_contributes", "23")] == (2, 2)
    assert counts[("gcm_review_plan", "yes")] == (2, 2)
    assert counts[("gcm_review_plan", "undecided")] == (0, 2)
    assert counts[("sdg_priority", "8")] == (2, 2)
    assert counts[("sdg_priority", "1")] == (0, 2)


def test_the_response_records_the_form_language_and_free_text_keeps_its_own(bundled_questionnaire, people):
    campaign = factories.CampaignFactory(questionnaire=bundled_questionnaire)
    saved = {}
    for language, (iscm, user) in people.items():
        factories.invite(campaign, iscm)
        saved[language] = submit(campaign, iscm, user, language)

    for language, response in saved.items():
        response.refresh_from_db()
        assert response.language == language
        assert response.status == Response.Status.SUBMITTED
        assert Answer.objects.get(response=response, question__code="hlpf_message").text == FREE_TEXT[language]
