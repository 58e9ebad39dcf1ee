"""Malformed input gets a 400 or a form error, never a 500: oversized requests, too many fields,
malformed multipart bodies, NUL characters and invalid UTF-8, in the path, the query string, form
fields and uploaded files, on the response form, the import upload, the login, the dashboard filters
and the text browser's search.

Clients are built with `raise_request_exception=False`, so a server error shows up as the 500 a
browser would get instead of an exception in the test.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from questionnaires.models import Response

from .conftest import (
    CAMPAIGN_OPEN,
    GUARD_MIDDLEWARE,
    ISCM,
    LOG_MIDDLEWARE,
    World,
    db_fingerprint,
    production_settings_json,
)

URLENCODED = "application/x-www-form-urlencoded"


def client_as(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def respond_url() -> str:
    return reverse("questionnaires:respond", kwargs={"slug": CAMPAIGN_OPEN, "acronym": ISCM})


def import_url() -> str:
    return reverse("questionnaires:import_responses", kwargs={"slug": CAMPAIGN_OPEN})


def dashboard_url() -> str:
    return reverse("analytics:dashboard", kwargs={"slug": CAMPAIGN_OPEN})


def texts_url() -> str:
    return reverse("analytics:texts", kwargs={"slug": CAMPAIGN_OPEN})


def test_the_security_middlewares_are_installed():
    """These tests add the middlewares of iscm_survey/middleware.py when settings.py lacks them; the
    application must have them itself, in the right places."""
    middleware = production_settings_json()["MIDDLEWARE"]
    assert GUARD_MIDDLEWARE in middleware, f"add {GUARD_MIDDLEWARE!r} to settings.MIDDLEWARE"
    assert LOG_MIDDLEWARE in middleware, f"add {LOG_MIDDLEWARE!r} to settings.MIDDLEWARE"
    guard = middleware.index(GUARD_MIDDLEWARE)
    assert middleware.index("csp.middleware.CSPMiddleware") < guard
    assert guard < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware.index(LOG_MIDDLEWARE) == auth + 1


# (role, url) of the GET pages whose query string is read
QUERY_PAGES = [
    ("coordinator", "dashboard"),
    ("observer", "dashboard"),
    ("coordinator", "texts"),
    ("coordinator", "campaign_detail"),
    ("anonymous", "login"),
]
PAGE_URLS = {
    "dashboard": dashboard_url,
    "texts": texts_url,
    "campaign_detail": lambda: reverse("questionnaires:campaign_detail", kwargs={"slug": CAMPAIGN_OPEN}),
    "login": lambda: reverse("login"),
}
BAD_QUERIES = {
    "nul": "q=abc%00def&region=%00&iscm_type=RCP%00",
    "nul-in-name": "q%00=1",
    "invalid-utf8": "q=%ff%fe%fd&region=%c3%28",
    "overlong-utf8": "q=%c0%af",
    "surrogate": "q=%ed%a0%80",
}


@pytest.mark.parametrize("kind", sorted(BAD_QUERIES))
def test_bad_query_strings_are_refused_with_400(world, kind):
    for role, page in QUERY_PAGES:
        response = client_as(world, role).get(f"{PAGE_URLS[page]()}?{BAD_QUERIES[kind]}")
        assert response.status_code == 400, (role, page, kind, response.status_code)
        assert "Bad request" in response.content.decode()


def test_odd_but_valid_queries_are_served(world):
    """Long, unknown or unusual-but-valid values are ignored or shown back escaped: no 400, no 500."""
    client = client_as(world, "coordinator")
    for query in ("q=" + "é" * 5000, "region=Nowhere&iscm_type=NOPE", "q=%E2%80%AE%F0%9F%98%80", "q=' OR 1=1 --"):
        for url in (dashboard_url(), texts_url()):
            assert client.get(f"{url}?{query}").status_code == 200, (url, query)


def test_a_nul_in_the_path_is_refused_with_400(world):
    client = client_as(world, "focal_point")
    for path in (f"/campaigns/{CAMPAIGN_OPEN}/respond/MID%00WA/", "/campaigns/x%00/", "/iscms/A%00B/focal-points/"):
        response = client.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)


# --- Form bodies ------------------------------------------------------------------------------------------


def _respond_body(world: World, **fields: str) -> dict[str, object]:
    response = world.response(world.open, world.iscm)
    return {"version": response.version, "action": "draft", **fields}


def test_nul_in_a_form_field_is_refused_and_nothing_is_saved(world):
    client = client_as(world, "focal_point")
    before = db_fingerprint()
    for body in (
        _respond_body(world, respondent_name="Ana\x00Moreira"),
        _respond_body(world, hlpf_message="text\x00"),
        {**_respond_body(world), "respondent\x00name": "x"},
    ):
        response = client.post(respond_url(), body)
        assert response.status_code == 400, body
    assert db_fingerprint() == before


def test_nul_in_a_parameter_read_outside_a_form_is_refused(world):
    """The focal-point pages of the coordinator read `campaign` from the body and look it up: on
    PostgreSQL a NUL there was a 500 before the guard."""
    client = client_as(world, "coordinator")
    before = db_fingerprint()
    focal_points = reverse("questionnaires:iscm_focal_points", kwargs={"acronym": ISCM})
    resend = reverse(
        "questionnaires:iscm_focal_point_resend", kwargs={"acronym": ISCM, "user_id": world.users["focal_point"].pk}
    )
    assert client.post(focal_points, {"email": "x@example.org", "campaign": "a\x00b"}).status_code == 400
    assert client.post(resend, {"campaign": "a\x00b"}).status_code == 400
    assert client.get(focal_points + "?campaign=a%00b").status_code == 400
    assert db_fingerprint() == before


def test_invalid_utf8_in_a_form_body_is_refused_and_nothing_is_saved(world):
    client = client_as(world, "focal_point")
    version = world.response(world.open, world.iscm).version
    before = db_fingerprint()
    for raw in (
        f"respondent_name=%ff%fe&version={version}&action=draft",
        f"respondent_name=Ana%00&version={version}&action=draft",
    ):
        response = client.generic("POST", respond_url(), raw.encode("ascii"), content_type=URLENCODED)
        assert response.status_code == 400, raw
    raw = b"respondent_name=\xff\xfe&version=" + str(version).encode() + b"&action=draft"
    assert client.generic("POST", respond_url(), raw, content_type=URLENCODED).status_code == 400
    assert db_fingerprint() == before


def test_the_login_refuses_nul_and_invalid_utf8_without_locking_anyone(world):
    client = Client(raise_request_exception=False)
    for body in (
        {"username": "fp-midwa@example.org\x00", "password": "demo"},
        {"username": "fp-midwa@example.org", "password": "de\x00mo"},
    ):
        assert client.post(reverse("login"), body).status_code == 400
    raw = b"username=fp-midwa%40example.org&password=%ff"
    assert client.generic("POST", reverse("login"), raw, content_type=URLENCODED).status_code == 400
    # the refused attempts were not counted as failures: the right password still works
    ok = Client().post(reverse("login"), {"username": "fp-midwa@example.org", "password": "demo"})
    assert ok.status_code == 302


def test_an_oversized_body_is_refused_with_400(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = client_as(world, "focal_point")
    before = db_fingerprint()
    response = client.post(respond_url(), _respond_body(world, hlpf_message="x" * 20_000))
    assert response.status_code == 400
    login = Client(raise_request_exception=False).post(reverse("login"), {"username": "a" * 20_000, "password": "b"})
    assert login.status_code == 400
    assert db_fingerprint() == before


def test_too_many_fields_are_refused_with_400(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    client = client_as(world, "focal_point")
    before = db_fingerprint()
    body = _respond_body(world, **{f"field{i}": "x" for i in range(200)})
    assert client.post(respond_url(), body).status_code == 400
    texts = client_as(world, "coordinator").get(texts_url() + "?" + "&".join(f"q{i}=1" for i in range(200)))
    assert texts.status_code == 400
    assert db_fingerprint() == before


def test_a_long_answer_is_a_form_error_not_a_crash(world):
    client = client_as(world, "focal_point")
    before = db_fingerprint()
    response = client.post(respond_url(), _respond_body(world, respondent_name="x" * 5000))
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert db_fingerprint() == before


# --- Multipart bodies and the import upload ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"garbage without any boundary", "multipart/form-data; boundary=xyz"),
        (b"--xyz\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--xyz--", "multipart/form-data; boundary=xyz"),
        (b"--xyz\r\n\r\n", "multipart/form-data"),  # no boundary parameter
        (b"--xyz\r\n\r\n", "multipart/form-data; boundary=" + "a" * 300),  # boundary too long
        (b"x" * 100, "multipart/form-data; boundary=\x00"),
    ],
    ids=["garbage", "no-name", "no-boundary", "long-boundary", "nul-boundary"],
)
def test_malformed_multipart_is_refused_or_ignored(world, body, content_type):
    before = db_fingerprint()
    for url, role in ((import_url(), "coordinator"), (respond_url(), "focal_point")):
        response = client_as(world, role).generic("POST", url, body, content_type=content_type)
        assert response.status_code in (200, 400), (url, response.status_code)
    assert db_fingerprint() == before


def test_nul_in_a_multipart_field_is_refused(world):
    client = client_as(world, "coordinator")
    before = db_fingerprint()
    response = client.post(import_url(), {"file": SimpleUploadedFile("a.csv", b"iscm\n"), "note": "x\x00"})
    assert response.status_code == 400
    assert db_fingerprint() == before


@pytest.mark.parametrize(
    "content",
    [
        b"iscm,status\nMIDWA,draft\x00\n",
        b"\xff\xfe\x00i\x00s\x00c\x00m",  # UTF-16
        b"iscm,status\n\xc3\x28,draft\n",  # invalid UTF-8
        bytes(range(256)) * 4,  # binary
        b"",
        b'"unterminated,quote\n',
        b"iscm," + b"x," * 5000 + b"\n",
    ],
    ids=["nul", "utf16", "invalid-utf8", "binary", "empty", "bad-quote", "wide-header"],
)
def test_a_broken_import_file_is_reported_not_a_crash(world, content):
    client = client_as(world, "coordinator")
    before = db_fingerprint()
    response = client.post(import_url(), {"file": SimpleUploadedFile("broken.csv", content, content_type="text/csv")})
    assert response.status_code in (200, 400), response.status_code
    text = response.content.decode()
    assert "invalid-feedback" in text or "alert-danger" in text or "problem" in text.lower()
    assert db_fingerprint() == before
    assert Response.objects.filter(campaign=world.open, iscm=world.iscm).get().status == Response.Status.DRAFT
