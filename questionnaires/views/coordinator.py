"""The coordinator's pages: campaigns, the response tracker, review of responses, focal points, reminders.

Access: anonymous visitors are sent to the login page; the campaign list is open to coordinators and
observers; every other page is for coordinators only (403 for observers and focal points, before any
lookup, so a 403 says nothing about what exists). The invitation link is for the invited person.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..forms_coordinator import (
    CampaignForm,
    CorrectionForm,
    ExtendForm,
    FocalPointInviteForm,
    InvitationSetPasswordForm,
    ReturnForm,
    TrackerFilterForm,
)
from ..models import Campaign, Invitation, Iscm, Response
from ..numbering import question_numbers
from ..schema import questionnaire_schema
from ..selectors import can_view_dashboards, is_coordinator, response_answers, responses_visible_to
from ..selectors_campaigns import (
    REMIND_GROUPS,
    TRACKER_SORTS,
    TRACKER_STATUSES,
    campaign_copy_initial,
    campaign_tracker,
    campaigns_with_counts,
    reminder_group,
    response_neighbours,
    response_review_data,
)
from ..services import ResponseLocked, VersionConflict, response_correct, response_return, response_validate
from ..services_campaigns import (
    CampaignInvalid,
    campaign_close,
    campaign_create,
    campaign_update,
    focal_point_invitation_resend,
    focal_point_invite,
    focal_point_remove,
    focal_points_of,
    invitation_extend,
    reminder_send_now,
    reminders_send_to_group,
)
from ..validation import AnswersInvalid


def coordinator_required(view):
    """Login first; then coordinators only (403 for everyone else)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not is_coordinator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _error_messages(request: HttpRequest, errors: dict) -> None:
    for field_errors in errors.values():
        for message in field_errors:
            messages.error(request, message)


def _form_errors(form, errors: dict) -> None:
    for name, field_errors in errors.items():
        for message in field_errors:
            form.add_error(name if name in form.fields else None, message)


# --- Campaigns ------------------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    coordinator = is_coordinator(request.user)
    if not (coordinator or can_view_dashboards(request.user)):
        raise PermissionDenied
    return render(
        request,
        "questionnaires/coordinator/campaign_list.html",
        {"campaigns": campaigns_with_counts(), "is_coordinator": coordinator},
    )


@coordinator_required
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("questionnaire"), slug=slug)
    status = request.GET.get("status", "")
    region = request.GET.get("region", "")
    search = request.GET.get("q", "")[:100]
    sort = request.GET.get("sort", "")
    tracker = campaign_tracker(campaign=campaign, status=status, region=region, search=search, sort=sort)
    filters = TrackerFilterForm(request.GET or None, regions=tracker.regions)
    kept = request.GET.copy()
    kept.pop("sort", None)
    return render(
        request,
        "questionnaires/coordinator/campaign_detail.html",
        {
            "campaign": campaign,
            "tracker": tracker,
            "filters": filters,
            "filtered": bool(status or region or search.strip()),
            "sort": sort,
            "sort_columns": _sort_links(kept.urlencode(), sort),
            "remind_groups": [
                (group, label, tracker.counts[group]) for group, label in REMIND_GROUPS.items() if tracker.counts[group]
            ],
            "responded": sum(tracker.counts[s] for s in Response.RESPONDED),
            "status_counts": [(value, tracker.counts[value]) for value, _label in TRACKER_STATUSES],
        },
    )


def _sort_links(query: str, current: str) -> dict[str, dict[str, str]]:
    """Per column: the link that sorts by it (ascending first, then descending) and its aria-sort."""
    links = {}
    for column in TRACKER_SORTS:
        ascending = current == column
        descending = current == f"-{column}"
        target = f"-{column}" if ascending else column
        links[column] = {
            "url": "?" + "&".join(part for part in (query, urlencode({"sort": target})) if part),
            "aria": "ascending" if ascending else "descending" if descending else "none",
        }
    return links


