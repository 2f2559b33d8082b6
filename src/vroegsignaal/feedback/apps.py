from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "vroegsignaal.feedback"
