"""The third-party apps of the admin (django-axes, django-otp; django-tasks-db), in Dutch.

Their Dutch is in the project's catalog, ``conf/locale/nl/LC_MESSAGES/django.po``
(``LOCALE_PATHS``), with the apps' own English as msgids: English mode shows them as they were
(there is no English catalog for them), Dutch mode reads the project's translation.

django-axes marks its texts for translation but ships no Dutch; only its app name is not
translatable. django-otp marks nothing: its models' names, field labels, help texts and its
admin's headings are plain strings that no catalog reaches. The app configs below take the
apps' places in ``INSTALLED_APPS`` (same app label, same models, same migrations) and, once
the apps are loaded, wrap those strings in ``gettext_lazy``. Migrations stay as they are: a
migration keeps a field's given verbose name (none, for these fields) and the autodetector
compares help texts with translation off, where a wrapped text is its own English.

django-tasks-db (the worker's task results, which only a superuser sees) marks its models'
texts, and its statuses with the context "Task"; its app name, two of its admin's labels and the
"Task name" Django makes of a property are plain. :func:`translate_tasks_admin` wraps them once
its admin is registered (``organisations/admin/thirdparty.py`` calls it), so that it keeps its
place in ``INSTALLED_APPS`` as it is.

Not a module named ``apps.py``: ``conf`` is no app with Dutch texts of its own
(``scripts/messages-apps.sh``); these msgids are English and need no English catalog.
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib import admin
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as OTPStaticAppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OTPTOTPAppConfig


def _translatable(text):
    """``text`` marked for translation, its English as msgid; a marked or empty text as it is."""
    if not text or isinstance(text, Promise):
        return text
    return _(text)


def translate_models(app_config: AppConfig) -> None:
    """The app's model names, field labels and help texts read from the catalog."""
    for model in app_config.get_models():
        opts = model._meta
        plural = opts.verbose_name_plural
        if "verbose_name_plural" not in opts.original_attrs:
            plural = str(plural)  # Django's lazy "{verbose_name}s", in English
        opts.verbose_name = _translatable(opts.verbose_name)
        opts.verbose_name_plural = _translatable(plural)
        for field in opts.fields:
            field.verbose_name = _translatable(field.verbose_name)
            field.help_text = _translatable(field.help_text)


def translate_admin(model) -> None:
    """The headings of the model's admin forms, and its search hint, read from the catalog.

    Run after the admins are registered (``django.contrib.admin`` is earlier in
    ``INSTALLED_APPS``), on the instance the site serves.
    """
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return
    get_fieldsets = model_admin.get_fieldsets

    def translated_fieldsets(request, obj=None):
        return [(_translatable(name), options) for name, options in get_fieldsets(request, obj)]

    model_admin.get_fieldsets = translated_fieldsets
    if model_admin.search_help_text:
        # django-otp wrote it once, at import, from the user model's field names in the
        # language of that moment: "Search by user's gebruikersnaam or e-mailadres".
        model_admin.search_help_text = _("Search by user's username or email address")


class AxesConfig(AxesAppConfig):
    verbose_name = _("Axes")


class OTPStaticConfig(OTPStaticAppConfig):
    verbose_name = _("Otp_Static")

    def ready(self) -> None:
        super().ready()
        translate_models(self)
        translate_admin(self.get_model("StaticDevice"))


class OTPTOTPConfig(OTPTOTPAppConfig):
    verbose_name = _("Otp_Totp")

    def ready(self) -> None:
        super().ready()
        translate_models(self)
        translate_admin(self.get_model("TOTPDevice"))


def translate_tasks_admin(site: admin.AdminSite) -> None:
    """django-tasks-db's app name and its admin's column labels read from the catalog.

    Called after the app registered its admin (``django_tasks_db`` is earlier in
    ``INSTALLED_APPS`` than the app that calls it); the rest of that admin stays as it is.
    """
    from django.apps import apps
    from django_tasks_db.models import DBTaskResult

    from vroegsignaal.portal.adminbase import extend_admin

    apps.get_app_config(DBTaskResult._meta.app_label).verbose_name = _("Tasks Database Backend")

    class TranslatedLabels(admin.ModelAdmin):
        @admin.display(description=_("Task name"))
        def task_name(self, result):
            return result.task_name

        @admin.display(description=_("traceback"))
        def formatted_traceback(self, result):
            return super().formatted_traceback(result)

        @admin.display(description=_("run after"))
        def display_run_after(self, result):
            return super().display_run_after(result)

    if DBTaskResult in site._registry:
        extend_admin(site, DBTaskResult, TranslatedLabels)