@coordinator_required
@require_http_methods(["GET", "POST"])
def campaign_remind_group(request: HttpRequest, slug: str, group: str) -> HttpResponse:
    """The tracker's "remind all not started / in draft": GET names everyone who will get the e-mail; POST sends."""
    campaign = get_object_or_404(Campaign, slug=slug)
    if group not in REMIND_GROUPS:
        raise Http404(_("No such group."))
    if request.method == "POST":
        try:
            reminders = reminders_send_to_group(
                campaign=campaign, group=group, acronyms=request.POST.getlist("iscm"), user=request.user
            )
        except CampaignInvalid as error:
            _error_messages(request, error.errors)
        else:
            messages.success(
                request,
                _("Reminders were sent to the focal points of %(count)s ISCMs (%(people)s people).")
                % {"count": len(reminders), "people": sum(len(reminder.recipients) for reminder in reminders)},
            )
        return redirect("questionnaires:campaign_detail", slug=campaign.slug)
    return render(
        request,
        "questionnaires/coordinator/remind_group.html",
        {
            "campaign": campaign,
            "group": group,
            "group_label": REMIND_GROUPS[group],
            "targets": reminder_group(campaign=campaign, group=group),
        },
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    return _campaign_form(request, campaign=None)


@coordinator_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    return _campaign_form(request, campaign=campaign)


def _campaign_form(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    if request.method == "POST":
        form = CampaignForm(request.POST, campaign=campaign)
        shortcut = request.POST.get("shortcut")
        if shortcut:
            form = form.with_shortcut(shortcut)  # no-JS selection shortcut: nothing saved yet
        elif form.is_valid():
            data = form.cleaned_data
            arguments = {
                "user": request.user,
                "questionnaire": data["questionnaire"],
                "opens_at": data["opens_at"],
                "closes_at": data["closes_at"],
                "iscms": data["invited_iscms"],
                "texts": form.texts(),
            }
            try:
                if campaign is None:
                    saved = campaign_create(slug=data["slug"], **arguments)
                    messages.success(request, _("The campaign was created."))
                else:
                    saved = campaign_update(campaign=campaign, **arguments)
                    messages.success(request, _("The campaign was saved."))
            except CampaignInvalid as error:
                _form_errors(form, error.errors)
            else:
                return redirect("questionnaires:campaign_detail", slug=saved.slug)
    else:
        source = _copy_source(request) if campaign is None else None
        if source is not None:
            form = CampaignForm(initial=campaign_copy_initial(source))
        elif campaign is None:
            # "Create a campaign with this version" after publishing: `?questionnaire=<pk>` picks it (a
            # draft or unknown pk is not among the form's choices, so nothing is picked)
            form = CampaignForm(initial={"questionnaire": request.GET.get("questionnaire", "")})
        else:
            form = CampaignForm(campaign=campaign)
    return render(
        request,
        "questionnaires/coordinator/campaign_form.html",
        {
            "form": form,
            "campaign": campaign,
            "iscm_types": Iscm.Type.choices,
            "copy_of": _copy_source(request) if campaign is None else None,
        },
    )


def _copy_source(request: HttpRequest) -> Campaign | None:
    """"Duplicate a campaign" opens the new-campaign form with `?from=<slug>`."""
    slug = request.GET.get("from", "")
    return Campaign.objects.select_related("questionnaire").filter(slug=slug).first() if slug else None


@coordinator_required
@require_POST
def campaign_close_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    try:
        campaign_close(campaign=campaign, user=request.user)
    except CampaignInvalid as error:
        _error_messages(request, error.errors)
    else:
        messages.success(request, _("The campaign is closed: responses are now read-only."))
    return redirect("questionnaires:campaign_detail", slug=campaign.slug)


@coordinator_required
@require_POST
def campaign_remind(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    iscm = get_object_or_404(Iscm, acronym=acronym)
    try:
        reminder = reminder_send_now(campaign=campaign, iscm=iscm, user=request.user)
    except CampaignInvalid as error:
        _error_messages(request, error.errors)
    else:
        messages.success(
            request,
            _("A reminder was sent to the focal points of %(iscm)s (%(count)s).")
            % {"iscm": iscm.acronym, "count": len(reminder.recipients)},
        )
    return redirect(
        reverse("questionnaires:campaign_detail", kwargs={"slug": campaign.slug}) + f"#iscm-{iscm.pk}"
    )


# --- Review of one response -----------------------------------------------------------------------


def _response_for_coordinator(request: HttpRequest, slug: str, acronym: str) -> Response:
    return get_object_or_404(
        responses_visible_to(request.user).select_related(
            "campaign__questionnaire", "iscm", "submitted_by", "updated_by"
        ),
        campaign__slug=slug,
        iscm__acronym=acronym,
    )


@coordinator_required
def coordinator_response(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    response = _response_for_coordinator(request, slug, acronym)
    return _response_page(request, response, ReturnForm())


def _response_page(request: HttpRequest, response: Response, return_form: ReturnForm, status: int = 200):
    sections, events = response_review_data(response=response)
    previous_iscm, next_iscm = response_neighbours(response=response)
    invitation = (
        Invitation.objects.select_related("extended_by")
        .filter(campaign=response.campaign, iscm=response.iscm)
        .first()
    )
    if invitation is not None:
        invitation.campaign = response.campaign
    return render(
        request,
        "questionnaires/coordinator/response_detail.html",
        {
            "response": response,
            "campaign": response.campaign,
            "iscm": response.iscm,
            "sections": sections,
            "events": events,
            "return_form": return_form,
            "can_validate": response.status == Response.Status.SUBMITTED,
            "can_return": response.status in (Response.Status.SUBMITTED, Response.Status.VALIDATED),
            "can_correct": response.has_responded,
            "previous_iscm": previous_iscm,
            "next_iscm": next_iscm,
            "invitation": invitation,
            # once closed, a return must give the ISCM time to revise (an extension for it alone)
            "return_needs_until": invitation is not None and not invitation.is_open,
        },
        status=status,
    )


@coordinator_required
@require_POST
def coordinator_response_validate(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    response = _response_for_coordinator(request, slug, acronym)
    try:
        response_validate(response=response, user=request.user, comment=request.POST.get("comment", "")[:5000])
    except ResponseLocked as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The response of %(iscm)s is validated.") % {"iscm": response.iscm.acronym}
        )
    return redirect("questionnaires:coordinator_response", slug=slug, acronym=acronym)


@coordinator_required
@require_POST
def coordinator_response_return(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    response = _response_for_coordinator(request, slug, acronym)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            response_return(
                response=response,
                user=request.user,
                comment=form.cleaned_data["comment"],
                until=form.cleaned_data["until"],
            )
        except ResponseLocked as error:
            messages.error(request, str(error))
        except AnswersInvalid as error:
            _form_errors(form, error.errors)
            return _response_page(request, response, form, status=400)
        else:
            messages.success(
                request,
                _("The response of %(iscm)s was returned to its focal points for revision.")
                % {"iscm": response.iscm.acronym},
            )
        return redirect("questionnaires:coordinator_response", slug=slug, acronym=acronym)
    return _response_page(request, response, form, status=400)


@coordinator_required
@require_http_methods(["GET", "POST"])
def coordinator_response_correct(request: HttpRequest, slug: str, acronym: str, code: str) -> HttpResponse:
    """Correct one answer in place, with a reason (kept in the history)."""
    response = _response_for_coordinator(request, slug, acronym)
    schema = questionnaire_schema(response.campaign.questionnaire)
    question = schema.question(code)
    if question is None or question.is_list:  # a list of items is corrected by its focal points
        raise Http404(_("No such question."))
    current = response_answers(response, schema).get(code)
    form = CorrectionForm(
        request.POST or None,
        question=question,
        initial={"value": current, "version": response.version},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                response_correct(
                    response=response,
                    user=request.user,
                    code=code,
                    value=form.value(),
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except ResponseLocked as error:
                messages.error(request, str(error))
                return redirect("questionnaires:coordinator_response", slug=slug, acronym=acronym)
            except VersionConflict:
                status = 409
                form.add_error(None, _("Someone changed this response since you opened this page: reload it."))
            except AnswersInvalid as error:
                for name, field_errors in error.errors.items():
                    for message in field_errors:
                        if name == code:
                            form.add_error("value", message)
                        elif name == "reason":
                            form.add_error("reason", message)
                        else:
                            form.add_error(None, f"{name}: {message}")
            else:
                messages.success(
                    request,
                    _("The answer was corrected and recorded in the history; the figures are being recomputed."),
                )
                url = reverse("questionnaires:coordinator_response", kwargs={"slug": slug, "acronym": acronym})
                return redirect(f"{url}#answer-{code}")
    return render(
        request,
        "questionnaires/coordinator/response_correct.html",
        {
            "response": response,
            "campaign": response.campaign,
            "iscm": response.iscm,
            "question": question,
            "number": question_numbers(schema).get(code, ""),
            "current": schema.answer_text(code, current),
            "form": form,
        },
        status=status,
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def coordinator_response_extend(request: HttpRequest, slug: str, acronym: str) -> HttpResponse:
    """Let one ISCM answer after the campaign's close, until a date the coordinator sets."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("campaign", "iscm", "extended_by"), campaign__slug=slug, iscm__acronym=acronym
    )
    form = ExtendForm(request.POST or None, initial={"until": invitation.extended_until})
    if request.method == "POST" and form.is_valid():
        try:
            invitation_extend(
                campaign=invitation.campaign, iscm=invitation.iscm, until=form.cleaned_data["until"], user=request.user
            )
        except CampaignInvalid as error:
            _form_errors(form, error.errors)
        else:
            until = date_format(form.cleaned_data["until"], "DATETIME_FORMAT")
            messages.success(
                request,
                _("%(iscm)s may answer until %(until)s (UTC); the campaign stays closed for the other ISCMs.")
                % {"iscm": invitation.iscm.acronym, "until": until},
            )
            return redirect(
                reverse("questionnaires:campaign_detail", kwargs={"slug": slug}) + f"#iscm-{invitation.iscm_id}"
            )
    return render(
        request,
        "questionnaires/coordinator/response_extend.html",
        {"invitation": invitation, "campaign": invitation.campaign, "iscm": invitation.iscm, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- Focal points of an ISCM ----------------------------------------------------------------------


def _focal_points_url(iscm: Iscm, campaign_slug: str = "") -> str:
    url = reverse("questionnaires:iscm_focal_points", kwargs={"acronym": iscm.acronym})
    if campaign_slug and Campaign.objects.filter(slug=campaign_slug).exists():
        url += "?" + urlencode({"campaign": campaign_slug})
    return url


@coordinator_required
@require_http_methods(["GET", "POST"])
def iscm_focal_points(request: HttpRequest, acronym: str) -> HttpResponse:
    iscm = get_object_or_404(Iscm, acronym=acronym)
    campaign_slug = request.GET.get("campaign") or request.POST.get("campaign") or ""
    campaign = Campaign.objects.filter(slug=campaign_slug).first() if campaign_slug else None
    form = FocalPointInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = focal_point_invite(iscm=iscm, email=form.cleaned_data["email"], invited_by=request.user)
        except CampaignInvalid as error:
            _form_errors(form, error.errors)
        else:
            if result.created_membership:
                messages.success(
                    request,
                    _("%(email)s is now a focal point of %(iscm)s; an invitation e-mail is on its way.")
                    % {"email": result.user.email, "iscm": iscm.acronym},
                )
            else:
                messages.success(
                    request, _("The invitation to %(email)s was sent again.") % {"email": result.user.email}
                )
            return redirect(_focal_points_url(iscm, campaign_slug))
    return render(
        request,
        "questionnaires/coordinator/iscm_focal_points.html",
        {"iscm": iscm, "memberships": focal_points_of(iscm), "form": form, "campaign": campaign},
        status=400 if form.is_bound and form.errors else 200,
    )


@coordinator_required
@require_POST
def iscm_focal_point_resend(request: HttpRequest, acronym: str, user_id: int) -> HttpResponse:
    iscm = get_object_or_404(Iscm, acronym=acronym)
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        focal_point_invitation_resend(iscm=iscm, user=user, invited_by=request.user)
    except CampaignInvalid as error:
        _error_messages(request, error.errors)
    else:
        messages.success(request, _("The invitation to %(email)s was sent again.") % {"email": user.email})
    return redirect(_focal_points_url(iscm, request.POST.get("campaign", "")))


@coordinator_required
@require_POST
def iscm_focal_point_remove(request: HttpRequest, acronym: str, user_id: int) -> HttpResponse:
    iscm = get_object_or_404(Iscm, acronym=acronym)
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        focal_point_remove(iscm=iscm, user=user, removed_by=request.user)
    except CampaignInvalid as error:
        _error_messages(request, error.errors)
    else:
        messages.success(
            request,
            _("%(email)s no longer answers for %(iscm)s.") % {"email": user.email, "iscm": iscm.acronym},
        )
    return redirect(_focal_points_url(iscm, request.POST.get("campaign", "")))


# --- The invitation link --------------------------------------------------------------------------


class InvitationAcceptView(PasswordResetConfirmView):
    """The one-time link of an invitation: choose a password, then you are logged in and sent home.

    Django's password-reset token: it is bound to the password hash and the last login, so it stops
    working once used (the password changed) and after PASSWORD_RESET_TIMEOUT.
    """

    form_class = InvitationSetPasswordForm
    template_name = "questionnaires/coordinator/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")
    title = gettext_lazy("Choose your password")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Welcome! Your password is set and you are logged in."))
        return response


invitation_accept = InvitationAcceptView.as_view()
