"""Shared fixtures: the bundled 2023 survey, and the people of every story (a coordinator, an observer,
a focal point of an ISCM, a focal point of another ISCM, an admin)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import translation

from iscm_survey.celery import app as celery_app
from iscm_survey.publish import broker_failure_forget
from questionnaires.models import Campaign, Iscm
from tests import factories

REAL_SERVICES = bool(os.environ.get("DATABASE_URL") and os.environ.get("CELERY_BROKER_URL"))


def pytest_collection_modifyitems(config, items):
    if REAL_SERVICES:
        return
    skip = pytest.mark.skip(reason="needs DATABASE_URL and CELERY_BROKER_URL (real PostgreSQL and Redis, as in CI)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_semantic_suggestions(settings):
    """The embedding model (optional extra) takes ~20 s to load: only tests/practices/test_semantic.py uses it."""
    settings.PRACTICES_SEMANTIC_SUGGESTIONS = False


@pytest.fixture(autouse=True)
def _celery_eager_unless_real_services(request):
    """Tasks run in-process (e-mails land in mail.outbox) even when CI sets a real broker; tests marked
    `services` talk to the real Redis and workers and set up Celery themselves."""
    if request.node.get_closest_marker("services"):
        yield
        return
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _english_by_default():
    # A test that renders in French must not leave French active for the next one.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _broker_state():
    # A test that simulates a dead broker must not make the next tests skip their publishes.
    broker_failure_forget()
    yield
    broker_failure_forget()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The demo creates ~30 accounts; PBKDF2 at full strength would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain HTTP; production redirects to HTTPS (tested with check --deploy).
    settings.SECURE_SSL_REDIRECT = False
    # Pages render without a collectstatic run (production uses the hashed manifest storage).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def demo(db):
    """The bundled demo: registry, 2023 questionnaire, both campaigns, accounts and responses."""
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return Campaign.objects.get(slug="iscm-contributions-2023")


@pytest.fixture
def followup(demo):
    return Campaign.objects.get(slug="iscm-followup-open")


@pytest.fixture
def coordinator(db):
    return factories.coordinator_create(username="coordinator-test@example.org")


@pytest.fixture
def observer(db):
    return factories.observer_create(username="observer-test@example.org")


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin-test@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def iscm(db):
    return factories.IscmFactory(acronym="MIDSA", name="Migration Dialogue for Southern Africa")


@pytest.fixture
def other_iscm(db):
    return factories.IscmFactory(acronym="RCM", name="Regional Conference on Migration", region="Americas")


@pytest.fixture
def focal_point(iscm):
    return factories.focal_point_create(iscm, username="fp-test@example.org")


@pytest.fixture
def other_focal_point(other_iscm):
    return factories.focal_point_create(other_iscm, username="fp-other-test@example.org")


@pytest.fixture
def demo_iscm(demo):
    return Iscm.objects.get(acronym="MIDSA")


# --- Browser tests: Debian's headless Chromium driven by Playwright against a live server ------------

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
requires_chromium = pytest.mark.skipif(
    not Path(settings.CHROMIUM_PATH).exists(),
    reason=f"needs Debian's chromium at {settings.CHROMIUM_PATH} (apt-get install chromium)",
)


@pytest.fixture
def server(settings, transactional_db, monkeypatch):
    """A live server started once the production-only settings are off (plain HTTP, unhashed static files).

    Not pytest-django's session-wide `live_server`: it builds its middleware when it first starts,
    before any per-test settings, so SecurityMiddleware would keep redirecting plain HTTP to HTTPS.
    """
    from pytest_django.live_server_helper import LiveServer

    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    live = LiveServer("localhost:0")
    live._live_server_modified_settings.enable()
    yield live
    live._live_server_modified_settings.disable()
    live.stop()


@pytest.fixture
def page():
    """A tab in an English browser; `page.js_errors` collects script errors and failed loads."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=settings.CHROMIUM_PATH, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda message: _browser_console_error(message, errors))
        tab.on("response", lambda reply: _browser_failed_load(reply, errors))
        tab.js_errors = errors
        yield tab
        # While Playwright's loop runs, the ORM calls of the test get a connection of their own (Django's
        # connections are per async context): close it here, or the test database cannot be dropped.
        connections.close_all()
        context.close()
        browser.close()


def _browser_console_error(message, errors: list[str]) -> None:
    # A failed load is reported with its address by `_browser_failed_load` (the favicon is not one).
    if message.type == "error" and "Failed to load" not in message.text:
        errors.append(message.text)


def _browser_failed_load(reply, errors: list[str]) -> None:
    if reply.status >= 400 and not reply.url.endswith("/favicon.ico"):
        errors.append(f"{reply.status} {reply.url}")
