"""ISCM registry, questionnaires defined as data, campaigns and responses.

Answers are rows (one per answered question, one per ticked choice) so that counting them is a
SQL GROUP BY. Translatable texts are columns per language (`label_en`, `label_fr`, ...); English is
required and is the fallback (see `localized`).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = ("en", "fr", "es", "ar")


def localized(obj: object, field: str, language: str | None = None) -> str:
    """The text of `field` in the active language, falling back to English when it is empty."""
    language = (language or get_language() or "en")[:2]
    if language in LANGUAGE_CODES:
        value = getattr(obj, f"{field}_{language}", "")
        if value:
            return value
    return getattr(obj, f"{field}_en")


def translated_fields(field: str, *, long: bool = False, required: bool = True) -> dict[str, models.Field]:
    """One column per language for a translatable text; English is required unless said otherwise."""
    fields = {}
    for code in LANGUAGE_CODES:
        blank = code != "en" or not required
        if long:
            fields[f"{field}_{code}"] = models.TextField(f"{field} ({code})", blank=blank)
        else:
            fields[f"{field}_{code}"] = models.CharField(f"{field} ({code})", max_length=500, blank=blank)
    return fields


class QuestionnaireLocked(Exception):
    """A published questionnaire cannot change in place; make a new version instead."""


class CrossVersionAssignment(ValueError):
    """A section, question, choice or condition put into (or pointing at) another questionnaire version."""


def editable_field_names(model: type[models.Model]) -> set[str]:
    """What a published questionnaire may still change: its texts in every language (`label_en`,
    `label_fr`, ...: typos, translations) and its presentation hints (how dashboards and the report
    show a question). Answers, exports and aggregates depend on neither."""
    texts = {
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and any(field.name.endswith(f"_{code}") for code in LANGUAGE_CODES)
    }
    return texts | set(getattr(model, "PRESENTATION_FIELDS", ()))


def structure_field_names(model: type[models.Model]) -> list[str]:
    """Every other column (codes, types, positions, limits, links, conditions, status): frozen once published."""
    editable = editable_field_names(model)
    return [
        field.attname for field in model._meta.concrete_fields if not field.primary_key and field.name not in editable
    ]


class FrozenQuerySet(models.QuerySet):
    """Bulk writes obey the freeze too: `update()` and `bulk_update()` of structure columns are refused
    on rows of a published questionnaire (and towards one); `bulk_create()` into one is refused."""

    def update(self, **kwargs):
        if set(kwargs) - editable_field_names(self.model):
            targets = _owners(self.model.owner_links(_as_attnames(self.model, kwargs), None))
            if (
                self.model.published_rows(self).exists()
                or targets.filter(status=Questionnaire.Status.PUBLISHED).exists()
            ):
                raise QuestionnaireLocked(_("This questionnaire is published: make a new version to change it."))
        updated = super().update(**kwargs)
        from .schema import schema_cache_clear  # schema imports the models; update() sends no post_save

        schema_cache_clear()
        return updated

    update.queryset_only = True

    def delete(self):
        # said before Django's own refusals (a protected condition): the lock is the reason
        if self.model.published_rows(self).exists():
            raise QuestionnaireLocked(_("This questionnaire is published: make a new version to change it."))
        return super().delete()

    delete.queryset_only = True

    def bulk_update(self, objs, fields, batch_size=None):
        if set(fields) - editable_field_names(self.model):
            for obj in objs:
                obj.frozen_check()
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        links = Q(pk__in=[])
        for obj in objs:
            values = {name: getattr(obj, name) for name in structure_field_names(self.model)}
            links |= self.model.owner_links(values, None)
        if objs and _owners(links).filter(status=Questionnaire.Status.PUBLISHED).exists():  # one read for all
            raise QuestionnaireLocked(_("This questionnaire is published: make a new version to change it."))
        return super().bulk_create(objs, *args, **kwargs)


class FrozenWhenPublished(models.Model):
    """Nothing of a published questionnaire's structure changes, whatever the door (a page, the admin,
    a service, `save()`, `update()`, `bulk_create()`, a delete): answers, exports and aggregates rely on
    its codes, choices and conditions. Only its texts (typos, translations) and presentation hints may
    still change (`editable_field_names`). A row may not move to, or point at, another questionnaire
    version either (a question of a draft put into a section of a published version is a published
    form that changed)."""

    objects = FrozenQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields) <= editable_field_names(type(self)):
            self.frozen_check()
        super().save(*args, **kwargs)

    def frozen_check(self) -> None:
        """Refuse the write unless every questionnaire this row belongs to, before and after, is a draft,
        and they are one and the same. Changes of texts only are always allowed (one read to see it)."""
        fields = structure_field_names(type(self))
        new = {name: getattr(self, name) for name in fields}
        old = None
        if self.pk is not None and not self._state.adding:
            old = type(self)._base_manager.filter(pk=self.pk).values(*fields).first()
            if old == new:
                return  # texts only (an admin form, update_or_create): allowed even when published
        links = type(self).owner_links(new, self.pk)
        if old is not None:
            links |= type(self).owner_links(old, self.pk)
        statuses = dict(_owners(links).values_list("pk", "status").distinct())
        if Questionnaire.Status.PUBLISHED in statuses.values():
            raise QuestionnaireLocked(_("This questionnaire is published: make a new version to change it."))
        if len(statuses) > 1 and self.has_single_owner(new):
            raise CrossVersionAssignment(
                _("A section, question, choice or condition belongs to one questionnaire version only.")
            )

    def delete(self, *args, **kwargs):
        _frozen_delete_check(type(self), self)
        return super().delete(*args, **kwargs)

    def clean(self):
        """The same refusal as `save()`, as a form error (the admin) instead of an exception."""
        super().clean()
        try:
            self.frozen_check()
        except (QuestionnaireLocked, CrossVersionAssignment) as error:
            raise ValidationError(str(error)) from error

    def has_single_owner(self, values: dict[str, object]) -> bool:
        return True

    @classmethod
    def owner_links(cls, values: dict[str, object], pk: int | None) -> Q:
        """A filter of the questionnaires a row with these column values belongs to or points at."""
        raise NotImplementedError

    @classmethod
    def published_rows(cls, queryset: models.QuerySet) -> models.QuerySet:
        """The rows of `queryset` that belong to a published questionnaire."""
        raise NotImplementedError

    def owning_questionnaire_id(self) -> int | None:
        raise NotImplementedError


def _link(lookup: str, value: object) -> Q:
    """`Q(lookup=value)`, or a filter matching nothing when the value is empty."""
    return Q(**{lookup: value}) if value is not None else Q(pk__in=[])


def _owners(links: Q) -> models.QuerySet[Questionnaire]:
    return Questionnaire.objects.filter(links)


def _as_attnames(model: type[models.Model], values: dict[str, object]) -> dict[str, object]:
    """`update(section=obj)` → {"section_id": obj.pk}: the keys `owner_links` reads."""
    result = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        result[field.attname] = value.pk if isinstance(value, models.Model) else value
    return result


class Iscm(models.Model):
    class Type(models.TextChoices):
        RCP = "RCP", _("Regional consultative process (RCP)")
        IRF = "IRF", _("Interregional forum (IRF)")
        GLOBAL = "GLOBAL", _("Global process")

    acronym = models.CharField(max_length=40, unique=True, help_text=_("Stable key used in URLs and imports."))
    name = models.CharField(max_length=300)
    type = models.CharField(max_length=10, choices=Type.choices)
    region = models.CharField(max_length=100, db_index=True)
    founded = models.PositiveSmallIntegerField(null=True, blank=True)
    website = models.URLField(blank=True)
    active = models.BooleanField(default=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="iscms")

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("ISCM")
        verbose_name_plural = _("ISCMs")

    def __str__(self) -> str:
        return self.acronym

    @property
    def display_name(self) -> str:
        """Full name with the acronym, as the seed report writes it: "Migration Dialogue ... (MIDSA)"."""
        return self.name if self.acronym in self.name else f"{self.name} ({self.acronym})"


class Membership(models.Model):
    """A focal point answers for an ISCM; one secretariat may serve several ISCMs."""

    class Role(models.TextChoices):
        FOCAL_POINT = "focal_point", _("Focal point")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    iscm = models.ForeignKey(Iscm, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.FOCAL_POINT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "iscm"], name="membership_unique_user_iscm")]

    def __str__(self) -> str:
        return f"{self.user} → {self.iscm}"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(max_length=5, choices=settings.LANGUAGES, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class ChoiceList(models.Model):
    """A reusable list of choices, e.g. the 17 SDGs (`sdg`) or the 23 GCM objectives (`gcm`)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Choice(FrozenWhenPublished):
    """A choice of a reusable list or of one question. `label` is short; `description` the full title."""

    choice_list = models.ForeignKey(
        ChoiceList, null=True, blank=True, on_delete=models.CASCADE, related_name="choices"
    )
    question = models.ForeignKey(
        "Question", null=True, blank=True, on_delete=models.CASCADE, related_name="own_choices"
    )
    code = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    locals().update(translated_fields("label"))
    locals().update(translated_fields("description", long=True, required=False))
    # Presentation hint of a single choice's own choice: what the report says of the ISCMs that chose it,
    # as a verb phrase ("plan to engage in …"); empty: "chose “<label>”".
    locals().update(translated_fields("report_phrase", required=False))

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["choice_list", "code"], name="choice_unique_list_code"),
            models.UniqueConstraint(fields=["question", "code"], name="choice_unique_question_code"),
            models.CheckConstraint(
                condition=Q(choice_list__isnull=True, question__isnull=False)
                | Q(choice_list__isnull=False, question__isnull=True),
                name="choice_belongs_to_list_xor_question",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label_en}"

    def owning_questionnaire_id(self) -> int | None:
        return self.question.questionnaire_id if self.question_id else None

    def has_single_owner(self, values: dict[str, object]) -> bool:
        return values.get("choice_list_id") is None  # a shared list serves many versions

    @classmethod
    def owner_links(cls, values: dict[str, object], pk: int | None) -> Q:
        # The choices of a shared list (SDGs, GCM objectives) are frozen while a published version uses
        # the list, but the list may grow: a new choice (pk None) is counted from its first tick.
        links = _link("questions", values.get("question_id"))
        if pk is not None:
            links |= _link("questions__choice_list", values.get("choice_list_id"))
        return links

    @classmethod
    def published_rows(cls, queryset: models.QuerySet) -> models.QuerySet:
        published = Questionnaire.Status.PUBLISHED
        return queryset.filter(
            Q(question__questionnaire__status=published) | Q(choice_list__question__questionnaire__status=published)
        )

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def description(self) -> str:
        return localized(self, "description")


