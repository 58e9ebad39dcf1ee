"""Authentication and sessions (ASVS V6/V7): login throttling, session rotation and end, deactivation,
idle timeout, cookie flags in production, password rules and a password reset that tells nothing.

Logins go through the login view with the test client (django-axes needs the request; REMOTE_ADDR
is the address it counts failures for).
"""

from __future__ import annotations

import datetime
import logging
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from questionnaires.models import Membership
from tests import factories

from .conftest import production_settings_json

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories.py
LOGIN = "/accounts/login/"


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def authenticated(client: Client) -> bool:
    """Does the client's cookie still open a page that needs a login?"""
    page = client.get(reverse("home"))
    return page.status_code == 200


# --- Login throttling -------------------------------------------------------------------------------


def test_five_failures_lock_the_user_from_that_address_with_a_clear_message(client, focal_point, caplog):
    caplog.set_level(logging.INFO, logger="iscm.security")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        page = login(client, focal_point.username, f"wrong-{attempt}")
        assert page.status_code == 200, attempt
        assert "password didn't match" in page.content.decode()
    locked = login(client, focal_point.username, "wrong-5")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()

    # Locked: even the right password is refused from that address.
    again = login(Client(), focal_point.username, PASSWORD)
    assert again.status_code == 429 and "_auth_user_id" not in again.client.session

    # Another address, or another user from the same address: unaffected.
    assert login(Client(), focal_point.username, PASSWORD, ip="10.0.0.2").status_code == 302
    colleague = factories.UserFactory(username="colleague@example.org")
    assert login(Client(), colleague.username, PASSWORD).status_code == 302

    events = [record.event for record in caplog.records if record.name == "iscm.security"]
    assert events.count("login_failed") >= settings.AXES_FAILURE_LIMIT
    lockouts = [r for r in caplog.records if getattr(r, "event", None) == "login_locked_out"]
    assert lockouts and lockouts[0].username == focal_point.username and lockouts[0].ip == "10.0.0.1"
    assert all("wrong-" not in record.getMessage() + str(vars(record)) for record in caplog.records)


def test_a_success_before_the_limit_resets_the_count(client, focal_point):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, focal_point.username, f"wrong-{attempt}")
    assert login(Client(), focal_point.username, PASSWORD).status_code == 302
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(Client(), focal_point.username, f"wrong-{attempt}").status_code == 200


def test_the_lockout_settings_are_the_promised_ones():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME and settings.AXES_RESET_ON_SUCCESS
    assert "axes.middleware.AxesMiddleware" in settings.MIDDLEWARE
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


# --- Sessions ----------------------------------------------------------------------------------------


def test_the_session_key_changes_at_login(client, focal_point):
    session = client.session  # an anonymous session with its cookie
    session["before_login"] = True
    session.save()
    anonymous_key = session.session_key
    assert login(client, focal_point.username, PASSWORD).status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()


