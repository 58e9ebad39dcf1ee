"""Access control (OWASP ASVS V8): every URL of the app × every role, allowed and denied, in one table.

Roles: anonymous, a focal point of the ISCM (MIDWA, whose response to the open campaign is a draft),
a focal point of another ISCM (RCM), an observer, the coordinator, an administrator.

Denied means: anonymous → the login page; a forbidden function → 403; another ISCM's response → 404
(its existence does not leak). A denied POST changes nothing in the database (a fingerprint of the
tables an attacker could touch is compared); a GET never changes it; an allowed POST with an effect
does. `test_every_url_has_an_entry` fails when a URL pattern has no entry here: a new page must say
who may use it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.services import api_token_create
from practices.models import Practice
from questionnaires.csv_io import campaign_export_response
from questionnaires.models import Campaign, Question, Questionnaire, Response
from questionnaires.services_authoring import QuestionData, question_add, questionnaire_copy, section_add

from .conftest import CAMPAIGN_CLOSED, CAMPAIGN_OPEN, ISCM, OTHER_ISCM, ROLES, World, db_fingerprint

# --- Outcomes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    to: Callable[[World], str] | None = None  # where a redirect goes (path, query ignored)
    writes: bool = False  # an allowed POST that must change the database
    login: bool = False  # a redirect to the login page

    @property
    def denied(self) -> bool:
        return self.login or self.status in (401, 403, 404, 405)


OK = Outcome(200)
OK_WRITES = Outcome(200, writes=True)
LOGIN = Outcome(302, login=True)
FORBIDDEN = Outcome(403)
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)
UNAUTHORIZED = Outcome(401)  # the API: no login page, a 401 with WWW-Authenticate


def redirect(to: Callable[[World], str], *, writes: bool = False) -> Outcome:
    return Outcome(302, to=to, writes=writes)


def roles(**outcomes: Outcome) -> dict[str, Outcome]:
    assert set(outcomes) == set(ROLES), f"every role needs an outcome: {set(ROLES) ^ set(outcomes)}"
    return outcomes


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome: Outcome) -> dict[str, Outcome]:
    return {**everyone(outcome), "anonymous": LOGIN}


def coordinators(outcome: Outcome) -> dict[str, Outcome]:
    """Coordinators and admins; 403 for focal points and observers."""
    return roles(
        anonymous=LOGIN,
        focal_point=FORBIDDEN,
        other_focal_point=FORBIDDEN,
        observer=FORBIDDEN,
        coordinator=outcome,
        admin=outcome,
    )


def dashboards(outcome: Outcome) -> dict[str, Outcome]:
    """Coordinators, admins and observers; 403 for focal points."""
    return {**coordinators(outcome), "observer": outcome}


def api_readers(allowed: tuple[str, ...]) -> dict[str, Outcome]:
    """An API URL: 401 for anonymous callers, 200 for the allowed roles, 403 for the others."""
    return {role: UNAUTHORIZED if role == "anonymous" else OK if role in allowed else FORBIDDEN for role in ROLES}


def api_writes(allowed: tuple[str, ...]) -> dict[str, Outcome]:
    """The API is read-only: a write is 405 for whoever may read, denied as a GET for the others."""
    return post_only(api_readers(allowed))


API_DASHBOARDS = ("observer", "coordinator", "admin")
API_RESPONSES = ("focal_point", "other_focal_point", "coordinator", "admin")


def own_iscm(outcome: Outcome) -> dict[str, Outcome]:
    """The ISCM's focal points only; 404 for everyone else, whatever their role."""
    return roles(
        anonymous=LOGIN,
        focal_point=outcome,
        other_focal_point=NOT_FOUND,
        observer=NOT_FOUND,
        coordinator=NOT_FOUND,
        admin=NOT_FOUND,
    )


def post_only(outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
    """GET on a POST-only view: 405 for whoever gets past the login and role checks."""
    return {role: NOT_ALLOWED if not outcome.denied else outcome for role, outcome in outcomes.items()}


# --- Requests -------------------------------------------------------------------------------------


def url_of(name: str, **kwargs: object) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs=kwargs)


def open_kwargs(world: World) -> dict[str, str]:
    return {"slug": CAMPAIGN_OPEN, "acronym": ISCM}


def respond_body(world: World) -> dict[str, object]:
    response = world.response(world.open, world.iscm)
    return {"respondent_name": "Changed by the access test", "version": response.version, "action": "draft"}


