"""Reads of the coordinator pages: the campaign list, the response tracker, a response under review.
Each runs a fixed number of queries whatever the number of ISCMs, responses or events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from .models import (
    LANGUAGE_CODES,
    Campaign,
    Invitation,
    Iscm,
    Membership,
    Questionnaire,
    Reminder,
    Response,
    ResponseEvent,
)
from .numbering import question_numbers
from .schema import questionnaire_schema
from .selectors import response_answers

# Statuses of a response that still need the focal points to act: nothing yet, a draft, or a response
# the coordinator returned for revision. Submitted and validated responses are never reminded.
NEEDS_ACTION = (Response.Status.DRAFT, Response.Status.RETURNED)
NOT_STARTED = "not_started"
TRACKER_STATUSES = [
    (NOT_STARTED, gettext_lazy("Not started")),
    *Response.Status.choices,
]


def campaigns_with_counts() -> QuerySet[Campaign]:
    """Every campaign with its invited and responded counts (one query)."""
    invited = Invitation.objects.filter(campaign=OuterRef("pk")).values("campaign").annotate(n=Count("pk"))
    responded = (
        Response.objects.filter(campaign=OuterRef("pk"), status__in=Response.RESPONDED)
        .values("campaign")
        .annotate(n=Count("pk"))
    )
    return (
        Campaign.objects.select_related("questionnaire")
        .annotate(
            invited_count=Coalesce(Subquery(invited.values("n"), output_field=IntegerField()), 0),
            responded_count=Coalesce(Subquery(responded.values("n"), output_field=IntegerField()), 0),
        )
        .order_by("-opens_at", "slug")
    )


def campaign_copy_initial(source: Campaign) -> dict[str, object]:
    """A new campaign's form filled from `source`: its texts and invited ISCMs, and its questionnaire in
    the newest published version (the same one when there is none newer). Short name and dates are left
    for the coordinator to set."""
    newest = (
        Questionnaire.objects.filter(
            slug=source.questionnaire.slug,
            status=Questionnaire.Status.PUBLISHED,
            version__gte=source.questionnaire.version,
        )
        .order_by("-version")
        .first()
    )
    names = [f"{name}_{code}" for name in ("title", "intro") for code in LANGUAGE_CODES]
    texts = {name: getattr(source, name) for name in names}
    return {
        **texts,
        "questionnaire": (newest or source.questionnaire).pk,
        "invited_iscms": list(source.invitations.values_list("iscm_id", flat=True)),
    }


@dataclass
class TrackerRow:
    iscm: Iscm
    status: str
    status_label: str
    response: Response | None
    invitation: Invitation | None = None
    reminders: list[Reminder] = field(default_factory=list)
    focal_points: list[Membership] = field(default_factory=list)

    @property
    def last_activity(self):
        return self.response.updated_at if self.response else None

    @property
    def needs_action(self) -> bool:
        return self.status == NOT_STARTED or self.status in NEEDS_ACTION


@dataclass
class Tracker:
    rows: list[TrackerRow]
    invited: int
    counts: dict[str, int]
    regions: list[str]


# Sortable tracker columns: key of the row each one sorts by (ties keep the acronym order).
TRACKER_SORTS = {
    "iscm": lambda row: row.iscm.acronym.lower(),
    "status": lambda row: [value for value, _label in TRACKER_STATUSES].index(row.status),
    "activity": lambda row: row.last_activity.timestamp() if row.last_activity else 0,
    "submitted": lambda row: row.response.submitted_at.timestamp() if row.response and row.response.submitted_at else 0,
    "reminders": lambda row: len(row.reminders),
    "focal_points": lambda row: len(row.focal_points),
}


def campaign_tracker(
    *, campaign: Campaign, status: str = "", region: str = "", search: str = "", sort: str = ""
) -> Tracker:
    """The response tracker: every invited ISCM (filtered by status, region and a search on the
    acronym or name; sorted by any column, `-` first for descending) in six queries."""
    invitations = (
        Invitation.objects.filter(campaign=campaign).select_related("iscm").order_by("iscm__acronym")
    )
    if region:
        invitations = invitations.filter(iscm__region=region)
    search = search.strip()
    if search:
        invitations = invitations.filter(Q(iscm__acronym__icontains=search) | Q(iscm__name__icontains=search))
    if status == NOT_STARTED:
        invitations = invitations.exclude(
            Exists(Response.objects.filter(campaign=campaign, iscm=OuterRef("iscm")))
        )
    elif status in Response.Status.values:
        invitations = invitations.filter(
            Exists(Response.objects.filter(campaign=campaign, iscm=OuterRef("iscm"), status=status))
        )
    invitations = list(invitations)
    for invitation in invitations:
        invitation.campaign = campaign  # for the ISCM's own deadline (an extension), without a query each
    iscm_ids = [invitation.iscm_id for invitation in invitations]

    responses = {
        response.iscm_id: response
        for response in Response.objects.filter(campaign=campaign, iscm_id__in=iscm_ids).select_related(
            "submitted_by", "updated_by"
        )
    }
    reminders: dict[int, list[Reminder]] = {}
    for reminder in Reminder.objects.filter(campaign=campaign, iscm_id__in=iscm_ids).select_related(
        "sent_by"
    ):
        reminders.setdefault(reminder.iscm_id, []).append(reminder)
    memberships: dict[int, list[Membership]] = {}
    for membership in (
        Membership.objects.filter(iscm_id__in=iscm_ids).select_related("user").order_by("user__username")
    ):
        memberships.setdefault(membership.iscm_id, []).append(membership)

    labels = dict(TRACKER_STATUSES)
    rows = []
    for invitation in invitations:
        response = responses.get(invitation.iscm_id)
        row_status = response.status if response else NOT_STARTED
        rows.append(
            TrackerRow(
                iscm=invitation.iscm,
                status=row_status,
                status_label=str(labels[row_status]),
                response=response,
                invitation=invitation,
                reminders=reminders.get(invitation.iscm_id, []),
                focal_points=memberships.get(invitation.iscm_id, []),
            )
        )

    key = TRACKER_SORTS.get(sort.removeprefix("-"))
    if key is not None:
        rows.sort(key=key, reverse=sort.startswith("-"))

    all_invited = Invitation.objects.filter(campaign=campaign)
    by_status = dict(
        Response.objects.filter(campaign=campaign, iscm__invitations__campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    invited = all_invited.count()
    counts = {NOT_STARTED: invited - sum(by_status.values())}
    counts.update({value: by_status.get(value, 0) for value in Response.Status.values})
    regions = list(all_invited.values_list("iscm__region", flat=True).distinct().order_by("iscm__region"))
    return Tracker(rows=rows, invited=invited, counts=counts, regions=regions)


# The groups a coordinator can remind in one action (a returned response has its own comment to act on).
REMIND_GROUPS = {NOT_STARTED: gettext_lazy("not started"), Response.Status.DRAFT: gettext_lazy("in draft")}


@dataclass
class ReminderTarget:
    iscm: Iscm
    emails: list[str]


def reminder_group(*, campaign: Campaign, group: str) -> list[ReminderTarget]:
    """The invited ISCMs of a group (not started, or in draft) that have an active focal point with an
    e-mail address, with those addresses: who a "remind all" would write to (two queries)."""
    invitations = Invitation.objects.filter(campaign=campaign).select_related("iscm").order_by("iscm__acronym")
    in_group = Response.objects.filter(campaign=campaign, iscm=OuterRef("iscm"))
    if group == NOT_STARTED:
        invitations = invitations.exclude(Exists(in_group))
    else:
        invitations = invitations.filter(Exists(in_group.filter(status=group)))
    iscms = {invitation.iscm_id: invitation.iscm for invitation in invitations}
    emails = focal_point_emails(iscms)
    return [ReminderTarget(iscm, emails[iscm_id]) for iscm_id, iscm in iscms.items() if iscm_id in emails]


def response_neighbours(*, response: Response) -> tuple[str | None, str | None]:
    """Acronyms of the previous and next ISCM (alphabetical) with a response to the same campaign."""
    acronyms = list(
        Response.objects.filter(campaign_id=response.campaign_id)
        .order_by("iscm__acronym")
        .values_list("iscm__acronym", flat=True)
    )
    index = acronyms.index(response.iscm.acronym)
    return (acronyms[index - 1] if index > 0 else None, acronyms[index + 1] if index + 1 < len(acronyms) else None)


@dataclass
class ShownValue:
    """An answer as the coordinator reads it: a text, or a list of choice labels; both empty if none."""

    text: str = ""
    labels: list[str] | None = None

    @property
    def is_empty(self) -> bool:
        return not self.text and not self.labels


@dataclass
class ReviewAnswer:
    code: str
    label: str
    value: ShownValue
    number: str = ""
    is_list: bool = False


@dataclass
class ReviewSection:
    title: str
    answers: list[ReviewAnswer]


@dataclass
class ReviewEvent:
    event: ResponseEvent
    changes: list[tuple[str, ShownValue, ShownValue]]  # (question label, before, after)


def response_review_data(*, response: Response) -> tuple[list[ReviewSection], list[ReviewEvent]]:
    """A response's answers by section with labels, and its history with readable changes."""
    schema = questionnaire_schema(response.campaign.questionnaire)
    answers = response_answers(response, schema)

    def readable(code: str, value: object) -> ShownValue:
        shown = schema.answer_display(code, value)
        if isinstance(shown, list):
            return ShownValue(labels=shown) if shown else ShownValue()
        return ShownValue(text=shown)

    numbers = question_numbers(schema)
    sections = [
        ReviewSection(
            section.title,
            [
                ReviewAnswer(
                    question.code,
                    question.label,
                    readable(question.code, answers.get(question.code)),
                    numbers[question.code],
                    question.is_list,
                )
                for question in section.questions
            ],
        )
        for section in schema.sections
    ]

    events = []
    for event in response.events.select_related("user").order_by("-at", "-id"):
        changes = [
            (question.label if (question := schema.question(code)) else code, readable(code, old), readable(code, new))
            for code, (old, new) in event.changes.items()
        ]
        events.append(ReviewEvent(event, changes))
    return sections, events


def focal_point_emails(iscm_ids: Iterable[int]) -> dict[int, list[str]]:
    """Active focal points' e-mail addresses per ISCM (one query): who a reminder goes to."""
    emails: dict[int, list[str]] = {}
    for iscm_id, email in (
        Membership.objects.filter(iscm_id__in=list(iscm_ids), user__is_active=True)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("iscm_id", "user__email")
    ):
        emails.setdefault(iscm_id, []).append(email)
    return emails