class Questionnaire(FrozenWhenPublished):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(max_length=80)
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every edit of the authoring pages (services_authoring): a page sends the revision it
    # was loaded at, and a second coordinator's older revision is a conflict, not a silent overwrite.
    revision = models.PositiveIntegerField(default=0, help_text=_("Bumped on every edit; optimistic locking."))
    locals().update(translated_fields("title"))
    locals().update(translated_fields("description", long=True, required=False))
    # Presentation hint: the title of the report's annex (the long-text answers); empty: a generic title.
    locals().update(translated_fields("annex_title", required=False))

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="questionnaire_unique_version")]

    def __str__(self) -> str:
        return f"{self.title_en} (v{self.version})"

    def owning_questionnaire_id(self) -> int | None:
        return self.pk

    @classmethod
    def owner_links(cls, values: dict[str, object], pk: int | None) -> Q:
        return _link("pk", pk)

    @classmethod
    def published_rows(cls, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(status=cls.Status.PUBLISHED)

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def is_locked(self) -> bool:
        """Published questionnaires are frozen: answers and exports rely on their codes and choices."""
        return self.status == self.Status.PUBLISHED


class Section(FrozenWhenPublished):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    locals().update(translated_fields("title"))
    locals().update(translated_fields("description", long=True, required=False))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title_en

    def owning_questionnaire_id(self) -> int | None:
        return self.questionnaire_id

    @classmethod
    def owner_links(cls, values: dict[str, object], pk: int | None) -> Q:
        return _link("pk", values.get("questionnaire_id"))

    @classmethod
    def published_rows(cls, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(questionnaire__status=Questionnaire.Status.PUBLISHED)

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")


class Question(FrozenWhenPublished):
    class Type(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        EMAIL = "email", _("E-mail")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        DATE = "date", _("Date")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        LIST_OF_ITEMS = "list_of_items", _("List of items")

    class PracticeRole(models.TextChoices):
        """What an item field of a practices list becomes in a practices library record."""

        TITLE = "title", _("Title")
        DESCRIPTION = "description", _("Description")
        YEAR = "year", _("Year or date")
        LINK = "link", _("Link")
        GCM = "gcm", _("GCM objectives")
        SDG = "sdg", _("SDGs")

    CHOICE_TYPES = (Type.SINGLE_CHOICE, Type.MULTIPLE_CHOICE)
    # Presentation hints: they may still change once the questionnaire is published (see FrozenWhenPublished)
    PRESENTATION_FIELDS = (
        "chart_kind",
        "chart_denominator",
        "report_top",
        "positive_choices",
        "negative_choices",
        "report_coverage",
    )
    TEXT_TYPES = (Type.SHORT_TEXT, Type.LONG_TEXT, Type.EMAIL)
    NUMBER_TYPES = (Type.INTEGER, Type.DECIMAL)
    DEFAULT_MAX_LENGTH = {Type.SHORT_TEXT: 300, Type.EMAIL: 254, Type.LONG_TEXT: 10000}

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=60)
    type = models.CharField(max_length=20, choices=Type.choices)
    locals().update(translated_fields("label", long=True))
    locals().update(translated_fields("help", long=True, required=False))
    required = models.BooleanField(default=False)
    choice_list = models.ForeignKey(ChoiceList, null=True, blank=True, on_delete=models.PROTECT)
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    show_if_question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="dependent_questions"
    )
    show_if_values = models.JSONField(
        default=list, blank=True, help_text=_("Choice codes of the condition question that show this question.")
    )
    # A list of items (a repeat group): its item fields are questions whose `item_of` is the list; the
    # number of items the focal point may give is bounded by `min_items` (on submission) and `max_items`.
    item_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="item_fields")
    min_items = models.PositiveSmallIntegerField(null=True, blank=True)
    max_items = models.PositiveSmallIntegerField(null=True, blank=True)
    # An item field of a list of practices: which part of a practices library record it fills.
    practice_role = models.CharField(max_length=12, blank=True, choices=PracticeRole.choices)
    # Presentation hints for dashboards and the report; empty: defaults from the question type
    # (see questionnaires.schema.hints_for).
    chart_kind = models.CharField(
        max_length=10,
        blank=True,
        choices=[("bars", _("Bars")), ("donut", _("Donut")), ("none", _("No chart"))],
    )
    chart_denominator = models.CharField(
        max_length=12,
        blank=True,
        choices=[("respondents", _("Share of the respondents")), ("selections", _("Share of the selections"))],
    )
    report_top = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("How many leading choices the report names.")
    )
    locals().update(translated_fields("chart_title", required=False))
    positive_choices = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Single choice: the choice codes the report counts as a positive answer."),
    )
    negative_choices = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Single choice: the choice codes the report counts as a negative answer (always stated)."),
    )
    report_coverage = models.BooleanField(
        default=False,
        help_text=_("Shared list: the report says how many of the list's choices the ISCMs' work contributes to."),
    )
    # The report summary's sentence on the leading choices; "{choices}" stands for them.
    locals().update(translated_fields("report_summary", required=False))

    class Meta:
        ordering = ["section__position", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "code"], name="question_unique_code")]

    def __str__(self) -> str:
        return self.code

    def owning_questionnaire_id(self) -> int | None:
        return self.questionnaire_id

    @classmethod
    def owner_links(cls, values: dict[str, object], pk: int | None) -> Q:
        return (
            _link("pk", values.get("questionnaire_id"))
            | _link("sections", values.get("section_id"))
            | _link("questions", values.get("show_if_question_id"))
            | _link("questions", values.get("item_of_id"))
        )

    @classmethod
    def published_rows(cls, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(questionnaire__status=Questionnaire.Status.PUBLISHED)

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def help(self) -> str:
        return localized(self, "help")

    @property
    def is_choice(self) -> bool:
        return self.type in self.CHOICE_TYPES

    @property
    def effective_max_length(self) -> int | None:
        return self.max_length or self.DEFAULT_MAX_LENGTH.get(self.type)

    def choices_queryset(self) -> models.QuerySet[Choice]:
        if self.choice_list_id:
            return Choice.objects.filter(choice_list_id=self.choice_list_id)
        return Choice.objects.filter(question=self)


class Campaign(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(max_length=80, unique=True)
    locals().update(translated_fields("title"))
    locals().update(translated_fields("intro", long=True, required=False))
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="campaigns")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_manually_at = models.DateTimeField(null=True, blank=True)
    # Demo campaigns with fabricated answers: every page that shows their figures says "synthetic",
    # so that they never pass for IOM's data.
    synthetic = models.BooleanField(
        default=False, help_text=_("Fabricated answers (demo data): labelled “synthetic” wherever shown.")
    )
    # The earlier campaign the coordinator chose on the report page: the report adds "Compared with …".
    report_compared_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How the report's annex groups the campaign's published practices (the practices library); a
    # campaign without practices quotes the answers per ISCM whatever the choice.
    class ReportAnnex(models.TextChoices):
        BY_ISCM = "iscm", _("By ISCM")
        BY_OBJECTIVE = "gcm", _("By GCM objective")

    report_annex = models.CharField(max_length=4, choices=ReportAnnex.choices, default=ReportAnnex.BY_ISCM)
    invited_iscms = models.ManyToManyField(Iscm, through="Invitation", related_name="campaigns")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at"]
        permissions = [
            ("manage_campaigns", "Can manage campaigns, invitations, reminders and reviews"),
            ("view_all_responses", "Can read every ISCM's responses"),
            ("view_dashboards", "Can view dashboards and reports"),
            ("exchange_data", "Can export and import responses"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_closes_after_open")
        ]

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def intro(self) -> str:
        return localized(self, "intro")

    def status_at(self, moment) -> str:
        if self.closed_manually_at and self.closed_manually_at <= moment:
            return self.Status.CLOSED
        if moment < self.opens_at:
            return self.Status.SCHEDULED
        if moment >= self.closes_at:
            return self.Status.CLOSED
        return self.Status.OPEN

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def effective_close(self):
        if self.closed_manually_at and self.closed_manually_at < self.closes_at:
            return self.closed_manually_at
        return self.closes_at

    def days_left_at(self, moment) -> int | None:
        """Days left to answer, the one way every page and the reminders count them: started 24-hour
        periods until the effective close (1.5 days → 2, one hour → 1); None unless open at `moment`."""
        if self.status_at(moment) != self.Status.OPEN:
            return None
        return math.ceil((self.effective_close - moment).total_seconds() / 86400)


class Invitation(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    iscm = models.ForeignKey(Iscm, on_delete=models.PROTECT, related_name="invitations")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the "the campaign is open" e-mail was claimed for this ISCM's focal points: sent once.
    announced_at = models.DateTimeField(null=True, blank=True)
    # An extension for this ISCM alone: its focal points may answer until then, after the campaign closed.
    extended_until = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "iscm"], name="invitation_unique")]

    def __str__(self) -> str:
        return f"{self.campaign.slug} / {self.iscm}"

    def is_open_at(self, moment) -> bool:
        """Whether this ISCM's focal points may answer: the campaign is open, or its extension runs."""
        if self.campaign.status_at(moment) == Campaign.Status.OPEN:
            return True
        return bool(self.extended_until and self.campaign.opens_at <= moment < self.extended_until)

    @property
    def is_open(self) -> bool:
        return self.is_open_at(timezone.now())

    @property
    def deadline(self):
        """The campaign's close, or this ISCM's extension when it runs later."""
        close = self.campaign.effective_close
        return max(close, self.extended_until) if self.extended_until else close

    def days_left_at(self, moment) -> int | None:
        """`Campaign.days_left_at`, counted to this ISCM's own deadline (its extension included)."""
        if not self.is_open_at(moment):
            return None
        return math.ceil((self.deadline - moment).total_seconds() / 86400)

    @property
    def is_extended(self) -> bool:
        return bool(self.extended_until and self.extended_until > self.campaign.effective_close)


