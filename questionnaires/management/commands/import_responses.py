"""python manage.py import_responses <slug> <FILE.csv> [--user USERNAME]: all or nothing; every problem
printed as row, column, value, message; a non-zero exit status when anything is wrong."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from questionnaires.csv_io import responses_import_csv
from questionnaires.models import Campaign


class Command(BaseCommand):
    help = "Import responses from a wide CSV file (the export format). Nothing is written if any row is wrong."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The campaign's slug.")
        parser.add_argument("file", help="The CSV file (UTF-8, the wide export's columns).")
        parser.add_argument(
            "--user", help="Username recorded as the importer in each response's history (default: none)."
        )

    def handle(self, *args, slug, file, user, **options):
        campaign = Campaign.objects.select_related("questionnaire").filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"No campaign with the slug {slug!r}.")
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user {user!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.")
        report = responses_import_csv(
            campaign=campaign, data=path.read_bytes(), user=importer, via="command", max_bytes=None
        )
        if not report.ok:
            for problem in report.problems:
                row = "-" if problem.row is None else str(problem.row)
                value = problem.value if len(problem.value) <= 60 else problem.value[:57] + "..."
                self.stderr.write(
                    f"row {row}\tcolumn {problem.column or '-'}\tvalue {value!r}\t{problem.message}"
                )
            count = len(report.problems)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''}: nothing was imported.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.rows} rows into {campaign.slug}: {len(report.created)} created, "
                f"{len(report.updated)} updated, {len(report.unchanged)} unchanged."
            )
        )
