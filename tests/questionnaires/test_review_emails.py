"""The focal points learn the coordinator's review by e-mail (issue 17 #5): a return for revision and a
validation each send one message to every active focal point of the ISCM, in their own language,
with the coordinator's comment and a link."""

import pytest
from django.urls import reverse

from questionnaires import services
from questionnaires.models import Profile
from tests import factories
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(iscm, focal_point):
    survey = survey_create(iscms=[iscm])
    second = factories.focal_point_create(iscm, username="fp2-test@example.org")
    Profile.objects.update_or_create(user=second, defaults={"language": "fr"})
    gone = factories.focal_point_create(iscm, username="gone-test@example.org")
    gone.is_active = False
    gone.save()
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    response.refresh_from_db()
    return survey, response


def test_a_return_e_mails_the_comment_to_each_focal_point_in_their_language(
    client, coordinator, submitted, iscm, mailoutbox, django_capture_on_commit_callbacks
):
    survey, response = submitted
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(
                "questionnaires:coordinator_response_return", kwargs={"slug": survey.campaign.slug, "acronym": "MIDSA"}
            ),
            {"comment": "Please add the GCM objectives."},
        )
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"fp-test@example.org", "fp2-test@example.org"}
    english = by_address["fp-test@example.org"]
    assert english.subject.startswith("Returned for revision: response of MIDSA")
    assert "Please add the GCM objectives." in english.body
    assert f"/campaigns/{survey.campaign.slug}/respond/MIDSA/" in english.body
    french = by_address["fp2-test@example.org"]
    assert "Please add the GCM objectives." in french.body
    assert french.subject.startswith("Renvoyée pour révision")  # translated


def test_a_validation_e_mails_the_focal_points_with_the_optional_comment(
    client, coordinator, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    survey, response = submitted
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(
                "questionnaires:coordinator_response_validate",
                kwargs={"slug": survey.campaign.slug, "acronym": "MIDSA"},
            ),
            {"comment": "Thank you, very complete."},
        )
    assert len(mailoutbox) == 2
    message = next(m for m in mailoutbox if m.to == ["fp-test@example.org"])
    assert message.subject.startswith("Validated: response of MIDSA")
    assert "Thank you, very complete." in message.body
    assert f"/campaigns/{survey.campaign.slug}/respond/MIDSA/submitted/" in message.body  # the focal point's copy