def test_logout_ends_the_session(client, focal_point):
    login(client, focal_point.username, PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert authenticated(client)
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, kept by an attacker
    assert not authenticated(replay)


def test_deactivating_a_user_ends_their_live_sessions(focal_point, other_focal_point, caplog):
    caplog.set_level(logging.INFO, logger="iscm.security")
    laptop, phone, other = Client(), Client(), Client()
    login(laptop, focal_point.username, PASSWORD)
    login(phone, focal_point.username, PASSWORD, ip="10.0.0.9")
    login(other, other_focal_point.username, PASSWORD)
    keys = [laptop.cookies[settings.SESSION_COOKIE_NAME].value, phone.cookies[settings.SESSION_COOKIE_NAME].value]
    assert authenticated(laptop) and authenticated(phone)

    focal_point.is_active = False
    focal_point.save()

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not authenticated(laptop) and not authenticated(phone)
    assert authenticated(other)  # someone else's session lives on
    record = next(r for r in caplog.records if getattr(r, "event", None) == "user_deactivated")
    assert record.user == focal_point.pk and record.sessions_ended == 2

    # Re-activated later, the account does not get its old sessions back.
    focal_point.is_active = True
    focal_point.save()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = keys[0]
    assert not authenticated(replay)


def test_saves_that_do_not_deactivate_keep_the_sessions(client, focal_point):
    login(client, focal_point.username, PASSWORD)
    focal_point.first_name = "Ana"
    focal_point.save()
    focal_point.save(update_fields=["last_login"])
    assert authenticated(client)


def test_the_session_expires_after_the_idle_timeout(client, focal_point):
    login(client, focal_point.username, PASSWORD)
    start = datetime.datetime.now(tz=datetime.UTC)
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(start + idle / 2):
        assert authenticated(client)  # activity renews the session (SessionRenewalMiddleware)
    with time_machine.travel(start + idle / 2 + idle - datetime.timedelta(minutes=1)):
        assert authenticated(client)
    with time_machine.travel(start + idle / 2 + 2 * idle + datetime.timedelta(minutes=1)):
        assert not authenticated(client)


def test_the_session_is_written_at_most_once_a_minute_while_in_use(client, focal_point):
    """Each renewal is a database write: the pages of one submission (a few seconds) write it once."""
    login(client, focal_point.username, PASSWORD)
    session = Session.objects.get()
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start + datetime.timedelta(seconds=30)):
        page = client.get(reverse("home"))
        assert page.status_code == 200 and settings.SESSION_COOKIE_NAME not in page.cookies
    assert Session.objects.get().expire_date == session.expire_date
    with time_machine.travel(start + datetime.timedelta(seconds=settings.SESSION_RENEW_SECONDS + 5)):
        page = client.get(reverse("home"))
        assert int(page.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.SESSION_COOKIE_AGE
    assert Session.objects.get().expire_date > session.expire_date


def test_session_and_cookie_settings_in_production():
    values = production_settings_json()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600  # the default idle timeout: 8 hours
    assert values["SESSION_SAVE_EVERY_REQUEST"] is False  # SessionRenewalMiddleware renews it
    assert "iscm_survey.middleware.SessionRenewalMiddleware" in settings.MIDDLEWARE
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert values["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production_settings_json(SESSION_IDLE_TIMEOUT_SECONDS="900")["SESSION_COOKIE_AGE"] == 900


def test_the_session_cookie_carries_the_production_flags(client, focal_point, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    page = client.post(
        LOGIN, {"username": focal_point.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1", secure=True
    )
    assert page.status_code == 302
    cookie = page.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE


# --- Passwords -----------------------------------------------------------------------------------------

WEAK = ["password", "12345678901", "short", "fp-test@example.org"]


def test_password_validators_are_on():
    names = [validator["NAME"].rsplit(".", 1)[-1] for validator in settings.AUTH_PASSWORD_VALIDATORS]
    assert {"MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"} <= set(names)
    assert "UserAttributeSimilarityValidator" in names


@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_password_is_refused_on_password_change(client, focal_point, weak):
    client.force_login(focal_point)
    page = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
    )
    assert page.status_code == 200 and "invalid-feedback" in page.content.decode()
    focal_point.refresh_from_db()
    assert focal_point.check_password(PASSWORD)


def _invitation_form_url(client: Client, user) -> str:
    link = reverse(
        "questionnaires:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    page = client.get(link)
    assert page.status_code == 302  # Django moves the token out of the URL, into the session
    return page.url


@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_password_is_refused_on_invitation_accept(client, iscm, weak):
    invited = factories.UserFactory(username="fp-test@example.org")
    invited.set_unusable_password()
    invited.save()
    Membership.objects.create(user=invited, iscm=iscm)
    form_url = _invitation_form_url(client, invited)
    page = client.post(form_url, {"new_password1": weak, "new_password2": weak})
    assert page.status_code == 200 and "invalid-feedback" in page.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()
    strong = client.post(
        form_url, {"new_password1": "Blue-Harbour-Lantern-42", "new_password2": "Blue-Harbour-Lantern-42"}
    )
    assert strong.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password("Blue-Harbour-Lantern-42")


def _page_without_tokens(page) -> str:
    text = page.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'nonce="[^"]+"', "", text)


def test_password_reset_does_not_reveal_whether_an_address_has_an_account(focal_point):
    answers = {}
    for email in (focal_point.email, "nobody-here@example.org"):
        client = Client()
        mail.outbox.clear()
        page = client.post(reverse("password_reset"), {"email": email})
        answers[email] = (page.status_code, page.url, len(mail.outbox))
        done = client.get(page.url)
        answers[email] += (done.status_code, _page_without_tokens(done))
    known, unknown = answers[focal_point.email], answers["nobody-here@example.org"]
    assert known[:2] == unknown[:2] == (302, reverse("password_reset_done"))
    assert known[3:] == unknown[3:]  # the same page, word for word
    assert known[2] == 1 and unknown[2] == 0  # an e-mail only to the account's address


def test_permissions_come_from_the_user_and_their_groups_in_one_query(observer, django_assert_num_queries):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from questionnaires.roles import OBSERVER
    from questionnaires.selectors import PERM_MANAGE, PERM_VIEW_DASHBOARDS

    app_label, codename = PERM_MANAGE.split(".")
    observer.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user = get_user_model().objects.get(pk=observer.pk)  # no permission cached yet
    with django_assert_num_queries(1):
        assert user.has_perm(PERM_MANAGE)  # given to the user
        assert user.has_perm(PERM_VIEW_DASHBOARDS)  # from the observers' group
    Group.objects.get(name=OBSERVER).user_set.remove(observer)
    user = get_user_model().objects.get(pk=observer.pk)
    assert user.has_perm(PERM_MANAGE) and not user.has_perm(PERM_VIEW_DASHBOARDS)
