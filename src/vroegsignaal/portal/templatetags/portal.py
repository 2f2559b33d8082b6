"""Template tags every page of the portal may use."""

from django import template
from django.contrib.messages import constants
from django.forms import BaseForm, BaseFormSet
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


@register.simple_tag(takes_context=True)
def page_has_errors(context) -> bool:
    """Whether the page shows a form that was not accepted, or a message of level error: its title then
    starts with "Fout:" (WCAG 2.4.2, 3.3.1), the first thing a screen reader says of a page. Every form
    or formset in the context that the view checked counts (a filter form nobody checked does not), so
    that a page with several forms needs nothing of its own."""
    for value in context.flatten().values():
        if isinstance(value, BaseFormSet):
            # Checked, and refused: a formset without its management form has its one error
            # of its own, and no rows (``_errors`` is empty then).
            if value.is_bound and value._errors is not None and not value.is_valid():
                return True
        elif isinstance(value, BaseForm) and value._errors and not value.is_valid():
            return True
    messages = context.get("messages")
    return bool(messages) and any(m.level >= constants.ERROR for m in messages)


@register.filter
def has_errors(form) -> bool:
    """Whether a form, or a formset (a row's errors or the formset's own), was refused; nothing (a form
    the page does not show) was not."""
    if isinstance(form, BaseFormSet):
        return form.is_bound and form.total_error_count() > 0
    return bool(getattr(form, "errors", None))


@register.filter
def summary_errors(form) -> list:
    """The errors that belong to no one field: of a form, or of a formset as a whole."""
    if isinstance(form, BaseFormSet):
        return list(form.non_form_errors())
    return list(form.non_field_errors())


@register.filter
def error_links(form) -> list[dict]:
    """A form's field errors as links to their fields (portal/_error_summary.html), for any form;
    a formset's row after row."""
    from vroegsignaal.portal.forms import ErrorSummary

    if isinstance(form, BaseFormSet):
        return [link for row in form for link in ErrorSummary.error_links(row)]
    return ErrorSummary.error_links(form)
