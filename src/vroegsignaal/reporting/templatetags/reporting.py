from django import template

from vroegsignaal.portal.templatetags.portal import with_param
from vroegsignaal.privacy.services import organisation_label, purpose_label
from vroegsignaal.signals.explanations_english import shown_euros

register = template.Library()


@register.filter
def euros(cents):
    """``€ 1.234,56``, ``€ 650,00`` from cents (tables: always with cents); ``—`` for nothing.

    In English ``€1,234.56``: the page's language decides how an amount is read.
    """
    return "—" if cents is None else shown_euros(cents, always_cents=True)


@register.filter
def whole_euros(cents):
    """``€ 5.000`` (``€5,000`` in English): an amount as a sentence reads it, without cents;
    the euro sign never ends a line."""
    return shown_euros(cents)


register.filter("organisation_label", organisation_label)  # "gemeente 0363" in the page's language


# A recorded purpose (a household view's "signaalbehandeling", "zaak afgesloten") as a label
# in the page's language; one the labels do not know as stored.
register.filter("purpose_label", purpose_label)


# Sort and page links: the portal's tag, also under this library's name.
register.simple_tag(with_param)


@register.simple_tag
def neighbourhood_options(neighbourhoods, selected: str):
    """The ``<option>``s of the wijk/buurt filter, built in one go: a city has hundreds of
    buurten, and a template loop over them costs more than the rest of the tray page's form."""
    from django.utils.html import format_html_join
    from django.utils.safestring import mark_safe

    kinds = {}
    rows = []
    for n in neighbourhoods:
        kind = kinds.setdefault(n.kind, n.get_kind_display())
        rows.append(
            (n.code, mark_safe(" selected") if n.code == selected else "", kind, n.name, n.code)
        )
    return format_html_join("", '<option value="{}"{}>{} {} ({})</option>', rows)
