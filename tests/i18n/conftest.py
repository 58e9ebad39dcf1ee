"""Fixtures of the language tests: the language middleware and the `language_set` view wired as the
project will wire them (settings.MIDDLEWARE right after AuthenticationMiddleware; /i18n/setlang/)."""

import pytest
from django.utils import translation

from questionnaires.definitions import DATA_DIR, definition_read, questionnaire_create, reference_lists_load

MIDDLEWARE = "questionnaires.language.UserLanguageMiddleware"


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    # A request leaves its language active in the thread; don't let it leak into other tests.
    translation.activate("en")


@pytest.fixture
def language_wiring(settings):
    middleware = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    middleware.insert(middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    settings.ROOT_URLCONF = "tests.i18n.urls"


@pytest.fixture
def definition():
    return definition_read(DATA_DIR / "questionnaire_iscm_contributions.json")


@pytest.fixture
def bundled_questionnaire(db, definition):
    """The bundled 2023 questionnaire, published, with the SDG and GCM lists (lighter than the demo)."""
    reference_lists_load()
    return questionnaire_create(definition)
