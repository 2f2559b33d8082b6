"""Admin for platform operators: deliveries (metadata only) and the creditors' API keys.

A beheerder sees no personal data: not the rejected rows (they carry
klantnummers), not the column mappings' use. API keys are created here too;
the key is shown once, in the message after saving.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vroegsignaal.portal.adminbase import TickedRowsAdmin

from . import report, services
from .apikeys import active_key_named
from .forms import ApiKeyForm
from .models import ApiKey, Delivery


def _confirmed(request) -> bool:
    return request.POST.get("bevestigd") == "ja"


def _ask_confirmation(modeladmin, request, template: str, **context) -> TemplateResponse:
    """The intermediate page of an irreversible action; its form posts the action again, confirmed."""
    return TemplateResponse(
        request,
        template,
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **context,
        },
    )


@admin.action(description=_("Stilgevallen leveringen opnieuw verwerken"))
def reprocess_stalled(modeladmin, request, queryset):
    """The beheerder's *Opnieuw verwerken*: asks for confirmation first (an intermediate page)."""
    deliveries = list(queryset.select_related("creditor"))
    if not _confirmed(request):
        return _ask_confirmation(
            modeladmin,
            request,
            "admin/intake/delivery/reprocess_confirmation.html",
            title=_("Leveringen opnieuw verwerken?"),
            deliveries=deliveries,
            stalled=[d for d in deliveries if d.is_stalled],
        )
    done = 0
    for delivery in deliveries:
        try:
            services.reprocess_delivery(
                delivery, request.user, background=True, via="beheer", request=request
            )
            done += 1
        except services.DeliveryError as error:
            messages.error(request, str(error))
    if done:
        messages.success(
            request,
            ngettext(
                "%(n)s levering wordt opnieuw verwerkt.",
                "%(n)s leveringen worden opnieuw verwerkt.",
                done,
            )
            % {"n": done},
        )
    return None


@admin.register(Delivery)
class DeliveryAdmin(TickedRowsAdmin):
    list_display = [
        "id",
        "creditor",
        "kind",
        "reference_date",
        "status",
        "stalled",
        "via",
        "received_at",
        "rows_received",
        "rows_accepted",
        "rows_rejected",
    ]
    list_filter = ["status", "kind", "via"]
    search_fields = ["=id", "creditor__code", "=sha256"]
    date_hierarchy = "received_at"
    list_select_related = ["creditor"]
    # The stored report is JSON for programs; people read it as the command prints it.
    exclude = ["staged_name", "report"]
    readonly_fields = ["verslag"]
    show_full_result_count = False
    actions = [reprocess_stalled]

    @admin.display(description=_("verslag"))
    def verslag(self, obj: Delivery) -> str:
        return format_html(
            '<pre class="delivery-report" lang="nl">{}</pre>', "\n".join(report.report_lines(obj))
        )

    @admin.display(description=_("staat stil sinds"))
    def stalled(self, obj: Delivery) -> str:
        since = obj.stalled_since()
        return date_format(timezone.localtime(since), "j F Y H:i") if since else "—"

    def get_queryset(self, request):
        # The delivery's page is titled with its creditor's code (Delivery.__str__).
        return super().get_queryset(request).select_related("creditor")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description=_("Geselecteerde sleutels intrekken"))
def revoke_keys(modeladmin, request, queryset):
    """Irreversible (the creditor's system stops delivering): asks for confirmation first."""
    keys = list(queryset.filter(revoked_at__isnull=True).select_related("creditor"))
    if not _confirmed(request):
        return _ask_confirmation(
            modeladmin,
            request,
            "admin/intake/apikey/revoke_confirmation.html",
            title=_("API-sleutels intrekken?"),
            keys=keys,
        )
    for key in keys:
        services.revoke_api_key(key, request.user)
    messages.success(
        request,
        ngettext("%(n)s sleutel is ingetrokken.", "%(n)s sleutels zijn ingetrokken.", len(keys))
        % {"n": len(keys)},
    )
    return None


class ApiKeyAdminForm(forms.ModelForm):
    """The beheerder's key form: a name another active key of the creditor has is refused, as on
    the creditor's own page (:class:`.forms.ApiKeyForm`)."""

    class Meta:
        model = ApiKey
        fields = ["creditor", "name"]

    def clean(self):
        cleaned = super().clean()
        creditor = cleaned.get("creditor") or (
            self.instance.creditor if self.instance.creditor_id else None
        )
        name = cleaned.get("name")
        taken = active_key_named(creditor, name) if creditor is not None and name else None
        if taken is not None and taken.pk != self.instance.pk:
            self.add_error("name", ApiKeyForm.name_taken(taken))
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(TickedRowsAdmin):
    form = ApiKeyAdminForm
    list_display = ["name", "creditor", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["creditor"]
    search_fields = ["name", "=prefix", "creditor__code"]
    list_select_related = ["creditor"]
    actions = [revoke_keys]
    fields = [
        "creditor",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        base = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
        return [*base, "creditor"] if obj is not None else base

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, text = services.create_api_key(obj.creditor, obj.name, request.user)
        obj.pk = key.pk
        obj.prefix = key.prefix
        obj.created_at = key.created_at
        messages.warning(
            request,
            _("De nieuwe API-sleutel is: %(key)s — kopieer hem nu; hij wordt niet opnieuw getoond.")
            % {"key": text},
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
