"""The practices library: thin views over `selectors` (reads) and `services` (writes).

Who may do what (see docs/practices.md): every signed-in user reads the library and exports what they
see (`selectors.practices_visible_to`); a practice they may not see is a 404. Coordinators split
answers into practices, edit, tag, publish and delete them; anyone else gets 403 there.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from questionnaires.models import Answer

from . import charts, exports, selectors, semantic, services
from .forms import LibraryFilterForm, PracticeForm, SplitItemForm
from .models import Practice
from .selectors import PracticeFilters

PAGE_SIZE = 25
MAX_SPLIT_ITEMS = 100


def coordinator_only(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not selectors.can_manage_practices(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _filters(request: HttpRequest, options: dict) -> tuple[LibraryFilterForm, PracticeFilters]:
    """The GET filter form; invalid values are ignored (the whole library is shown)."""
    form = LibraryFilterForm(request.GET or None, options=options)
    if form.is_bound and form.is_valid():
        return form, PracticeFilters(**form.cleaned_data)
    return form, PracticeFilters()


@require_GET
@login_required
def library(request: HttpRequest) -> HttpResponse:
    options = selectors.filter_options(request.user)
    form, filters = _filters(request, options)
    practices = selectors.practices_list(request.user, filters)
    page = Paginator(practices, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.counts_per_objective(
        selectors.practices_filtered(selectors.practices_visible_to(request.user), filters)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "practices/library.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "figures": {"per-objective": charts.practices_per_objective(counts)},
            "can_manage": selectors.can_manage_practices(request.user),
        },
    )


def _visible_practice(request: HttpRequest, pk: int) -> Practice:
    practice = selectors.practice_detail(request.user, pk)
    if practice is None:
        raise Http404(_("No such practice."))
    return practice


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _visible_practice(request, pk)
    can_manage = selectors.can_manage_practices(request.user)
    form = None
    if can_manage:
        form = PracticeForm(
            initial={
                "title": practice.title,
                "description": practice.description,
                "year": practice.year,
                "link": practice.link,
                "language": practice.language,
                "gcm": [c.code for c in practice.gcm_objectives.all()],
                "sdg": [c.code for c in practice.sdgs.all()],
            },
            **selectors.tag_choices(),
        )
    close = None
    if can_manage and semantic.available():
        named = (form.initial["gcm"], form.initial["sdg"])
        (close,) = semantic.close_in_meaning([f"{practice.title}. {practice.description}"], named=[named])
    return render(
        request,
        "practices/detail.html",
        {"practice": practice, "form": form, "can_manage": can_manage, "close": close},
    )


@coordinator_only
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_object_or_404(Practice, pk=pk)
    form = PracticeForm(request.POST, **selectors.tag_choices())
    if not form.is_valid():
        return render(
            request, "practices/detail.html", {"practice": practice, "form": form, "can_manage": True}, status=400
        )
    services.practice_update(practice=practice, data=form.practice_data())
    messages.success(request, _("The practice has been saved."))
    return redirect("practices:detail", pk=practice.pk)


@coordinator_only
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_object_or_404(Practice, pk=pk)
    published = request.POST.get("published") == "1"
    services.practice_publish(practice=practice, user=request.user, published=published)
    messages.success(request, _("The practice is published.") if published else _("The practice is unpublished."))
    return redirect("practices:detail", pk=practice.pk)


@coordinator_only
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.practice_delete(practice=get_object_or_404(Practice, pk=pk))
    messages.success(request, _("The practice has been deleted."))
    return redirect("practices:library")


@require_GET
@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    _form, filters = _filters(request, selectors.filter_options(request.user))
    practices = selectors.practices_list(request.user, filters)
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("No such format."))
    if fmt == "xlsx":
        return exports.practices_xlsx_response(practices, user=request.user, filters=filters)
    return exports.practices_csv_response(practices, user=request.user, filters=filters)


@coordinator_only
@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    return render(request, "practices/sources.html", {"answers": selectors.practice_sources()})


@coordinator_only
def split(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Propose a split of a long-text answer into practices; the coordinator edits, keeps or drops each."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    answer = get_object_or_404(
        Answer.objects.select_related("response__iscm", "response__campaign", "question"), pk=answer_id
    )
    choices = selectors.tag_choices()
    close: list[dict[str, list[str]]] = []
    if request.method == "POST":
        items = request.POST.get("items", "")
        count = min(int(items), MAX_SPLIT_ITEMS) if items.isdigit() else 0
        forms = [SplitItemForm(request.POST, prefix=f"item-{i}", **choices) for i in range(count)]
        kept = [form for form in forms if form.data.get(f"{form.prefix}-keep")]
        if kept and all(form.is_valid() for form in kept):
            made = services.practices_create_from_answer(
                answer=answer, items=[form.practice_data() for form in kept], user=request.user
            )
            messages.success(
                request,
                ngettext("%(count)s practice saved.", "%(count)s practices saved.", len(made)) % {"count": len(made)},
            )
            return redirect("practices:sources")
        if not kept:
            messages.error(request, _("Tick at least one practice to save."))
    else:
        proposal = services.answer_proposal(answer)
        # One empty item at the end, unticked: a practice the proposal missed.
        blank = services.PracticeData(
            "", "", answer.response.campaign.opens_at.year, language=answer.response.language[:2]
        )
        forms = [
            SplitItemForm(
                prefix=f"item-{i}",
                initial={
                    "title": item.title,
                    "description": item.description,
                    "year": item.year,
                    "language": item.language,
                    "gcm": list(item.gcm),
                    "sdg": list(item.sdg),
                    "keep": i < len(proposal),
                },
                **choices,
            )
            for i, item in enumerate([*proposal, blank])
        ]
        # Close in meaning (the optional embedding model): shown next to each proposed item, never ticked.
        if semantic.available():
            close = semantic.close_in_meaning(
                [item.description for item in proposal], named=[(list(item.gcm), list(item.sdg)) for item in proposal]
            )
    existing = answer.practices.order_by("position")
    close += [{"gcm": [], "sdg": []}] * (len(forms) - len(close))
    return render(
        request,
        "practices/split.html",
        {"answer": answer, "items": list(zip(forms, close, strict=True)), "forms": forms, "existing": existing},
    )
