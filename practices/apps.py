from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Practices library")

    def ready(self) -> None:
        from questionnaires.xlsx_io import practices_source_register

        from .exports import workbook_practices

        practices_source_register(workbook_practices)
