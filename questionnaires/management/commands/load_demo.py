"""Load the reference lists, the ISCM registry, the 2023 questionnaire and campaigns, the draft 2025 version of
the questionnaire, demo accounts and demo responses. Idempotent: a second run changes nothing (passwords are set
only for new accounts, dates of the follow-up campaign only at its first load, identical responses are left
alone)."""

import contextlib
import datetime
import io
import json
import logging
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from questionnaires import demo_synthetic
from questionnaires.definitions import (
    DATA_DIR,
    definition_read,
    iscm_registry_load,
    questionnaire_create,
    reference_lists_load,
)
from questionnaires.models import Campaign, Invitation, Iscm, Membership, Questionnaire, Response, ResponseEvent
from questionnaires.roles import COORDINATOR, OBSERVER
from questionnaires.services import response_import
from questionnaires.translations import questionnaire_translations_update

DEMO_PASSWORD = "demo"
DRAFT_2025_FILE = "questionnaire_iscm_contributions_2025.json"
CAMPAIGN_2023 = "iscm-contributions-2023"
CAMPAIGN_FOLLOWUP = "iscm-followup-open"
# ISCMs whose 2023 answers seed the open follow-up campaign, so a newcomer sees a moving dashboard.
FOLLOWUP_SUBMITTED = ["ARCP", "MIDSA", "RCM", "Prague Process", "SACM"]
FOLLOWUP_DRAFTS = ["Budapest Process", "MIDWA", "RIAM"]
# When the 2023 drafts that were never submitted were last saved (inside the survey's April–May window).
DRAFTS_2023_LAST_SAVED = ["2023-05-09T10:15:00+00:00", "2023-05-22T14:40:00+00:00", "2023-04-28T08:05:00+00:00"]
FOLLOWUP_TITLES = {
    "en": "ISCM contributions — follow-up",
    "fr": "Contributions des MCIM — suivi",
    "es": "Contribuciones de los MCIM — seguimiento",
    "ar": "مساهمات آليات التشاور بين الدول بشأن الهجرة — متابعة",
}


NOISY_LOGGERS = ["questionnaires.services", "analytics.services", "iscm.security", "celery.app.trace"]


@contextlib.contextmanager
def _quiet(names: list[str]):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def focal_point_email(acronym: str) -> str:
    """fp-<acronym, lower case, spaces and punctuation as hyphens>@example.org"""
    return "fp-" + re.sub(r"[^a-z0-9]+", "-", acronym.lower()).strip("-") + "@example.org"


