"""Fixtures of the security tests: the demo loaded once per module, the six roles of the access table,
a database fingerprint, and an HTML scanner for script and event-handler injection.

`demo_module` loads the bundled demo once per test module inside a transaction that is rolled back
when the module ends; each test still runs in its own savepoint (pytest-django's `db`), so a test's
writes never leak into the next one. Loading the demo per test would cost 1-2 s each.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.test import Client
from django.test.utils import override_settings

import questionnaires.security  # noqa: F401 - connects the security receivers (apps.py ready() should)
from analytics.models import CampaignStats, ChoiceAggregate, PublishedReport, ReportFile
from api.models import ApiToken
from practices.models import Practice
from questionnaires.models import (
    Answer,
    AnswerChoice,
    Campaign,
    Choice,
    Invitation,
    Iscm,
    Membership,
    Question,
    Questionnaire,
    Reminder,
    Response,
    ResponseEvent,
    Section,
)

CAMPAIGN_CLOSED = "iscm-contributions-2023"
CAMPAIGN_OPEN = "iscm-followup-open"
# In the open follow-up campaign MIDWA's response is a draft, RCM's is submitted.
ISCM = "MIDWA"
OTHER_ISCM = "RCM"
FP = "fp-midwa@example.org"
OTHER_FP = "fp-rcm@example.org"
OBSERVER = "observer@example.org"
COORDINATOR = "coordinator@example.org"
ADMIN = "admin@example.org"
DEMO_PASSWORD = "demo"

ROLES = ("anonymous", "focal_point", "other_focal_point", "observer", "coordinator", "admin")
ROLE_USERNAMES = {
    "focal_point": FP,
    "other_focal_point": OTHER_FP,
    "observer": OBSERVER,
    "coordinator": COORDINATOR,
    "admin": ADMIN,
}
GUARD_MIDDLEWARE = "iscm_survey.middleware.RequestGuardMiddleware"
LOG_MIDDLEWARE = "iscm_survey.middleware.SecurityLogMiddleware"


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The bundled demo, loaded once for the module and rolled back at its end."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(demo_module, db):
    return World()


@dataclass
class World:
    """The demo's people and things, fetched fresh for each test."""

    def __post_init__(self):
        User = get_user_model()
        self.users = {role: User.objects.get(username=name) for role, name in ROLE_USERNAMES.items()}
        self.open = Campaign.objects.get(slug=CAMPAIGN_OPEN)
        self.closed = Campaign.objects.get(slug=CAMPAIGN_CLOSED)
        self.iscm = Iscm.objects.get(acronym=ISCM)
        self.other_iscm = Iscm.objects.get(acronym=OTHER_ISCM)

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def response(self, campaign: Campaign, iscm: Iscm) -> Response:
        return Response.objects.get(campaign=campaign, iscm=iscm)


