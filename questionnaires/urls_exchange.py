"""CSV exports and imports (included under the `questionnaires` namespace by questionnaires/urls.py)."""

from django.urls import path

from .views import exchange

urlpatterns = [
    path("campaigns/<slug:slug>/export/", exchange.export, name="export"),
    path("campaigns/<slug:slug>/export/responses.csv", exchange.export_responses, name="export_responses"),
    path("campaigns/<slug:slug>/export/workbook.xlsx", exchange.export_workbook, name="export_workbook"),
    path("campaigns/<slug:slug>/export/codebook.csv", exchange.export_codebook, name="export_codebook"),
    path("campaigns/<slug:slug>/import/", exchange.import_responses, name="import_responses"),
]
