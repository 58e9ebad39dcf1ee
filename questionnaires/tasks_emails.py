"""Celery tasks that e-mail the coordinator side's messages: invitations, reminders (the daily beat and
one-off) and campaign-opening announcements.

Imported by `questionnaires/tasks.py` so that Celery's autodiscovery registers them. Tasks take ids,
render the e-mail in the recipient's language and send it; an SMTP failure is retried with backoff.
"""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Invitation, Iscm, Membership, Profile, Reminder
from .selectors import focal_points_to_email
from .services_campaigns import campaign_openings_announce, reminders_send_due

logger = logging.getLogger(__name__)

__all__ = [
    "campaign_open_send",
    "campaign_openings_announce_task",
    "invitation_send",
    "reminder_send",
    "reminders_send_due_task",
]

MAIL_ERRORS = (smtplib.SMTPException, OSError)
# Every e-mail task: acknowledged once done, and retried with backoff while the mail server fails.
MAIL_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": MAIL_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
}


def _language_of(user) -> str:
    if user is None:
        return settings.LANGUAGE_CODE
    try:
        return user.profile.language or settings.LANGUAGE_CODE
    except Profile.DoesNotExist:
        return settings.LANGUAGE_CODE


def _render(name: str, context: dict[str, object]) -> tuple[str, str]:
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    body = render_to_string(f"emails/{name}.txt", context)
    return subject, body


@shared_task(
    name="reminders_send_due",
    acks_late=True,
    reject_on_worker_lost=True,
)
def reminders_send_due_task() -> int:
    """Beat (hourly): send the reminders that have come due; rerunning sends nothing twice."""
    return reminders_send_due()


@shared_task(name="invitation_send", max_retries=8, **MAIL_TASK)
def invitation_send(user_id: int, iscm_id: int, invited_by_id: int | None = None) -> bool:
    """E-mail a focal point their invitation: a one-time link to set a password, or, for someone who
    already has a password, a note that they now answer for this ISCM too."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    iscm = Iscm.objects.filter(pk=iscm_id).first()
    if user is None or iscm is None or not user.email:
        return False
    if not Membership.objects.filter(user=user, iscm=iscm).exists():
        return False  # removed before the e-mail left
    invited_by = get_user_model().objects.filter(pk=invited_by_id).first() if invited_by_id else None
    set_password_url = ""
    if not user.has_usable_password():
        path = reverse(
            "questionnaires:invitation_accept",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        set_password_url = settings.SITE_URL + path
    context = {
        "user": user,
        "iscm": iscm,
        "invited_by": invited_by,
        "set_password_url": set_password_url,
        "login_url": settings.SITE_URL + reverse("login"),
        "site_url": settings.SITE_URL,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override(_language_of(user)):
        subject, body = _render("invitation", context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    logger.info(
        "invitation e-mailed", extra={"event": "invitation_emailed", "user": user.pk, "iscm": iscm.pk}
    )
    return True


@shared_task(name="reminder_send", max_retries=8, **MAIL_TASK)
def reminder_send(reminder_id: int) -> int:
    """E-mail one recorded reminder to each of its recipients; returns how many messages left."""
    reminder = Reminder.objects.select_related("campaign", "iscm").filter(pk=reminder_id).first()
    if reminder is None:
        return 0
    campaign = reminder.campaign
    users = {
        user.email.lower(): user
        for user in get_user_model().objects.filter(email__in=reminder.recipients).select_related("profile")
    }
    path = reverse("questionnaires:respond", kwargs={"slug": campaign.slug, "acronym": reminder.iscm.acronym})
    messages = []
    for email in reminder.recipients:
        user = users.get(email.lower())
        context = {
            "user": user,
            "campaign": campaign,
            "iscm": reminder.iscm,
            "closes_at": campaign.effective_close,
            "days_before": reminder.days_before,
            "respond_url": settings.SITE_URL + path,
            "site_url": settings.SITE_URL,
        }
        with translation.override(_language_of(user)):
            subject, body = _render("reminder", context)
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email]))
    sent = get_connection().send_messages(messages) or 0
    logger.info(
        "reminder e-mailed",
        extra={"event": "reminder_emailed", "reminder": reminder.pk, "campaign": campaign.pk, "count": sent},
    )
    return sent


@shared_task(
    name="campaign_openings_announce",
    acks_late=True,
    reject_on_worker_lost=True,
)
def campaign_openings_announce_task(campaign_id: int | None = None) -> int:
    """Beat (every 5 minutes), and at once when ISCMs are invited to an open campaign."""
    return campaign_openings_announce(campaign_id=campaign_id)


@shared_task(name="campaign_open_send", max_retries=8, **MAIL_TASK)
def campaign_open_send(invitation_id: int) -> int:
    """E-mail "the campaign is open" to each active focal point of the invited ISCM, in their language."""
    invitation = Invitation.objects.select_related("campaign", "iscm").filter(pk=invitation_id).first()
    if invitation is None:
        return 0
    campaign, iscm = invitation.campaign, invitation.iscm
    path = reverse("questionnaires:respond", kwargs={"slug": campaign.slug, "acronym": iscm.acronym})
    users = focal_points_to_email(iscm)
    messages = []
    for user in users:
        context = {
            "user": user,
            "campaign": campaign,
            "iscm": iscm,
            "closes_at": campaign.effective_close,
            "respond_url": settings.SITE_URL + path,
            "site_url": settings.SITE_URL,
        }
        with translation.override(_language_of(user)):
            subject, body = _render("campaign_open", context)
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    sent = get_connection().send_messages(messages) or 0
    logger.info(
        "campaign opening e-mailed",
        extra={"event": "campaign_open_emailed", "campaign": campaign.pk, "iscm": iscm.pk, "count": sent},
    )
    return sent
