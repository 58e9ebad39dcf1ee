"""Celery tasks of the questionnaires app: thin wrappers that take ids and call one function.

Celery's autodiscovery imports this module; tasks of other modules of the app are imported here.
"""

from __future__ import annotations

from celery import shared_task

from . import emails
from .tasks_emails import MAIL_TASK

# --- Focal-point side: the confirmation of a submitted response -----------------------------------


@shared_task(name="response_confirmation_send", max_retries=5, **MAIL_TASK)
def response_confirmation_send_task(response_id: int, user_id: int) -> int:
    return emails.response_confirmation_send(response_id=response_id, user_id=user_id)


@shared_task(name="response_review_send", max_retries=5, **MAIL_TASK)
def response_review_send_task(response_id: int, version: int) -> int:
    return emails.response_review_send(response_id=response_id, version=version)


# --- Coordinator side: invitations and reminders (see tasks_emails.py) -------------------------
from .tasks_emails import *  # noqa: E402,F401,F403 - registers the coordinator tasks with Celery
