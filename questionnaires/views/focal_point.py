"""The focal points' pages: their questionnaires, the response form, review and submit, the submitted
copy and its printable view.

Every page finds the response through `_focal_point_context`, which answers 404 unless the ISCM is
invited to the campaign and the user is one of its focal points. Writes go through
`services.response_save_draft` / `services.response_submit`; the form only collects what was typed
and `validation.answers_validate` (the one validation path) says what is wrong.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..emails import response_confirmation_enqueue
from ..forms import ResponseForm, answers_summary, items_edited
from ..models import Campaign, Invitation, Iscm, Response
from ..schema import QuestionnaireSchema, questionnaire_schema
from ..validation import AnswersInvalid, answers_validate

logger = logging.getLogger(__name__)

PENDING_KEY = "pending-answers-{response_id}"


# --- Access --------------------------------------------------------------------------------------


@dataclass
class FocalPointContext:
    campaign: Campaign
    iscm: Iscm
    response: Response | None
    invitation: Invitation

    @property
    def is_open(self) -> bool:
        """The campaign is open, or this ISCM was given more time (an extension)."""
        return self.invitation.is_open

    @property
    def url_kwargs(self) -> dict[str, str]:
        return {"slug": self.campaign.slug, "acronym": self.iscm.acronym}

    def url(self, name: str) -> str:
        return reverse(f"questionnaires:{name}", kwargs=self.url_kwargs)


def _focal_point_context(request: HttpRequest, slug: str, acronym: str, *, people: bool = True) -> FocalPointContext:
    """The campaign, the ISCM and its response, or 404: the ISCM must be invited to the campaign and the
    user one of its focal points. Coordinators and observers read responses elsewhere.

    `people`: the page names who last saved or submitted the response (two joins to the users; every
    workflow page runs this, so the ones that name nobody skip them)."""
    invitation = (
        Invitation.objects.select_related("campaign__questionnaire", "iscm")
        .filter(campaign__slug=slug, iscm__acronym=acronym, iscm__memberships__user=request.user)
        .first()
    )
    if invitation is None:
        raise Http404(_("No such questionnaire."))
    # One response per (campaign, ISCM): no ordering (the model's joins the campaign and the ISCM for it).
    responses = Response.objects.filter(campaign=invitation.campaign, iscm=invitation.iscm).order_by()
    if people:
        responses = responses.select_related("submitted_by", "updated_by")
    response = next(iter(responses[:1]), None)
    if response is not None:
        response.campaign = invitation.campaign
        response.iscm = invitation.iscm
    return FocalPointContext(invitation.campaign, invitation.iscm, response, invitation)


# --- Home ----------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A focal point's questionnaires; coordinators and observers land on the campaign list."""
    user = request.user
    if selectors.is_coordinator(user) or selectors.can_view_dashboards(user):
        return redirect("questionnaires:campaign_list")
    rows = _home_rows(user)
    return render(
        request,
        "questionnaires/home.html",
        {
            "rows": rows,
            "open_rows": [row for row in rows if row["campaign_status"] == Campaign.Status.OPEN],
            "other_rows": [row for row in rows if row["campaign_status"] != Campaign.Status.OPEN],
            "iscms": sorted({row["iscm"].acronym for row in rows}),
        },
    )


def _home_rows(user) -> list[dict[str, object]]:
    """One row per invited (campaign, ISCM) of the user, in five queries whatever their number."""
    now = timezone.now()
    invitations = list(
        Invitation.objects.filter(iscm__memberships__user=user)
        .select_related("campaign__questionnaire", "iscm")
        .order_by("-campaign__opens_at", "campaign__slug", "iscm__acronym")
    )
    if not invitations:
        return []
    responses = {
        (response.campaign_id, response.iscm_id): response
        for response in Response.objects.filter(
            campaign_id__in={i.campaign_id for i in invitations}, iscm_id__in={i.iscm_id for i in invitations}
        )
    }
    questionnaire_of = {i.campaign_id: i.campaign.questionnaire for i in invitations}
    progress = selectors.required_progress_by_response(
        {response.pk: questionnaire_of[response.campaign_id] for response in responses.values()},
        {questionnaire.pk: questionnaire for questionnaire in questionnaire_of.values()}.values(),
    )
    rows = []
    for invitation in invitations:
        campaign = invitation.campaign
        response = responses.get((campaign.id, invitation.iscm_id))
        invitation.campaign = campaign
        # an ISCM given more time sees the campaign open until its own deadline
        status = Campaign.Status.OPEN if invitation.is_open_at(now) else campaign.status_at(now)
        answered, total = progress.get(
            response.pk if response else None, progress.get(("empty", campaign.questionnaire_id), (0, 0))
        )
        close = invitation.deadline
        rows.append(
            {
                "campaign": campaign,
                "iscm": invitation.iscm,
                "response": response,
                "campaign_status": status,
                "response_status": response.status if response else "not_started",
                "response_status_label": response.get_status_display() if response else _("Not started"),
                "closes_at": close,
                "days_left": invitation.days_left_at(now),
                "answered": answered,
                "total": total,
                "percent": round(100 * answered / total) if total else 0,
                "action": _home_action(status, response),
                "kwargs": {"slug": campaign.slug, "acronym": invitation.iscm.acronym},
            }
        )
    return rows


