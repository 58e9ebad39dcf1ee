"""python manage.py questionnaire_export SLUG VERSION -o FILE: a questionnaire version as an XLSForm (.xlsx)
or as our JSON definition (.json), by the file's extension."""

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from questionnaires.models import Questionnaire
from questionnaires.xlsform import file_format, questionnaire_file_export


class Command(BaseCommand):
    help = "Export a questionnaire version as an XLSForm (.xlsx) or a JSON definition (.json)."
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The questionnaire's slug, e.g. iscm-contributions.")
        parser.add_argument("version", type=int)
        parser.add_argument("-o", "--output", required=True, help="FILE.xlsx (XLSForm) or FILE.json (definition)")

    def handle(self, *args, slug, version, output, **options):
        fmt = file_format(output)
        if fmt is None:
            raise CommandError("The output file ends in .xlsx (XLSForm) or .json (definition).")
        questionnaire = Questionnaire.objects.filter(slug=slug, version=version).first()
        if questionnaire is None:
            versions = list(Questionnaire.objects.filter(slug=slug).values_list("version", flat=True))
            known = f" (versions: {', '.join(map(str, sorted(versions)))})" if versions else ""
            raise CommandError(f"No questionnaire {slug} v{version}{known}.")
        with open(output, "wb") as handle:
            handle.write(questionnaire_file_export(questionnaire, fmt))
        self.stderr.write(f"Wrote {slug} v{version} to {output}.")
