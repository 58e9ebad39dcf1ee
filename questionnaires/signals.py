"""What the questionnaires app announces to the apps built on it, without knowing them.

`answers_changed` is sent inside the transaction of every write that changes what the stored figures
count: a responded response written, reviewed, imported or deleted, an invitation added or removed.
Receivers run synchronously in that transaction (analytics marks the figures stale there, so the
mark and the change commit together) and receive `campaign_id`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from .models import Response
    from .schema import QuestionnaireSchema

answers_changed = Signal()

# Sent inside the transaction of every write that leaves a response responded with the answers it now
# has (a submission, an import of a submitted response, a coordinator's correction): apps that build on
# structured answers (the practices library makes practices of a list of practices) follow them there.
# Receivers get `response`, `schema` (its compiled questionnaire) and `answers` (plain values by code).
response_responded = Signal()


def answers_changed_announce(*, campaign_id: int) -> None:
    answers_changed.send(sender=None, campaign_id=campaign_id)


def response_responded_announce(*, response: Response, schema: QuestionnaireSchema, answers: dict[str, object]) -> None:
    response_responded.send(sender=None, response=response, schema=schema, answers=answers)


# The app that stores figures may keep them exact inside a write's own transaction instead of a rebuild
# (analytics does): it registers a context manager with the signature of `figures_follow_response`.
_figures_follower: Callable[..., AbstractContextManager[bool]] | None = None


def figures_follower_register(follower: Callable[..., AbstractContextManager[bool]]) -> None:
    global _figures_follower
    _figures_follower = follower


@contextmanager
def figures_follow_response(
    *, response: Response, responded_after: bool, question_ids: list[int] | None
) -> Iterator[bool]:
    """Wrap the rewrite of one response's answers and status (`question_ids`: the changed choice and text
    questions, None for all). Yields True when the stored figures
    followed the write exactly (no rebuild needed), False when the caller must announce
    `answers_changed` (no follower registered, or the figures were not exact to begin with)."""
    if _figures_follower is None:
        yield False
        return
    with _figures_follower(response=response, responded_after=responded_after, question_ids=question_ids) as kept:
        yield kept
