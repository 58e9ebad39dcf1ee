"""Stored aggregates of a campaign, rebuilt from scratch by `aggregates_recompute`.

Percentages are derived on read (count/base, count/selections), so nothing stored can disagree.
"""

from django.db import models

from questionnaires.models import Campaign, Choice, Question


class ChoiceAggregate(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="choice_aggregates")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(help_text="Responses that selected the choice.")
    base = models.PositiveIntegerField(help_text="Responded responses that answered the question.")
    selections = models.PositiveIntegerField(help_text="All choices selected for the question.")
    rank = models.PositiveIntegerField(help_text="Standard competition ranking by count (1, 2, 2, 4).")

    class Meta:
        ordering = ["question_id", "rank", "choice__position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "question", "choice"], name="choice_aggregate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.choice_id}: {self.count}/{self.base}"

    @property
    def pct_of_respondents(self) -> float | None:
        return 100 * self.count / self.base if self.base else None

    @property
    def pct_of_selections(self) -> float | None:
        return 100 * self.count / self.selections if self.selections else None


class CampaignStats(models.Model):
    """Freshness of a campaign's aggregates: `requested_at > computed_at` means stale."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="stats")
    invited = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Stats of campaign {self.campaign_id}"

    @property
    def is_stale(self) -> bool:
        return self.requested_at is not None and (self.computed_at is None or self.requested_at > self.computed_at)
