"""Publishing a draft questionnaire version: only when the publish check finds nothing.

Publishing sets the status and `published_at` in one write; from then on `FrozenWhenPublished`
refuses every change of structure (texts may still be corrected). The version row is locked for the
check and the write, so two coordinators publishing at once publish once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Questionnaire
from .publish_check import Problem, publish_problems
from .schema import schema_cache_clear


class PublishRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(_("The questionnaire cannot be published yet."))
        self.problems = problems


@transaction.atomic
def questionnaire_publish(*, questionnaire: Questionnaire, languages: list[str] | None = None) -> Questionnaire:
    """Publish the draft version if the check (in `languages`, default every interface language)
    finds no problem; otherwise raise `PublishRefused` with every problem and change nothing."""
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    problems = publish_problems(locked, languages)
    if problems:
        raise PublishRefused(problems)
    locked.status = Questionnaire.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at"])
    transaction.on_commit(schema_cache_clear)
    questionnaire.status, questionnaire.published_at = locked.status, locked.published_at
    return locked
