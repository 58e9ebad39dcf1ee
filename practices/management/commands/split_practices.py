"""Split a campaign's long-text practice answers into practices as proposed (the demo uses it).

Answers that already have practices are left alone, so running it again changes nothing."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from practices.services import practices_split_campaign
from questionnaires.models import Campaign


class Command(BaseCommand):
    help = "Split the responded answers of the given long-text questions into practices, tagged from their mentions."

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="campaign slug")
        parser.add_argument("--questions", required=True, help="question codes, comma-separated")
        parser.add_argument("--publish", default="", help="question codes whose practices are published at once")
        parser.add_argument("--user", default="", help="username recorded as the author")

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"No campaign {options['campaign']!r}.")
        user = get_user_model().objects.filter(username=options["user"]).first() if options["user"] else None
        made = practices_split_campaign(
            campaign=campaign,
            question_codes=[code for code in options["questions"].split(",") if code],
            publish_codes=[code for code in options["publish"].split(",") if code],
            user=user,
        )
        self.stdout.write(self.style.SUCCESS(f"{made} practices made."))
