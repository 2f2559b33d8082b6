"""A throw-away model with encrypted fields, in its own app registry.

It lives outside ``django.apps.apps`` so that makemigrations and other apps'
tests never see it; the ``sample_table`` fixture creates its table.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import models

from vroegsignaal.privacy.fields import EncryptedDateField, EncryptedTextField

sample_apps = Apps()


class Sample(models.Model):
    name = EncryptedTextField(null=True, blank=True)
    birth_date = EncryptedDateField(null=True, blank=True)
    note = models.CharField(max_length=50, blank=True)

    class Meta:
        apps = sample_apps
        app_label = "privacy_tests"
        db_table = "privacy_tests_sample"

    def __str__(self) -> str:
        return f"sample {self.pk}"
