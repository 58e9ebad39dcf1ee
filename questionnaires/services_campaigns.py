"""Campaigns as the coordinator runs them: create, edit, close; focal-point invitations; reminders.

Writes are plain functions with keyword-only arguments; e-mails leave through Celery once the
transaction commits (`_enqueue`), and a dead broker never fails the coordinator's action.

The read side of the coordinator pages is in `selectors_campaigns.py`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from iscm_survey.publish import task_publish_on_commit

from .models import (
    ActivityEvent,
    Campaign,
    Invitation,
    Iscm,
    Membership,
    Questionnaire,
    Reminder,
    Response,
)
from .selectors_campaigns import REMIND_GROUPS, focal_point_emails, reminder_group
from .services_activity import activity_record
from .signals import answers_changed_announce

logger = logging.getLogger(__name__)

class CampaignInvalid(Exception):
    """The change was refused; `errors` maps form field names (or None) to messages."""

    def __init__(self, errors: dict[str | None, list[str]]):
        super().__init__(errors)
        self.errors = errors


# --- Campaigns ------------------------------------------------------------------------------------


def _campaign_check(
    *, campaign: Campaign | None, questionnaire: Questionnaire, opens_at, closes_at, iscms: Iterable[Iscm]
) -> None:
    errors: dict[str | None, list[str]] = {}
    if questionnaire.status != Questionnaire.Status.PUBLISHED:
        errors["questionnaire"] = [_("Pick a published questionnaire.")]
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_("The campaign must close after it opens.")]
    if campaign is not None:
        responses = Response.objects.filter(campaign=campaign)
        if questionnaire.pk != campaign.questionnaire_id and responses.exists():
            errors.setdefault("questionnaire", []).append(
                _("ISCMs have already answered this campaign: its questionnaire can no longer change.")
            )
        kept = {iscm.pk for iscm in iscms}
        removed_answered = sorted(responses.exclude(iscm_id__in=kept).values_list("iscm__acronym", flat=True))
        if removed_answered:
            errors["invited_iscms"] = [
                _("These ISCMs already have a response and cannot be removed from the campaign: %(list)s.")
                % {"list": ", ".join(removed_answered)}
            ]
    if errors:
        raise CampaignInvalid(errors)


@transaction.atomic
def campaign_create(
    *,
    user: AbstractBaseUser,
    slug: str,
    questionnaire: Questionnaire,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    iscms: Iterable[Iscm],
    texts: dict[str, str],
) -> Campaign:
    """`texts` holds the translatable columns (`title_en`, `intro_fr`, ...)."""
    iscms = list(iscms)
    _campaign_check(
        campaign=None, questionnaire=questionnaire, opens_at=opens_at, closes_at=closes_at, iscms=iscms
    )
    taken = CampaignInvalid({"slug": [_("Another campaign already uses this short name.")]})
    if Campaign.objects.filter(slug=slug).exists():
        raise taken
    try:
        with transaction.atomic():  # two coordinators creating the same short name at once
            campaign = Campaign.objects.create(
                slug=slug,
                questionnaire=questionnaire,
                opens_at=opens_at,
                closes_at=closes_at,
                **_texts(texts),
            )
    except IntegrityError as error:
        raise taken from error
    Invitation.objects.bulk_create(Invitation(campaign=campaign, iscm=iscm) for iscm in iscms)
    _announce_if_open(campaign)
    logger.info(
        "campaign created",
        extra={"event": "campaign_created", "campaign": campaign.pk, "user": user.pk, "invited": len(iscms)},
    )
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    user: AbstractBaseUser,
    questionnaire: Questionnaire,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    iscms: Iterable[Iscm],
    texts: dict[str, str],
) -> Campaign:
    """Change dates, texts and invited ISCMs. An ISCM that already has a response stays invited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    iscms = list(iscms)
    _campaign_check(
        campaign=campaign, questionnaire=questionnaire, opens_at=opens_at, closes_at=closes_at, iscms=iscms
    )
    campaign.questionnaire = questionnaire
    campaign.opens_at = opens_at
    campaign.closes_at = closes_at
    for name, value in _texts(texts).items():
        setattr(campaign, name, value)
    campaign.save()
    wanted = {iscm.pk for iscm in iscms}
    current = set(Invitation.objects.filter(campaign=campaign).values_list("iscm_id", flat=True))
    Invitation.objects.filter(campaign=campaign, iscm_id__in=current - wanted).delete()
    Invitation.objects.bulk_create(
        Invitation(campaign=campaign, iscm_id=pk) for pk in sorted(wanted - current)
    )
    if wanted - current:
        _announce_if_open(campaign)
    if wanted != current:
        # The invited count is part of the stored figures (response rate).
        answers_changed_announce(campaign_id=campaign.pk)
    logger.info(
        "campaign updated",
        extra={
            "event": "campaign_updated",
            "campaign": campaign.pk,
            "user": user.pk,
            "invited_added": len(wanted - current),
            "invited_removed": len(current - wanted),
        },
    )
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, user: AbstractBaseUser) -> Campaign:
    """Close now, before `closes_at`: focal points can no longer change their responses."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == Campaign.Status.CLOSED:
        raise CampaignInvalid({None: [_("This campaign is already closed.")]})
    campaign.closed_manually_at = timezone.now()
    campaign.save(update_fields=["closed_manually_at"])
    logger.info(
        "campaign closed", extra={"event": "campaign_closed", "campaign": campaign.pk, "user": user.pk}
    )
    return campaign


@transaction.atomic
def invitation_extend(
    *, campaign: Campaign, iscm: Iscm, until: datetime.datetime, user: AbstractBaseUser
) -> Invitation:
    """Let one ISCM answer until `until`, later than the campaign's close: an extension for one ISCM
    (a late start, a response returned for revision after the close). The other ISCMs stay closed."""
    invitation = (
        Invitation.objects.select_for_update().select_related("campaign").filter(campaign=campaign, iscm=iscm).first()
    )
    if invitation is None:
        raise CampaignInvalid({None: [_("This ISCM is not invited to the campaign.")]})
    now = timezone.now()
    if until <= now:
        raise CampaignInvalid({"until": [_("Choose a date and time in the future.")]})
    if until <= invitation.campaign.effective_close:
        raise CampaignInvalid(
            {"until": [_("The campaign is open until then anyway: choose a later date and time.")]}
        )
    if invitation.campaign.opens_at > now:
        raise CampaignInvalid({None: [_("This campaign has not opened yet: change its dates instead.")]})
    invitation.extended_until = until
    invitation.extended_by = user
    invitation.save(update_fields=["extended_until", "extended_by"])
    logger.info(
        "invitation extended",
        extra={
            "event": "invitation_extended",
            "campaign": campaign.pk,
            "iscm": iscm.pk,
            "user": user.pk,
            "until": until.isoformat(),
        },
    )
    return invitation


def _texts(texts: dict[str, str]) -> dict[str, str]:
    allowed = {f"{name}_{code}" for name in ("title", "intro") for code in ("en", "fr", "es", "ar")}
    return {name: (value or "").strip() for name, value in texts.items() if name in allowed}


# --- Focal points and their invitations -------------------------------------------------------


@dataclass
class InviteResult:
    user: AbstractBaseUser
    created_user: bool
    created_membership: bool


@transaction.atomic
def focal_point_invite(*, iscm: Iscm, email: str, invited_by: AbstractBaseUser) -> InviteResult:
    """Make `email` a focal point of `iscm` and e-mail them an invitation.

    A new person gets an account (username = e-mail, no usable password) and a one-time link to set
    their password; someone who already has an account is told they now answer for this ISCM too.
    """
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    user_model = get_user_model()
    user = (
        user_model.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).order_by("pk").first()
    )
    created_user = user is None
    if created_user:
        user = user_model(username=email, email=email)
        user.set_unusable_password()
        user.save()
    _membership, created_membership = Membership.objects.get_or_create(user=user, iscm=iscm)
    if not created_membership and user.has_usable_password():
        raise CampaignInvalid(
            {"email": [_("%(email)s is already a focal point of this ISCM.") % {"email": email}]}
        )
    _enqueue("invitation_send", user.pk, iscm.pk, invited_by.pk)
    activity_record(
        kind=ActivityEvent.Kind.INVITATION,
        actor=invited_by,
        person=user,
        iscm=iscm,
        detail="invited as a focal point" if created_membership else "invitation sent again",
    )
    logger.info(
        "focal point invited",
        extra={"event": "focal_point_invited", "iscm": iscm.pk, "user": user.pk, "by": invited_by.pk},
    )
    return InviteResult(user, created_user, created_membership)


@transaction.atomic
def focal_point_invitation_resend(
    *, iscm: Iscm, user: AbstractBaseUser, invited_by: AbstractBaseUser
) -> None:
    if not Membership.objects.filter(iscm=iscm, user=user).exists():
        raise CampaignInvalid({None: [_("This person is not a focal point of this ISCM.")]})
    _enqueue("invitation_send", user.pk, iscm.pk, invited_by.pk)
    activity_record(
        kind=ActivityEvent.Kind.INVITATION, actor=invited_by, person=user, iscm=iscm, detail="invitation sent again"
    )
    logger.info(
        "invitation resent",
        extra={"event": "invitation_resent", "iscm": iscm.pk, "user": user.pk, "by": invited_by.pk},
    )


@transaction.atomic
def focal_point_remove(*, iscm: Iscm, user: AbstractBaseUser, removed_by: AbstractBaseUser) -> None:
    """The person keeps their account (and their name in the history); they no longer answer for the ISCM."""
    deleted, _details = Membership.objects.filter(iscm=iscm, user=user).delete()
    if not deleted:
        raise CampaignInvalid({None: [_("This person is not a focal point of this ISCM.")]})
    logger.info(
        "focal point removed",
        extra={"event": "focal_point_removed", "iscm": iscm.pk, "user": user.pk, "by": removed_by.pk},
    )


def focal_points_of(iscm: Iscm) -> QuerySet[Membership]:
    return Membership.objects.filter(iscm=iscm).select_related("user").order_by("user__username")


# --- Reminders ------------------------------------------------------------------------------------


def _needing_action(campaign: Campaign) -> QuerySet[Invitation]:
    """Invitations of ISCMs that have not responded: no response, a draft, or a returned response."""
    responded = Response.objects.filter(
        campaign=campaign,
        iscm=OuterRef("iscm"),
        status__in=[Response.Status.SUBMITTED, Response.Status.VALIDATED],
    )
    return Invitation.objects.filter(campaign=campaign).exclude(Exists(responded))


def open_campaigns(now: datetime.datetime) -> QuerySet[Campaign]:
    return Campaign.objects.filter(opens_at__lte=now, closes_at__gt=now).filter(
        Q(closed_manually_at__isnull=True) | Q(closed_manually_at__gt=now)
    )


def current_day_mark(campaign: Campaign, now: datetime.datetime) -> int | None:
    """The reminder mark the campaign is at: the smallest configured mark already reached, if any.

    With marks 7 and 2, a campaign 5 days before its close is at mark 7, 1 day before at mark 2.
    Marks only get smaller as time passes, so a mark skipped because the campaign reached two at
    once (e.g. the beat was down) is never sent late: focal points get one e-mail, not two.
    """
    days_left = campaign.days_left_at(now)
    if days_left is None:
        return None
    reached = [mark for mark in getattr(settings, "REMINDER_DAYS_BEFORE_CLOSE", [7, 2]) if days_left <= mark]
    return min(reached) if reached else None


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Beat task body: claim and send the due reminders of every open campaign. Returns how many."""
    now = now or timezone.now()
    sent = 0
    for campaign in open_campaigns(now):
        mark = current_day_mark(campaign, now)
        if mark is None:
            continue
        already = Reminder.objects.filter(campaign=campaign, iscm=OuterRef("iscm"), days_before=mark)
        iscm_ids = list(_needing_action(campaign).exclude(Exists(already)).values_list("iscm_id", flat=True))
        recipients = focal_point_emails(iscm_ids)
        for iscm_id in iscm_ids:
            if not recipients.get(iscm_id):
                continue  # no focal point yet: the tracker says so; the next run tries again
            if _reminder_claim(campaign, iscm_id, mark, recipients[iscm_id], now) is not None:
                sent += 1
    if sent:
        logger.info("reminders sent", extra={"event": "reminders_sent", "count": sent})
    return sent


