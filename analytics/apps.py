from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from questionnaires.signals import answers_changed, figures_follower_register

        from . import signals  # noqa: F401 - registers the receivers
        from .services import aggregates_follow_response, aggregates_on_answers_changed

        answers_changed.connect(aggregates_on_answers_changed, dispatch_uid="analytics_aggregates_on_answers_changed")
        figures_follower_register(aggregates_follow_response)