class Reminder(models.Model):
    """A reminder e-mail to an ISCM's focal points; `days_before` is empty for a manual "remind now"."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reminders")
    iscm = models.ForeignKey(Iscm, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    recipients = models.JSONField(default=list)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "iscm", "days_before"],
                condition=Q(days_before__isnull=False),
                name="reminder_once_per_day_mark",
            )
        ]

    def __str__(self) -> str:
        return f"Reminder {self.campaign_id}/{self.iscm_id} ({self.days_before or 'manual'})"


class Response(models.Model):
    """The one shared response of an ISCM to a campaign."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        VALIDATED = "validated", _("Validated")

    RESPONDED = (Status.SUBMITTED, Status.RETURNED, Status.VALIDATED)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    iscm = models.ForeignKey(Iscm, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveIntegerField(default=0, help_text=_("Bumped on every write; optimistic locking."))
    language = models.CharField(max_length=5, default="en", help_text=_("Language the form was shown in."))
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["campaign", "iscm__acronym"]
        constraints = [models.UniqueConstraint(fields=["campaign", "iscm"], name="response_unique_campaign_iscm")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.iscm} — {self.campaign.slug}"

    @property
    def has_responded(self) -> bool:
        return self.status in self.RESPONDED


class Answer(models.Model):
    """One answered scalar question (text, e-mail, number, date). An item field of a list of items is
    one row per item, numbered by `item` (1, 2, ...); `item` is empty for every other question."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(blank=True)
    number = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    item = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], condition=Q(item__isnull=True), name="answer_unique"
            ),
            models.UniqueConstraint(
                fields=["response", "question", "item"], condition=Q(item__isnull=False), name="answer_unique_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


class AnswerChoice(models.Model):
    """One ticked choice; a single choice is one row too, so every choice question counts alike."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answer_choices")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answer_choices")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="answer_choices")
    item = models.PositiveSmallIntegerField(null=True, blank=True)  # see Answer.item
    # True on the first ticked choice of each answer, and only there: one row per (response, question,
    # item), so that counting these rows counts the responses that answered, in the same pass that counts
    # the picks (analytics' rebuild). No default: every writer says which row comes first.
    is_first = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"], condition=Q(item__isnull=True), name="answer_choice_unique"
            ),
            models.UniqueConstraint(
                fields=["response", "question", "item", "choice"],
                condition=Q(item__isnull=False),
                name="answer_choice_unique_item",
            ),
        ]
        indexes = [models.Index(fields=["question", "choice"])]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}/{self.choice_id}"