def _reminder_claim(
    campaign: Campaign, iscm_id: int, mark: int, recipients: list[str], now: datetime.datetime
) -> Reminder | None:
    """Record the reminder, then send it once the row is committed. The unique constraint on
    (campaign, ISCM, day-mark) makes a concurrent or repeated run claim nothing."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                campaign=campaign, iscm_id=iscm_id, days_before=mark, sent_at=now, recipients=recipients
            )
            _enqueue("reminder_send", reminder.pk)
            activity_record(
                kind=ActivityEvent.Kind.REMINDER,
                campaign=campaign,
                iscm_id=iscm_id,
                detail=f"automatic, {mark} days before the close, to {', '.join(recipients)}",
            )
    except IntegrityError:
        return None
    return reminder


@transaction.atomic
def reminder_send_now(*, campaign: Campaign, iscm: Iscm, user: AbstractBaseUser) -> Reminder:
    """The coordinator's "remind now" for one ISCM (recorded with no day-mark, and who sent it)."""
    if not campaign.is_open:
        raise CampaignInvalid({None: [_("Reminders are sent only while the campaign is open.")]})
    if not Invitation.objects.filter(campaign=campaign, iscm=iscm).exists():
        raise CampaignInvalid({None: [_("This ISCM is not invited to the campaign.")]})
    if not _needing_action(campaign).filter(iscm=iscm).exists():
        raise CampaignInvalid(
            {None: [_("%(iscm)s has already submitted its response.") % {"iscm": iscm.acronym}]}
        )
    recipients = focal_point_emails([iscm.pk]).get(iscm.pk)
    if not recipients:
        raise CampaignInvalid(
            {None: [_("%(iscm)s has no focal point yet: invite one first.") % {"iscm": iscm.acronym}]}
        )
    reminder = Reminder.objects.create(campaign=campaign, iscm=iscm, sent_by=user, recipients=recipients)
    _enqueue("reminder_send", reminder.pk)
    activity_record(
        kind=ActivityEvent.Kind.REMINDER,
        actor=user,
        campaign=campaign,
        iscm=iscm,
        detail=f"sent now, to {', '.join(recipients)}",
    )
    logger.info(
        "reminder sent now",
        extra={"event": "reminder_manual", "campaign": campaign.pk, "iscm": iscm.pk, "user": user.pk},
    )
    return reminder


