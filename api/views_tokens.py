"""/account/api-tokens/: a coordinator's or observer's own personal API tokens (create, list, revoke).

The new token is shown once, in the answer to the POST that created it (never stored, never in a URL
or a redirect); afterwards the page shows only its first characters, its expiry and last use.
"""

from __future__ import annotations

import datetime
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from questionnaires.selectors import can_view_dashboards

from .models import ApiToken
from .services import api_token_create, api_token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “Power BI dashboard”."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The token stops working at the start of this day (UTC). Empty: until revoked."),
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day and day <= timezone.now().date():
            raise forms.ValidationError(_("Choose a day after today."))
        return day

    def expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data["expires_on"]
        return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC) if day else None


def token_owner_required(view):
    """Login first; then coordinators, observers and admins (the API's readers), 403 for focal points."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not can_view_dashboards(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@token_owner_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = api_token_create(
            user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
        form = TokenForm()
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
    }
    response = render(request, "api/tokens.html", context)
    response["Cache-Control"] = "no-store"  # the page may hold a token shown once
    return response


@token_owner_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, _("The token has been revoked: requests with it now get 401."))
    return redirect("api:tokens")
