# Every step has its day (0003 filled it in); in its own migration, so that the column
# changes after the rows were written, not in the same transaction (PostgreSQL).

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_casestatuschange_occurred_on"),
    ]

    operations = [
        migrations.AlterField(
            model_name="casestatuschange",
            name="occurred_on",
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name="datum"),
        ),
        migrations.AlterField(
            model_name="casestatuschange",
            name="changed_at",
            field=models.DateTimeField(verbose_name="vastgelegd op"),
        ),
    ]