def _home_action(campaign_status: str, response: Response | None) -> dict[str, str] | None:
    if campaign_status == Campaign.Status.OPEN:
        if response is None or (response.version == 0 and response.status == Response.Status.DRAFT):
            return {"label": _("Start"), "url": "questionnaires:respond", "style": "primary"}
        if response.status in (Response.Status.DRAFT, Response.Status.RETURNED):
            return {"label": _("Continue"), "url": "questionnaires:respond", "style": "primary"}
        return {"label": _("View"), "url": "questionnaires:response_detail", "style": "outline-primary"}
    if response is not None:
        return {"label": _("View"), "url": "questionnaires:response_detail", "style": "outline-secondary"}
    return None


# --- The form ------------------------------------------------------------------------------------


def _pending_get(request: HttpRequest, response: Response | None) -> dict[str, object] | None:
    """Answers validated for a re-submission, kept in the session until the review confirms them."""
    if response is None:
        return None
    pending = request.session.get(PENDING_KEY.format(response_id=response.pk))
    if not pending or pending.get("version") != response.version:
        return None
    return pending["answers"]


def _pending_set(request: HttpRequest, response: Response, answers: dict[str, object], version: int) -> None:
    request.session[PENDING_KEY.format(response_id=response.pk)] = {"version": version, "answers": answers}


def _pending_clear(request: HttpRequest, response: Response) -> None:
    request.session.pop(PENDING_KEY.format(response_id=response.pk), None)


def _conflict_changes(schema: QuestionnaireSchema, changes: dict[str, list[object]]) -> list[dict[str, str]]:
    rows = []
    for code, (old, new) in changes.items():
        question = schema.question(code)
        rows.append(
            {
                "label": question.label if question else code,
                "old": schema.answer_text(code, old),
                "new": schema.answer_text(code, new),
            }
        )
    return rows


def _conflict_message(schema: QuestionnaireSchema, changes: dict[str, list[object]]) -> str:
    listed = "; ".join(f"{row['label']}: {row['old']} → {row['new']}" for row in _conflict_changes(schema, changes))
    text = _("Someone else changed this response since you opened it.")
    return f"{text} {listed}" if listed else text


def _render_form(
    request, ctx: FocalPointContext, form: ResponseForm, *, conflict=None, kept_as_draft=False, unsaved=False
):
    """`kept_as_draft`: a failed submit saved what was typed as a draft. Otherwise a form sent back with
    errors (or with an item added or removed: `unsaved`) holds input that exists only in the page, which
    is marked unsaved for the leave-page guard."""
    response = ctx.response
    submitted_mode = bool(response and response.status in (Response.Status.SUBMITTED, Response.Status.VALIDATED))
    answers = form.answers() if form.is_bound and hasattr(form, "cleaned_data") else form.initial_answers
    answered, total = form.schema.progress(answers)
    shown_answered, shown = form.schema.progress(answers, required_only=False)
    return render(
        request,
        "questionnaires/respond.html",
        {
            "campaign": ctx.campaign,
            "iscm": ctx.iscm,
            "response": response,
            "form": form,
            "sections": form.sections(),
            "error_summary": form.error_summary() if form.is_bound else [],
            "non_field_errors": [*form.non_field_errors(), *form["version"].errors] if form.is_bound else [],
            "conditions": form.conditions(),
            "conflict": conflict,
            "submitted_mode": submitted_mode,
            "answered": answered,
            "total": total,
            "shown_answered": shown_answered,
            "shown": shown,
            "url_kwargs": ctx.url_kwargs,
            "deadline": ctx.invitation.deadline,
            "kept_as_draft": kept_as_draft,
            "unsaved": unsaved or (form.is_bound and not kept_as_draft),
        },
    )


