"""The signals app's pages, under /signalen/regels/ (the root URLconf's prefix): the coordinator's
rules, and the management of the trays (werkbakjes/, apart from reporting's /signalen/werkbakjes/,
where the trays' signals are worked). Ids in URLs, never personal data."""

from django.urls import path

from . import views

app_name = "signals"

urlpatterns = [
    path("", views.rules, name="rules"),
    path("werkbakjes/", views.trays_manage, name="trays_manage"),
    path("werkbakjes/nieuw/", views.tray_add, name="tray_add"),
    path("werkbakjes/<int:tray_id>/", views.tray_edit, name="tray_edit"),
    path("werkbakjes/<int:tray_id>/verplaatsen/", views.tray_move, name="tray_move"),
    path("werkbakjes/<int:tray_id>/verwijderen/", views.tray_delete, name="tray_delete"),
]
