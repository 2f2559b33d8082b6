"""Template tags every page of the portal may use."""

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag
def with_param(query: str, key: str, value) -> str:
    """``query`` (already encoded) with ``key=value`` set, for sort and page links."""
    params = QueryDict(query, mutable=True)
    params[key] = value
    return params.urlencode()


@register.simple_tag
def without_param(query: str, key: str) -> str:
    """``query`` (already encoded) without ``key``, for links that switch a filter off."""
    params = QueryDict(query, mutable=True)
    params.pop(key, None)
    return params.urlencode()