def db_fingerprint() -> dict[str, object]:
    """Cheap aggregates that change whenever anything an attacker could change changes."""
    User = get_user_model()
    return {
        "response": Response.objects.aggregate(
            n=Count("id"), updated=Max("updated_at"), versions=Sum("version"), submitted=Max("submitted_at")
        ),
        "response_statuses": sorted(Response.objects.values_list("id", "status")),
        "answers": Answer.objects.aggregate(n=Count("id"), last=Max("id")),
        "choices": AnswerChoice.objects.aggregate(n=Count("id"), last=Max("id")),
        "events": ResponseEvent.objects.aggregate(n=Count("id"), last=Max("id")),
        "memberships": Membership.objects.aggregate(n=Count("id"), last=Max("id")),
        "campaigns": Campaign.objects.aggregate(
            n=Count("id"),
            closed=Max("closed_manually_at"),
            closes=Max("closes_at"),
            last=Max("id"),
            compared=Max("report_compared_with"),
        ),
        "report_annexes": sorted(Campaign.objects.values_list("id", "report_annex")),
        "reminders": Reminder.objects.aggregate(n=Count("id"), last=Max("id")),
        "invitations": Invitation.objects.aggregate(n=Count("id"), last=Max("id"), extended=Max("extended_until")),
        "aggregates": ChoiceAggregate.objects.aggregate(n=Count("id"), total=Sum("count"), last=Max("id")),
        "stats": CampaignStats.objects.aggregate(computed=Max("computed_at"), requested=Max("requested_at")),
        "reports": ReportFile.objects.aggregate(n=Count("id"), last=Max("id")),
        "published_reports": PublishedReport.objects.aggregate(n=Count("id"), last=Max("id")),
        "api_tokens": ApiToken.objects.aggregate(n=Count("id"), last=Max("id"), revoked=Max("revoked_at")),
        "users": User.objects.aggregate(
            n=Count("id"),
            last=Max("id"),
            staff=Count("id", filter=Q(is_staff=True)),
            superusers=Count("id", filter=Q(is_superuser=True)),
            active=Count("id", filter=Q(is_active=True)),
        ),
        "passwords": sorted(User.objects.values_list("id", "password")),
        "groups": User.groups.through.objects.aggregate(n=Count("id"), last=Max("id")),
        # questionnaire files and copies add rows; the editor bumps a questionnaire's revision on every edit
        "questionnaires": Questionnaire.objects.aggregate(
            n=Count("id"), last=Max("id"), revisions=Sum("revision"), published=Max("published_at")
        ),
        "sections": Section.objects.aggregate(n=Count("id"), last=Max("id")),
        "questions": Question.objects.aggregate(n=Count("id"), last=Max("id")),
        "questionnaire_choices": Choice.objects.aggregate(n=Count("id"), last=Max("id")),
        "practices": Practice.objects.aggregate(
            n=Count("id"), last=Max("id"), updated=Max("updated_at"), published=Max("published_at")
        ),
    }


# --- HTML scanning ---------------------------------------------------------------------------------


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag}> has an event handler attribute {name}={value!r}")
            link = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href") and link.startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}> is a javascript: link")
        if tag == "img" and (values.get("src") or "").strip() == "x":
            self.problems.append("an injected <img src=x> element")
        if tag == "script":
            self.scripts.append(values)
            # data blocks (json_script) may carry the payload as escaped JSON; code must not
            self._in_script = (values.get("type") or "").lower() != "application/json"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(1)" in data:
            self.problems.append(f"script text contains the payload: {data[:80]!r}")


def html_problems(content: str, *, nonce: str | None = None) -> list[str]:
    """Injected event handlers, javascript: links, <img src=x>, and scripts that CSP would not allow:
    an inline script (no src) without the page's nonce, or an unescaped `<script>alert` in the page."""
    scanner = _Scanner()
    scanner.feed(content)
    scanner.close()
    problems = list(scanner.problems)
    if "<script>alert" in content.lower():
        problems.append("an unescaped <script>alert(1)")
    for attrs in scanner.scripts:
        if attrs.get("src"):
            continue
        script_type = (attrs.get("type") or "").lower()
        if script_type == "application/json":
            continue  # json_script: data, not code
        if nonce is None or attrs.get("nonce") != nonce:
            problems.append(f"an inline <script> without the page's nonce: {attrs}")
    return problems


def csp_nonce(response) -> str | None:
    header = response.headers.get("Content-Security-Policy", "")
    for directive in header.split(";"):
        parts = directive.split()
        if parts and parts[0] == "script-src":
            for source in parts[1:]:
                if source.startswith("'nonce-"):
                    return source[len("'nonce-") : -1]
    return None


def production_settings_json(**env: str) -> dict[str, object]:
    """Settings values as a production process (DJANGO_DEBUG=0) sees them, read in a subprocess."""
    import json
    import secrets
    import subprocess
    import sys

    names = [
        "DEBUG",
        "SESSION_COOKIE_AGE",
        "SESSION_SAVE_EVERY_REQUEST",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "SECURE_SSL_REDIRECT",
        "AUTH_PASSWORD_VALIDATORS",
        "AXES_FAILURE_LIMIT",
        "AXES_LOCKOUT_PARAMETERS",
        "MIDDLEWARE",
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SESSION_")) or key == "DJANGO_SETTINGS_MODULE"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="iscm_survey.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),
        DJANGO_ALLOWED_HOSTS="survey.example.org",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
