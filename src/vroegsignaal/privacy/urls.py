from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("auditlog/", views.audit_log, name="audit_log"),
    path("auditlog/export.csv", views.audit_export, name="audit_export"),
    path("controle/", views.verification, name="verification"),
    path("controle/starten/", views.verification_start, name="verification_start"),
    path("opschoonrondes/", views.retention_runs, name="retention_runs"),
    path("inzageverzoek/", views.subject_access, name="subject_access"),
    path("inzageverzoek/download/", views.subject_access_download, name="subject_access_download"),
]
