"""Invitations of focal points: the e-mail, the one-time link to choose a password, re-sending."""

import datetime
import re
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from questionnaires import tasks_emails
from questionnaires.models import Membership
from questionnaires.services_campaigns import focal_point_invite
from tests import factories

NEW_PASSWORD = "Migration-Dialogue-2025"
INVALID_TEXT = "This invitation link has expired or was already used — ask the coordinator to send a new one."


def invite(client, coordinator, iscm, email, capture):
    client.force_login(coordinator)
    with capture(execute=True):
        response = client.post(
            reverse("questionnaires:iscm_focal_points", args=[iscm.acronym]), {"email": email}
        )
    client.logout()
    assert response.status_code == 302
    return response


def link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/invitation/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_invitation_email_and_link_work_once(
    client, coordinator, iscm, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, iscm, "amina@example.org", django_capture_on_commit_callbacks)
    message = mailoutbox[0]
    assert message.to == ["amina@example.org"]
    assert "MIDSA" in message.subject
    assert "Migration Dialogue for Southern Africa" in message.body
    link = link_in(message)

    # The token moves into the session and out of the address (as in Django's password reset).
    response = client.get(link)
    assert response.status_code == 302 and response.url.endswith("/set-password/")
    form_page = client.get(response.url)
    assert form_page.status_code == 200
    assert "Choose a password for your account" in form_page.content.decode()
    assert "amina@example.org" in form_page.content.decode()

    response = client.post(response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    user = get_user_model().objects.get(username="amina@example.org")
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk  # logged in

    # The same link a second time: a clear page, and the password is not changed again.
    client.logout()
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert INVALID_TEXT in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # and they log in with it
    response = client.post(reverse("login"), {"username": "amina@example.org", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_weak_password_is_refused_and_link_still_works(
    client, coordinator, iscm, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, iscm, "amina@example.org", django_capture_on_commit_callbacks)
    set_password_url = client.get(link_in(mailoutbox[0])).url
    response = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not get_user_model().objects.get(username="amina@example.org").has_usable_password()


def test_expired_link_shows_the_clear_page(
    client, coordinator, iscm, mailoutbox, settings, django_capture_on_commit_callbacks
):
    invite(client, coordinator, iscm, "amina@example.org", django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 60
    )
    with time_machine.travel(later):
        response = client.get(link, follow=True)
    assert INVALID_TEXT in response.content.decode()
    assert not get_user_model().objects.get(username="amina@example.org").has_usable_password()


def test_tampered_link_shows_the_clear_page(client, db):
    response = client.get(reverse("questionnaires:invitation_accept", args=["MQ", "abc-123"]))
    assert response.status_code == 200
    assert INVALID_TEXT in response.content.decode()


def test_resend_gives_a_working_link(
    client, coordinator, iscm, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, iscm, "amina@example.org", django_capture_on_commit_callbacks)
    user = get_user_model().objects.get(username="amina@example.org")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("questionnaires:iscm_focal_point_resend", args=[iscm.acronym, user.pk]), follow=True
        )
    assert "The invitation to amina@example.org was sent again." in response.content.decode()
    assert len(mailoutbox) == 2
    client.logout()
    set_password_url = client.get(link_in(mailoutbox[1])).url
    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    # once used, the first e-mail's link is dead too
    client.logout()
    assert INVALID_TEXT in client.get(link_in(mailoutbox[0]), follow=True).content.decode()


def test_inviting_a_pending_focal_point_again_resends(
    client, coordinator, iscm, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, iscm, "amina@example.org", django_capture_on_commit_callbacks)
    invite(client, coordinator, iscm, "AMINA@example.org", django_capture_on_commit_callbacks)
    assert Membership.objects.filter(iscm=iscm).count() == 1
    assert get_user_model().objects.filter(email__iexact="amina@example.org").count() == 1
    assert len(mailoutbox) == 2


def test_existing_account_gets_a_notice_not_a_password_link(
    client, coordinator, iscm, other_iscm, other_focal_point, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, coordinator, iscm, other_focal_point.email, django_capture_on_commit_callbacks)
    assert Membership.objects.filter(iscm=iscm, user=other_focal_point).exists()
    body = mailoutbox[0].body
    assert "/accounts/invitation/" not in body
    assert "You already have an account" in body
    other_focal_point.refresh_from_db()
    assert other_focal_point.check_password("correct-horse-battery")


def test_broker_down_the_invitation_is_still_recorded(
    coordinator, iscm, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks_emails.invitation_send, "apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = focal_point_invite(iscm=iscm, email="amina@example.org", invited_by=coordinator)
    assert result.created_user and result.created_membership
    assert Membership.objects.filter(iscm=iscm, user__username="amina@example.org").exists()
    assert mailoutbox == []
    assert "task not enqueued: broker unreachable" in caplog.text


def test_invitation_task_skips_people_removed_meanwhile(coordinator, iscm, mailoutbox):
    user = factories.UserFactory(username="gone@example.org")
    assert tasks_emails.invitation_send(user.pk, iscm.pk, coordinator.pk) is False
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["observer", "focal_point"])
def test_only_coordinators_invite(client, request, who, iscm, mailoutbox):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("questionnaires:iscm_focal_points", args=[iscm.acronym]), {"email": "x@example.org"}
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="x@example.org").exists()
    assert mailoutbox == []