class ResponseEvent(models.Model):
    """The history of a response: who did what when, and which answers changed from what to what."""

    class Action(models.TextChoices):
        DRAFT_SAVED = "draft_saved", _("Draft saved")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        VALIDATED = "validated", _("Validated")
        IMPORTED = "imported", _("Imported")
        CORRECTED = "corrected", _("Corrected by the coordinator")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Response.Status.choices)
    changes = models.JSONField(default=dict, help_text=_("{question code: [old value, new value]}"))
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} v{self.version}"


class DeferredTask(models.Model):
    """A task that could not be published because the broker was down (an e-mail, mostly).

    The beat task `deferred_tasks_publish` publishes these again once the broker is back, so the
    user's action succeeds at once and its e-mail still goes out, late.
    """

    task_name = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class ActivityEvent(models.Model):
    """What coordinators and admins need to see of who did what: one row per export, import,
    invitation, reminder, review, correction, role or membership change, login and lockout.

    Written by the services (and the security receivers), never by views; the JSON log keeps the
    technical details. `person` is whom the action was about (an invited focal point, a user whose
    role changed); `username` keeps the typed name of a lockout, which may match no account."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        REVIEW = "review", _("Review")
        CORRECTION = "correction", _("Correction")
        ROLE = "role", _("Role change")
        MEMBERSHIP = "membership", _("Focal point change")
        LOGIN = "login", _("Login")
        LOCKOUT = "lockout", _("Lockout")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    iscm = models.ForeignKey(Iscm, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "at"]), models.Index(fields=["campaign", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


def _frozen_delete_check(sender, instance, **kwargs) -> None:
    """A delete of a published questionnaire or of any part of it is refused, whatever starts it
    (`delete()`, a queryset delete, a cascade, the admin): Django sends `pre_delete` for each row."""
    if sender.published_rows(sender._base_manager.filter(pk=instance.pk)).exists():
        raise QuestionnaireLocked(_("This questionnaire is published: make a new version to change it."))


for _model in (Questionnaire, Section, Question, Choice):
    models.signals.pre_delete.connect(
        _frozen_delete_check, sender=_model, dispatch_uid=f"frozen_delete_check_{_model.__name__}"
    )
