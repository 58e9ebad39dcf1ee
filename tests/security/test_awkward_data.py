"""Every page of the access table works on awkward data (issue 17 #1).

Real campaigns hold responses imported from paper or a secretariat's spreadsheet (no submitter, no
editor, history without a user), drafts nobody is named on, focal points whose account was deleted,
and campaigns nobody is invited to yet. Each page a role may see is rendered on such data and must
answer as the access table says (a 500 here is what a coordinator met after `import_responses`).
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from questionnaires.models import Campaign, Reminder, Response, ResponseEvent

from .conftest import CAMPAIGN_OPEN, ISCM, OTHER_ISCM, ROLES, World
from .test_access_table import TABLE, _check, _request, _resolve

EMPTY = "nobody-invited-yet"


@pytest.fixture
def awkward(world: World) -> World:
    # The account of a focal point who submitted and was later removed altogether.
    get_user_model().objects.filter(username="fp-midsa@example.org").delete()
    # Imported responses: no submitter, no editor, history without a user.
    Response.objects.filter(campaign=world.open).exclude(iscm=world.iscm).update(submitted_by=None, updated_by=None)
    Response.objects.filter(campaign=world.closed).update(submitted_by=None, updated_by=None)
    ResponseEvent.objects.update(user=None)
    Reminder.objects.update(sent_by=None)
    # A draft nobody is named on (a draft row made by an import or the admin).
    Response.objects.filter(campaign=world.open, iscm=world.iscm).update(updated_by=None, submitted_by=None)
    # A campaign with no invited ISCM and no response.
    now = timezone.now()
    Campaign.objects.create(
        slug=EMPTY,
        title_en="Nobody invited yet",
        questionnaire=world.open.questionnaire,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    assert Response.objects.filter(campaign=world.open, iscm__acronym=OTHER_ISCM, submitted_by=None).exists()
    return world


def _pages() -> list[tuple[str, str]]:
    """(URL name, which campaign) for every GET in the access table; slug-only pages also on the empty one."""
    pages = []
    for name, entry in sorted(TABLE.items()):
        if entry.get is None:
            continue
        pages.append((name, CAMPAIGN_OPEN))
        if entry.kwargs == {"slug": CAMPAIGN_OPEN}:
            pages.append((name, EMPTY))
    return pages


@pytest.mark.parametrize(("name", "campaign"), _pages())
def test_every_page_renders_on_awkward_data(awkward, name, campaign):
    entry = TABLE[name]
    kwargs = _resolve(entry.kwargs, awkward)
    if campaign == EMPTY:
        kwargs = {"slug": EMPTY}
    url = reverse(name, kwargs=kwargs) + (f"?{entry.query}" if entry.query else "")
    for role in ROLES:
        outcome = entry.get[role]
        response = _request(awkward.client(role), "GET", url, None)
        if campaign == EMPTY and outcome.to is not None:
            assert response.status_code == outcome.status, f"GET {url} as {role}: {response.status_code}"
            continue
        _check(response, outcome, awkward, f"GET {url} as {role}")


def test_the_tracker_names_nobody_for_an_imported_response(awkward):
    """An imported response shows its date and says who is unknown, instead of failing the page."""
    page = awkward.client("coordinator").get(reverse("questionnaires:campaign_detail", kwargs={"slug": CAMPAIGN_OPEN}))
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index(f'data-iscm="{OTHER_ISCM}"') :]
    row = row[: row.index("</tr>")]
    assert "(unknown)" in row


def test_the_draft_form_works_without_an_editor(awkward):
    page = awkward.client("focal_point").get(
        reverse("questionnaires:respond", kwargs={"slug": CAMPAIGN_OPEN, "acronym": ISCM})
    )
    assert page.status_code == 200
    assert "Last saved by" not in page.content.decode()
