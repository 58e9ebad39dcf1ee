from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from questionnaires.models import Iscm

from .models import LANGUAGES
from .services import PracticeData


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    gcm = forms.ChoiceField(label=_("GCM objective"), required=False)
    sdg = forms.ChoiceField(label=_("SDG"), required=False)
    iscm = forms.ChoiceField(label=_("ISCM"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    iscm_type = forms.ChoiceField(label=_("ISCM type"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)

    def __init__(self, *args, options: dict, **kwargs):
        super().__init__(*args, **kwargs)
        iscms = options["iscms"]
        self.fields["gcm"].choices = [("", _("All objectives"))] + [
            (c.code, f"{c.code}. {c.label}") for c in options["gcm"]
        ]
        self.fields["sdg"].choices = [("", _("All SDGs"))] + [(c.code, f"{c.code}. {c.label}") for c in options["sdg"]]
        self.fields["iscm"].choices = [("", _("All ISCMs"))] + [(i.acronym, i.acronym) for i in iscms]
        regions = sorted({iscm.region for iscm in iscms})
        self.fields["region"].choices = [("", _("All regions"))] + [(r, _(r)) for r in regions]
        self.fields["iscm_type"].choices = [("", _("All types")), *Iscm.Type.choices]
        self.fields["year"].choices = [("", _("All years"))] + [(y, y) for y in options["years"]]
        self.fields["campaign"].choices = [("", _("All campaigns"))] + [(c.slug, c.title) for c in options["campaigns"]]


class PracticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    language = forms.ChoiceField(label=_("Language of the text"), choices=LANGUAGES)
    gcm = forms.MultipleChoiceField(label=_("GCM objectives"), required=False)
    sdg = forms.MultipleChoiceField(label=_("SDGs"), required=False)

    def __init__(self, *args, gcm_choices, sdg_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gcm"].choices = [(c.code, f"{c.code}. {c.label}") for c in gcm_choices]
        self.fields["sdg"].choices = [(c.code, f"{c.code}. {c.label}") for c in sdg_choices]
        for name, field in self.fields.items():
            if name == "keep":
                field.widget.attrs["class"] = "form-check-input"
            elif name in ("language", "gcm", "sdg"):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"
        self.fields["gcm"].widget.attrs["size"] = 8
        self.fields["sdg"].widget.attrs["size"] = 8

    def practice_data(self) -> PracticeData:
        data = self.cleaned_data
        return PracticeData(
            data["title"], data["description"], data["year"], data["link"], data["language"], data["gcm"], data["sdg"]
        )


class SplitItemForm(PracticeForm):
    keep = forms.BooleanField(label=_("Save this practice"), required=False, initial=True)
