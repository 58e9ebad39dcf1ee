"""E-mails of the focal-point side: the confirmation sent when a response is submitted.

The view registers the e-mail with `response_confirmation_enqueue`; it is published to Celery only
once the transaction commits, and a broker that is down never fails the submission: the error is
logged and the submission stands.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from iscm_survey.publish import task_publish_on_commit

from .models import Membership, Response

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
