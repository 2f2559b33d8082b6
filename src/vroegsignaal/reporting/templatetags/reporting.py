from django import template

from vroegsignaal.signals.explanations import euros as _euros

register = template.Library()


@register.filter
def euros(cents):
    """``€ 1.234,56`` from cents; ``—`` for nothing."""
    return "—" if cents is None else _euros(cents)


@register.simple_tag
def with_param(query: str, key: str, value) -> str:
    """``query`` (already encoded) with ``key=value`` added, for sort and page links."""
    from django.http import QueryDict

    params = QueryDict(query, mutable=True)
    params[key] = value
    return params.urlencode()
