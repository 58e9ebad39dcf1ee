"""The coordinator's pages (included under the `questionnaires` namespace by questionnaires/urls.py)."""

from django.urls import path

from .views import coordinator

urlpatterns = [
    path("campaigns/", coordinator.campaign_list, name="campaign_list"),
    # before campaigns/<slug>/, so that "new" is never read as a slug (the form refuses it as one)
    path("campaigns/new/", coordinator.campaign_create_view, name="campaign_create"),
    path("campaigns/<slug:slug>/", coordinator.campaign_detail, name="campaign_detail"),
    path("campaigns/<slug:slug>/edit/", coordinator.campaign_edit, name="campaign_edit"),
    path("campaigns/<slug:slug>/close/", coordinator.campaign_close_view, name="campaign_close"),
    path("campaigns/<slug:slug>/remind/<str:acronym>/", coordinator.campaign_remind, name="campaign_remind"),
    path(
        "campaigns/<slug:slug>/responses/<str:acronym>/",
        coordinator.coordinator_response,
        name="coordinator_response",
    ),
    path(
        "campaigns/<slug:slug>/responses/<str:acronym>/validate/",
        coordinator.coordinator_response_validate,
        name="coordinator_response_validate",
    ),
    path(
        "campaigns/<slug:slug>/responses/<str:acronym>/return/",
        coordinator.coordinator_response_return,
        name="coordinator_response_return",
    ),
    path(
        "campaigns/<slug:slug>/iscms/<str:acronym>/extend/",
        coordinator.coordinator_response_extend,
        name="coordinator_response_extend",
    ),
    path("iscms/<str:acronym>/focal-points/", coordinator.iscm_focal_points, name="iscm_focal_points"),
    path(
        "iscms/<str:acronym>/focal-points/<int:user_id>/resend/",
        coordinator.iscm_focal_point_resend,
        name="iscm_focal_point_resend",
    ),
    path(
        "iscms/<str:acronym>/focal-points/<int:user_id>/remove/",
        coordinator.iscm_focal_point_remove,
        name="iscm_focal_point_remove",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        coordinator.invitation_accept,
        name="invitation_accept",
    ),
]
