"""A questionnaire with a list of practices (a `list_of_items` question) loaded from a JSON-style
definition, as the demo's 2025 draft would declare it; shared by the list tests and the browser test."""

from __future__ import annotations

from dataclasses import dataclass

from questionnaires.definitions import questionnaire_create, reference_lists_load
from questionnaires.models import Campaign, Questionnaire
from tests import factories

PRACTICES_LIST = {
    "code": "practices",
    "type": "list_of_items",
    "label": {"en": "Effective practices of your ISCM", "fr": "Pratiques efficaces de votre PCR"},
    "help": {"en": "One item per practice."},
    "min_items": 1,
    "max_items": 5,
    "item_fields": [
        {
            "code": "practice_title",
            "type": "short_text",
            "label": {"en": "Title", "fr": "Titre"},
            "required": True,
            "max_length": 200,
            "practice_role": "title",
        },
        {
            "code": "practice_description",
            "type": "long_text",
            "label": {"en": "Description", "fr": "Description"},
            "required": True,
            "practice_role": "description",
        },
        {"code": "practice_year", "type": "integer", "label": {"en": "Year"}, "practice_role": "year"},
        {
            "code": "practice_gcm",
            "type": "multiple_choice",
            "choice_list": "gcm",
            "label": {"en": "GCM objectives it serves"},
            "practice_role": "gcm",
        },
        {
            "code": "practice_sdg",
            "type": "multiple_choice",
            "choice_list": "sdg",
            "label": {"en": "SDGs it serves"},
            "practice_role": "sdg",
        },
        {"code": "practice_link", "type": "short_text", "label": {"en": "Link"}, "practice_role": "link"},
    ],
}

DEFINITION = {
    "slug": "practices-survey",
    "version": 1,
    "title": {"en": "Practices survey"},
    "sections": [
        {
            "title": {"en": "About you"},
            "questions": [
                {"code": "name", "type": "short_text", "label": {"en": "Your name"}, "required": True},
            ],
        },
        {"title": {"en": "Practices"}, "questions": [PRACTICES_LIST]},
    ],
}


@dataclass
class ListSurvey:
    questionnaire: Questionnaire
    campaign: Campaign


def list_survey_create(*, iscms=(), required: bool = True, min_items: int = 1, **campaign_fields) -> ListSurvey:
    reference_lists_load()
    definition = {**DEFINITION, "sections": [dict(section) for section in DEFINITION["sections"]]}
    definition["sections"][1]["questions"] = [{**PRACTICES_LIST, "required": required, "min_items": min_items}]
    questionnaire = questionnaire_create(definition)
    campaign = factories.CampaignFactory(questionnaire=questionnaire, title_en="Practices campaign", **campaign_fields)
    factories.invite(campaign, *iscms)
    return ListSurvey(questionnaire, campaign)


def practice(title: str, description: str = "What was done.", **fields) -> dict[str, object]:
    return {"practice_title": title, "practice_description": description, **fields}
