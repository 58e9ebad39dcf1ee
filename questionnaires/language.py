"""Which language a user sees, and remembering their choice.

Order of precedence, first found wins:
1. a choice made in this browser: the language cookie set by `language_set` (Django's `set_language`),
   or the choice kept in the session;
2. the language saved in the user's profile (chosen earlier, on any device);
3. the browser's Accept-Language header (Django's LocaleMiddleware, which runs first);
4. `settings.LANGUAGE_CODE`.

The profile is read once per session (at login, or at the first request of a session that predates
this code), then the session carries the answer: pages do not pay a query per request for it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import LANGUAGE_QUERY_PARAMETER, set_language

from .models import Profile

# The language chosen for this session: the user's choice, or the profile's copied at login;
# "" means "the profile was read and holds none" (so it is not read again).
SESSION_KEY = "iscm_language"


def language_supported(code: str | None) -> str | None:
    """The code of one of settings.LANGUAGES matching `code` ("fr-ca" → "fr"), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def profile_language(*, user: AbstractBaseUser) -> str:
    """The language saved in the user's profile; "" when there is no profile or no choice."""
    language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return language_supported(language) or ""


def profile_language_set(*, user: AbstractBaseUser, language: str) -> Profile:
    """Remember the user's language in their profile (created if they have none yet)."""
    profile, created = Profile.objects.get_or_create(user=user, defaults={"language": language})
    if not created and profile.language != language:
        profile.language = language
        profile.save(update_fields=["language"])
    return profile


def language_remember(*, request: HttpRequest, language: str) -> None:
    """A signed-in user chose `language` (the switcher, a profile page): keep it in the profile and in
    this session, so the middleware serves it here at once and on other devices after their login."""
    profile_language_set(user=request.user, language=language)
    request.session[SESSION_KEY] = language


class UserLanguageMiddleware:
    """Activate the profile's language for a signed-in user who has not chosen one in this browser.

    Goes after AuthenticationMiddleware (it needs request.user) and after LocaleMiddleware (which has
    already activated the cookie's or Accept-Language's language, and sets Content-Language on the way
    out from whatever is active then).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

    def _language(self, request: HttpRequest) -> str | None:
        if language_supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
            return None  # chosen in this browser: LocaleMiddleware has already activated it
        session = getattr(request, "session", None)
        if session is None:
            return None
        if SESSION_KEY in session:
            return language_supported(session[SESSION_KEY])
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        language = profile_language(user=user)
        session[SESSION_KEY] = language
        return language or None


@receiver(user_logged_in, dispatch_uid="questionnaires_language_on_login")
def language_on_login(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    """At login, copy the profile's language into the session (unless the session already chose one)."""
    session = getattr(request, "session", None)
    if session is not None and not session.get(SESSION_KEY):
        session[SESSION_KEY] = profile_language(user=user)


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's `set_language` (cookie, redirect to `next`; a GET changes nothing), and for a signed-in
    user a POSTed choice is also kept in the session and the profile, so it follows them to another
    browser."""
    response = set_language(request)
    if request.method != "POST":
        return response
    language = language_supported(request.POST.get(LANGUAGE_QUERY_PARAMETER))
    if language and request.user.is_authenticated:
        language_remember(request=request, language=language)
    return response
