"""Write the comparison of two campaigns as CSV: the figures of the comparison page and its CSV links."""

from django.core.management.base import BaseCommand, CommandError

from analytics.comparison import ComparisonError, campaign_comparison, campaigns_of_slugs, comparison_csv_rows
from analytics.exports import csv_write
from analytics.selectors import aggregates_freshness


class Command(BaseCommand):
    help = (
        "Compare two campaigns' stored aggregates, question by question (matched by code), as CSV with the "
        "columns question,choice,label,count_a,base_a,pct_a,rank_a,count_b,base_b,pct_b,rank_b,"
        "delta_pct_points,rank_change (percentages of respondents, as in export_aggregates)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug_a", help="Slug of the earlier campaign, e.g. iscm-contributions-2023.")
        parser.add_argument("slug_b", help="Slug of the later campaign.")
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args, slug_a: str, slug_b: str, output: str | None = None, **options):
        try:
            campaigns = campaigns_of_slugs([slug_a, slug_b])
        except ComparisonError as error:
            raise CommandError(str(error)) from error
        for campaign in campaigns:
            if aggregates_freshness(campaign)["is_stale"]:
                self.stderr.write(
                    self.style.WARNING(
                        f"The aggregates of {campaign.slug} are stale (a change is not counted yet); run "
                        f"`manage.py recompute_aggregates {campaign.slug}` first for up-to-date figures."
                    )
                )
        comparison = campaign_comparison(campaigns)
        rows = comparison_csv_rows(comparison["questions"], len(campaigns))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                csv_write(rows, handle)
            self.stderr.write(self.style.SUCCESS(f"Comparison of {slug_a} and {slug_b} written to {output}."))
        else:
            csv_write(rows, self.stdout)