def import_body(world: World) -> dict[str, object]:
    """The wide export of the open campaign with one answer of MIDWA's draft changed."""
    streamed = campaign_export_response(
        campaign=world.open, user=None, statuses=[s for s, _label in Response.Status.choices]
    )
    text = b"".join(streamed.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["iscm"] == ISCM:
            row["respondent_name"] = "Changed by an import"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return {"file": SimpleUploadedFile("import.csv", out.getvalue().encode(), content_type="text/csv")}


def questionnaire_body(world: World) -> dict[str, object]:
    """A JSON definition: a new draft questionnaire."""
    definition = {
        "slug": "access-test",
        "title": {"en": "Made by the access test"},
        "sections": [
            {"title": {"en": "Only"}, "questions": [{"code": "q", "type": "short_text", "label": {"en": "Q"}}]}
        ],
    }
    return {"file": SimpleUploadedFile("access.json", json.dumps(definition).encode(), content_type="application/json")}


def campaign_body(slug: str) -> Callable[[World], dict[str, object]]:
    """A valid campaign form; for an existing campaign, with all its invitations kept."""

    def body(world: World) -> dict[str, object]:
        existing = Campaign.objects.filter(slug=slug).first()
        invited = list(existing.invitations.values_list("iscm_id", flat=True)) if existing else []
        return {
            "slug": slug,
            "questionnaire": world.open.questionnaire_id,
            "title_en": "A campaign made by the access test",
            "opens_at": "2030-01-01T09:00",
            "closes_at": "2030-02-01T09:00",
            "invited_iscms": invited or [world.iscm.pk, world.other_iscm.pk],
        }

    return body


def bad_token_kwargs(world: World) -> dict[str, str]:
    return {"uidb64": urlsafe_base64_encode(force_bytes(world.users["focal_point"].pk)), "token": "abc-123"}


@dataclass
class Entry:
    kwargs: Callable[[World], dict[str, object]] | dict[str, object]
    get: dict[str, Outcome] | None
    post: dict[str, Outcome] | None = None
    body: Callable[[World], dict[str, object]] | dict[str, object] = field(default_factory=dict)
    query: str = ""


DEMO_VERSION = {"slug": "iscm-contributions", "version": 1}


def campaign_list_url(world: World) -> str:
    return reverse("questionnaires:campaign_list")


def campaign_url(world: World) -> str:
    return reverse("questionnaires:campaign_detail", kwargs={"slug": CAMPAIGN_OPEN})


def form_url(world: World) -> str:
    return reverse("questionnaires:respond", kwargs=open_kwargs(world))


def coordinator_response_url(world: World) -> str:
    return reverse("questionnaires:coordinator_response", kwargs={"slug": CAMPAIGN_OPEN, "acronym": OTHER_ISCM})


def focal_points_url(world: World) -> str:
    return reverse("questionnaires:iscm_focal_points", kwargs={"acronym": ISCM})


def path(url: str) -> Callable[[World], str]:
    return lambda world: url


def practice_kwargs(world: World) -> dict[str, int]:
    """An unpublished practice of MIDWA (from the demo's 2023 SDG practices)."""
    practice = Practice.objects.filter(iscm=world.iscm, published_at=None).order_by("id").first()
    return {"pk": practice.pk}


def practice_url(world: World) -> str:
    return reverse("practices:detail", kwargs=practice_kwargs(world))


def split_kwargs(world: World) -> dict[str, int]:
    """MIDWA's 2023 answer on GCM practices."""
    return {"answer_id": world.response(world.closed, world.iscm).answers.get(question__code="gcm_practices").pk}


# --- the questionnaire editor (issue 14): a draft made from the open campaign's questionnaire ---------


def _draft(world: World) -> Questionnaire:
    return questionnaire_copy(source=world.open.questionnaire)


def version_kwargs(questionnaire: Questionnaire) -> dict[str, object]:
    return {"slug": questionnaire.slug, "version": questionnaire.version}


def draft_kwargs(world: World) -> dict[str, object]:
    return version_kwargs(_draft(world))


def published_kwargs(world: World) -> dict[str, object]:
    return version_kwargs(world.open.questionnaire)


def draft_question_kwargs(code: str) -> Callable[[World], dict[str, object]]:
    def kwargs(world: World) -> dict[str, object]:
        draft = _draft(world)
        return {**version_kwargs(draft), "question_id": draft.questions.get(code=code).pk}

    return kwargs


def draft_section_kwargs(world: World) -> dict[str, object]:
    draft = _draft(world)
    return {**version_kwargs(draft), "section_id": draft.sections.order_by("position").first().pk}


def draft_empty_section_kwargs(world: World) -> dict[str, object]:
    """A draft with an empty last section (revision 1): only an empty section can be deleted."""
    draft = _draft(world)
    section = section_add(questionnaire=draft, revision=0, language="en", title="Empty")
    return {**version_kwargs(draft), "section_id": section.pk}


def draft_list_kwargs(world: World) -> dict[str, object]:
    """A draft with a list of items (revision 1), for the page that adds its item fields."""
    draft = _draft(world)
    practices = question_add(
        section=draft.sections.order_by("position").first(),
        revision=0,
        language="en",
        data=QuestionData(code="practices_by_test", type=Question.Type.LIST_OF_ITEMS, label="Practices"),
    )
    return {**version_kwargs(draft), "question_id": practices.pk}


def draft_choice_kwargs(world: World) -> dict[str, object]:
    draft = _draft(world)
    question = draft.questions.get(code="gcm_review_format")
    return {**version_kwargs(draft), "question_id": question.pk, "choice_id": question.own_choices.first().pk}


def newest_draft(name: str, **extra: str) -> Callable[[World], str]:
    """An editor page of the newest draft (after the test's rollback: the one the request made or used)."""

    def to(world: World) -> str:
        draft = _newest_draft()
        kwargs = dict(version_kwargs(draft))
        for key, code in extra.items():
            kwargs[key] = draft.questions.get(code=code).pk if key == "question_id" else int(code)
        return reverse(f"questionnaires:{name}", kwargs=kwargs)

    return to


def next_version_editor(world: World) -> str:
    questionnaire = world.open.questionnaire
    newest = Questionnaire.objects.filter(slug=questionnaire.slug).order_by("-version").first()
    return reverse(
        "questionnaires:authoring_edit", kwargs={"slug": questionnaire.slug, "version": newest.version + 1}
    )


def question_body(code: str, **changes: object) -> Callable[[World], dict[str, object]]:
    def body(world: World) -> dict[str, object]:
        draft = _newest_draft()
        question = Question.objects.get(questionnaire=draft, code=code)
        return {
            "revision": draft.revision,
            "code": question.code,
            "type": question.type,
            "label": question.label_en,
            "save": "1",
            **changes,
        }

    return body


def _newest_draft() -> Questionnaire:
    return Questionnaire.objects.filter(status=Questionnaire.Status.DRAFT).order_by("-id").first()


def revision_body(**extra: object) -> Callable[[World], dict[str, object]]:
    """The revision of the draft the entry's kwargs made (a current page), and the form's fields."""
    return lambda world: {"revision": _newest_draft().revision, **extra}


def choices_body(world: World) -> dict[str, object]:
    draft = _newest_draft()
    choices = Question.objects.get(questionnaire=draft, code="gcm_review_format").own_choices.order_by("position")
    body: dict[str, object] = {"revision": draft.revision, "choices-INITIAL_FORMS": len(choices)}
    for index, choice in enumerate(choices):
        body |= {f"choices-{index}-id": choice.pk, f"choices-{index}-code": choice.code}
        body[f"choices-{index}-label"] = f"{choice.label_en} (reworded)"
    body["choices-TOTAL_FORMS"] = len(choices)
    return body


ANY_REDIRECT_WRITES = Outcome(302, writes=True)  # to a page of a row the request created


PRACTICE_BODY = {"title": "Changed by the access test", "description": "Changed.", "language": "en", "gcm": ["1"]}
SPLIT_BODY = {"items": "1", **{f"item-0-{key}": value for key, value in PRACTICE_BODY.items()}, "item-0-keep": "on"}

OPEN = {"slug": CAMPAIGN_OPEN}
COMPARED = f"a={CAMPAIGN_CLOSED}&b={CAMPAIGN_OPEN}"
REVIEW_KWARGS = {"slug": CAMPAIGN_OPEN, "acronym": OTHER_ISCM}  # RCM's submitted response

TABLE: dict[str, Entry] = {
    # --- public and account pages (Django's auth views) ---
    "healthz": Entry({}, everyone(OK)),
    "login": Entry(
        {},
        everyone(OK),
        post=everyone(OK),  # a wrong password: the form again
        body={"username": "fp-midwa@example.org", "password": "wrong"},
    ),
    "logout": Entry({}, everyone(NOT_ALLOWED), post=everyone(redirect(path("/accounts/login/")))),
    "password_change": Entry(
        {},
        signed_in(OK),
        # a wrong old password: the form comes back, nothing changes
        post=signed_in(OK),
        body={"old_password": "wrong", "new_password1": "Tr1cky-new-pass!", "new_password2": "Tr1cky-new-pass!"},
    ),
    "password_change_done": Entry({}, signed_in(OK)),
    "password_reset": Entry(
        {},
        everyone(OK),
        post=everyone(redirect(path("/accounts/password_reset/done/"))),
        body={"email": "nobody@example.org"},
    ),
    "password_reset_done": Entry({}, everyone(OK)),
    # an invalid link: the "link is no longer valid" page for everyone, nothing changes
    "password_reset_confirm": Entry(
        bad_token_kwargs,
        everyone(OK),
        post=everyone(OK),
        body={"new_password1": "Tr1cky-new-pass!", "new_password2": "Tr1cky-new-pass!"},
    ),
    "password_reset_complete": Entry({}, everyone(OK)),
    "questionnaires:invitation_accept": Entry(
        bad_token_kwargs,
        everyone(OK),
        post=everyone(OK),
        body={"new_password1": "Tr1cky-new-pass!", "new_password2": "Tr1cky-new-pass!"},
    ),
    "set_language": Entry(
        {},
        everyone(redirect(path("/"))),  # a GET changes nothing, it only goes back
        post=everyone(redirect(path("/"))),
        body={"language": "fr", "next": "/"},
    ),
    # --- focal points ---
    "home": Entry(
        {},
        roles(
            anonymous=LOGIN,
            focal_point=OK,
            other_focal_point=OK,
            observer=redirect(campaign_list_url),
            coordinator=redirect(campaign_list_url),
            admin=redirect(campaign_list_url),
        ),
    ),
    "questionnaires:respond": Entry(
        open_kwargs, own_iscm(OK), post=own_iscm(redirect(form_url, writes=True)), body=respond_body
    ),
    "questionnaires:respond_review": Entry(
        open_kwargs,
        own_iscm(OK),
        # the confirmation submits MIDWA's draft
        post=own_iscm(
            redirect(url_of("questionnaires:response_detail", slug=CAMPAIGN_OPEN, acronym=ISCM), writes=True)
        ),
        body=lambda world: {"version": world.response(world.open, world.iscm).version},
    ),
    "questionnaires:response_detail": Entry(open_kwargs, own_iscm(OK)),
    "questionnaires:response_print": Entry(open_kwargs, own_iscm(OK)),
    # --- coordinators ---
    "questionnaires:campaign_list": Entry({}, dashboards(OK)),
    "questionnaires:campaign_create": Entry(
        {},
        coordinators(OK),
        post=coordinators(redirect(url_of("questionnaires:campaign_detail", slug="made-by-test"), writes=True)),
        body=campaign_body("made-by-test"),
    ),
    "questionnaires:campaign_detail": Entry(OPEN, coordinators(OK)),
    "questionnaires:campaign_edit": Entry(
        OPEN,
        coordinators(OK),
        post=coordinators(redirect(campaign_url, writes=True)),
        body=campaign_body(CAMPAIGN_OPEN),
    ),
    "questionnaires:campaign_close": Entry(
        OPEN, post_only(coordinators(OK)), post=coordinators(redirect(campaign_url, writes=True))
    ),
    "questionnaires:campaign_remind": Entry(
        open_kwargs, post_only(coordinators(OK)), post=coordinators(redirect(campaign_url, writes=True))
    ),
    # MIDWA's draft: the confirmation names its focal point; the POST sends the reminder
    "questionnaires:campaign_remind_group": Entry(
        {"slug": CAMPAIGN_OPEN, "group": "draft"},
        coordinators(OK),
        post=coordinators(redirect(campaign_url, writes=True)),
        body={"iscm": [ISCM]},
    ),
    "questionnaires:coordinator_response": Entry(REVIEW_KWARGS, coordinators(OK)),
    "questionnaires:coordinator_response_validate": Entry(
        REVIEW_KWARGS,
        post_only(coordinators(OK)),
        post=coordinators(redirect(coordinator_response_url, writes=True)),
    ),
    "questionnaires:coordinator_response_return": Entry(
        REVIEW_KWARGS,
        post_only(coordinators(OK)),
        post=coordinators(redirect(coordinator_response_url, writes=True)),
        body={"comment": "Please complete the GCM part."},
    ),
    "questionnaires:coordinator_response_correct": Entry(
        {**REVIEW_KWARGS, "code": "respondent_name"},
        coordinators(OK),
        post=coordinators(redirect(coordinator_response_url, writes=True)),
        body=lambda world: {
            "value": "Corrected by the access test",
            "reason": "The focal point asked by e-mail",
            "version": world.response(world.open, world.other_iscm).version,
        },
    ),
    # more time for one ISCM (issue 17 #4/#9): MIDWA, whose draft is in the open campaign
    "questionnaires:coordinator_response_extend": Entry(
        open_kwargs,
        coordinators(OK),
        post=coordinators(redirect(campaign_url, writes=True)),
        body={"until": "2099-01-01T09:00"},
    ),
    "questionnaires:iscm_focal_points": Entry(
        {"acronym": ISCM},
        coordinators(OK),
        post=coordinators(redirect(focal_points_url, writes=True)),
        body={"email": "new-focal-point@example.org"},
    ),
    "questionnaires:iscm_focal_point_resend": Entry(
        lambda world: {"acronym": ISCM, "user_id": world.users["focal_point"].pk},
        post_only(coordinators(OK)),
        post=coordinators(redirect(focal_points_url)),  # an e-mail task, nothing stored
    ),
    "questionnaires:iscm_focal_point_remove": Entry(
        lambda world: {"acronym": ISCM, "user_id": world.users["focal_point"].pk},
        post_only(coordinators(OK)),
        post=coordinators(redirect(focal_points_url, writes=True)),
    ),
    # --- the questionnaire editor (issue 14): coordinators and admins ---
    "questionnaires:authoring_list": Entry({}, coordinators(OK)),
    "questionnaires:authoring_start": Entry(
        {},
        coordinators(OK),
        post=coordinators(redirect(path("/questionnaires/made-by-access-test/v1/edit/"), writes=True)),
        body={"slug": "made-by-access-test", "title_en": "Made by the access test"},
    ),
    "questionnaires:authoring_new_version": Entry(
        published_kwargs, post_only(coordinators(OK)), post=coordinators(redirect(next_version_editor, writes=True))
    ),
    "questionnaires:authoring_copy": Entry(
        published_kwargs,
        coordinators(OK),
        post=coordinators(redirect(path("/questionnaires/copied-by-access-test/v1/edit/"), writes=True)),
        body={"slug": "copied-by-access-test", "title_en": "Copied by the access test"},
    ),
    "questionnaires:authoring_edit": Entry(
        draft_kwargs,
        coordinators(OK),
        post=coordinators(redirect(newest_draft("authoring_edit"), writes=True)),
        body=revision_body(title="Changed by the access test", description=""),
    ),
    "questionnaires:authoring_section_add": Entry(
        draft_kwargs,
        coordinators(OK),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=revision_body(title="Added by the access test", description=""),
    ),
    "questionnaires:authoring_section": Entry(
        draft_section_kwargs,
        coordinators(OK),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=revision_body(title="Renamed by the access test", description=""),
    ),
    "questionnaires:authoring_section_move": Entry(
        draft_section_kwargs,
        post_only(coordinators(OK)),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=revision_body(direction="down"),
    ),
    "questionnaires:authoring_section_delete": Entry(
        draft_empty_section_kwargs,
        post_only(coordinators(OK)),
        post=coordinators(redirect(newest_draft("authoring_edit"), writes=True)),
        body=revision_body(),
    ),
    "questionnaires:authoring_question_add": Entry(
        draft_section_kwargs,
        coordinators(OK),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=revision_body(code="added_by_test", type="short_text", label="Added by the access test", save="1"),
    ),
    "questionnaires:authoring_question": Entry(
        draft_question_kwargs("respondent_role"),
        coordinators(OK),
        post=coordinators(redirect(newest_draft("authoring_question", question_id="respondent_role"), writes=True)),
        body=question_body("respondent_role", label="Changed by the access test"),
    ),
    "questionnaires:authoring_question_move": Entry(
        draft_question_kwargs("respondent_role"),
        post_only(coordinators(OK)),
        post=coordinators(redirect(newest_draft("authoring_question", question_id="respondent_role"), writes=True)),
        body=revision_body(direction="down"),
    ),
    "questionnaires:authoring_question_delete": Entry(
        draft_question_kwargs("respondent_role"),
        post_only(coordinators(OK)),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=revision_body(),
    ),
    "questionnaires:authoring_choices": Entry(
        draft_question_kwargs("gcm_review_format"),
        post_only(coordinators(OK)),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=choices_body,
    ),
    "questionnaires:authoring_item_field_add": Entry(
        draft_list_kwargs,
        coordinators(OK),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=revision_body(code="field_by_test", type="short_text", label="Added by the access test", save="1"),
    ),
    "questionnaires:authoring_choice_move": Entry(
        draft_choice_kwargs,
        post_only(coordinators(OK)),
        post=coordinators(ANY_REDIRECT_WRITES),
        body=revision_body(direction="down"),
    ),
    # --- the activity page (issue 17): coordinators and admins ---
    "questionnaires:activity": Entry({}, coordinators(OK), query="kind=login"),
    "questionnaires:activity_export": Entry({}, coordinators(OK), query="kind=review"),
    # --- data exchange: coordinators and admins ---
    "questionnaires:export": Entry(OPEN, coordinators(OK)),
    "questionnaires:export_responses": Entry(OPEN, coordinators(OK), query="format=wide"),
    "questionnaires:export_codebook": Entry(OPEN, coordinators(OK)),
    "questionnaires:import_responses": Entry(OPEN, coordinators(OK), post=coordinators(OK_WRITES), body=import_body),
    "questionnaires:export_workbook": Entry(OPEN, coordinators(OK)),
    "questionnaires:authoring_import": Entry(
        {}, coordinators(OK), post=coordinators(OK_WRITES), body=questionnaire_body
    ),
    "questionnaires:authoring_export": Entry(
        {"slug": "iscm-contributions", "version": "1", "fmt": "xlsx"}, coordinators(OK)
    ),
    # --- the read-only API (issue 16): the dashboards' readers; responses for coordinators and focal
    # points (their own ISCM's, tests/api); every write refused ---
    "api:campaign_list": Entry({}, api_readers(API_DASHBOARDS), post=api_writes(API_DASHBOARDS)),
    "api:campaign_detail": Entry(OPEN, api_readers(API_DASHBOARDS), post=api_writes(API_DASHBOARDS)),
    "api:aggregates": Entry(OPEN, api_readers(API_DASHBOARDS), post=api_writes(API_DASHBOARDS)),
    "api:response_rates": Entry(OPEN, api_readers(API_DASHBOARDS), post=api_writes(API_DASHBOARDS)),
    "api:codebook": Entry(OPEN, api_readers(API_DASHBOARDS), post=api_writes(API_DASHBOARDS)),
    "api:responses": Entry(OPEN, api_readers(API_RESPONSES), post=api_writes(API_RESPONSES)),
    # the schema and its documentation page describe the API, no data
    "api:schema": Entry({}, everyone(OK), post=everyone(NOT_ALLOWED)),
    "api:docs": Entry({}, everyone(OK), post=everyone(NOT_ALLOWED)),
    "api:tokens": Entry({}, dashboards(OK), post=dashboards(OK_WRITES), body={"name": "Made by the access test"}),
    "api:token_revoke": Entry(
        lambda world: {"token_id": api_token_create(user=world.users["coordinator"], name="t")[0].pk},
        post_only(dashboards(OK)),
        # only the owner's own token is revoked: the others are sent back to their list, nothing changes
        post={
            **dashboards(redirect(url_of("api:tokens"))),
            "coordinator": redirect(url_of("api:tokens"), writes=True),
        },
    ),
    # --- the practices library (issue 21): every signed-in user reads what they may see (coordinators
    # everything, focal points their ISCM's and published ones, observers published ones); coordinators
    # split, edit, publish and delete ---
    "practices:library": Entry({}, signed_in(OK)),
    "practices:export": Entry({"fmt": "csv"}, signed_in(OK)),
    "practices:detail": Entry(
        practice_kwargs,
        roles(
            anonymous=LOGIN,
            focal_point=OK,
            other_focal_point=NOT_FOUND,
            observer=NOT_FOUND,
            coordinator=OK,
            admin=OK,
        ),
    ),
    "practices:sources": Entry({}, coordinators(OK)),
    "practices:split": Entry(
        split_kwargs,
        coordinators(OK),
        post=coordinators(redirect(url_of("practices:sources"), writes=True)),
        body=SPLIT_BODY,
    ),
    "practices:update": Entry(
        practice_kwargs,
        post_only(coordinators(OK)),
        post=coordinators(redirect(practice_url, writes=True)),
        body=PRACTICE_BODY,
    ),
    "practices:publish": Entry(
        practice_kwargs,
        post_only(coordinators(OK)),
        post=coordinators(redirect(practice_url, writes=True)),
        body={"published": "1"},
    ),
    "practices:delete": Entry(
        practice_kwargs,
        post_only(coordinators(OK)),
        post=coordinators(redirect(url_of("practices:library"), writes=True)),
    ),
    # --- questionnaire versions (issue 14): translations, preview, publish; the demo's version is published ---
    "questionnaires:authoring_translations": Entry(
        DEMO_VERSION,
        coordinators(OK),
        # an empty form changes no text: back to the page, nothing written
        post=coordinators(redirect(url_of("questionnaires:authoring_translations", **DEMO_VERSION))),
    ),
    "questionnaires:authoring_preview": Entry(
        DEMO_VERSION, coordinators(OK), post=coordinators(OK), body={"version": 0}, query="lang=ar"
    ),
    "questionnaires:authoring_publish": Entry(DEMO_VERSION, coordinators(OK), post=coordinators(OK)),
    # --- dashboards ---
    "analytics:dashboard": Entry(OPEN, dashboards(OK)),
    "analytics:recompute": Entry(
        {"slug": CAMPAIGN_CLOSED},
        # @require_POST comes first: a GET is 405 even for anonymous visitors, and reveals nothing
        everyone(NOT_ALLOWED),
        # the world's figures are exact: the rebuild finds nothing to change and writes nothing
        # (tests/analytics/test_recompute.py: it repairs wrong figures)
        post=coordinators(redirect(url_of("analytics:dashboard", slug=CAMPAIGN_CLOSED))),
    ),
    "analytics:texts": Entry(OPEN, coordinators(OK)),
    "analytics:aggregates_csv": Entry(OPEN, dashboards(OK)),
    "analytics:chart_data": Entry({"slug": CAMPAIGN_OPEN, "chart": "gcm_priorities"}, dashboards(OK)),
    "analytics:drilldown": Entry(
        {"slug": CAMPAIGN_CLOSED, "question": "gcm_priorities", "choice": "23"}, coordinators(OK)
    ),
    # --- comparing campaigns (issue 15): observers see the comparison, only coordinators follow ISCMs ---
    "analytics:compare": Entry({}, dashboards(OK), query=COMPARED),
    "analytics:compare_csv": Entry({"table": "questions"}, dashboards(OK), query=COMPARED),
    "analytics:compare_same_iscms": Entry({}, coordinators(OK), query=COMPARED),
    "analytics:compare_changes": Entry({"question": "gcm_priorities"}, coordinators(OK), query=COMPARED),
    "analytics:report_compared_with": Entry(
        OPEN,
        everyone(NOT_ALLOWED),  # @require_POST first
        post=coordinators(redirect(url_of("analytics:report", slug=CAMPAIGN_OPEN), writes=True)),
        body={"earlier": CAMPAIGN_CLOSED},
    ),
    # --- the summary report (issues 7, 18): the draft is the coordinator's, observers read what is published ---
    "analytics:report": Entry(
        OPEN,
        {**coordinators(OK), "observer": redirect(url_of("analytics:report_published", slug=CAMPAIGN_OPEN))},
    ),
    "analytics:report_status": Entry(OPEN, coordinators(OK)),
    "analytics:report_generate": Entry(
        {"slug": CAMPAIGN_OPEN, "fmt": "pdf"},
        everyone(NOT_ALLOWED),  # @require_POST first
        post=coordinators(redirect(url_of("analytics:report", slug=CAMPAIGN_OPEN), writes=True)),
    ),
    # no file generated yet: back to the report page
    "analytics:report_download": Entry(
        {"slug": CAMPAIGN_OPEN, "fmt": "pdf"}, coordinators(redirect(url_of("analytics:report", slug=CAMPAIGN_OPEN)))
    ),
    # no file generated yet: publishing is refused, back to the draft, nothing published
    "analytics:report_annex": Entry(  # how the annex groups the practices (issue 21)
        OPEN,
        everyone(NOT_ALLOWED),  # @require_POST first
        post=coordinators(redirect(url_of("analytics:report", slug=CAMPAIGN_OPEN), writes=True)),
        body={"grouping": "gcm"},
    ),
    "analytics:report_publish": Entry(
        OPEN,
        everyone(NOT_ALLOWED),  # @require_POST first
        post=coordinators(redirect(url_of("analytics:report", slug=CAMPAIGN_OPEN))),
    ),
    "analytics:report_published": Entry(OPEN, dashboards(OK)),
    # nothing published yet
    "analytics:report_published_download": Entry({"slug": CAMPAIGN_OPEN, "fmt": "pdf"}, dashboards(NOT_FOUND)),
}


# --- Enumeration of the URL patterns ----------------------------------------------------------------

SKIPPED_PREFIXES = ("admin/", "static/", "media/", "__debug__/")


def url_patterns(patterns=None, prefix: str = "", namespace: str = "") -> list[tuple[str, str | None]]:
    """(route, namespaced name) of every pattern, following includes."""
    found: list[tuple[str, str | None]] = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.extend(url_patterns(pattern.url_patterns, route, inner))
        elif isinstance(pattern, URLPattern):
            found.append((route, f"{namespace}{pattern.name}" if pattern.name else None))
    return found


def test_every_url_has_an_entry():
    patterns = [(route, name) for route, name in url_patterns() if not route.startswith(SKIPPED_PREFIXES)]
    unnamed = [route for route, name in patterns if name is None]
    assert not unnamed, f"URL patterns without a name cannot be in the access table: {unnamed}"
    names = {name for _route, name in patterns}
    missing = sorted(names - set(TABLE))
    assert not missing, (
        f"URLs without an entry in tests/security/test_access_table.py TABLE: {missing}. "
        "Say who may use them (allowed and denied outcome for every role)."
    )
    stale = sorted(set(TABLE) - names)
    assert not stale, f"TABLE entries whose URL no longer exists: {stale}"


# --- The table test ----------------------------------------------------------------------------------


def _resolve(value, world):
    return value(world) if callable(value) else value


def _check(response, outcome: Outcome, world: World, what: str) -> None:
    assert response.status_code == outcome.status, f"{what}: {response.status_code}, expected {outcome.status}"
    if outcome.login:
        assert response.url.startswith("/accounts/login/?next="), f"{what}: redirected to {response.url}"
    elif outcome.to is not None:
        assert response.url.split("?")[0].split("#")[0] == outcome.to(world), f"{what}: redirected to {response.url}"


def _request(client, method: str, url: str, body):
    response = client.post(url, body) if method == "POST" else client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # run the generator to its end (exports log there)
    return response


@pytest.mark.parametrize("name", sorted(TABLE))
def test_access(world, name):
    entry = TABLE[name]
    kwargs = _resolve(entry.kwargs, world)
    url = reverse(name, kwargs=kwargs) + (f"?{entry.query}" if entry.query else "")
    for method, outcomes in (("GET", entry.get), ("POST", entry.post)):
        if outcomes is None:
            continue
        for role in ROLES:
            outcome = outcomes[role]
            client = world.client(role)
            body = _resolve(entry.body, world) if method == "POST" else None
            before = db_fingerprint()
            with transaction.atomic():
                response = _request(client, method, url, body)
                after = db_fingerprint()
                transaction.set_rollback(True)  # every role starts from the same data
            what = f"{method} {url} as {role}"
            _check(response, outcome, world, what)
            if method == "GET" or outcome.denied or not outcome.writes:
                assert after == before, f"{what} changed the database"
            else:
                assert after != before, f"{what} was allowed but changed nothing (is the test body right?)"


def test_posts_to_get_only_pages_change_nothing(world):
    """A POST to a page without a POST entry is refused (405), denied, or treated as a GET: never a write."""
    for name, entry in sorted(TABLE.items()):
        if entry.post is not None:
            continue  # the page takes POSTs: covered by test_access
        url = reverse(name, kwargs=_resolve(entry.kwargs, world))
        for role in ("anonymous", "focal_point", "coordinator"):
            before = db_fingerprint()
            response = _request(world.client(role), "POST", url, {"status": "validated", "is_staff": "1"})
            assert response.status_code in (200, 302, 403, 404, 405), f"POST {url} as {role}: {response.status_code}"
            assert db_fingerprint() == before, f"POST {url} as {role} changed the database"


# --- The admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_admin_is_for_staff_only(world, role):
    response_pk = world.response(world.open, world.other_iscm).pk
    urls = [
        "/admin/",
        f"/admin/questionnaires/response/{response_pk}/change/",
        "/admin/auth/user/",
        "/admin/questionnaires/iscm/add/",
    ]
    client = world.client(role)
    for url in urls:
        response = client.get(url)
        if role == "admin":
            assert response.status_code == 200, url
        else:
            # non-staff users, coordinators included, are sent to the admin's own login page
            assert response.status_code == 302 and response.url.startswith("/admin/login/"), (url, role)


def test_non_staff_cannot_post_to_the_admin(world):
    user = world.users["coordinator"]
    client = world.client("coordinator")
    before = db_fingerprint()
    response = client.post(f"/admin/auth/user/{user.pk}/change/", {"is_staff": "on", "is_superuser": "on"})
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert db_fingerprint() == before
