"""Throttling per personal token (per user for the signed-in documentation page), at API_THROTTLE_RATE."""

from __future__ import annotations

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from iscm_survey.sessions import CACHE_ERRORS, health

from .models import ApiToken

# While the shared cache (Redis) is down, each process counts in its own memory, as without CACHE_URL.
LOCAL_COUNTS = LocMemCache("api-throttle-fallback", {})


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        # Read at request time (not import time) so that the setting can change without a code change.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if not health.reads_skip():
            try:
                return super().allow_request(request, view)
            except CACHE_ERRORS as error:
                health.failed(error)
        self.cache = LOCAL_COUNTS
        return super().allow_request(request, view)
