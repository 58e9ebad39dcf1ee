"""The client's address, behind as many trusted reverse proxies as `TRUSTED_PROXY_COUNT` says.

Each proxy appends the address it received the request from to `X-Forwarded-For`; a client can write
anything in the header before that. With N trusted proxies, the N-th entry from the right was written by
the outermost of our proxies and is the client's address; anything to its left is the client's own say.
Without proxies (the default), or when the header has fewer entries than expected (the request did not
come through all of them), `REMOTE_ADDR` is the address. django-axes (lockouts, through
`AXES_CLIENT_IP_CALLABLE`) and the security log both use this function, so they agree.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
