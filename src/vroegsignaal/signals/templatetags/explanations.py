"""``{{ signal|explanation }}``: a signal's explanation in the page's language;
``{{ signal|explanation:case.contact_due }}`` names the case's contact deadline in its crisis line."""

from django import template

from vroegsignaal.signals import services

register = template.Library()


@register.filter
def explanation(signal, deadline=None) -> str:
    return services.shown_explanation(signal, deadline=deadline)
