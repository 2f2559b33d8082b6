# A nullable column without default: SQLite and PostgreSQL add it without rewriting
# the table. Arrears written before it get their digest at their next stand.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0004_address_reference_and_fillfactor'),
    ]

    operations = [
        migrations.AddField(
            model_name='arrear',
            name='link_digest',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
    ]
