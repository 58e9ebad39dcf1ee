"""Security events, logged to the `iscm.security` logger, and the end of a deactivated user's sessions.

Connected by importing this module (questionnaires/apps.py `ready()`). Every record carries the event
name, the user (id and username), their ISCMs where that helps and the client address; the time is the
record's own. Never a password (Django hands failed-login receivers cleansed credentials, and only the
username is read from them) and never an answer.

Events: `login`, `logout`, `login_failed`, `login_locked_out` (django-axes), `access_denied` (403s and
404s raised by views, from `iscm_survey.middleware.SecurityLogMiddleware`), `role_changed` (groups,
`is_staff`, `is_superuser`), `membership_added` / `membership_removed` (focal points of an ISCM),
`user_deactivated`. Exports and imports are logged by `questionnaires.csv_io`.

Who made a change (`by`) is known when it happens during a request: the middleware puts the signed-in
user in a context variable for the receivers; a management command or the shell leaves it empty.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from importlib import import_module

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from iscm_survey.client_ip import client_ip as iscm_client_ip
from iscm_survey.middleware import SessionRenewalMiddleware

from .models import ActivityEvent, Iscm, Membership
from .services_activity import activity_record

logger = logging.getLogger("iscm.security")

# The signed-in user of the request being served (set by SecurityLogMiddleware), for `by` fields.
current_actor: ContextVar[object | None] = ContextVar("iscm_security_actor", default=None)

User = get_user_model()
WATCHED_FLAGS = ("is_active", "is_staff", "is_superuser")
SESSION_ENGINES_WITH_TABLE = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
    "iscm_survey.sessions",  # cached_db that falls back to the database while Redis is down
)


def client_ip(request: HttpRequest | None) -> str | None:
    # the same address django-axes keys its lockouts on (behind the trusted proxies)
    return iscm_client_ip(request)


def user_fields(user) -> dict[str, object]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user": None, "username": None}
    return {"user": user.pk, "username": user.get_username()}


def user_iscms(user) -> list[str]:
    if user is None or not getattr(user, "pk", None):
        return []
    return sorted(Membership.objects.filter(user_id=user.pk).values_list("iscm__acronym", flat=True))


def _by() -> dict[str, object]:
    actor = current_actor.get()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"by": None, "by_username": None}
    return {"by": actor.pk, "by_username": actor.get_username()}


def log_event(event: str, message: str, *, level: int = logging.INFO, **fields: object) -> None:
    logger.log(level, message, extra={"event": event, **fields})


# --- Logins -------------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="security_login")
def on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    log_event("login", "login", **user_fields(user), iscms=user_iscms(user), ip=client_ip(request))
    activity_record(kind=ActivityEvent.Kind.LOGIN, actor=user, person=user, ip=client_ip(request))


@receiver(user_logged_in, dispatch_uid="session_renewed_at_login")
def on_login_session_renewed(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """A login writes the session: it counts as its renewal (iscm_survey.middleware.SessionRenewalMiddleware),
    so the pages right after it do not write the session again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SessionRenewalMiddleware.RENEWED_AT] = int(time.time())


@receiver(user_logged_out, dispatch_uid="security_logout")
def on_logout(sender, request: HttpRequest | None, user, **kwargs) -> None:
    log_event("logout", "logout", **user_fields(user), ip=client_ip(request))


@receiver(user_login_failed, dispatch_uid="security_login_failed")
def on_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    # Only the username is read: `credentials` is cleansed by Django, but nothing else is needed.
    username = str(credentials.get("username") or "")[:150]
    # the account the login would have matched (logins ignore the case: questionnaires/auth_backends.py)
    known = User.objects.filter(username__iexact=username).order_by("id").first() if username else None
    log_event(
        "login_failed",
        "login failed",
        level=logging.WARNING,
        username=username,
        user=known.pk if known else None,
        iscms=user_iscms(known),
        ip=client_ip(request),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_locked_out, dispatch_uid="security_locked_out")
def on_locked_out(sender, request: HttpRequest | None = None, username=None, ip_address=None, **kwargs) -> None:
    log_event(
        "login_locked_out",
        "login locked out after repeated failures",
        level=logging.WARNING,
        username=str(username or "")[:150],
        ip=ip_address or client_ip(request),
        failure_limit=settings.AXES_FAILURE_LIMIT,
    )
    username = str(username or "")[:150]
    activity_record(
        kind=ActivityEvent.Kind.LOCKOUT,
        person_id=User.objects.filter(username=username).values_list("pk", flat=True).first() if username else None,
        username=username,
        detail=f"locked out after {settings.AXES_FAILURE_LIMIT} failed logins",
        ip=ip_address or client_ip(request),
    )


