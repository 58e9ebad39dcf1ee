"""Write a campaign's aggregates as CSV: the same writer as the dashboard's "aggregates (CSV)" link."""

from django.core.management.base import BaseCommand, CommandError

from analytics.exports import aggregate_csv_rows, csv_write
from analytics.selectors import aggregate_rows, aggregates_freshness
from questionnaires.models import Campaign


class Command(BaseCommand):
    help = (
        "Export the stored aggregates of a campaign as CSV with the columns "
        "question,choice,label,count,base,pct_of_respondents,selections,pct_of_selections,rank."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Slug of the campaign, e.g. iscm-contributions-2023.")
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args, slug: str, output: str | None = None, **options):
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"No campaign with slug {slug!r}.")
        if aggregates_freshness(campaign)["is_stale"]:
            self.stderr.write(
                self.style.WARNING(
                    f"The aggregates of {slug} are stale (a change is not counted yet); "
                    f"run `manage.py recompute_aggregates {slug}` first for up-to-date figures."
                )
            )
        rows = aggregate_csv_rows(aggregate_rows(campaign))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                csv_write(rows, handle)
            self.stderr.write(self.style.SUCCESS(f"Aggregates of {slug} written to {output}."))
        else:
            csv_write(rows, self.stdout)