@transaction.atomic
def reminders_send_to_group(
    *, campaign: Campaign, group: str, acronyms: Iterable[str], user: AbstractBaseUser
) -> list[Reminder]:
    """The tracker's "remind all not started / in draft": one reminder per ISCM the coordinator confirmed (`acronyms`,
    as the confirmation page listed them) that is still in the group and still has a focal point."""
    if group not in REMIND_GROUPS:
        raise CampaignInvalid({None: [_("Unknown group of ISCMs.")]})
    if not campaign.is_open:
        raise CampaignInvalid({None: [_("Reminders are sent only while the campaign is open.")]})
    confirmed = set(acronyms)
    reminders = []
    for target in reminder_group(campaign=campaign, group=group):
        if target.iscm.acronym not in confirmed:
            continue  # joined the group after the confirmation page was shown: not announced, not sent
        reminder = Reminder.objects.create(campaign=campaign, iscm=target.iscm, sent_by=user, recipients=target.emails)
        _enqueue("reminder_send", reminder.pk)
        activity_record(
            kind=ActivityEvent.Kind.REMINDER,
            actor=user,
            campaign=campaign,
            iscm=target.iscm,
            detail=f"remind all {group}, to {', '.join(target.emails)}",
        )
        reminders.append(reminder)
    logger.info(
        "reminders sent to a group",
        extra={"event": "reminder_group", "campaign": campaign.pk, "group": group, "count": len(reminders)},
    )
    return reminders


