from django.urls import path

from . import urls_report, views, views_compare

app_name = "analytics"
urlpatterns = [
    # before "campaigns/<slug:slug>/…" of the questionnaires app, which "compare" would match
    path("campaigns/compare/", views_compare.compare, name="compare"),
    path("campaigns/compare/same-iscms/", views_compare.compare_same_iscms, name="compare_same_iscms"),
    path("campaigns/compare/same-iscms/<slug:question>/", views_compare.compare_changes, name="compare_changes"),
    path("campaigns/compare/data/<slug:table>.csv", views_compare.compare_csv, name="compare_csv"),
    path(
        "campaigns/<slug:slug>/report/compared-with/",
        views_compare.report_compared_with,
        name="report_compared_with",
    ),
    path("campaigns/<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("campaigns/<slug:slug>/dashboard/recompute/", views.recompute, name="recompute"),
    path("campaigns/<slug:slug>/dashboard/texts/", views.texts, name="texts"),
    path("campaigns/<slug:slug>/dashboard/aggregates.csv", views.aggregates_csv, name="aggregates_csv"),
    path("campaigns/<slug:slug>/dashboard/data/<slug:chart>.csv", views.chart_data, name="chart_data"),
    path(
        "campaigns/<slug:slug>/dashboard/drilldown/<slug:question>/<str:choice>/",
        views.drilldown,
        name="drilldown",
    ),
    *urls_report.urlpatterns,
]
