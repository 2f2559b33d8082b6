from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, RetentionPolicy, RetentionRun


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
