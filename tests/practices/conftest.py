"""A small practices library: four ISCMs, two campaigns, practices in English, French, Spanish and Arabic.

| ISCM | region | type | campaign | year | language | GCM | SDG | published |
| MIDSA | Africa | RCP | 2023 | 2022 | en | 1, 23 | 8 | yes |
| RCM | Americas | RCP | 2023 | 2023 | es | 5, 16 | 10 | yes |
| GFMD | Global | GLOBAL | 2025 | 2024 | fr | 5 | 8, 17 | no |
| ARCP | Middle East and North Africa | RCP | 2025 | 2025 | ar | 23 | — | no |
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from practices.models import Practice
from practices.services import PracticeData, practice_publish, practices_create_from_answer
from questionnaires.definitions import reference_lists_load
from questionnaires.models import Answer, Iscm, Question, Response
from tests import factories

TEXTS = {
    "MIDSA": (
        "Regional data exchange",
        "Member States shared migration data and statistics through a regional observatory.",
    ),
    "RCM": (
        "Seminario sobre regularización migratoria",
        "Los Estados miembros compartieron experiencias de regularización e integración de personas migrantes.",
    ),
    "GFMD": (
        "Atelier sur l'intégration des migrants",
        "Les États participants ont échangé sur la régularisation et l'intégration des travailleurs migrants.",
    ),
    "ARCP": (
        "ورشة عمل حول الهجرة",
        "تبادلت الدول الأعضاء الخبرات في مجال الهجرة والتعاون الإقليمي.",
    ),
}


@dataclass
class Library:
    campaign_2023: object
    campaign_2025: object
    iscms: dict[str, Iscm]
    practices: dict[str, Practice]
    answers: dict[str, Answer]
    question: Question


def _campaign(slug: str, year: int, question_code: str = "gcm_practices"):
    campaign = factories.CampaignFactory(
        questionnaire=factories.QuestionnaireFactory(),  # a draft: questions are added below
        slug=slug,
        title_en=f"Survey {year}",
        opens_at=datetime.datetime(year, 4, 1, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(year, 6, 1, tzinfo=datetime.UTC),
    )
    section = factories.SectionFactory(questionnaire=campaign.questionnaire)
    question = Question.objects.create(
        questionnaire=campaign.questionnaire,
        section=section,
        code=question_code,
        type=Question.Type.LONG_TEXT,
        label_en="Effective practices relevant to the GCM",
    )
    return campaign, question


@pytest.fixture
def library(db, coordinator) -> Library:
    reference_lists_load()
    iscms = {
        "MIDSA": factories.IscmFactory(acronym="MIDSA", region="Africa", type=Iscm.Type.RCP),
        "RCM": factories.IscmFactory(acronym="RCM", region="Americas", type=Iscm.Type.RCP),
        "GFMD": factories.IscmFactory(acronym="GFMD", region="Global", type=Iscm.Type.GLOBAL),
        "ARCP": factories.IscmFactory(acronym="ARCP", region="Middle East and North Africa", type=Iscm.Type.RCP),
    }
    campaign_2023, question_2023 = _campaign("survey-2023", 2023)
    campaign_2025, question_2025 = _campaign("survey-2025", 2025)
    rows = [
        ("MIDSA", campaign_2023, question_2023, 2022, "en", ["1", "23"], ["8"], True),
        ("RCM", campaign_2023, question_2023, 2023, "es", ["5", "16"], ["10"], True),
        ("GFMD", campaign_2025, question_2025, 2024, "fr", ["5"], ["8", "17"], False),
        ("ARCP", campaign_2025, question_2025, 2025, "ar", ["23"], [], False),
    ]
    practices, answers = {}, {}
    for acronym, campaign, question, year, language, gcm, sdg, published in rows:
        response = Response.objects.create(
            campaign=campaign, iscm=iscms[acronym], status=Response.Status.SUBMITTED, language=language
        )
        title, description = TEXTS[acronym]
        answer = Answer.objects.create(response=response, question=question, text=f"{title}\n\n{description}")
        (practice,) = practices_create_from_answer(
            answer=answer,
            items=[PracticeData(title, description, year, "", language, gcm, sdg)],
            user=coordinator,
        )
        if published:
            practice_publish(practice=practice, user=coordinator, published=True)
        practices[acronym], answers[acronym] = practice, answer
    return Library(campaign_2023, campaign_2025, iscms, practices, answers, question_2023)
