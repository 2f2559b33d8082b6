from django.db import migrations

# Part of each page of signals_signal is left free, so that the monthly updates of
# last_signalled_on and dormant_since of the open signals (neither is indexed) stay
# on their page (a HOT update) and touch none of the table's eight indexes
# (PostgreSQL only; SQLite has no fillfactor).
SIGNAL_FILLFACTOR = 60


def set_signal_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "signals_signal" SET (fillfactor = {SIGNAL_FILLFACTOR})')


def reset_signal_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE "signals_signal" RESET (fillfactor)')


class Migration(migrations.Migration):

    dependencies = [
        ("signals", "0004_bulk_references_without_constraints"),
    ]

    operations = [
        migrations.RunPython(set_signal_fillfactor, reset_signal_fillfactor),
    ]
