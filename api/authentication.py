"""`Authorization: Bearer <token>` with a personal API token (api.models.ApiToken).

An unknown, revoked or expired token is a 401 with `WWW-Authenticate: Bearer`; the token itself is never
logged or echoed: only the stored row's id and prefix identify it.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken
from .services import api_token_touch, token_hash

KEYWORD = "Bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None  # no token: the session (or nobody) then
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ” and nothing else."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from error
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not token.is_active(now):
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        api_token_touch(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token as the OpenAPI schema (and the documentation page's Authorize button) describes it."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from /account/api-tokens/: `Authorization: Bearer <token>`.",
        }
