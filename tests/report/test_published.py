"""Published report versions: the coordinator's draft is theirs alone; observers read only what the
coordinator published, exactly as published, whatever happens to the responses and the draft after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analytics.models import PublishedReport
from analytics.services import aggregates_recompute
from tests import factories
from tests.report.conftest import FAKE_PDF
from tests.report.test_views import _urls

pytestmark = pytest.mark.django_db


def _published_urls(slug: str) -> dict[str, str]:
    return {
        "publish": reverse("analytics:report_publish", kwargs={"slug": slug}),
        "published": reverse("analytics:report_published", kwargs={"slug": slug}),
        "pdf": reverse("analytics:report_published_download", kwargs={"slug": slug, "fmt": "pdf"}),
        "docx": reverse("analytics:report_published_download", kwargs={"slug": slug, "fmt": "docx"}),
    }


def _generate_both(generate, slug):
    for fmt in ("pdf", "docx"):
        generate(reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": fmt}))


def test_observers_cannot_reach_the_draft_or_make_files(client, observer, answered, renders):
    client.force_login(observer)
    urls = _urls(answered.campaign.slug)
    response = client.get(urls["report"][1])
    assert response.status_code == 302
    assert response["Location"] == _published_urls(answered.campaign.slug)["published"]
    for name in ("status", "generate", "download"):
        method, url = urls[name]
        assert getattr(client, method)(url).status_code == 403
    assert client.post(_published_urls(answered.campaign.slug)["publish"]).status_code == 403
    assert renders == {"pdf": 0, "images": 0}


def test_before_publication_observers_see_no_report(client, observer, answered):
    client.force_login(observer)
    urls = _published_urls(answered.campaign.slug)
    page = client.get(urls["published"]).content.decode()
    assert "has not been published yet" in page and "Beta dialogue" not in page
    assert client.get(urls["pdf"]).status_code == 404


def test_publishing_needs_both_files_of_the_current_figures(client, coordinator, answered, renders, generate):
    client.force_login(coordinator)
    slug = answered.campaign.slug
    generate(reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": "pdf"}))
    page = client.get(_urls(slug)["report"][1]).content.decode()
    assert "only coordinators see it" in page and "Publish this version" not in page
    response = client.post(_published_urls(slug)["publish"], follow=True)
    assert "Generate the PDF and Word files of these figures first" in response.content.decode()
    assert not PublishedReport.objects.exists()


def test_observers_see_the_published_version_exactly_until_the_next_publication(
    client, coordinator, observer, answered, renders, generate
):
    slug = answered.campaign.slug
    urls = _published_urls(slug)
    client.force_login(coordinator)
    _generate_both(generate, slug)
    assert "Publish this version" in client.get(_urls(slug)["report"][1]).content.decode()
    response = client.post(urls["publish"])
    assert response.status_code == 302 and response["Location"] == urls["published"]
    first = PublishedReport.objects.get()
    assert (first.version, first.published_by, first.language) == (1, coordinator, "en")

    client.force_login(observer)
    page = client.get(urls["published"]).content.decode()
    assert "Published version 1" in page and "All 3 ISCMs invited responded (100%)." in page
    assert "Beta dialogue" in page  # the annex, as the coordinator decided to publish it
    assert b"".join(client.get(urls["pdf"]).streaming_content) == FAKE_PDF
    docx = client.get(urls["docx"])
    assert docx["Content-Disposition"] == f'attachment; filename="{slug}-report-en-v1.docx"'

    # a new response, new figures, a regenerated draft: observers still read version 1
    answered.iscm(name="Late dialogue")
    answered.submit({"multi": ["e"], "single": "no"}, name="Gamma dialogue")
    aggregates_recompute(campaign_id=answered.campaign.pk, force=True)
    client.force_login(coordinator)
    _generate_both(generate, slug)
    assert "4 of the 5 ISCMs invited" in client.get(_urls(slug)["report"][1]).content.decode()
    client.force_login(observer)
    page = client.get(urls["published"]).content.decode()
    assert "All 3 ISCMs invited responded (100%)." in page and "Gamma dialogue" not in page

    client.force_login(coordinator)
    client.post(urls["publish"])
    client.force_login(observer)
    page = client.get(urls["published"]).content.decode()
    assert "Published version 2" in page and "Gamma dialogue" in page
    assert "Version 1 (en)" in page  # the history stays


def test_focal_points_and_anonymous_visitors_get_no_published_report(client, answered):
    urls = _published_urls(answered.campaign.slug)
    assert client.get(urls["published"])["Location"].startswith(reverse("login"))
    iscm = answered.campaign.invited_iscms.first()
    client.force_login(factories.focal_point_create(iscm, username="fp-published@example.org"))
    assert client.get(urls["published"]).status_code == 403
    assert client.get(urls["pdf"]).status_code == 403
    assert client.post(urls["publish"]).status_code == 403
