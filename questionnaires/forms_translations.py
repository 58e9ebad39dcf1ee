"""Forms of the translations and publish pages (the coordinator's questionnaire authoring)."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import LANGUAGE_CODES
from .translations_authoring import TextRow, texts_as_loaded

RTL_LANGUAGES = set(settings.LANGUAGES_BIDI)


class TranslationsForm(forms.Form):
    """One field per text and language, named "<row key>-<language>" (e.g. "question-12-label-ar").
    Arabic fields are right-to-left; every field carries its language for screen readers and spelling."""

    # The texts as the page was loaded: only the texts the coordinator changed are written, and one
    # that someone else changed meanwhile is a conflict, not a silent overwrite.
    loaded = forms.JSONField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rows: list[TextRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.fields["loaded"].initial = texts_as_loaded(rows)
        names = dict(settings.LANGUAGES)
        for row in rows:
            for language in LANGUAGE_CODES:
                attrs = {
                    "lang": language,
                    "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
                    "class": "form-control form-control-sm",
                }
                if row.long:
                    widget: forms.Widget = forms.Textarea(attrs={**attrs, "rows": 3})
                else:
                    widget = forms.TextInput(attrs=attrs)
                self.fields[f"{row.key}-{language}"] = forms.CharField(
                    label=f"{row.where} · {row.kind} ({names[language]})",
                    required=False,
                    strip=True,
                    max_length=None if row.long else 500,
                    initial=row.values[language],
                    widget=widget,
                )

    def texts(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if name != "loaded"}

    def loaded_texts(self) -> dict[str, str]:
        loaded = self.cleaned_data.get("loaded")
        return {str(key): str(value) for key, value in loaded.items()} if isinstance(loaded, dict) else {}

    def conflicts_show(self, theirs: dict[str, str]) -> None:
        """After a conflict: each clashing field says what is stored now, and the page counts as loaded
        with the stored texts, so saving again keeps the coordinator's input on purpose."""
        data = self.data.copy()
        data["loaded"] = json.dumps(texts_as_loaded(self.rows))
        self.data = data
        for name, text in theirs.items():
            self.add_error(name, _("Changed meanwhile by someone else to: “%(text)s”.") % {"text": text or "—"})

    def grid(self) -> list[dict[str, object]]:
        """[{row, cells: [{language, field, missing}]}] for the template's en | fr | es | ar columns."""
        return [
            {
                "row": row,
                "cells": [
                    {"language": language, "field": self[f"{row.key}-{language}"], "missing": row.is_missing(language)}
                    for language in LANGUAGE_CODES
                ],
            }
            for row in self.rows
        ]


class PublishLanguagesForm(forms.Form):
    """The languages a version must be complete in to be published (English always)."""

    languages = forms.MultipleChoiceField(
        label=_("Languages the questionnaire must be complete in"),
        required=False,
        choices=[(code, name) for code, name in settings.LANGUAGES if code != "en"],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def selected(self) -> list[str]:
        if self.is_bound and self.is_valid():
            return ["en", *self.cleaned_data["languages"]]
        return [code for code, _name in settings.LANGUAGES]
