"""Response headers and error pages: CSP without inline script on every HTML page, the production
headers (HSTS, nosniff, Referrer-Policy, frame-ancestors / X-Frame-Options), and error pages that
show no traceback with DEBUG off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .conftest import csp_nonce, html_problems, production_settings_json
from .test_access_table import TABLE

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates"
# E-mail bodies are plain text: Django's password-reset e-mail template has an .html name.
EMAIL_TEMPLATES = {"registration/password_reset_email.html"}


def templates() -> list[Path]:
    return sorted(
        p for p in TEMPLATE_DIR.rglob("*.html") if p.relative_to(TEMPLATE_DIR).as_posix() not in EMAIL_TEMPLATES
    )


# --- Static scan of the templates ---------------------------------------------------------------------


def test_no_template_has_inline_script_event_handlers_or_javascript_links():
    problems = []
    for template in templates():
        text = template.read_text(encoding="utf-8")
        name = template.relative_to(TEMPLATE_DIR)
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" not in tag and "nonce=" not in tag:
                problems.append(f"{name}: inline script without a nonce: {tag}")
        for match in re.finditer(r"<[a-zA-Z][^<>]*?\s(on[a-z]+)\s*=", text):
            problems.append(f"{name}: event handler attribute {match.group(1)}")
        if re.search(r"javascript:", text, flags=re.IGNORECASE):
            problems.append(f"{name}: a javascript: URL")
    assert not problems, "\n".join(problems)


def test_no_template_turns_escaping_off():
    problems = []
    for template in templates():
        text = template.read_text(encoding="utf-8")
        name = template.relative_to(TEMPLATE_DIR)
        if re.search(r"\|\s*safe\b|\|\s*safeseq\b", text):
            problems.append(f"{name}: |safe")
        if re.search(r"{%\s*autoescape\s+off", text):
            problems.append(f"{name}: autoescape off")
    assert not problems, "\n".join(problems)


# --- Runtime scan: every HTML page of the access table, as a role allowed to see it --------------------


def _allowed_role(entry) -> str | None:
    for role in ("coordinator", "focal_point", "observer", "anonymous", "admin"):
        outcome = entry.get[role] if entry.get else None
        if outcome is not None and outcome.status == 200:
            return role
    return None


def test_every_html_page_has_a_strict_csp_and_no_inline_script(world):
    checked = 0
    pages = [(name, entry) for name, entry in sorted(TABLE.items()) if entry.get]
    for name, entry in pages:
        role = _allowed_role(entry)
        if role is None:
            continue
        kwargs = entry.kwargs(world) if callable(entry.kwargs) else entry.kwargs
        url = reverse(name, kwargs=kwargs) + (f"?{entry.query}" if entry.query else "")
        response = world.client(role).get(url)
        if getattr(response, "streaming", False) or not response["Content-Type"].startswith("text/html"):
            continue
        _assert_strict_page(response, f"{url} as {role}")
        checked += 1
    for url in ("/admin/", f"/admin/questionnaires/response/{world.response(world.open, world.other_iscm).pk}/change/"):
        _assert_strict_page(world.client("admin").get(url), f"{url} as admin")
    assert checked >= 20


def _assert_strict_page(response, what: str) -> None:
    assert response.status_code == 200, what
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{what}: no Content-Security-Policy header"
    directives = {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}
    script_src = directives.get("script-src", directives.get("default-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, f"{what}: {header}"
    assert "'self'" in script_src, what
    assert directives.get("frame-ancestors") == ["'none'"], what
    assert directives.get("object-src") == ["'none'"], what
    problems = html_problems(response.content.decode(), nonce=csp_nonce(response))
    assert not problems, f"{what}: {problems}"


# --- Production headers ----------------------------------------------------------------------------------


@pytest.fixture
def production(settings):
    """The security settings as DJANGO_DEBUG=0 gives them (checked against the real values below)."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


def test_the_production_values_are_the_ones_tested():
    values = production_settings_json()
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password_reset/", "/no-such-page/"])
def test_production_headers_over_https(client, production, path):
    response = client.get(path, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_and_gets_no_hsts(client, production):
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response.url == "https://testserver/accounts/login/"
    assert "Strict-Transport-Security" not in response


# --- Error pages with DEBUG off -----------------------------------------------------------------------------

DEBUG_MARKERS = ["Traceback", "Django tried these URL patterns", "Using the URLconf", "DEBUG = True", "Request Method"]


def _assert_no_debug(response) -> str:
    text = response.content.decode()
    for marker in DEBUG_MARKERS:
        assert marker not in text, marker
    return text


@pytest.mark.django_db
def test_a_missing_page_shows_the_plain_404(client, settings):
    assert settings.DEBUG is False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = _assert_no_debug(response)
    assert "Page not found" in text and "no-such-page" not in text.split("<main")[1]


@pytest.mark.django_db
def test_another_iscms_response_shows_the_same_404(client, focal_point, other_iscm):
    client.force_login(focal_point)
    response = client.get(f"/campaigns/some-campaign/respond/{other_iscm.acronym}/")
    assert response.status_code == 404
    text = _assert_no_debug(response)
    assert "Page not found" in text and "No such questionnaire" not in text


@pytest.mark.django_db
@pytest.mark.urls("tests.security.urls_errors")
def test_a_server_error_shows_the_self_contained_500_without_details(focal_point):
    client = Client(raise_request_exception=False)
    client.force_login(focal_point)
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    text = _assert_no_debug(response)
    assert "Something went wrong on our side" in text
    assert "hunter2" not in text and "RuntimeError" not in text and "secret" not in text


def test_the_500_template_stands_alone():
    """Django renders it without a request context, whatever broke: no base.html, no static files."""
    text = (TEMPLATE_DIR / "500.html").read_text(encoding="utf-8")
    assert "{% extends" not in text and "{% static" not in text and "{% url" not in text


@pytest.mark.django_db
@pytest.mark.urls("tests.security.urls_errors")
def test_permission_denied_shows_the_plain_403(client, focal_point):
    client.force_login(focal_point)
    response = client.get("/test-errors/403/")
    assert response.status_code == 403
    text = _assert_no_debug(response)
    assert "Access denied" in text and "secret reason" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["evil.example.com", "127.0.0.1:8000@evil", "bad host"])
def test_a_bad_host_header_gives_400(client, host):
    response = client.get("/accounts/login/", HTTP_HOST=host)
    assert response.status_code == 400
    text = _assert_no_debug(response)
    assert "Bad request" in text


@pytest.mark.django_db
def test_a_bad_host_header_gives_400_when_the_https_redirect_sees_it_first(production):
    client = Client(raise_request_exception=False)
    response = client.get("/accounts/login/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
