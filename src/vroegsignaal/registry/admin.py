"""The register in the admin: lists to look things up in, not to edit.

The register is filled by ``import_addresses`` and ``import_neighbourhoods``;
editing one row by hand would be undone by the next import.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Address, Neighbourhood


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Address)
class AddressAdmin(ReadOnlyAdmin):
    list_display = (
        "postcode",
        "huisnummer",
        "huisletter",
        "toevoeging",
        "straatnaam",
        "woonplaats",
        "municipality",
        "buurt",
    )
    list_filter = ("municipality",)
    search_fields = ("=postcode", "straatnaam")
    list_select_related = ("municipality", "buurt")
    show_full_result_count = False  # counting millions of rows on every page is slow
    ordering = ("postcode", "huisnummer", "huisletter", "toevoeging")
    raw_id_fields = ("buurt",)

    def get_search_results(self, request, queryset, search_term):
        # "1234 ab" and "1234AB" find the same postcode.
        from .addressing import normalise_postcode

        postcode = normalise_postcode(search_term)
        if postcode:
            return queryset.filter(postcode=postcode), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "wijk", "municipality", "inhabitants", "households")
    list_filter = ("kind", "municipality")
    search_fields = ("code", "name")
    list_select_related = ("wijk", "municipality")
    exclude = ("geometry",)  # large; the map shows it
    readonly_fields = ("outline",)

    @admin.display(description=_("geometrie"))
    def outline(self, obj: Neighbourhood) -> str:
        geometry = obj.geometry or {}
        return geometry.get("type", "—")
