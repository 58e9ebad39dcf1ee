"""E-mails about a response: the confirmation sent when it is submitted, and the coordinator's review
(returned for revision, validated) sent to the ISCM's focal points.

The view registers the e-mail with `response_confirmation_enqueue`; it is published to Celery only
once the transaction commits, and a broker that is down never fails the submission: the error is
logged and the submission stands.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from iscm_survey.publish import task_publish_on_commit

from .models import Invitation, Membership, Profile, Response, ResponseEvent
from .selectors import focal_points_to_email

logger = logging.getLogger(__name__)


def response_confirmation_enqueue(*, response_id: int, user_id: int) -> None:
    """Send the confirmation once the current transaction commits (at once outside a transaction)."""
    from .tasks import response_confirmation_send_task

    task_publish_on_commit(
        response_confirmation_send_task, args=[response_id, user_id], log_extra={"response": response_id}
    )


def _address(user) -> str:
    return (user.email or (user.get_username() if "@" in user.get_username() else "")).strip()


def response_confirmation_send(*, response_id: int, user_id: int) -> int:
    """Send the confirmation to the focal point who submitted, copying the ISCM's other focal points.

    Returns the number of messages sent (0 when there is nobody to write to).
    """
    response = Response.objects.select_related("campaign", "iscm", "submitted_by").filter(pk=response_id).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if response is None or user is None:
        return 0
    to = _address(user)
    if not to:
        return 0
    others = (
        Membership.objects.filter(iscm_id=response.iscm_id)
        .exclude(user_id=user.pk)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    cc = sorted({address for address in (_address(m.user) for m in others) if address and address != to})
    path = reverse(
        "questionnaires:response_detail",
        kwargs={"slug": response.campaign.slug, "acronym": response.iscm.acronym},
    )
    context = {
        "response": response,
        "campaign": response.campaign,
        "iscm": response.iscm,
        "user": user,
        "url": f"{settings.SITE_URL}{path}",
    }
    with translation.override(response.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("emails/response_submitted_subject.txt", context).split())
        body = render_to_string("emails/response_submitted.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[to], cc=cc)
    sent = message.send()
    logger.info(
        "submission confirmation sent",
        extra={"event": "confirmation_sent", "response": response_id, "recipients": 1 + len(cc)},
    )
    return sent


def response_review_enqueue(*, response_id: int, version: int) -> None:
    """E-mail the focal points the coordinator's review (the event of `version`) once the transaction commits."""
    from .tasks import response_review_send_task

    task_publish_on_commit(
        response_review_send_task, args=[response_id, version], log_extra={"response": response_id}
    )


def _language_of(user) -> str:
    try:
        return user.profile.language or settings.LANGUAGE_CODE
    except Profile.DoesNotExist:
        return settings.LANGUAGE_CODE


REVIEW_TEMPLATES = {
    ResponseEvent.Action.RETURNED: "response_returned",
    ResponseEvent.Action.VALIDATED: "response_validated",
}


def response_review_send(*, response_id: int, version: int) -> int:
    """Tell every active focal point of the ISCM that the coordinator returned or validated the response,
    with the coordinator's comment, each in their own language. Returns the number of messages sent."""
    event = (
        ResponseEvent.objects.select_related("response__campaign", "response__iscm", "user")
        .filter(response_id=response_id, version=version, action__in=list(REVIEW_TEMPLATES))
        .first()
    )
    if event is None:
        return 0
    response = event.response
    campaign, iscm = response.campaign, response.iscm
    invitation = Invitation.objects.filter(campaign=campaign, iscm=iscm).select_related("campaign").first()
    returned = event.action == ResponseEvent.Action.RETURNED
    page = "questionnaires:respond" if returned else "questionnaires:response_detail"
    path = reverse(page, kwargs={"slug": campaign.slug, "acronym": iscm.acronym})
    recipients = focal_points_to_email(iscm)
    messages = []
    for user in recipients:
        context = {
            "user": user,
            "response": response,
            "campaign": campaign,
            "iscm": iscm,
            "comment": event.comment,
            "deadline": invitation.deadline if invitation else campaign.effective_close,
            "url": f"{settings.SITE_URL}{path}",
        }
        name = REVIEW_TEMPLATES[event.action]
        with translation.override(_language_of(user)):
            subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
            body = render_to_string(f"emails/{name}.txt", context)
        messages.append(EmailMessage(subject=subject, body=body, to=[user.email]))
    sent = (get_connection().send_messages(messages) or 0) if messages else 0
    logger.info(
        "review e-mailed",
        extra={"event": "review_emailed", "response": response_id, "action": event.action, "count": sent},
    )
    return sent
