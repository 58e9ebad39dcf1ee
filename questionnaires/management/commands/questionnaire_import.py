"""python manage.py questionnaire_import FILE: a new draft questionnaire from an XLSForm (.xlsx) or a JSON
definition (.json). Prints the draft's slug and version; on any problem prints them all and creates nothing."""

from pathlib import Path

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from questionnaires.definitions import DefinitionInvalid
from questionnaires.xlsform import questionnaire_file_import


class Command(BaseCommand):
    help = "Import an XLSForm (.xlsx) or a JSON definition (.json) as a new draft questionnaire version."
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser):
        parser.add_argument("file", help="An XLSForm .xlsx or a questionnaire definition .json")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            questionnaire = questionnaire_file_import(data, filename=path.name)
        except DefinitionInvalid as invalid:
            raise CommandError(
                f"{path.name} was not imported ({len(invalid.problems)} problems; nothing was created):\n"
                + "\n".join(f"- {problem}" for problem in invalid.problems)
            ) from None
        self.stdout.write(f"{questionnaire.slug} {questionnaire.version}")
        self.stderr.write(
            f"Created the draft {questionnaire.slug} v{questionnaire.version} "
            f"({questionnaire.questions.count()} questions)."
        )
