"""Rebuild a campaign's stored aggregates now, in this process (no broker, no worker needed)."""

from django.core.management.base import BaseCommand, CommandError

from analytics.services import aggregates_recompute
from questionnaires.models import Campaign


class Command(BaseCommand):
    help = "Recompute the stored aggregates of a campaign synchronously (even if they look fresh)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Slug of the campaign, e.g. iscm-contributions-2023.")
        parser.add_argument(
            "--if-stale", action="store_true", help="Leave figures that are already fresh alone (e.g. load_demo)."
        )

    def handle(self, *args, slug: str, if_stale: bool = False, **options):
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"No campaign with slug {slug!r}.")
        aggregates_recompute(campaign_id=campaign.pk, force=not if_stale)
        self.stdout.write(self.style.SUCCESS(f"Aggregates of {slug} recomputed."))