# --- Roles --------------------------------------------------------------------------------------


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="security_groups_changed")
def on_groups_changed(sender, instance, action: str, reverse: bool, model, pk_set, **kwargs) -> None:
    """Group membership is the coordinator and observer role: log every change, from either side."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    from django.contrib.auth.models import Group

    if action == "pre_clear":
        related = instance.user_set if reverse else instance.groups
        pk_set = set(related.values_list("pk", flat=True))
        change = "groups_cleared"
    else:
        change = "group_added" if action == "post_add" else "group_removed"
    if not pk_set:
        return
    if reverse:  # group.user_set.add(...): one group, several users
        pairs = [(user_pk, instance.name) for user_pk in sorted(pk_set)]
    else:
        names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        pairs = [(instance.pk, name) for name in names]
    for user_pk, group in pairs:
        log_event("role_changed", "role changed", change=change, user=user_pk, group=group, **_by())
        activity_record(
            kind=ActivityEvent.Kind.ROLE, actor=current_actor.get(), person_id=user_pk, detail=f"{change}: {group}"
        )


@receiver(post_save, sender=Membership, dispatch_uid="security_membership_added")
def on_membership_saved(sender, instance: Membership, created: bool, raw: bool = False, **kwargs) -> None:
    if created:
        log_event(
            "membership_added",
            "focal point added to an ISCM",
            user=instance.user_id,
            iscm=instance.iscm.acronym,
            role=instance.role,
            **_by(),
        )
        if not raw:  # a restore (loaddata) brings its own activity rows
            activity_record(
                kind=ActivityEvent.Kind.MEMBERSHIP,
                actor=current_actor.get(),
                person_id=instance.user_id,
                iscm_id=instance.iscm_id,
                detail="focal point added",
            )


@receiver(post_delete, sender=Membership, dispatch_uid="security_membership_removed")
def on_membership_deleted(sender, instance: Membership, origin=None, **kwargs) -> None:
    # a query rather than instance.iscm: robust when the ISCM itself is being deleted with its memberships
    acronym = Iscm.objects.filter(pk=instance.iscm_id).values_list("acronym", flat=True).first()
    log_event("membership_removed", "focal point removed from an ISCM", user=instance.user_id, iscm=acronym, **_by())
    # Only a removal of the membership itself: when a user or an ISCM is deleted, its memberships go
    # with it, and a row pointing at the row being deleted would break the foreign key at commit.
    if isinstance(origin, Membership) or getattr(origin, "model", None) is Membership:
        activity_record(
            kind=ActivityEvent.Kind.MEMBERSHIP,
            actor=current_actor.get(),
            person_id=instance.user_id,
            iscm_id=instance.iscm_id,
            detail=f"focal point removed from {acronym}",
        )


# --- Account flags: staff, superuser, active ------------------------------------------------------


@receiver(pre_save, sender=User, dispatch_uid="security_user_flags_before")
def on_user_before_save(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Remember the stored flags; a save that does not touch them (e.g. last_login) costs no query."""
    instance._security_previous = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(WATCHED_FLAGS):
        return
    instance._security_previous = User.objects.filter(pk=instance.pk).values(*WATCHED_FLAGS).first()


@receiver(post_save, sender=User, dispatch_uid="security_user_flags_after")
def on_user_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    previous = getattr(instance, "_security_previous", None)
    instance._security_previous = None
    if created:
        if instance.is_staff or instance.is_superuser:
            log_event(
                "role_changed",
                "privileged account created",
                change="created",
                user=instance.pk,
                is_staff=instance.is_staff,
                is_superuser=instance.is_superuser,
                **_by(),
            )
            activity_record(
                kind=ActivityEvent.Kind.ROLE,
                actor=current_actor.get(),
                person_id=instance.pk,
                detail="privileged account created" + (" (superuser)" if instance.is_superuser else " (staff)"),
            )
        return
    if previous is None:
        return
    for flag in ("is_staff", "is_superuser"):
        if previous[flag] != getattr(instance, flag):
            log_event(
                "role_changed",
                "role changed",
                change=f"{flag}_{'set' if getattr(instance, flag) else 'unset'}",
                user=instance.pk,
                **_by(),
            )
            activity_record(
                kind=ActivityEvent.Kind.ROLE,
                actor=current_actor.get(),
                person_id=instance.pk,
                detail=f"{flag}_{'set' if getattr(instance, flag) else 'unset'}",
            )
    if previous["is_active"] and not instance.is_active:
        ended = user_sessions_end(user=instance)
        log_event(
            "user_deactivated",
            "user deactivated; their sessions ended",
            user=instance.pk,
            sessions_ended=ended,
            **_by(),
        )
        activity_record(
            kind=ActivityEvent.Kind.ROLE, actor=current_actor.get(), person_id=instance.pk, detail="deactivated"
        )


def user_sessions_end(*, user) -> int:
    """Delete every live session of `user`; returns how many.

    Sessions are stored in the database (the cached engines too, with a copy in Redis deleted here with
    the row): the unexpired ones are read and decoded to find the user's. That is a scan of the live
    sessions, fine for this application's few hundred accounts and run only when an account is
    deactivated. (Even without it, Django refuses an inactive user on the next request; deleting the
    sessions also keeps a re-activated account from finding its old sessions alive.) With a session
    engine without a table, nothing is deleted and a warning is logged.
    """
    if settings.SESSION_ENGINE not in SESSION_ENGINES_WITH_TABLE:
        log_event(
            "sessions_not_ended",
            "cannot list sessions of this session engine",
            level=logging.WARNING,
            user=user.pk,
            engine=settings.SESSION_ENGINE,
        )
        return 0
    from django.contrib.sessions.models import Session

    user_id = str(user.pk)
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
        if str(session.get_decoded().get(SESSION_KEY)) == user_id
    ]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()  # also clears the cache of the cached_db engine
    return len(keys)
