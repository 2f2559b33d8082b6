"""Users who were beheerder before and have another role now leave the admin.

``User.save`` set ``is_staff`` for a beheerder and never cleared it, so a user given another
role kept the way into the admin. It now follows the role on every save; this clears it for the
users saved before. A superuser keeps what Django gave it (it has no role). Reversed: nothing
(which of them had been a beheerder is not known).
"""

from django.db import migrations


def revoke_staff_of_other_roles(apps, schema_editor) -> None:
    User = apps.get_model("organisations", "User")
    User.objects.filter(is_staff=True, is_superuser=False).exclude(role="beheerder").update(
        is_staff=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_foreign_key_verbose_names"),
    ]

    operations = [
        migrations.RunPython(revoke_staff_of_other_roles, migrations.RunPython.noop),
    ]
