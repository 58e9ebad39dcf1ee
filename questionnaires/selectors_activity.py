"""Reads of the activity page: the filtered events, and their rows for the CSV download."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from .csv_io import csv_safe
from .models import ActivityEvent, Campaign, Iscm


@dataclass
class ActivityFilters:
    campaign: Campaign | None = None
    iscm: Iscm | None = None
    person: str = ""
    kind: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def activity_events(filters: ActivityFilters) -> QuerySet[ActivityEvent]:
    """Newest first, with the people, campaign and ISCM joined in (one query per page)."""
    events = ActivityEvent.objects.select_related("actor", "person", "campaign", "iscm").order_by("-at", "-id")
    if filters.campaign is not None:
        events = events.filter(campaign=filters.campaign)
    if filters.iscm is not None:
        events = events.filter(iscm=filters.iscm)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.person:
        text = filters.person.strip()
        events = events.filter(
            Q(actor__username__icontains=text)
            | Q(actor__email__icontains=text)
            | Q(person__username__icontains=text)
            | Q(person__email__icontains=text)
            | Q(username__icontains=text)
        )
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:  # the whole day of `date_to` is included
        events = events.filter(at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    return events


def _name(user) -> str:
    return (user.email or user.get_username()) if user is not None else ""


ACTIVITY_CSV_HEADER = ["at", "kind", "by", "person", "campaign", "iscm", "detail", "ip"]


def activity_csv_rows(events: QuerySet[ActivityEvent]) -> Iterator[list[str]]:
    """Header, then one row per event, each cell made safe for spreadsheets (`csv_safe`)."""
    yield ACTIVITY_CSV_HEADER
    for event in events.iterator(chunk_size=500):
        row = [
            event.at.isoformat(timespec="seconds"),
            event.kind,
            _name(event.actor),
            _name(event.person) or event.username,
            event.campaign.slug if event.campaign else "",
            event.iscm.acronym if event.iscm else "",
            event.detail,
            event.ip or "",
        ]
        yield [csv_safe(cell) for cell in row]
