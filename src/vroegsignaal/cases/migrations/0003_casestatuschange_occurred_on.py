# The day a step of a case happened, apart from when it was recorded (changed_at).
#
# Existing rows get the day the case itself keeps for that step: the pick-up's
# picked_up_on, the closing date, the day the offer was accepted, the date of the contact
# attempt recorded with the step (the latest one of the case recorded at or before it);
# anything else (an assignment) the day it was recorded.

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate


def backfill_occurred_on(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseStatusChange = apps.get_model("cases", "CaseStatusChange")
    ContactAttempt = apps.get_model("cases", "ContactAttempt")
    rows = CaseStatusChange.objects.filter(occurred_on__isnull=True)
    moves = rows.exclude(from_status=F("to_status"))

    def case_day(field):
        return Subquery(Case.objects.filter(pk=OuterRef("case_id")).values(field)[:1])

    recorded_day = TruncDate("changed_at")
    moves.filter(from_status="").update(
        occurred_on=Coalesce(case_day("picked_up_on"), recorded_day)
    )
    moves.filter(to_status="afgesloten").update(
        occurred_on=Coalesce(case_day("closed_on"), recorded_day)
    )
    moves.filter(to_status="hulp_aanvaard").update(
        occurred_on=Coalesce(case_day("offer_answered_on"), recorded_day)
    )
    attempt_day = Subquery(
        ContactAttempt.objects.filter(case_id=OuterRef("case_id"), created_at__lte=OuterRef("changed_at"))
        .order_by("-created_at", "-id")
        .values("date")[:1]
    )
    moves.filter(to_status__in=["contact_gezocht", "in_contact"]).update(
        occurred_on=Coalesce(attempt_day, recorded_day)
    )
    rows.update(occurred_on=recorded_day)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_lettertemplate"),
    ]

    operations = [
        migrations.AddField(
            model_name="casestatuschange",
            name="occurred_on",
            field=models.DateField(null=True, verbose_name="datum"),
        ),
        migrations.RunPython(backfill_occurred_on, migrations.RunPython.noop),
    ]
