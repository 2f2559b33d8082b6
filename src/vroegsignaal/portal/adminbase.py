"""What the admin's lists share, ours and the third-party ones the beheerder uses."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _

from .forms import parse_ids

# Third-party admins the beheerder uses (a lost second factor, a lock-out): they get the same
# refusal of a ticked value that is no id (see ``refuse_crafted_ticks``).
THIRD_PARTY_APPS = ("auth", "otp_totp", "otp_static", "axes")


class TickedRowsAdmin(admin.ModelAdmin):
    """An action runs on the rows ticked in the list. A ticked value that is no id (a form changed
    on the way) is refused with a message; Django's own ``pk__in`` filter would answer with a 500."""

    def response_action(self, request, queryset):
        ticked = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if len(parse_ids(ticked)) != len(ticked):
            self.message_user(
                request,
                _("Vink de regels in de lijst aan en kies dan opnieuw de actie."),
                messages.ERROR,
            )
            return None  # back to the list, with the message
        return super().response_action(request, queryset)


class ArticleAdmin(admin.ModelAdmin):
    """Django's Dutch messages say "De {name} ‘…’ is met succes toegevoegd" of every model. A model
    whose name takes "het" (het wijkteam, het convenant, het apparaat) sets ``article = "het"`` and
    its add, change and delete messages say "Het …", and "U kunt het hieronder …" for "… deze …";
    an object that is gone (an old link, a bookmark) "… bestaat niet. Misschien is dit verwijderd?".
    English messages ("The …", "… it …") and the others are left as they are."""

    article = "de"

    def message_user(self, request, message, *args, **kwargs):
        if self.article == "het":
            message = with_het(message, str(self.opts.verbose_name))
        return super().message_user(request, message, *args, **kwargs)


def with_het(message, verbose_name: str):
    """``message`` of Django's Dutch catalog about one ``verbose_name`` with "het" for "de"."""
    text = str(message)
    gone = " Misschien is deze verwijderd?"  # "%(name)s met ID ‘%(key)s’ bestaat niet.…"
    if text.startswith(f"{verbose_name} met ID ") and text.endswith(gone):
        return text[: -len(gone)] + " Misschien is dit verwijderd?"
    start = f"De {verbose_name} "
    if not text.startswith(start):
        return message
    text = f"Het {verbose_name} " + text[len(start) :]
    text = text.replace(" U kunt deze hieronder ", " U kunt het hieronder ")
    if isinstance(message, SafeData):  # Django's link to the object: safe still, two words changed
        return mark_safe(text)  # noqa: S308
    return text


def extend_admin(site: admin.AdminSite, model, mixin: type, **attrs) -> None:
    """Register ``model``'s admin (another app's) again with ``mixin`` in front of it and
    ``attrs`` set; everything else of that admin stays as it was. Called after that app
    registered its own (from an app later in ``INSTALLED_APPS``)."""
    original = type(site._registry[model])
    site.unregister(model)
    site.register(model, type(original.__name__, (mixin, original), attrs))


def use_article(site: admin.AdminSite, labels: tuple[str, ...], article: str) -> None:
    """Register the admins of the models ``labels`` (``app_label.model_name``) of another app again
    with ``ArticleAdmin`` mixed in, saying ``article``; like ``refuse_crafted_ticks``."""
    for model in list(site._registry):
        if model._meta.label_lower in labels:
            extend_admin(site, model, ArticleAdmin, article=article)


def refuse_crafted_ticks(site: admin.AdminSite, app_labels: tuple[str, ...]) -> None:
    """Register the admins of ``app_labels`` again with ``TickedRowsAdmin`` mixed in.

    Called after those apps registered theirs (from an app later in ``INSTALLED_APPS``);
    everything else of their admin stays as it was.
    """
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label in app_labels and not isinstance(model_admin, TickedRowsAdmin):
            extend_admin(site, model, TickedRowsAdmin)