def _keep_as_draft(request, ctx: FocalPointContext, form: ResponseForm, answers, version, language) -> bool:
    """A submit refused for missing answers still keeps what was typed, as a draft, when the response is
    one (never over a submitted response: that changes only by submitting again). True when saved."""
    if ctx.response is not None and ctx.response.status not in (Response.Status.DRAFT, Response.Status.RETURNED):
        return False
    response = ctx.response or services.response_get_or_create(campaign=ctx.campaign, iscm=ctx.iscm)
    try:
        result = services.response_save_draft(
            response=response, user=request.user, answers=answers, expected_version=version, language=language
        )
    except (AnswersInvalid, services.VersionConflict, services.ResponseLocked):
        return False  # the page keeps the input and says nothing was saved
    ctx.response = result.response
    form.set_version(result.response.version)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    ctx = _focal_point_context(request, slug, acronym, people=request.method == "GET")
    campaign = ctx.campaign
    if not ctx.is_open:
        if request.method == "POST":
            messages.error(request, _("This campaign is not open: nothing was saved."))
        # On a GET, the response's page says the campaign is closed (or not open yet): one banner, not two.
        return redirect(ctx.url("response_detail"))

    schema = questionnaire_schema(campaign.questionnaire)
    response = ctx.response
    if request.method == "GET":
        answers = _pending_get(request, response)
        if answers is None:
            answers = selectors.response_answers(response, schema) if response else {}
        form = ResponseForm(schema=schema, answers=answers, version=response.version if response else 0)
        return _render_form(request, ctx, form)

    form = ResponseForm(request.POST, schema=schema)
    if not form.is_valid():
        return _render_form(request, ctx, form)
    answers = form.answers()
    version = form.cleaned_data["version"]
    edited = items_edited(schema, answers, request.POST.get("action", ""))
    if edited is not None:
        # "Add an item" / "Remove": the same page, one item more or less, nothing saved.
        form = ResponseForm(schema=schema, answers=edited, version=version)
        return _render_form(request, ctx, form, unsaved=True)
    language = translation.get_language() or "en"
    final = request.POST.get("action") == "submit"

    if final:
        result = answers_validate(questionnaire=campaign.questionnaire, answers=answers, final=True, schema=schema)
        if not result.is_valid:
            form.add_answer_errors(result.errors)
            kept = _keep_as_draft(request, ctx, form, answers, version, language)
            return _render_form(request, ctx, form, kept_as_draft=kept)

    if response is None:
        response = services.response_get_or_create(campaign=campaign, iscm=ctx.iscm)
        ctx.response = response

    if final and response.status in (Response.Status.SUBMITTED, Response.Status.VALIDATED):
        # A submitted response changes only by submitting again: keep the answers for the review page.
        if version != response.version:
            return _form_conflict(request, ctx, form, schema, version)
        _pending_set(request, response, answers, version)
        return redirect(ctx.url("respond_review"))

    try:
        services.response_save_draft(
            response=response, user=request.user, answers=answers, expected_version=version, language=language
        )
    except AnswersInvalid as error:
        form.add_answer_errors(error.errors)
        return _render_form(request, ctx, form)
    except services.VersionConflict as conflict:
        ctx.response = conflict.response
        form.set_version(conflict.response.version)
        return _render_form(request, ctx, form, conflict=_conflict_changes(schema, conflict.changes))
    except services.ResponseLocked as locked:
        messages.error(request, str(locked))
        if response.status in (Response.Status.SUBMITTED, Response.Status.VALIDATED):
            return _render_form(request, ctx, form)
        return redirect(ctx.url("response_detail"))

    if final:
        return redirect(ctx.url("respond_review"))
    messages.success(request, _("Draft saved. You can come back and continue at any time before the deadline."))
    return redirect(ctx.url("respond"))


def _form_conflict(request, ctx, form, schema, version):
    """A re-submission prepared on an old version: show what changed and let the user merge."""
    changes = selectors.response_changes_since(ctx.response, version) if ctx.response is not None else {}
    form.set_version(ctx.response.version)
    return _render_form(request, ctx, form, conflict=_conflict_changes(schema, changes))


