"""The coordinator's pages under /signalen/ (ids in URLs, never personal data)."""

from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("werkbakjes/", views.tray_index, name="trays"),
    path("werkbakjes/<int:tray_id>/", views.tray_detail, name="tray"),
    path("werkbakjes/<int:tray_id>/export/", views.tray_export, name="tray_export"),
    path("werkbakjes/export/", views.signals_export, name="signals_export"),
    path("werkbakjes/<int:tray_id>/acties/", views.tray_bulk_action, name="tray_bulk_action"),
    path("huishoudens/<int:household_id>/", views.household_detail, name="household"),
    path("zoeken/", views.search, name="search"),
    path("kaart/", views.neighbourhood_map, name="map"),
    path("kaart/gebieden.geojson", views.neighbourhood_map_geojson, name="map_geojson"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("monitor/", views.monitor, name="monitor"),
    path("monitor/monitorcijfers.csv", views.monitor_csv, name="monitor_csv"),
    path("monitor/monitorcijfers.xlsx", views.monitor_xlsx, name="monitor_xlsx"),
    path("monitor/ddas.json", views.ddas_export, name="ddas_export"),
]
