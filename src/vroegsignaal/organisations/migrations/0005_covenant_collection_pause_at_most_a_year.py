"""A covenant's collection pause is at most 365 days (the admin took 100000: a pause ending around
2300), as ``load_config`` already required. A validator only: no change to the table, and a
covenant stored with more keeps it until it is next saved in the admin."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_forget_typed_log_in_form_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="covenant",
            name="collection_pause_days",
            field=models.PositiveSmallIntegerField(
                default=30,
                validators=[
                    django.core.validators.MaxValueValidator(
                        365, "Geef een incasso-uitstel van ten hoogste %(limit_value)s dagen."
                    )
                ],
                verbose_name="dagen incasso-uitstel",
            ),
        ),
    ]
