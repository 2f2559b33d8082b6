"""Forget what people typed in the log-in form of failed attempts stored before.

django-axes keeps the posted form (and the query string) of every failed log-in on its
``AccessAttempt``: the typed password, often nearly the real one or another system's, and the
user name field, where people type their password too. ``AXES_SENSITIVE_PARAMETERS`` masks
those in new rows; the rows stored before still hold them in plain text. The lock-out counter
needs none of it (the admin no longer shows it), so it is emptied, not masked. axes's other
models (``AccessLog``, ``AccessFailureLog``, ``AccessAttemptExpiration``) keep no form data.
Reversed: nothing (what was typed is gone, as it should be).
"""

from django.db import migrations


def forget_typed_form_data(apps, schema_editor) -> None:
    AccessAttempt = apps.get_model("axes", "AccessAttempt")
    AccessAttempt.objects.exclude(get_data="", post_data="").update(get_data="", post_data="")


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_staff_follows_role"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(forget_typed_form_data, migrations.RunPython.noop),
    ]