class Command(BaseCommand):
    help = "Load the 2023 ISCM survey with demo accounts and responses (idempotent)."

    def handle(self, *args, **options):
        # One line per imported response, account and recompute is noise for a demo: quiet unless -v 2.
        with _quiet(NOISY_LOGGERS) if options["verbosity"] < 2 else contextlib.nullcontext():
            self._load()

    @transaction.atomic
    def _load(self):
        reference_lists_load()
        registry = iscm_registry_load()
        invited = [row["acronym"] for row in registry if row["invited_2023"] == "yes"]
        definition = definition_read(DATA_DIR / "questionnaire_iscm_contributions.json")
        questionnaire = questionnaire_create(definition)
        questionnaire_translations_update(questionnaire=questionnaire, definition=definition)
        # The next cycle, prepared from the 2023 version and left as a draft for the coordinator to preview
        # and publish (no campaign uses it; an existing version 2 is left alone).
        questionnaire_create(definition_read(DATA_DIR / DRAFT_2025_FILE), publish=False)

        campaign_2023 = self._campaign(
            CAMPAIGN_2023,
            {code: definition["title"].get(code, "") for code in ("en", "fr", "es", "ar")},
            questionnaire,
            opens_at=datetime.datetime(2023, 4, 1, tzinfo=datetime.UTC),
            closes_at=datetime.datetime(2023, 6, 1, tzinfo=datetime.UTC),
            invited=invited,
        )
        now = timezone.now().replace(microsecond=0)
        campaign_followup = self._campaign(
            CAMPAIGN_FOLLOWUP,
            FOLLOWUP_TITLES,
            questionnaire,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=30),
            invited=invited,
        )
        users = self._accounts(invited)

        demo = json.loads((DATA_DIR / "demo_responses_2023.json").read_text(encoding="utf-8"))
        entries = demo["responses"] + demo["drafts"]
        for index, entry in enumerate(entries):
            self._response(campaign_2023, entry, users, entry.get("submitted_at"))
            # The 2023 history carries the survey's dates, not the day the demo was loaded.
            self._backdate(campaign_2023, entry, entry.get("submitted_at") or DRAFTS_2023_LAST_SAVED[index % 3])
        by_iscm = {entry["iscm"]: entry for entry in demo["responses"]}
        for acronym in FOLLOWUP_SUBMITTED + FOLLOWUP_DRAFTS:
            status = "submitted" if acronym in FOLLOWUP_SUBMITTED else "draft"
            entry = {**by_iscm[acronym], "status": status}
            if status == "draft":
                # A draft in progress: the GCM part not yet filled in.
                entry["answers"] = {k: v for k, v in entry["answers"].items() if not k.startswith("gcm_")}
            self._response(campaign_followup, entry, users, None)

        campaign_synthetic = self._synthetic_campaign(questionnaire, demo["responses"], invited, users)

        for campaign in (campaign_2023, campaign_followup, campaign_synthetic):
            # The figures are computed now rather than by a worker (the command knows no app above it).
            call_command("recompute_aggregates", campaign.slug, "--if-stale", stdout=io.StringIO())

        # The 2023 practices as library records, split and tagged as proposed; the GCM ones (the seed
        # report's annex) published, the SDG and climate ones left for the coordinator to review.
        call_command(
            "split_practices",
            CAMPAIGN_2023,
            "--questions=gcm_practices,sdg_practices,climate_practices",
            "--publish=gcm_practices",
            "--user=coordinator@example.org",
            stdout=io.StringIO(),
        )

        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {len(invited)} ISCMs invited to each campaign."))

    def _synthetic_campaign(self, questionnaire, answered_2023, invited, users) -> Campaign:
        """A closed campaign of fabricated answers (flagged `synthetic`), for a comparison with 2023."""
        answered = {entry["iscm"] for entry in answered_2023}
        entries = demo_synthetic.synthetic_entries(
            questionnaire, answered_2023, [acronym for acronym in invited if acronym not in answered]
        )
        campaign = self._campaign(
            demo_synthetic.SLUG,
            demo_synthetic.TITLES,
            questionnaire,
            opens_at=demo_synthetic.OPENS_AT,
            closes_at=demo_synthetic.CLOSES_AT,
            invited=invited,
            synthetic=True,
        )
        for entry in entries:
            self._response(campaign, entry, users, entry["submitted_at"])
        return campaign

    def _campaign(
        self, slug, titles, questionnaire: Questionnaire, *, opens_at, closes_at, invited, synthetic=False
    ) -> Campaign:
        campaign, _created = Campaign.objects.get_or_create(
            slug=slug,
            defaults={
                **{f"title_{code}": title for code, title in titles.items()},
                "questionnaire": questionnaire,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "synthetic": synthetic,
            },
        )
        existing = set(campaign.invitations.values_list("iscm__acronym", flat=True))
        # Demo accounts have made-up addresses: no "the campaign is open" e-mail for them.
        Invitation.objects.bulk_create(
            Invitation(campaign=campaign, iscm=iscm, announced_at=timezone.now())
            for iscm in Iscm.objects.filter(acronym__in=invited).exclude(acronym__in=existing)
        )
        return campaign

    def _accounts(self, invited: list[str]) -> dict[str, object]:
        User = get_user_model()
        users = {}

        def account(email, **flags):
            user, created = User.objects.get_or_create(username=email, defaults={"email": email, **flags})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[email] = user
            return user

        account("coordinator@example.org", first_name="Demo", last_name="Coordinator").groups.add(
            Group.objects.get(name=COORDINATOR)
        )
        account("observer@example.org", first_name="Demo", last_name="Observer").groups.add(
            Group.objects.get(name=OBSERVER)
        )
        account("admin@example.org", is_staff=True, is_superuser=True)
        for iscm in Iscm.objects.filter(acronym__in=invited):
            user = account(focal_point_email(iscm.acronym))
            Membership.objects.get_or_create(user=user, iscm=iscm)
        return users

    def _backdate(self, campaign: Campaign, entry: dict, when: str) -> None:
        at = datetime.datetime.fromisoformat(when)
        response = Response.objects.get(campaign=campaign, iscm__acronym=entry["iscm"])
        Response.objects.filter(pk=response.pk).update(updated_at=at)
        ResponseEvent.objects.filter(response=response).update(at=at)

    def _response(self, campaign: Campaign, entry: dict, users: dict, submitted_at) -> None:
        response_import(
            campaign=campaign,
            iscm=Iscm.objects.get(acronym=entry["iscm"]),
            user=users.get(focal_point_email(entry["iscm"])),
            answers=entry["answers"],
            status=entry["status"],
            submitted_at=datetime.datetime.fromisoformat(submitted_at) if submitted_at else None,
        )
