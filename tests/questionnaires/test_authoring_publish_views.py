"""The coordinator's translations, preview and publish pages of a questionnaire version."""

import re

import pytest
from django.urls import reverse

from questionnaires.models import (
    Answer,
    AnswerChoice,
    Question,
    Questionnaire,
    Response,
    ResponseEvent,
)
from questionnaires.schema import questionnaire_schema
from questionnaires.services_publish import questionnaire_publish
from tests import factories

from .publish_data import draft_create

# Every page: session, user, the role's two permission reads, the questionnaire; then
# translations: sections, questions, own choices; preview: the schema (2);
# publish: the texts (3), the schema (2), the conditions.
TRANSLATIONS_MAX_QUERIES = 8
PREVIEW_MAX_QUERIES = 7
PUBLISH_MAX_QUERIES = 11


@pytest.fixture
def draft(db):
    return draft_create()


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def url(name, questionnaire, query=""):
    path = reverse(f"questionnaires:{name}", kwargs={"slug": questionnaire.slug, "version": questionnaire.version})
    return f"{path}{query}"


def field_name(obj, field, language):
    return f"{obj._meta.model_name}-{obj.pk}-{field}-{language}"


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["authoring_translations", "authoring_preview", "authoring_publish"])
def test_coordinators_only(client, draft, observer, focal_point, name):
    assert client.get(url(name, draft)).status_code == 302  # the login page
    for user in (observer, focal_point):
        client.force_login(user)
        assert client.get(url(name, draft)).status_code == 403
        assert client.post(url(name, draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Questionnaire.Status.DRAFT


def test_an_unknown_version_is_404(signed_in, draft):
    missing = reverse("questionnaires:authoring_preview", kwargs={"slug": draft.slug, "version": 9})
    assert signed_in.get(missing).status_code == 404


# --- Translations --------------------------------------------------------------------------------


def test_translations_side_by_side_with_missing_counts_and_rtl_arabic(signed_in, draft, django_assert_max_num_queries):
    Question.objects.filter(code="plan").update(label_ar="", label_es="")
    plans = draft.sections.get(position=2)
    with django_assert_max_num_queries(TRANSLATIONS_MAX_QUERIES):
        page = signed_in.get(url("authoring_translations", draft, f"?section={plans.pk}"))
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'data-missing="es">1<', html) and re.search(r'data-missing="ar">1<', html)
    assert re.search(r'data-missing="fr">0<', html)
    plan = Question.objects.get(code="plan")
    arabic = re.search(rf'<(?:input|textarea)[^>]*name="{field_name(plan, "label", "ar")}"[^>]*>', html).group(0)
    assert 'dir="rtl"' in arabic and 'lang="ar"' in arabic
    french = re.search(rf'<(?:input|textarea)[^>]*name="{field_name(plan, "label", "fr")}"[^>]*>', html).group(0)
    assert 'dir="ltr"' in french and 'lang="fr"' in french
    # one section at a time: the other section's questions are not on this page
    assert field_name(Question.objects.get(code="name"), "label", "en") not in html


def test_the_translations_page_shows_item_fields_under_their_list(signed_in, draft):
    plans = draft.sections.get(position=2)
    practices = factories.QuestionFactory(
        section=plans, position=3, code="practices", type=Question.Type.LIST_OF_ITEMS, label_en="Practices"
    )
    title = factories.QuestionFactory(
        section=plans, position=4, code="practice_title", item_of=practices, label_en="Title", label_fr="Titre"
    )
    html = signed_in.get(url("authoring_translations", draft, f"?section={plans.pk}")).content.decode()
    assert "Q2.3 practices › practice_title" in html
    assert "\nTitre</textarea>" in html and field_name(title, "label", "ar") in html
    assert "Q2.4" not in html  # an item field has no number of its own


def body_of(page):
    """The form as the browser would send it back (the fields of the page, their current values)."""
    form = page.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def test_translations_are_saved_and_reach_a_published_form_at_once(signed_in, draft):
    questionnaire_publish(questionnaire=draft)
    draft.refresh_from_db()
    assert questionnaire_schema(draft).question("plan").label_in("ar") == "Plan? (ar) عربي"  # cached now
    plans = draft.sections.get(position=2)
    page_url = url("authoring_translations", draft, f"?section={plans.pk}")
    body = body_of(signed_in.get(page_url))
    plan = Question.objects.get(code="plan")
    body[field_name(plan, "label", "ar")] = "هل تخططون؟"
    body[field_name(plan, "label", "en")] = "Plan? (typo fixed)"
    body[field_name(plan, "help", "fr")] = "Aide"

    reply = signed_in.post(page_url, body, follow=True)

    assert reply.redirect_chain[0][0].endswith(f"?section={plans.pk}")
    # three texts of one question: the message counts the texts typed, not the objects holding them
    assert "Texts saved (3 changed)." in [str(message) for message in reply.context["messages"]]
    plan.refresh_from_db()
    assert (plan.label_ar, plan.label_en, plan.help_fr) == ("هل تخططون؟", "Plan? (typo fixed)", "Aide")
    schema = questionnaire_schema(Questionnaire.objects.get(pk=draft.pk))
    assert schema.question("plan").label_in("ar") == "هل تخططون؟"


def test_two_coordinators_keep_each_others_texts_and_a_clash_is_a_conflict(signed_in, draft):
    page_url = url("authoring_translations", draft)
    body = body_of(signed_in.get(page_url))
    Questionnaire.objects.filter(pk=draft.pk).update(title_fr="Changé par une autre personne")
    body[field_name(draft, "title", "es")] = "Contribuciones, mías"
    assert signed_in.post(page_url, body).status_code == 302
    draft.refresh_from_db()
    assert (draft.title_fr, draft.title_es) == ("Changé par une autre personne", "Contribuciones, mías")

    body = body_of(signed_in.get(page_url))
    Questionnaire.objects.filter(pk=draft.pk).update(title_ar="نص الآخر")
    body[field_name(draft, "title", "ar")] = "نصي"
    body[field_name(draft, "title", "es")] = "Otra vez"
    reply = signed_in.post(page_url, body)

    assert reply.status_code == 409 and 'id="conflict"' in reply.content.decode()
    assert reply.context["form"].errors[field_name(draft, "title", "ar")] == [
        "Changed meanwhile by someone else to: “نص الآخر”."
    ]
    draft.refresh_from_db()
    assert (draft.title_ar, draft.title_es) == ("نص الآخر", "Contribuciones, mías")  # nothing of this save
    # the page keeps the input and now knows theirs: saving again keeps the coordinator's on purpose
    assert signed_in.post(page_url, reply.context["form"].data.copy()).status_code == 302
    draft.refresh_from_db()
    assert (draft.title_ar, draft.title_es) == ("نصي", "Otra vez")


def test_a_required_english_text_cannot_be_emptied(signed_in, draft):
    page_url = url("authoring_translations", draft)
    body = body_of(signed_in.get(page_url))
    body[field_name(draft, "title", "en")] = " "
    body[field_name(draft, "title", "fr")] = "Changé"
    reply = signed_in.post(page_url, body)
    assert reply.status_code == 400
    assert "The English text is required." in reply.content.decode()
    draft.refresh_from_db()
    assert (draft.title_en, draft.title_fr) == ("Contributions 2025", "Contributions 2025 (fr)")


def test_the_translations_page_never_changes_structure(signed_in, draft):
    page_url = url("authoring_translations", draft, f"?section={draft.sections.get(position=2).pk}")
    body = body_of(signed_in.get(page_url))
    plan = Question.objects.get(code="plan")
    body[f"question-{plan.pk}-code-en"] = "hacked"
    body[f"question-{plan.pk}-required-en"] = "on"
    signed_in.post(page_url, body)
    plan.refresh_from_db()
    assert (plan.code, plan.required) == ("plan", False)


# --- Preview -------------------------------------------------------------------------------------


def nothing_written():
    return [model.objects.count() for model in (Response, Answer, AnswerChoice, ResponseEvent)]


def test_the_preview_shows_the_focal_points_form_in_the_language_asked(signed_in, draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(PREVIEW_MAX_QUERIES):
        page = signed_in.get(url("authoring_preview", draft, "?lang=ar"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "Plan? (ar) عربي" in html and "Yes (ar) عربي" in html
    assert 'data-show-if="formats"' in html  # the condition, as on the focal point's form
    assert 'id="question-conditions"' in html
    page = signed_in.get(url("authoring_preview", draft, "?lang=fr"))
    assert "Plan? (fr)" in page.content.decode()


def test_checking_the_preview_validates_like_a_submit_and_creates_nothing(signed_in, draft):
    before = nothing_written()
    page_url = url("authoring_preview", draft, "?lang=en")
    reply = signed_in.post(page_url, {"version": 0, "name": "x" * 41, "plan": "no", "formats": ["online", "hybrid"]})
    assert reply.status_code == 200
    errors = reply.context["form"].errors
    assert "name" in errors  # longer than its 40 characters
    assert "formats" in errors  # shown only when plan is yes
    assert nothing_written() == before

    reply = signed_in.post(page_url, {"version": 0, "plan": "yes", "formats": ["online", "hybrid", "in_person"]})
    errors = reply.context["form"].errors
    assert "name" in errors  # required
    assert "formats" in errors  # at most 2
    assert nothing_written() == before

    reply = signed_in.post(page_url, {"version": 0, "name": "MIDSA", "plan": "yes", "formats": ["online"]})
    assert reply.context["checked"] is True and 'id="preview-valid"' in reply.content.decode()
    assert nothing_written() == before


# --- Publish -------------------------------------------------------------------------------------


def test_the_publish_page_lists_the_problems_and_refuses(signed_in, draft, django_assert_max_num_queries):
    Question.objects.filter(code="formats").update(max_choices=5, label_ar="")
    with django_assert_max_num_queries(PUBLISH_MAX_QUERIES):
        page = signed_in.get(url("authoring_publish", draft))
    html = page.content.decode()
    assert "Max choices (5) is above the number of choices (3)." in html
    assert "Label missing in Arabic." in html
    assert "Publish version 1" not in html

    reply = signed_in.post(url("authoring_publish", draft), {"languages": ["fr", "es", "ar"]})
    assert reply.status_code == 200 and "Max choices (5)" in reply.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Questionnaire.Status.DRAFT, None)

    # without Arabic asked for, only the max choices problem remains
    page = signed_in.get(url("authoring_publish", draft, "?check=1&languages=fr&languages=es"))
    assert [problem.message for problem in page.context["problems"]] == [
        "Max choices (5) is above the number of choices (3)."
    ]


def test_publishing_sets_published_at_and_the_page_then_says_published(signed_in, draft):
    page = signed_in.get(url("authoring_publish", draft))
    assert "Publish version 1" in page.content.decode()
    reply = signed_in.post(url("authoring_publish", draft), {"languages": ["fr", "es", "ar"]})
    assert reply.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Questionnaire.Status.PUBLISHED and draft.published_at is not None
    page = signed_in.get(url("authoring_publish", draft))
    assert "is published" in page.content.decode()
    # a second POST publishes nothing again
    published_at = draft.published_at
    signed_in.post(url("authoring_publish", draft))
    draft.refresh_from_db()
    assert draft.published_at == published_at
    # campaigns can use it now
    factories.CampaignFactory(questionnaire=draft)


def test_the_published_page_leads_to_a_campaign_with_that_version(signed_in, draft):
    another = factories.QuestionnaireFactory(slug=draft.slug, version=2, status=Questionnaire.Status.PUBLISHED)
    questionnaire_publish(questionnaire=draft)
    create = reverse("questionnaires:campaign_create") + f"?questionnaire={draft.pk}"
    assert f'href="{create}"' in signed_in.get(url("authoring_publish", draft)).content.decode()

    form = signed_in.get(create).context["form"]
    assert str(form["questionnaire"].value()) == str(draft.pk)
    assert another in form.fields["questionnaire"].queryset  # another version stays one click away
    # a draft cannot be picked, nor something that is not a questionnaire: nothing is picked then
    other_draft = factories.QuestionnaireFactory(slug="other", status=Questionnaire.Status.DRAFT)
    for value in (other_draft.pk, "nothing"):
        page = signed_in.get(reverse("questionnaires:campaign_create") + f"?questionnaire={value}")
        assert page.status_code == 200
        assert "selected>" not in page.content.decode().split('name="questionnaire"')[1].split("</select>")[0]
