"""Reads of the coordinator pages: the campaign list, the response tracker, a response under review.
Each runs a fixed number of queries whatever the number of ISCMs, responses or events."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
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


def campaign_tracker(*, campaign: Campaign, status: str = "", region: str = "") -> Tracker:
    """The response tracker: every invited ISCM (filtered by status and region) in six queries."""
    invitations = (
        Invitation.objects.filter(campaign=campaign).select_related("iscm").order_by("iscm__acronym")
    )
    if region:
        invitations = invitations.filter(iscm__region=region)
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

    sections = [
        ReviewSection(
            section.title,
            [
                ReviewAnswer(question.code, question.label, readable(question.code, answers.get(question.code)))
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
