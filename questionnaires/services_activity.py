"""The activity record of coordinators' and admins' actions (see `models.ActivityEvent`).

Services call `activity_record` in the transaction of the action they perform, so a rolled-back
action leaves no trace; the security receivers call it for logins, lockouts and role changes.
"""

from __future__ import annotations

import ipaddress

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import ActivityEvent, Campaign, Iscm


def _user_or_none(user: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def activity_export_record(*, user: AbstractBaseUser, query: str) -> ActivityEvent:
    """The activity log's own download is an export too."""
    return activity_record(kind=ActivityEvent.Kind.EXPORT, actor=user, detail=f"activity log ({query})")


def _ip_or_none(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def activity_record(
    *,
    kind: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    person: AbstractBaseUser | None = None,
    person_id: int | None = None,
    username: str = "",
    campaign: Campaign | None = None,
    iscm: Iscm | None = None,
    iscm_id: int | None = None,
    detail: str = "",
    ip: str | None = None,
) -> ActivityEvent:
    actor = _user_or_none(actor)
    return ActivityEvent.objects.create(
        kind=kind,
        actor=actor,
        person_id=person.pk if person is not None else person_id,
        username=(username or (person.get_username() if person is not None else ""))[:150],
        campaign=campaign,
        iscm_id=iscm.pk if iscm is not None else iscm_id,
        detail=detail[:500],
        ip=_ip_or_none(ip),
    )