# --- Review and submit ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def respond_review(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    ctx = _focal_point_context(request, slug, acronym, people=False)
    campaign, response = ctx.campaign, ctx.response
    if response is None:
        return redirect(ctx.url("respond"))
    if not ctx.is_open:
        if request.method == "POST" and response.has_responded:
            return redirect(ctx.url("response_detail"))  # e.g. a double click that came after the close
        messages.error(request, _("This campaign is not open: the response can no longer be submitted."))
        return redirect(ctx.url("response_detail"))

    schema = questionnaire_schema(campaign.questionnaire)
    pending = _pending_get(request, response)
    resubmission = response.status in (Response.Status.SUBMITTED, Response.Status.VALIDATED)
    if resubmission and pending is None:
        if request.method == "POST":
            # The second click of a double-clicked submit, or a re-submission already done.
            return _confirm(request, ctx, schema, selectors.response_answers(response, schema))
        messages.info(request, _("This response is submitted. Edit it to submit a new version."))
        return redirect(ctx.url("response_detail"))
    answers = pending if pending is not None else selectors.response_answers(response, schema)

    if request.method == "POST":
        return _confirm(request, ctx, schema, answers)

    result = answers_validate(questionnaire=campaign.questionnaire, answers=answers, final=True, schema=schema)
    missing = [{"label": schema.error_label(code), "messages": errors} for code, errors in result.errors.items()]
    return render(
        request,
        "questionnaires/review.html",
        {
            "campaign": campaign,
            "iscm": ctx.iscm,
            "response": response,
            "summary": answers_summary(schema, answers),
            "missing": missing,
            "version": response.version,
            "resubmission": resubmission,
            "url_kwargs": ctx.url_kwargs,
        },
    )


def _confirm(request, ctx: FocalPointContext, schema: QuestionnaireSchema, answers) -> HttpResponse:
    response = ctx.response
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("The form is incomplete: reload the page and try again."))
        return redirect(ctx.url("respond_review"))
    try:
        result = services.response_submit(
            response=response,
            user=request.user,
            answers=answers,
            expected_version=version,
            language=translation.get_language() or "en",
        )
    except AnswersInvalid:
        messages.error(request, _("Some answers need attention before you can submit."))
        return redirect(ctx.url("respond"))
    except services.VersionConflict as conflict:
        messages.warning(request, _conflict_message(schema, conflict.changes))
        if _pending_get(request, response) is not None:
            # Keep the user's re-submission, on the new version, for them to merge in the form.
            _pending_set(request, response, answers, conflict.response.version)
            return redirect(ctx.url("respond"))
        return redirect(ctx.url("respond_review"))
    except services.ResponseLocked as locked:
        messages.error(request, str(locked))
        return redirect(ctx.url("response_detail"))

    _pending_clear(request, response)
    if result.replayed:
        # Nothing was written: a replay of a submission already made (double click).
        return redirect(ctx.url("response_detail"))
    response_confirmation_enqueue(response_id=response.pk, user_id=request.user.pk)
    messages.success(
        request,
        _("Thank you: the response of %(iscm)s is submitted. A confirmation e-mail is on its way.")
        % {"iscm": ctx.iscm.acronym},
    )
    return redirect(ctx.url("response_detail"))


# --- Submitted copy and printable view -----------------------------------------------------------


def _read_only(request: HttpRequest, slug: str, acronym: str, template: str) -> HttpResponse:
    ctx = _focal_point_context(request, slug, acronym)
    schema = questionnaire_schema(ctx.campaign.questionnaire)
    answers = selectors.response_answers(ctx.response, schema) if ctx.response else {}
    answered, total = schema.progress(answers)
    return render(
        request,
        template,
        {
            "campaign": ctx.campaign,
            "iscm": ctx.iscm,
            "response": ctx.response,
            "summary": answers_summary(schema, answers),
            "campaign_open": ctx.is_open,
            "campaign_status": Campaign.Status.OPEN if ctx.is_open else ctx.campaign.status,
            "deadline": ctx.invitation.deadline,
            "answered": answered,
            "total": total,
            "url_kwargs": ctx.url_kwargs,
            "printed_at": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET"])
def response_detail(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    return _read_only(request, slug, acronym, "questionnaires/response_detail.html")


@login_required
@require_http_methods(["GET"])
def response_print(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    return _read_only(request, slug, acronym, "questionnaires/response_print.html")
