"""Stored aggregates of a campaign, rebuilt from scratch by `aggregates_recompute`.

Percentages are derived on read (count/base, count/selections), so nothing stored can disagree.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class ChoiceCell(models.Model):
    """The figures of one choice among the responding ISCMs of one (region, ISCM type) cell.

    Every responding ISCM is in exactly one cell, so the figures of any region and type filter are sums
    of cells: count and selections add up, and so does base (each response answers a question in one
    cell only). A filtered dashboard sums a few hundred stored rows instead of counting answer rows, and
    `ChoiceAggregate` (all ISCMs) is the sum of every cell. A cell has its rows (zero counts included)
    for each (region, type) of the campaign's invited or responding ISCMs, so writes move existing rows.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="choice_cells")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="+")
    region = models.CharField(max_length=100)
    iscm_type = models.CharField(max_length=10)
    count = models.PositiveIntegerField(help_text="Responses of the cell that selected the choice.")
    base = models.PositiveIntegerField(help_text="Responded responses of the cell that answered the question.")
    selections = models.PositiveIntegerField(help_text="All choices selected for the question in the cell.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "question", "choice", "region", "iscm_type"], name="choice_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.choice_id} {self.region} {self.iscm_type}: {self.count}/{self.base}"


class TextCell(models.Model):
    """Responding ISCMs of one (region, ISCM type) cell with a non-empty answer to a text question: what the
    dashboard shows beside each text question, summed over the cells a filter selects."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="text_cells")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    region = models.CharField(max_length=100)
    iscm_type = models.CharField(max_length=10)
    answers = models.PositiveIntegerField(help_text="Responded responses of the cell that answered the question.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "question", "region", "iscm_type"], name="text_cell_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question_id} {self.region} {self.iscm_type}: {self.answers}"


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


class ReportFile(models.Model):
    """A generated report download (PDF or DOCX) of a campaign, in one language.

    Kept until the figures change: a file is reused while `figures_as_of` equals the campaign's
    `CampaignStats.computed_at`; otherwise a new one is generated.
    """

    class Format(models.TextChoices):
        PDF = "pdf", _("PDF")
        DOCX = "docx", _("Word (DOCX)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="report_files")
    format = models.CharField(max_length=4, choices=Format.choices)
    language = models.CharField(max_length=5, default="en")
    figures_as_of = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, for the progress bar.")
    file = models.FileField(upload_to="reports/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the running job (a dead worker stops it)."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "format", "language", "figures_as_of"], name="report_file_unique_figures"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.format} {self.language} ({self.status})"


class PublishedReport(models.Model):
    """A version of the survey summary report that the coordinator published: what observers see.

    Frozen when published: the report as HTML (rendered from the figures of that moment), its charts and
    copies of its PDF and DOCX files. A later recompute or regeneration changes the coordinator's draft,
    not this; observers see the newest version until the coordinator publishes another.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="published_reports")
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=5, default="en")
    html = models.TextField(help_text="The report's body as published (rendered with auto-escaping).")
    figures = models.JSONField(default=dict, encoder=DjangoJSONEncoder, help_text="The charts' Plotly figures.")
    pdf = models.FileField(upload_to="reports/published/")
    docx = models.FileField(upload_to="reports/published/")
    figures_as_of = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "version"], name="published_report_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} v{self.version} ({self.language})"

    @property
    def publisher_name(self) -> str:
        user = self.published_by
        return (user.get_full_name() or user.username) if user is not None else "—"
