"""Security events on the `iscm.security` logger: failed logins, lockouts, denials, exports, imports,
role changes, deactivations; each with the user, the ISCM where there is one, and the time (the
record's own); never an answer or a password, in any logger."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from iscm_survey.logging import JsonFormatter
from questionnaires.models import Membership, Response
from questionnaires.roles import COORDINATOR, OBSERVER
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.DEBUG)

    def events(name: str | None = None) -> list[logging.LogRecord]:
        return [
            record
            for record in caplog.records
            if record.name == "iscm.security" and (name is None or getattr(record, "event", None) == name)
        ]

    return events


@pytest.fixture
def survey(iscm, other_iscm):
    return survey_create(iscms=[iscm, other_iscm])


def test_a_failed_login_is_logged_with_the_username_and_address_not_the_password(focal_point, iscm, security_log):
    Client().post(
        reverse("login"), {"username": focal_point.username, "password": "Sup3r-Secret"}, REMOTE_ADDR="10.1.1.1"
    )
    Client().post(
        reverse("login"), {"username": "nobody@example.org", "password": "Sup3r-Secret"}, REMOTE_ADDR="10.1.1.2"
    )
    known, unknown = security_log("login_failed")
    assert (known.username, known.user, known.iscms, known.ip) == (
        focal_point.username,
        focal_point.pk,
        ["MIDSA"],
        "10.1.1.1",
    )
    assert (unknown.username, unknown.user, unknown.ip) == ("nobody@example.org", None, "10.1.1.2")
    assert known.levelno == logging.WARNING and known.created > 0


def test_logins_logouts_and_lockouts_are_logged(focal_point, security_log, settings):
    client = Client()
    client.post(reverse("login"), {"username": focal_point.username, "password": PASSWORD}, REMOTE_ADDR="10.1.1.3")
    client.post(reverse("logout"))
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            reverse("login"), {"username": focal_point.username, "password": f"x{attempt}"}, REMOTE_ADDR="10.1.1.4"
        )
    (login,) = security_log("login")
    assert login.user == focal_point.pk and login.iscms == ["MIDSA"] and login.ip == "10.1.1.3"
    assert security_log("logout")[0].user == focal_point.pk
    (lockout,) = security_log("login_locked_out")
    assert lockout.username == focal_point.username and lockout.ip == "10.1.1.4" and lockout.levelno == logging.WARNING


def test_denials_are_logged_with_the_user_their_iscms_and_the_target(
    client, focal_point, observer, survey, other_iscm, security_log
):
    client.force_login(focal_point)
    url = reverse("questionnaires:respond", kwargs={"slug": survey.campaign.slug, "acronym": other_iscm.acronym})
    assert client.get(url).status_code == 404
    client.force_login(observer)
    assert client.get(reverse("analytics:texts", kwargs={"slug": survey.campaign.slug})).status_code == 403
    not_found, forbidden = security_log("access_denied")
    assert (not_found.status, not_found.user, not_found.iscms) == (404, focal_point.pk, ["MIDSA"])
    assert (not_found.target_iscm, not_found.campaign, not_found.view) == (
        other_iscm.acronym,
        survey.campaign.slug,
        "questionnaires:respond",
    )
    assert (forbidden.status, forbidden.user, forbidden.view) == (403, observer.pk, "analytics:texts")


def test_anonymous_visitors_sent_to_the_login_page_are_not_denials(client, survey, security_log):
    client.get(reverse("analytics:dashboard", kwargs={"slug": survey.campaign.slug}))
    assert security_log("access_denied") == []


def test_exports_and_imports_are_logged(client, coordinator, survey, iscm, focal_point, security_log):
    from questionnaires import services

    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    client.force_login(coordinator)
    download = client.get(reverse("questionnaires:export_responses", kwargs={"slug": survey.campaign.slug}))
    content = b"".join(download.streaming_content)
    client.post(
        reverse("questionnaires:import_responses", kwargs={"slug": survey.campaign.slug}),
        {"file": _upload(content)},
    )
    (export,) = security_log("csv_export")
    assert (export.user, export.campaign, export.rows, export.complete) == (
        coordinator.pk,
        survey.campaign.slug,
        1,
        True,
    )
    (imported,) = security_log("csv_import")
    assert (imported.user, imported.campaign, imported.rows) == (coordinator.pk, survey.campaign.slug, 1)


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("responses.csv", content, content_type="text/csv")


def test_role_changes_are_logged(focal_point, coordinator, security_log):
    coordinators = Group.objects.get(name=COORDINATOR)
    focal_point.groups.add(coordinators)
    Group.objects.get(name=OBSERVER).user_set.add(focal_point)
    focal_point.groups.remove(coordinators)
    focal_point.groups.clear()
    focal_point.is_staff = True
    focal_point.save()
    changes = [(r.change, getattr(r, "group", None), r.user) for r in security_log("role_changed")]
    assert changes == [
        ("group_added", COORDINATOR, focal_point.pk),
        ("group_added", OBSERVER, focal_point.pk),
        ("group_removed", COORDINATOR, focal_point.pk),
        ("groups_cleared", OBSERVER, focal_point.pk),
        ("is_staff_set", None, focal_point.pk),
    ]


def test_focal_point_changes_by_the_coordinator_are_logged_with_who_did_them(client, coordinator, iscm, security_log):
    client.force_login(coordinator)
    client.post(
        reverse("questionnaires:iscm_focal_points", kwargs={"acronym": iscm.acronym}), {"email": "new@example.org"}
    )
    newcomer = Membership.objects.get(iscm=iscm).user
    client.post(
        reverse("questionnaires:iscm_focal_point_remove", kwargs={"acronym": iscm.acronym, "user_id": newcomer.pk})
    )
    (added,) = security_log("membership_added")
    (removed,) = security_log("membership_removed")
    assert (added.user, added.iscm, added.by) == (newcomer.pk, "MIDSA", coordinator.pk)
    assert (removed.user, removed.iscm, removed.by) == (newcomer.pk, "MIDSA", coordinator.pk)


def test_no_log_record_holds_a_password_or_an_answer(caplog, survey, iscm, focal_point, coordinator):
    """A day of activity, every logger at DEBUG: the passwords and the answers never reach a log line."""
    caplog.set_level(logging.DEBUG)
    secret_password = "Sup3r-Secret-Pw!"
    new_password = "An0ther-Secret-Pw!"
    answer = "Confidential answer text 4711"
    fp = Client()
    fp.post(reverse("login"), {"username": focal_point.username, "password": secret_password})
    fp.post(reverse("login"), {"username": focal_point.username, "password": PASSWORD})
    fp.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    form = reverse("questionnaires:respond", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym})
    fp.post(form, {**complete_answers(notes=answer, name=answer), "version": 0, "action": "submit"})
    version = Response.objects.get(campaign=survey.campaign, iscm=iscm).version
    review = reverse("questionnaires:respond_review", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym})
    fp.post(review, {"version": version})
    assert Response.objects.get(campaign=survey.campaign, iscm=iscm).status == Response.Status.SUBMITTED

    staff = Client()
    staff.force_login(coordinator)
    exported = staff.get(reverse("questionnaires:export_responses", kwargs={"slug": survey.campaign.slug}))
    content = b"".join(exported.streaming_content)
    assert answer.encode() in content
    staff.post(
        reverse("questionnaires:import_responses", kwargs={"slug": survey.campaign.slug}),
        {"file": _upload(content.replace(answer.encode(), b"Changed " + answer.encode()))},
    )
    staff.get(reverse("analytics:texts", kwargs={"slug": survey.campaign.slug}) + "?q=Confidential")
    focal_point.refresh_from_db()
    focal_point.is_active = False
    focal_point.save()

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any('"iscm.security"' in line for line in lines)
    for line in lines:
        for secret in (secret_password, new_password, PASSWORD, answer, "Confidential"):
            assert secret not in line, f"{secret!r} in a log line: {line[:300]}"


def test_the_security_receivers_are_connected_by_the_app():
    """questionnaires/apps.py ready() imports questionnaires.security (the tests import it too; this
    checks the app does without them, in a fresh process)."""
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import django; django.setup(); "
        "from django.contrib.auth.signals import user_login_failed as s; "
        "print(any('security_login_failed' in str(key) for key, *_ in s.receivers))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "True", (
        "add `from . import security` to QuestionnairesConfig.ready()"
    )
