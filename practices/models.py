"""Effective practices as records: one practice per row, split from a long-text answer by the coordinator,
or made from an item of a submitted list of practices (a structured answer).

A practice keeps a link to the answer it was taken from (`source_answer`, and the question and position
so that the link survives an answer being rewritten); the answer itself is never changed. A practice
made from a list item links to its response and item number (`source_response`, `source_item`, with
the list question as `source_question`): it follows that item when the response is submitted again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from questionnaires.models import Answer, Campaign, Choice, Iscm, Question, Response

from .text import search_normalize

LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("ar", "العربية")]


class Practice(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="practices")
    iscm = models.ForeignKey(Iscm, on_delete=models.PROTECT, related_name="practices")
    source_question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.PROTECT, related_name="practices"
    )
    source_answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.SET_NULL, related_name="practices"
    )
    source_response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="practices"
    )
    source_item = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=1, help_text=_("Order within the source answer."))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    link = models.URLField(_("link"), blank=True)
    language = models.CharField(_("language of the text"), max_length=2, choices=LANGUAGES, default="en")
    gcm_objectives = models.ManyToManyField(
        Choice, blank=True, related_name="gcm_practices", limit_choices_to={"choice_list__code": "gcm"}
    )
    sdgs = models.ManyToManyField(
        Choice, blank=True, related_name="sdg_practices", limit_choices_to={"choice_list__code": "sdg"}
    )
    # Lower case, accents and Arabic diacritics removed (services.search_normalize): what search reads,
    # so that "regularizacion" finds "regularización" on SQLite and PostgreSQL alike.
    search_text = models.TextField(editable=False, default="")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "iscm__acronym", "position", "id"]
        indexes = [models.Index(fields=["campaign", "iscm"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_response", "source_question", "source_item"],
                condition=models.Q(source_item__isnull=False),
                name="practice_unique_list_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.iscm} — {self.title}"

    def save(self, *args, **kwargs):
        self.search_text = search_normalize(f"{self.title}\n{self.description}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
