"""The hardening findings of issue 18, each as a user or an operator would notice it: lockouts behind a
proxy, logins whatever the case of the e-mail, bodies refused before they are spooled, e-mail subjects,
no cached answers after logout."""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from questionnaires.models import Iscm
from tests import factories

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture
def focal_point(db):
    iscm = factories.IscmFactory(acronym="ARCP")
    user = factories.focal_point_create(iscm, username="fp-arcp@example.org")
    user.set_password("Correct-horse-9")
    user.save()
    return user


def _login(client: Client, username: str, password: str, *, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- 3. Lockouts behind a proxy --------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def security_records():
    handler = _Records()
    logger = logging.getLogger("iscm.security")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_behind_one_proxy_a_lockout_keys_on_the_client_not_the_proxy(settings, focal_point, security_records):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, "fp-arcp@example.org", "wrong", forwarded="203.0.113.5")
    assert _login(attacker, "fp-arcp@example.org", "Correct-horse-9", forwarded="203.0.113.5").status_code == 429
    # the focal point, from another address behind the same proxy, still logs in
    response = _login(Client(), "fp-arcp@example.org", "Correct-horse-9", forwarded="198.51.100.7")
    assert response.status_code == 302
    failed = [r for r in security_records if getattr(r, "event", "") == "login_failed"]
    assert failed and {r.ip for r in failed} == {"203.0.113.5"}
    # what the client writes itself, left of the proxy's entry, is not believed
    spoofed = Client()
    assert (
        _login(spoofed, "fp-arcp@example.org", "Correct-horse-9", forwarded="198.51.100.7, 203.0.113.5").status_code
        == 429
    )


def test_without_a_proxy_the_forwarded_header_is_ignored(settings, focal_point):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    for index in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "fp-arcp@example.org", "wrong", forwarded=f"203.0.113.{index}")
    assert _login(client, "fp-arcp@example.org", "Correct-horse-9", forwarded="198.51.100.7").status_code == 429


# --- 5. Logins whatever the case ------------------------------------------------------------------


def test_the_email_logs_in_whatever_its_case_and_locks_out_the_same_way(settings, focal_point, security_records):
    assert _login(Client(), "FP-ARCP@EXAMPLE.ORG", "Correct-horse-9").status_code == 302
    assert _login(Client(), "FP-ARCP@EXAMPLE.ORG", "correct-horse-9").status_code == 200  # the password is not
    failed = [r for r in security_records if getattr(r, "event", "") == "login_failed"]
    assert [r.user for r in failed] == [focal_point.pk]  # the log names the account too
    client = Client()
    for index in range(settings.AXES_FAILURE_LIMIT):
        name = "FP-ARCP@example.org" if index % 2 else "fp-arcp@EXAMPLE.org"
        _login(client, name, "wrong")
    assert _login(client, "fp-arcp@example.org", "Correct-horse-9").status_code == 429


# --- 4. Request bodies ------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_on_its_content_length_before_it_is_read(settings, client):
    settings.MAX_REQUEST_BYTES = 1000
    # the declared length is enough: the body itself is never read
    response = client.generic(
        "POST",
        reverse("password_reset"),
        b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413 and "larger than 1 MB" in response.content.decode()
    response = client.generic(
        "POST",
        reverse("login"),
        b"username=a",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411


def test_file_parts_are_refused_except_on_the_import(settings, client, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # any file part would be spooled to tmp_path
    upload = SimpleUploadedFile("big.bin", b"\0" * 50_000)
    response = client.post(reverse("password_reset"), {"email": "x@example.org", "file": upload})
    assert response.status_code == 400
    assert list(tmp_path.iterdir()) == []  # nothing was written
    coordinator = factories.coordinator_create(username="coord-upload@example.org")
    campaign = factories.CampaignFactory(slug="upload-campaign")
    client.force_login(coordinator)
    url = reverse("questionnaires:import_responses", kwargs={"slug": campaign.slug})
    settings.FILE_UPLOAD_MAX_REQUEST_BYTES = 1000
    big = SimpleUploadedFile("responses.csv", b"iscm\n" + b"x" * 5000)
    assert client.post(url, {"file": big}).status_code == 413
    settings.FILE_UPLOAD_MAX_REQUEST_BYTES = 10 * 1024 * 1024
    small = SimpleUploadedFile("responses.csv", b"iscm\nNOPE\n")
    assert client.post(url, {"file": small}).status_code == 200  # the import's own error report


# --- 5. E-mail subjects ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["invitation", "reminder", "response_submitted"])
def test_email_subjects_are_not_html_escaped(name):
    iscm = Iscm(acronym="A&B", name="A&B")
    campaign = factories.CampaignFactory.build(title_en="Don't <stop>")
    subject = render_to_string(f"emails/{name}_subject.txt", {"iscm": iscm, "campaign": campaign})
    assert "&amp;" not in subject and "&#x27;" not in subject and "&lt;" not in subject
    assert "A&B" in subject


# --- 5. No answers from the browser's cache after logout ------------------------------------------


def test_signed_in_pages_and_files_are_not_stored_by_the_browser(client, focal_point):
    client.force_login(focal_point)
    response = client.get(reverse("home"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    coordinator = factories.coordinator_create(username="coord-cache@example.org")
    campaign = factories.CampaignFactory(slug="cache-campaign")
    client.force_login(coordinator)
    for url in (
        reverse("analytics:aggregates_csv", kwargs={"slug": campaign.slug}),
        reverse("analytics:texts", kwargs={"slug": campaign.slug}),
        reverse("analytics:dashboard", kwargs={"slug": campaign.slug}),
    ):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url
