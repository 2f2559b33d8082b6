from django import template
from django.utils import translation

from vroegsignaal.portal.templatetags.portal import with_param
from vroegsignaal.reporting.services import PURPOSES
from vroegsignaal.signals.explanations import euros as _euros
from vroegsignaal.signals.explanations_english import english_euros

register = template.Library()


@register.filter
def euros(cents):
    """``€ 1.234,56``, ``€ 650,00`` from cents (tables: always with cents); ``—`` for nothing.

    In English ``€1,234.56``: the page's language decides how an amount is read.
    """
    if cents is None:
        return "—"
    if translation.get_language() == "en":
        return english_euros(cents, always_cents=True)
    return _euros(cents, always_cents=True)


@register.filter
def whole_euros(cents):
    """``€ 5.000`` (``€5,000`` in English): an amount as a sentence reads it, without cents;
    the euro sign never ends a line."""
    if translation.get_language() == "en":
        return english_euros(cents)
    return _euros(cents).replace(" ", "\u00a0")


@register.filter
def purpose_label(value: str) -> str:
    """The label of a recorded purpose of viewing (``signaalbehandeling`` → "Signaalbehandeling");
    a purpose recorded by something else is shown as recorded."""
    return str(PURPOSES.get(value, value or "—"))


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
        rows.append((n.code, mark_safe(" selected") if n.code == selected else "", kind, n.name, n.code))
    return format_html_join("", '<option value="{}"{}>{} {} ({})</option>', rows)
