from django.urls import path

from . import urls_report, views

app_name = "analytics"
urlpatterns = [
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
