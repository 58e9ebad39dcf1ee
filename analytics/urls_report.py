"""URLs of the survey summary report, spliced into analytics/urls.py (namespace "analytics")."""

from django.urls import path

from . import views_report

urlpatterns = [
    path("campaigns/<slug:slug>/report/", views_report.report, name="report"),
    path("campaigns/<slug:slug>/report/status/", views_report.report_status, name="report_status"),
    path(
        "campaigns/<slug:slug>/report/generate/<str:fmt>/",
        views_report.report_generate,
        name="report_generate",
    ),
    path(
        "campaigns/<slug:slug>/report/download/<str:fmt>/",
        views_report.report_download,
        name="report_download",
    ),
    path("campaigns/<slug:slug>/report/annex/", views_report.report_annex, name="report_annex"),
    path("campaigns/<slug:slug>/report/publish/", views_report.report_publish, name="report_publish"),
    path("campaigns/<slug:slug>/report/published/", views_report.report_published, name="report_published"),
    path(
        "campaigns/<slug:slug>/report/published/download/<str:fmt>/",
        views_report.report_published_download,
        name="report_published_download",
    ),
]
