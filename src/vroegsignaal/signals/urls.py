"""The signals app's page: the coordinator's rules, at /signalen/regels/ (the root URLconf's prefix)."""

from django.urls import path

from . import views

app_name = "signals"

urlpatterns = [
    path("", views.rules, name="rules"),
]
