"""URLs of the feedback app: the creditor's page (/terugkoppeling/) and the API (/api/v1/feedback/)."""

from django.urls import path

from . import api, views

app_name = "feedback"

urlpatterns = [
    path("", views.feedback_list, name="list"),
    path("terugkoppeling.csv", views.feedback_csv, name="csv"),
]

# Spec 1.1 / 4; included under /api/v1/ with the namespace "feedback_api".
api_urlpatterns = [
    path("feedback/", api.FeedbackView.as_view(), name="feedback-list"),
]
