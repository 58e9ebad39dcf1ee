"""The coordinator's questionnaire pages (included under the `questionnaires` namespace by
questionnaires/urls.py): the list of questionnaires, new ones and new versions, and the editor of a draft.
Every page of one version lives under /questionnaires/<slug>/v<version>/."""

from django.urls import include, path

from .views import authoring

VERSION = "questionnaires/<slug:slug>/v<int:version>/"

editor_patterns = [
    path("", authoring.authoring_edit, name="authoring_edit"),
    path("sections/new/", authoring.authoring_section_add, name="authoring_section_add"),
    path("sections/<int:section_id>/", authoring.authoring_section, name="authoring_section"),
    path("sections/<int:section_id>/move/", authoring.authoring_section_move, name="authoring_section_move"),
    path("sections/<int:section_id>/delete/", authoring.authoring_section_delete, name="authoring_section_delete"),
    path(
        "sections/<int:section_id>/questions/new/",
        authoring.authoring_question_add,
        name="authoring_question_add",
    ),
    path("questions/<int:question_id>/", authoring.authoring_question, name="authoring_question"),
    path("questions/<int:question_id>/move/", authoring.authoring_question_move, name="authoring_question_move"),
    path(
        "questions/<int:question_id>/delete/",
        authoring.authoring_question_delete,
        name="authoring_question_delete",
    ),
    path("questions/<int:question_id>/choices/", authoring.authoring_choices, name="authoring_choices"),
    path(
        "questions/<int:question_id>/fields/new/", authoring.authoring_item_field_add, name="authoring_item_field_add"
    ),
    path(
        "questions/<int:question_id>/choices/<int:choice_id>/move/",
        authoring.authoring_choice_move,
        name="authoring_choice_move",
    ),
]

urlpatterns = [
    path("questionnaires/", authoring.authoring_list, name="authoring_list"),
    # before questionnaires/<slug>/..., so that "new" is never read as a slug
    path("questionnaires/new/", authoring.authoring_start, name="authoring_start"),
    path(VERSION + "new-version/", authoring.authoring_new_version, name="authoring_new_version"),
    path(VERSION + "copy/", authoring.authoring_copy, name="authoring_copy"),
    path(VERSION + "edit/", include(editor_patterns)),
    # translations/, preview/ and publish/ of a version: urls_authoring_publish.py
]
