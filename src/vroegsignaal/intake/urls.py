"""URLs of the intake: the creditor's pages (/leveringen/) and the delivery API (/api/v1/)."""

from django.urls import path

from . import api, views

app_name = "intake"

urlpatterns = [
    path("", views.delivery_list, name="list"),
    path("nieuw/", views.upload, name="upload"),
    path("nieuw/voorbeeld/", views.preview, name="preview"),
    path("kolommen/", views.column_mapping, name="column_mapping"),
    path("api-sleutels/", views.api_keys, name="api_keys"),
    path("api-sleutels/<int:api_key_id>/intrekken/", views.revoke_api_key, name="revoke_api_key"),
    path("<int:delivery_id>/", views.delivery_detail, name="detail"),
    path("<int:delivery_id>/status/", views.delivery_status, name="status"),
    path("<int:delivery_id>/fouten.csv", views.rejected_rows_csv, name="rejected_rows"),
    path("<int:delivery_id>/bevestigen/", views.confirm, name="confirm"),
    path("<int:delivery_id>/niet-bevestigen/", views.decline, name="decline"),
    path("<int:delivery_id>/opnieuw-verwerken/", views.reprocess, name="reprocess"),
]

# Spec 1.1; included under /api/v1/ with the namespace "intake_api".
api_urlpatterns = [
    path("deliveries/", api.DeliveryCollectionView.as_view(), name="delivery-list"),
    path("deliveries/<int:delivery_id>/", api.DeliveryDetailView.as_view(), name="delivery-detail"),
    path(
        "deliveries/<int:delivery_id>/fouten/",
        api.DeliveryRejectedRowsView.as_view(),
        name="delivery-rejected-rows",
    ),
    path(
        "deliveries/<int:delivery_id>/bevestig/",
        api.DeliveryConfirmView.as_view(),
        name="delivery-confirm",
    ),
]
