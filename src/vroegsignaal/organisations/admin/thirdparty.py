"""django-axes's and django-otp's admins as the beheerder uses them: a ticked value that is no id
refused, "het" for their devices, no typed form data, a lock-out named in words, and a removed
second factor or lifted lock-out in the audit log. And django-tasks-db's admin (a superuser's) in
the admin's language (``conf.thirdparty.translate_tasks_admin``).

Read after those apps registered their admins (``INSTALLED_APPS`` order), and after our own.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from vroegsignaal.conf.thirdparty import translate_tasks_admin
from vroegsignaal.portal.adminbase import (
    THIRD_PARTY_APPS,
    extend_admin,
    refuse_crafted_ticks,
    use_article,
)

from ..models import User


def hide_typed_form_data(site: admin.AdminSite) -> None:
    """axes's page of a failed log-in shows the form as posted: what people typed in the password
    field (often nearly their password, or the one of another system). The lock-out counter needs
    none of it; the beheerder sees the user name, the time, the count and the address."""
    from axes.models import AccessAttempt

    class WithoutFormData(admin.ModelAdmin):
        def get_fieldsets(self, request, obj=None):
            return [
                (name, options)
                for name, options in super().get_fieldsets(request, obj)
                if not {"get_data", "post_data"} & set(options["fields"])
            ]

    extend_admin(site, AccessAttempt, WithoutFormData)


def access_attempt_title(attempt) -> str:
    """axes names a row "Attempted Access: 2026-11-29 09:12:03.123456+00:00" in code, out of any
    catalog's reach; the admin's title, breadcrumbs, delete messages and history show it."""
    return _("Toegangspoging van %(username)s, %(time)s") % {
        "username": attempt.username,
        "time": date_format(timezone.localtime(attempt.attempt_time), "j F Y H:i"),
    }


def name_attempts_in_words() -> None:
    """The lock-out's page is titled in the admin's language, with the user name the page shows."""
    from axes.models import AccessAttempt

    AccessAttempt.__str__ = access_attempt_title


def audit_log_in_repairs(site: admin.AdminSite) -> None:
    """Removing a second factor or lifting a lock-out in the admin is recorded in the audit log,
    as ``changepassword --tweede-factor`` is ("inloggen hersteld"): it decides who can log in
    again and how, and the user's municipality's privacy officer should see it. Before, only the
    admin's own history had it. Recorded after the deletion, in its transaction."""
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vroegsignaal.privacy.services import AuditAction, record

    def second_factor(kind: str):
        def event(request, device) -> None:
            record(
                request.user,
                AuditAction.DELETE,
                device.user,
                purpose="tweede factor verwijderd",
                request=request,
                details={"tweede_factor": kind},
            )

        return event

    def lock_lifted(request, attempt) -> None:
        user = User.objects.filter(username=attempt.username).first()
        record(
            request.user,
            AuditAction.UPDATE,
            user,
            purpose="blokkade opgeheven",
            request=request,
            details={"pogingen": attempt.failures_since_start},
        )

    for model, event in (
        (TOTPDevice, second_factor("authenticator-app")),
        (StaticDevice, second_factor("reservecodes")),
        (AccessAttempt, lock_lifted),
    ):

        class Audited(admin.ModelAdmin):
            def delete_model(self, request, obj, _event=event):
                super().delete_model(request, obj)
                _event(request, obj)

            def delete_queryset(self, request, queryset, _event=event):
                removed = list(queryset)
                super().delete_queryset(request, queryset)
                for obj in removed:
                    _event(request, obj)

        extend_admin(site, model, Audited)


# The apps' admins are registered by now (INSTALLED_APPS order), and ours (this module is the
# package's last).
refuse_crafted_ticks(admin.site, THIRD_PARTY_APPS)
# "Het TOTP-apparaat … is verwijderd", as "het wijkteam" (``ArticleAdmin``).
use_article(admin.site, ("otp_totp.totpdevice", "otp_static.staticdevice"), "het")
hide_typed_form_data(admin.site)
name_attempts_in_words()
audit_log_in_repairs(admin.site)
translate_tasks_admin(admin.site)
