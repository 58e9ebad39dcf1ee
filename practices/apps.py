from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Practices library")

    def ready(self) -> None:
        from questionnaires.signals import response_responded
        from questionnaires.xlsx_io import practices_source_register

        from .exports import workbook_practices
        from .services import practices_follow_response

        practices_source_register(workbook_practices)
        # questionnaires never imports practices: it announces submitted answers, the library follows them.
        response_responded.connect(practices_follow_response, dispatch_uid="practices_follow_response")
