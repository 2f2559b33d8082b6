"""``{{ signal|explanation }}``: a signal's explanation in the page's language."""

from django import template

from vroegsignaal.signals import services

register = template.Library()


@register.filter
def explanation(signal) -> str:
    return services.shown_explanation(signal)
