from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"
    verbose_name = _("Questionnaires and responses")

    def ready(self) -> None:
        from . import (
            language,  # noqa: F401 - connects the login receiver that restores the user's language
            security,  # noqa: F401 - security-event receivers; ends a deactivated user's sessions
        )
        from .roles import roles_ensure

        post_migrate.connect(roles_ensure, sender=self, dispatch_uid="questionnaires_roles_ensure")
