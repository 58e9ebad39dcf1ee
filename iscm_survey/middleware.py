"""Two small middlewares of the security work (docs/security.md).

`RequestGuardMiddleware` answers 400 to a request whose path, query string or form data holds a NUL
character, or whose query string or URL-encoded body is not valid UTF-8. Django itself would carry a
NUL into a database lookup, where PostgreSQL refuses it with an error (a 500), and would silently
replace invalid UTF-8. No browser sends either; a scanner or a hand-made request does. The same 400
goes to a Host header outside ALLOWED_HOSTS, an oversized body (DATA_UPLOAD_MAX_MEMORY_SIZE,
DATA_UPLOAD_MAX_NUMBER_FIELDS) and a malformed multipart body, found while reading the request here.
Django would answer those with 400 too, but its 400 page is rendered with the context processors,
which need `request.user`: on a request stopped before AuthenticationMiddleware that page fails and
the answer becomes a 500. Here the page is rendered without the request.

Install it after CSPMiddleware (so the 400 carries the security headers) and before SessionMiddleware.

`SessionRenewalMiddleware` keeps the session's idle timeout (SESSION_COOKIE_AGE) while writing the
session at most once a minute (SESSION_RENEW_SECONDS) instead of on every request: a renewal is a
write to the session table and a new cookie, and a submission takes six requests. The timeout thus
counts from the last renewal, at most a minute before the last request. Install it right after
SessionMiddleware (its response side then runs before SessionMiddleware saves the session).

`SecurityLogMiddleware` logs the 403s and 404s raised by views (`access_denied` on `iscm.security`:
who, which URL, which ISCM), and makes the signed-in user known to the receivers of
`questionnaires.security` for the `by` field of role changes. Install it right after
AuthenticationMiddleware.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, DisallowedHost, PermissionDenied, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.urls import Resolver404, resolve

from .client_ip import client_ip

logger = logging.getLogger("iscm.security")

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class BadInput(Exception):
    pass


def _check_encoded(raw: str | bytes, where: str) -> None:
    """A query string or URL-encoded body: no NUL, valid UTF-8 once the %-escapes are undone."""
    if isinstance(raw, str):
        raw = raw.encode("latin-1", "replace")  # WSGI hands the query string over as latin-1
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in decoded:
        raise BadInput(f"NUL character in the {where}")
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"the {where} is not valid UTF-8") from error


def request_check(request: HttpRequest) -> None:
    """Raise BadInput when the request carries a NUL or invalid UTF-8 where Django would not stop it,
    or a Host header not in ALLOWED_HOSTS."""
    try:
        request.get_host()
    except DisallowedHost as error:
        raise BadInput("Host header not in ALLOWED_HOSTS") from error
    if "\x00" in request.path:
        raise BadInput("NUL character in the path")
    _check_encoded(request.META.get("QUERY_STRING", ""), "query string")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type == URLENCODED:
        _check_encoded(request.body, "form data")
    elif content_type == MULTIPART:
        # Text fields only; uploaded files are the business of the import, which checks their encoding.
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise BadInput("NUL character in the form data")


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request_check(request)
        except (BadInput, SuspiciousOperation, MultiPartParserError, BadRequest) as problem:
            reason = str(problem) if isinstance(problem, BadInput) else type(problem).__name__
            logger.warning(
                "bad request refused",
                extra={
                    "event": "bad_request",
                    "reason": reason,
                    "path": request.path[:200],
                    "ip": client_ip(request),
                },
            )
            return bad_request_response()
        return self.get_response(request)


def bad_request_response() -> HttpResponse:
    """templates/400.html rendered without the request: the request has not been through
    AuthenticationMiddleware yet, and the context processors need `request.user`."""
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


class SessionRenewalMiddleware:
    RENEWED_AT = "_renewed_at"  # seconds since the epoch of the last write of the session

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if session.session_key is None and not session.modified:
            return response  # no session cookie and nothing written: nothing to keep alive
        renewed_at = session.get(self.RENEWED_AT)
        if session.is_empty():
            return response  # a cookie of an expired session, or the session flushed at logout
        now = int(time.time())
        if session.modified or renewed_at is None or now - renewed_at >= settings.SESSION_RENEW_SECONDS:
            session[self.RENEWED_AT] = now  # saved by SessionMiddleware with a new expiry and cookie
        return response


class SecurityLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from questionnaires.security import current_actor

        token = current_actor.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            status = 403
        elif isinstance(exception, Http404):
            status = 404
        else:
            return None
        from questionnaires.security import client_ip, user_fields, user_iscms

        user = getattr(request, "user", None)
        kwargs = request.resolver_match.kwargs if request.resolver_match else {}
        logger.info(
            "access denied",
            extra={
                "event": "access_denied",
                "status": status,
                **user_fields(user),
                "iscms": user_iscms(user) if user is not None and user.is_authenticated else [],
                "path": request.path[:200],
                "method": request.method,
                "view": request.resolver_match.view_name if request.resolver_match else None,
                "campaign": kwargs.get("slug"),
                "target_iscm": kwargs.get("acronym"),
                "ip": client_ip(request),
            },
        )
        return None  # Django answers as usual (403.html / 404.html)


# --- Request size ---------------------------------------------------------------------------------

BODY_METHODS = ("POST", "PUT", "PATCH")


class FileNotAccepted(SuspiciousOperation):
    """A file part sent to a URL that takes no upload."""


class _RefuseFiles(FileUploadHandler):
    """Upload handler of the URLs that take no file: the first file part stops the parse, before any of
    its bytes are read or spooled; the request guard answers 400."""

    def new_file(self, *args, **kwargs) -> None:
        raise FileNotAccepted("file part sent to a URL that takes no upload")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:  # pragma: no cover - never reached
        return raw_data

    def file_complete(self, file_size: int) -> None:  # pragma: no cover - never reached
        return None


def _takes_files(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in settings.FILE_UPLOAD_VIEWS


class RequestSizeLimitMiddleware:
    """Refuse a body before Django reads any of it: over `MAX_REQUEST_BYTES` (or, on the upload URLs of
    `FILE_UPLOAD_VIEWS`, `FILE_UPLOAD_MAX_REQUEST_BYTES`) by its Content-Length → 413; a body without a
    Content-Length (chunked) → 411. Elsewhere, a multipart body may carry no file part (400).

    Without it, Django spools every file part of a multipart body to a temporary file before any view,
    CSRF check or size check runs. Install it before RequestGuardMiddleware (which parses form data).
    The reverse proxy should cap bodies too (docs/operations.md).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in BODY_METHODS:
            refused = self._refusal(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        length = request.META.get("CONTENT_LENGTH") or ""
        if not length and request.META.get("HTTP_TRANSFER_ENCODING"):
            self._log(request, "body without Content-Length")
            return _refusal_response(411, "400.html")
        try:
            size = int(length or 0)
        except ValueError:
            self._log(request, "invalid Content-Length")
            return bad_request_response()
        takes_files = _takes_files(request)
        limit = settings.FILE_UPLOAD_MAX_REQUEST_BYTES if takes_files else settings.MAX_REQUEST_BYTES
        if size > limit:
            self._log(request, "body too large", size=size, limit=limit)
            return _refusal_response(413, "413.html", {"limit_mb": max(1, limit // (1024 * 1024))})
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type == MULTIPART and not takes_files:
            request.upload_handlers = [_RefuseFiles(request)]
        return None

    @staticmethod
    def _log(request: HttpRequest, reason: str, **fields: object) -> None:
        logger.warning(
            "request refused",
            extra={
                "event": "bad_request",
                "reason": reason,
                "path": request.path[:200],
                "ip": client_ip(request),
                **fields,
            },
        )


def _refusal_response(status: int, template: str, context: dict[str, object] | None = None) -> HttpResponse:
    """Rendered without the request, as `bad_request_response` (no user yet at this point)."""
    return HttpResponse(loader.render_to_string(template, context or {}), status=status)


# --- Caching of signed-in pages ---------------------------------------------------------------------


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user (unless the view set its own):
    pages and files of answers must not come back from the browser's cache, e.g. with the back button
    after a logout on a shared computer. Install it after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        response = self.get_response(request)
        if signed_in and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response
