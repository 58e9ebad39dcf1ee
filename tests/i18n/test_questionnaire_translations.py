"""The bundled questionnaire in four languages, and translations reaching a published questionnaire."""

import pytest
from django.utils import timezone, translation

from questionnaires.models import Choice, Question, Questionnaire, QuestionnaireLocked, Section, localized
from questionnaires.translations import DefinitionMismatch, questionnaire_translations_update
from tests import factories

TEXT_KEYS = ("title", "description", "label", "help", "summary", "report_phrase", "annex_title")


def texts_of(node):
    """Every translatable text dict of a definition."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TEXT_KEYS and isinstance(value, dict) and "en" in value:
                yield value
            else:
                yield from texts_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts_of(item)


def translation_columns_blank(questionnaire):
    """What a database loaded before the translations existed looks like (bypasses the lock, as a
    migration would)."""
    blank = {f"{field}_{code}": "" for field in ("title", "description") for code in ("fr", "es", "ar")}
    Questionnaire.objects.filter(pk=questionnaire.pk).update(**blank)
    Section.objects.filter(questionnaire=questionnaire).update(**blank)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        **{f"annex_title_{code}": "" for code in ("fr", "es", "ar")}
    )
    Question.objects.filter(questionnaire=questionnaire).update(
        **{
            f"{field}_{code}": ""
            for field in ("label", "help", "chart_title", "report_summary")
            for code in ("fr", "es", "ar")
        }
    )
    Choice.objects.filter(question__questionnaire=questionnaire).update(
        **{f"{field}_{code}": "" for field in ("label", "description", "report_phrase") for code in ("fr", "es", "ar")}
    )


def snapshot(questionnaire):
    """Structure and English texts: what must never change on a published questionnaire."""
    return (
        Questionnaire.objects.filter(pk=questionnaire.pk).values("status", "version", "title_en").get(),
        list(Section.objects.filter(questionnaire=questionnaire).values("position", "title_en", "description_en")),
        list(
            Question.objects.filter(questionnaire=questionnaire).values(
                "code", "type", "position", "required", "max_choices", "label_en", "help_en", "show_if_values"
            )
        ),
        list(
            Choice.objects.filter(question__questionnaire=questionnaire).values(
                "question__code", "code", "position", "label_en", "description_en"
            )
        ),
    )


def test_every_text_of_the_bundled_questionnaire_is_in_four_languages(definition):
    texts = list(texts_of(definition))

    # 2 + 4 sections × 2 + 14 labels + 4 helps + 7 choices + 2 descriptions, and the presentation hints:
    # 6 chart titles, 2 summaries, 3 report phrases, the annex title
    assert len(texts) == 49
    for text in texts:
        assert set(text) == {"en", "fr", "es", "ar"}, text["en"]
        assert all(text[code].strip() for code in ("fr", "es", "ar")), text["en"]
        assert text["fr"] != text["en"] and text["ar"] != text["en"], text["en"]


def test_a_published_questionnaire_gets_its_translations_and_a_second_run_changes_nothing(
    bundled_questionnaire, definition
):
    questionnaire = bundled_questionnaire
    assert questionnaire.is_locked
    translation_columns_blank(questionnaire)
    before = snapshot(questionnaire)

    changed = questionnaire_translations_update(questionnaire=questionnaire, definition=definition)

    # the questionnaire, 4 sections, 14 questions, 7 own choices
    assert changed == 1 + 4 + 14 + 7
    assert snapshot(questionnaire) == before
    questionnaire.refresh_from_db()
    assert questionnaire.is_locked
    assert questionnaire.title_fr == "Contributions des MCIM aux initiatives politiques mondiales"
    plan = Question.objects.get(questionnaire=questionnaire, code="gcm_review_plan")
    assert plan.label_es == (
        "¿Tiene previsto su MCIM participar en el ciclo 2024 del examen regional del Pacto Mundial para la Migración?"
    )
    assert (
        plan.label_ar
        == "هل تعتزم آليتكم المشاركة في دورة عام 2024 من الاستعراض الإقليمي للاتفاق العالمي من أجل الهجرة؟"
    )
    undecided = plan.choices_queryset().get(code="undecided")
    assert (undecided.label_fr, undecided.label_es, undecided.label_ar) == (
        "Pas encore décidé",
        "Aún no se ha decidido",
        "لم يُتَّخذ قرار بعد",
    )
    # the presentation hints' texts too: the chart title and the report phrase
    assert plan.chart_title_fr == "Participation au cycle 2024 de l’examen régional du Pacte mondial sur les migrations"
    assert undecided.report_phrase_es == "aún no lo han decidido"
    assert questionnaire.annex_title_ar == "المرفق: الرسائل والممارسات الفعالة التي شاركتها الآليات"
    section = Section.objects.get(questionnaire=questionnaire, position=3)
    with translation.override("es"):
        assert section.title == "Cambio climático y migración"
        assert (
            section.description == "Aportes a la Conferencia de las Naciones Unidas sobre el Cambio Climático (COP28)."
        )

    assert questionnaire_translations_update(questionnaire=questionnaire, definition=definition) == 0
    assert snapshot(questionnaire) == before


def test_a_second_run_makes_no_write(bundled_questionnaire, definition, django_assert_num_queries):
    questionnaire_translations_update(questionnaire=bundled_questionnaire, definition=definition)

    # questionnaire, sections, questions, own choices: four reads, no UPDATE
    # (plus the savepoint pair of the atomic block inside the test transaction)
    with django_assert_num_queries(6) as captured:
        assert questionnaire_translations_update(questionnaire=bundled_questionnaire, definition=definition) == 0
    assert not [query for query in captured.captured_queries if query["sql"].startswith("UPDATE")]


def test_the_published_questionnaire_still_refuses_other_changes(bundled_questionnaire):
    question = Question.objects.get(questionnaire=bundled_questionnaire, code="respondent_name")
    question.required = not question.required

    with pytest.raises(QuestionnaireLocked):
        question.save()
    with pytest.raises(QuestionnaireLocked):
        question.save(update_fields=["required", "label_fr"])


def test_a_definition_of_another_questionnaire_is_refused(bundled_questionnaire, definition):
    with pytest.raises(DefinitionMismatch):
        questionnaire_translations_update(
            questionnaire=bundled_questionnaire, definition={**definition, "version": definition["version"] + 1}
        )


@pytest.fixture
def small_published_questionnaire(db):
    """One section, one single-choice question with two own choices, English only, then published."""
    questionnaire = factories.QuestionnaireFactory(slug="small", title_en="Small survey")
    section = factories.SectionFactory(questionnaire=questionnaire, position=1, title_en="General")
    question = factories.QuestionFactory(
        section=section, code="plan", type=Question.Type.SINGLE_CHOICE, label_en="Do you plan to take part?"
    )
    factories.choices_create(question, ["yes", "no"])
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        status=Questionnaire.Status.PUBLISHED, published_at=timezone.now()
    )
    questionnaire.refresh_from_db()
    return questionnaire


def small_definition(**question_texts):
    return {
        "slug": "small",
        "version": 1,
        "title": {"en": "Small survey", "fr": "Petite enquête"},
        "sections": [
            {
                "title": {"en": "General", "es": "General"},
                "questions": [
                    {
                        "code": "plan",
                        "type": "single_choice",
                        "label": {"en": "Do you plan to take part?", **question_texts},
                        "choices": [
                            {"code": "yes", "label": {"en": "Choice yes", "fr": "Oui", "es": "Sí"}},
                            {"code": "no", "label": {"en": "Choice no"}},
                        ],
                    }
                ],
            }
        ],
    }


def test_missing_translations_fall_back_to_english(small_published_questionnaire):
    questionnaire_translations_update(
        questionnaire=small_published_questionnaire, definition=small_definition(fr="Prévoyez-vous de participer ?")
    )
    question = Question.objects.get(questionnaire=small_published_questionnaire, code="plan")
    yes, no = question.choices_queryset()

    with translation.override("fr"):
        assert question.label == "Prévoyez-vous de participer ?"
        assert (yes.label, no.label) == ("Oui", "Choice no")
    with translation.override("ar"):
        assert question.label == "Do you plan to take part?"
        assert (yes.label, no.label) == ("Choice yes", "Choice no")
    assert localized(question, "label", "es") == "Do you plan to take part?"
    assert localized(yes, "label", "es") == "Sí"


def test_a_translation_the_definition_lacks_is_kept(small_published_questionnaire):
    """A translation entered in the admin is not erased by a definition that has none for that language."""
    question = Question.objects.get(questionnaire=small_published_questionnaire, code="plan")
    question.label_ar = "هل تعتزمون المشاركة؟"
    question.save(update_fields=["label_ar"])

    changed = questionnaire_translations_update(
        questionnaire=small_published_questionnaire, definition=small_definition(es="¿Tiene previsto participar?")
    )

    question.refresh_from_db()
    assert (question.label_es, question.label_ar) == ("¿Tiene previsto participar?", "هل تعتزمون المشاركة؟")
    assert changed == 4  # questionnaire title, section title, question, choice "yes"


def test_a_corrected_translation_replaces_the_old_one(small_published_questionnaire):
    questionnaire_translations_update(
        questionnaire=small_published_questionnaire, definition=small_definition(fr="Participerez-vous ?")
    )

    assert (
        questionnaire_translations_update(
            questionnaire=small_published_questionnaire, definition=small_definition(fr="Prévoyez-vous de participer ?")
        )
        == 1
    )
    assert Question.objects.get(code="plan").label_fr == "Prévoyez-vous de participer ?"


def test_the_demo_questionnaire_is_translated_and_updating_it_again_changes_nothing(demo, definition):
    questionnaire = demo.questionnaire

    assert questionnaire_translations_update(questionnaire=questionnaire, definition=definition) == 0
    question = Question.objects.get(questionnaire=questionnaire, code="sdg_contributes")
    with translation.override("ar"):
        assert question.label == "في أيٍّ من أهداف التنمية المستدامة يُسهم عمل آليتكم؟"
        assert question.help == "اختاروا كل ما ينطبق."
