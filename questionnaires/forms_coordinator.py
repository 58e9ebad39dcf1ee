"""Forms of the coordinator pages. They clean input; the services in services_campaigns.py write."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Campaign, Iscm, Questionnaire
from .selectors_campaigns import TRACKER_STATUSES

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
RESERVED_SLUGS = {"new", "compare"}  # /campaigns/new/ creates a campaign, /campaigns/compare/ compares them
TEXT_FIELDS = ["title_en", "intro_en", "title_fr", "intro_fr", "title_es", "intro_es", "title_ar", "intro_ar"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class QuestionnaireChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Questionnaire) -> str:
        return _("%(title)s (version %(version)s)") % {"title": obj.title, "version": obj.version}


class CampaignForm(forms.Form):
    """Create or edit a campaign. The invited ISCMs come with region and type shortcut buttons: without
    JavaScript they post the form back (`shortcut`), which re-renders it with those ISCMs ticked."""

    slug = forms.SlugField(
        label=_("Short name (in addresses)"),
        max_length=80,
        help_text=_("Letters, digits and hyphens, e.g. iscm-contributions-2025. It cannot change later."),
    )
    questionnaire = QuestionnaireChoiceField(
        label=_("Questionnaire"),
        queryset=Questionnaire.objects.none(),
        help_text=_("Only published questionnaires can be used: their questions no longer change."),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=500)
    intro_en = forms.CharField(
        label=_("Introduction (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to focal points above the form."),
    )
    title_fr = forms.CharField(label=_("Title (French)"), max_length=500, required=False)
    intro_fr = forms.CharField(
        label=_("Introduction (French)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=500, required=False)
    intro_es = forms.CharField(
        label=_("Introduction (Spanish)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    title_ar = forms.CharField(label=_("Title (Arabic)"), max_length=500, required=False)
    intro_ar = forms.CharField(
        label=_("Introduction (Arabic)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeLocalInput()
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=_("Reminders go out before this date; the form becomes read-only after it."),
    )
    invited_iscms = forms.ModelMultipleChoiceField(
        label=_("Invited ISCMs"),
        queryset=Iscm.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs):
        self.campaign = campaign
        if campaign is not None and "initial" not in kwargs:
            initial = {name: getattr(campaign, name) for name in TEXT_FIELDS}
            initial.update(
                slug=campaign.slug,
                questionnaire=campaign.questionnaire_id,
                opens_at=campaign.opens_at,
                closes_at=campaign.closes_at,
                invited_iscms=list(campaign.invitations.values_list("iscm_id", flat=True)),
            )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        published = Q(status=Questionnaire.Status.PUBLISHED)
        iscms = Q(active=True)
        if campaign is not None:
            published |= Q(pk=campaign.questionnaire_id)
            iscms |= Q(invitations__campaign=campaign)
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("The short name of a campaign does not change.")
        self.fields["questionnaire"].queryset = Questionnaire.objects.filter(published).order_by(
            "slug", "-version"
        )
        self.fields["invited_iscms"].queryset = (
            Iscm.objects.filter(iscms).distinct().order_by("region", "acronym")
        )

    def iscm_groups(self) -> list[tuple[str, list[tuple[Iscm, bool]]]]:
        """The ISCM checkboxes grouped by region, each with whether it is ticked (one query)."""
        value = self["invited_iscms"].value() or []
        selected = {str(item) for item in value}
        groups: dict[str, list[tuple[Iscm, bool]]] = {}
        for iscm in self.fields["invited_iscms"].queryset:
            groups.setdefault(iscm.region, []).append((iscm, str(iscm.pk) in selected))
        return list(groups.items())

    def with_shortcut(self, shortcut: str) -> CampaignForm:
        """The same form, unbound, with the ISCMs of a region or type added (or all, or none) — the
        shortcut buttons without JavaScript. Nothing is saved and no errors are shown yet."""
        initial = {name: self[name].value() for name in self.fields}
        selected = {str(item) for item in (initial.get("invited_iscms") or [])}
        kind, _sep, argument = shortcut.partition(":")
        iscms = self.fields["invited_iscms"].queryset
        if kind == "none":
            selected = set()
        elif kind == "all":
            selected |= {str(pk) for pk in iscms.values_list("pk", flat=True)}
        elif kind == "region":
            selected |= {str(pk) for pk in iscms.filter(region=argument).values_list("pk", flat=True)}
        elif kind == "type":
            selected |= {str(pk) for pk in iscms.filter(type=argument).values_list("pk", flat=True)}
        initial["invited_iscms"] = sorted(selected)
        return CampaignForm(initial=initial, campaign=self.campaign)

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This short name is reserved: choose another one."))
        if self.campaign is None and Campaign.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another campaign already uses this short name."))
        return slug

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The campaign must close after it opens."))
        return cleaned

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in TEXT_FIELDS}


class FocalPointInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("They receive an e-mail with a link to choose their password."),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the focal points revise?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The focal points receive it by e-mail, and see it on their home page and above the form."),
    )
    until = forms.DateTimeField(
        label=_("Open again for this ISCM until (UTC)"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=_("Needed once the campaign is closed: only this ISCM's focal points can revise until then."),
    )


class ExtendForm(forms.Form):
    until = forms.DateTimeField(
        label=_("This ISCM may answer until (UTC)"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=_("Only this ISCM's focal points can answer after the campaign's close, until this date."),
    )


class TrackerFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *TRACKER_STATUSES]
        self.fields["region"].choices = [("", _("All regions")), *((region, _(region)) for region in regions)]


class InvitationSetPasswordForm(SetPasswordForm):
    """The invitation's "choose your password" form (Django's, with our labels)."""
