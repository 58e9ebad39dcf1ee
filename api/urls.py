"""The read-only API (/api/v1/), its schema and documentation page, and the personal token page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views, views_tokens

app_name = "api"

urlpatterns = [
    path("api/v1/campaigns/", views.CampaignList.as_view(), name="campaign_list"),
    path("api/v1/campaigns/<slug:slug>/", views.CampaignDetail.as_view(), name="campaign_detail"),
    path("api/v1/campaigns/<slug:slug>/aggregates/", views.Aggregates.as_view(), name="aggregates"),
    path("api/v1/campaigns/<slug:slug>/response-rates/", views.ResponseRates.as_view(), name="response_rates"),
    path("api/v1/campaigns/<slug:slug>/codebook/", views.Codebook.as_view(), name="codebook"),
    path("api/v1/campaigns/<slug:slug>/responses/", views.Responses.as_view(), name="responses"),
    # The schema and its documentation page describe the API, no data: open to everyone. The page is
    # the split view (its script is a static file), so the Content-Security-Policy needs no exception.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[], authentication_classes=[]),
        name="docs",
    ),
    path("account/api-tokens/", views_tokens.tokens, name="tokens"),
    path("account/api-tokens/<int:token_id>/revoke/", views_tokens.token_revoke, name="token_revoke"),
]
