from django.urls import path

from . import views

app_name = "practices"
urlpatterns = [
    path("practices/", views.library, name="library"),
    path("practices/export.<str:fmt>", views.export, name="export"),
    path("practices/sources/", views.sources, name="sources"),
    path("practices/split/<int:answer_id>/", views.split, name="split"),
    path("practices/<int:pk>/", views.detail, name="detail"),
    path("practices/<int:pk>/edit/", views.update, name="update"),
    path("practices/<int:pk>/publish/", views.publish, name="publish"),
    path("practices/<int:pk>/delete/", views.delete, name="delete"),
]
