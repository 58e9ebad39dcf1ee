"""The focal points' pages (the home page `/` is wired in iscm_survey/urls.py)."""

from django.urls import path

from .views import focal_point

urlpatterns = [
    path("campaigns/<slug:slug>/respond/<str:acronym>/", focal_point.respond, name="respond"),
    path("campaigns/<slug:slug>/respond/<str:acronym>/review/", focal_point.respond_review, name="respond_review"),
    path(
        "campaigns/<slug:slug>/respond/<str:acronym>/submitted/",
        focal_point.response_detail,
        name="response_detail",
    ),
    path("campaigns/<slug:slug>/respond/<str:acronym>/print/", focal_point.response_print, name="response_print"),
]