# --- "The campaign is open" -------------------------------------------------------------------------


def campaign_openings_announce(*, now: datetime.datetime | None = None, campaign_id: int | None = None) -> int:
    """Beat task body: e-mail the focal points of every invited ISCM of an open campaign, once.

    Runs every few minutes, so a campaign is announced shortly after `opens_at`, and an ISCM invited
    later to an open campaign gets it too. An ISCM without a focal point is skipped until it has one.
    Each invitation is claimed with a conditional update, so concurrent runs never send it twice.
    Returns how many ISCMs were announced.
    """
    now = now or timezone.now()
    pending = Invitation.objects.filter(announced_at__isnull=True, campaign__in=open_campaigns(now))
    if campaign_id is not None:
        pending = pending.filter(campaign_id=campaign_id)
    pending = list(pending.values_list("pk", "iscm_id"))
    recipients = focal_point_emails(iscm_id for _pk, iscm_id in pending)
    announced = 0
    for pk, iscm_id in pending:
        if not recipients.get(iscm_id):
            continue
        with transaction.atomic():
            if Invitation.objects.filter(pk=pk, announced_at__isnull=True).update(announced_at=now):
                _enqueue("campaign_open_send", pk)
                announced += 1
    if announced:
        logger.info("campaign openings announced", extra={"event": "campaign_open_announced", "count": announced})
    return announced


def _announce_if_open(campaign: Campaign) -> None:
    """New invitations to an open campaign are announced once the change commits, not at the next beat."""
    if campaign.is_open:
        _enqueue("campaign_openings_announce", campaign.pk)


# --- Enqueueing e-mails ---------------------------------------------------------------------------


def _enqueue(task_name: str, *args: object) -> None:
    """Publish the e-mail task once the current transaction commits; a dead broker is logged, not raised."""
    from . import tasks_emails

    task = {
        "invitation_send": tasks_emails.invitation_send,
        "reminder_send": tasks_emails.reminder_send,
        "campaign_open_send": tasks_emails.campaign_open_send,
        "campaign_openings_announce": tasks_emails.campaign_openings_announce_task,
    }
    task_publish_on_commit(task[task_name], args=list(args), log_extra={"task_args": list(args)})
