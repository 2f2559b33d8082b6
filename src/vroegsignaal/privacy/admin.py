from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    DEFAULT_CLOSED_CASE_MONTHS,
    DEFAULT_UNPICKED_SIGNAL_MONTHS,
    AuditEvent,
    RetentionPolicy,
    RetentionRun,
)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by ``audit.record`` and never changed."""

    list_display = [
        "seq",
        "timestamp",
        "actor_username",
        "organisation",
        "action",
        "object_type",
        "object_id",
        "purpose",
    ]
    # Exact-match search only and no value-list filters: the table grows to millions of rows.
    list_filter = ["action"]
    search_fields = ["=object_id", "=actor_username", "=organisation", "=municipality_code"]
    ordering = ["-seq"]
    show_full_result_count = False  # COUNT(*) over millions of rows on every page

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """A municipality's retention periods; without a row the defaults (6 and 12 months) apply."""

    list_display = ["municipality", "unpicked_signal_months", "closed_case_months", "updated_at"]
    ordering = ["municipality__name"]

    def changelist_view(self, request, extra_context=None):
        """Say what applies where no row is: an empty list reads as 'no retention' otherwise."""
        from vroegsignaal.organisations.models import Municipality

        on_defaults = Municipality.objects.filter(retention_policy__isnull=True).order_by("name")
        extra_context = {
            **(extra_context or {}),
            "default_unpicked_signal_months": DEFAULT_UNPICKED_SIGNAL_MONTHS,
            "default_closed_case_months": DEFAULT_CLOSED_CASE_MONTHS,
            "on_defaults": [m.name for m in on_defaults],
        }
        return super().changelist_view(request, extra_context)


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """Read-only: written by ``vroegsignaal purge``."""

    list_display = ["started_at", "municipality", "today", "total"]
    list_filter = ["municipality"]
    ordering = ["-started_at"]

    @admin.display(description=_("totaal"))
    def total(self, obj: RetentionRun) -> int:
        return obj.total

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
