"""Which language a user is served in, and remembering their choice (profile and session)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from questionnaires.language import SESSION_KEY
from questionnaires.models import Profile
from tests import factories

pytestmark = pytest.mark.usefixtures("language_wiring")
PROBE = "/language-probe/"
PASSWORD = "correct-horse-battery"


def served_language(client, **headers):
    response = client.get(PROBE, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["active"] == body["request"] == response["Content-Language"]
    return body["active"]


@pytest.fixture
def user(db):
    return factories.UserFactory(username="fp-language@example.org")


def sign_in(client, user):
    """Through the login page, as a person does (django-axes refuses `client.login` without a request)."""
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"


def profile_queries(captured):
    return [query for query in captured.captured_queries if Profile._meta.db_table in query["sql"]]


# --- the default: the browser's Accept-Language ----------------------------------------------------


def test_an_anonymous_visitor_gets_the_browser_language(client):
    assert served_language(client, accept_language="es-ES,es;q=0.9,en;q=0.5") == "es"
    assert served_language(client, accept_language="ar") == "ar"
    assert served_language(client) == "en"


def test_a_user_without_profile_gets_the_browser_language(client, user):
    client.force_login(user)

    assert served_language(client, accept_language="fr-FR,fr;q=0.9") == "fr"
    assert not Profile.objects.filter(user=user).exists()


def test_a_profile_without_language_leaves_the_browser_language(client, user):
    Profile.objects.create(user=user, language="")
    client.force_login(user)

    assert served_language(client, accept_language="ar") == "ar"


# --- the profile's language -------------------------------------------------------------------------


def test_the_profile_language_beats_the_browser_language(client, user):
    Profile.objects.create(user=user, language="fr")
    client.force_login(user)

    assert served_language(client, accept_language="es") == "fr"
    assert served_language(client) == "fr"


def test_a_language_chosen_in_this_browser_beats_the_profile(client, user):
    Profile.objects.create(user=user, language="fr")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    assert served_language(client, accept_language="ar") == "es"


def test_an_unsupported_cookie_does_not_hide_the_profile(client, user):
    Profile.objects.create(user=user, language="ar")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    assert served_language(client) == "ar"


def test_the_profile_is_read_at_login_not_on_every_page(client, user):
    Profile.objects.create(user=user, language="es")
    sign_in(client, user)
    assert client.session[SESSION_KEY] == "es"

    with CaptureQueriesContext(connection) as captured:
        assert served_language(client) == "es"
        assert served_language(client) == "es"
    assert profile_queries(captured) == []


def test_a_session_from_before_login_tracking_reads_the_profile_once(client, user):
    """A session that does not yet carry the language (opened before this code) reads the profile once."""
    Profile.objects.create(user=user, language="ar")
    client.force_login(user)
    session = client.session
    session.pop(SESSION_KEY, None)
    session.save()

    with CaptureQueriesContext(connection) as captured:
        assert served_language(client) == "ar"
        assert served_language(client) == "ar"
    assert len(profile_queries(captured)) == 1


def test_the_anonymous_visitor_pays_no_profile_query(client, db):
    with CaptureQueriesContext(connection) as captured:
        served_language(client, accept_language="fr")
    assert profile_queries(captured) == []


# --- remembering a choice: /i18n/setlang/ ------------------------------------------------------------


def test_choosing_a_language_remembers_it_in_cookie_session_and_profile(client, user):
    client.force_login(user)

    response = client.post("/i18n/setlang/", {"language": "es", "next": PROBE})

    assert response.status_code == 302
    assert response["Location"] == PROBE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert client.session[SESSION_KEY] == "es"
    assert Profile.objects.get(user=user).language == "es"
    assert served_language(client, accept_language="fr") == "es"


def test_the_choice_follows_the_user_to_another_browser(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "ar", "next": PROBE})

    other_browser = Client()
    sign_in(other_browser, user)

    assert served_language(other_browser, accept_language="fr") == "ar"


def test_changing_the_choice_updates_the_existing_profile(client, user):
    Profile.objects.create(user=user, language="fr")
    client.force_login(user)

    client.post("/i18n/setlang/", {"language": "es", "next": PROBE})

    assert Profile.objects.get(user=user).language == "es"
    assert Profile.objects.filter(user=user).count() == 1
    assert served_language(client) == "es"


def test_an_anonymous_choice_is_kept_in_the_cookie_only(client, db):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": PROBE})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert not Profile.objects.exists()
    assert served_language(client, accept_language="es") == "fr"


def test_an_unsupported_language_is_not_saved(client, user):
    Profile.objects.create(user=user, language="fr")
    client.force_login(user)

    client.post("/i18n/setlang/", {"language": "de", "next": PROBE})

    assert Profile.objects.get(user=user).language == "fr"
    assert served_language(client) == "fr"


def test_a_get_changes_nothing(client, user):
    client.force_login(user)

    response = client.get("/i18n/setlang/", {"language": "es", "next": PROBE})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not Profile.objects.filter(user=user).exists()


def test_an_external_next_is_not_followed(client, user):
    client.force_login(user)

    response = client.post("/i18n/setlang/", {"language": "es", "next": "https://evil.example.com/"})

    assert response["Location"] == "/"


def test_choosing_a_language_needs_the_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    response = browser.post("/i18n/setlang/", {"language": "es", "next": PROBE})

    assert response.status_code == 403
    assert not Profile.objects.filter(user=user).exists()
