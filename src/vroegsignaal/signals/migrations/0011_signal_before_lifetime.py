"""``SignalBefore`` only for open signals, on the peildatum their municipality is at.

``repeat_of_id`` becomes a reference to the earlier signal (the same column, without a database
constraint or index), so that a purge or an anonymisation empties it as it does the signal's own
``repeat_of``; an index on ``peildatum`` finds the rows of earlier peildata, which evaluation now
deletes. The rows that settle nothing any more go: those of closed signals, with the
``counted_before`` of every arrear whose signal has no row left, and a ``repeat_of_id`` of a
signal that is gone is emptied.
"""

import django.db.models.deletion
from django.db import migrations, models

OPEN_STATUSES = ("nieuw", "opgepakt")


def forget_what_settles_nothing(apps, schema_editor):
    signal = apps.get_model("signals", "Signal")
    before = apps.get_model("signals", "SignalBefore")
    member = apps.get_model("signals", "SignalArrear")
    before.objects.exclude(signal__status__in=OPEN_STATUSES).delete()
    before.objects.filter(repeat_of__isnull=False).exclude(
        repeat_of_id__in=signal.objects.values("id")
    ).update(repeat_of=None)
    member.objects.filter(counted_before=True).exclude(
        signal_id__in=before.objects.values("signal_id")
    ).update(counted_before=False)


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0010_signal_before"),
    ]

    operations = [
        # The column stays as it is: a reference without constraint or index is a bigint column.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="signalbefore", name="repeat_of_id"),
                migrations.AddField(
                    model_name="signalbefore",
                    name="repeat_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="signals.signal",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="signalbefore",
            index=models.Index(fields=["peildatum"], name="signalbefore_peildatum_idx"),
        ),
        migrations.RunPython(forget_what_settles_nothing, migrations.RunPython.noop),
    ]
