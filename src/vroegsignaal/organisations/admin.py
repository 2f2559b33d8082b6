"""The beheerder's admin: municipalities, creditors, covenants, wijkteams and users.

The same data ``load_config`` and ``create_user`` write. A user made here gets a
one-time password, shown once, and must choose their own after enrolling TOTP;
superuser status and per-user permissions are not offered (a role decides,
:mod:`.backends`). Users are deactivated, not deleted: the audit log names them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db import models
from django.forms.fields import InvalidJSONInput
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from vroegsignaal.portal.adminbase import THIRD_PARTY_APPS, refuse_crafted_ticks
from vroegsignaal.portal.forms import NameLengthChecked

from .models import Covenant, Creditor, Municipality, Role, Team, User
from .services import generate_one_time_password


class AdminLoginForm(NameLengthChecked, AdminAuthenticationForm):
    """The admin's own log-in (a signed-in user of the portal may reach it): the name's length checked."""


admin.site.login_form = AdminLoginForm
admin.site.site_header = _("Vroegsignaal — beheer")
admin.site.site_title = _("Vroegsignaal — beheer")
admin.site.index_title = _("Beheer van het platform")


class NoDeleteAdmin(admin.ModelAdmin):
    """Organisations are referred to by deliveries, signals and the audit log: never deleted."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Municipality)
class MunicipalityAdmin(NoDeleteAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["name"]

    def save_model(self, request, obj, form, change):
        """A new municipality gets the default rules and trays, as ``load_config`` gives it."""
        from vroegsignaal.signals import services as signal_services
        from vroegsignaal.signals.rules import validate_rule_values

        super().save_model(request, obj, form, change)
        if not change:
            signal_services.set_rules(obj, validate_rule_values(None), actor=request.user)


@admin.register(Creditor)
class CreditorAdmin(NoDeleteAdmin):
    list_display = ["code", "name", "type", "contact_email"]
    list_filter = ["type"]
    search_fields = ["code", "name"]
    ordering = ["name"]


class CovenantForm(forms.ModelForm):
    """A period that ends before it starts, or overlaps another of the same pair, is refused here
    as ``load_config`` refuses it (two covenants of one pair at once make routing ambiguous)."""

    class Meta:
        model = Covenant
        fields = [
            "creditor",
            "municipality",
            "valid_from",
            "valid_until",
            "collection_pause_days",
            "bsn_allowed",
        ]

    def clean(self):
        cleaned = super().clean()
        creditor, municipality = cleaned.get("creditor"), cleaned.get("municipality")
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error(
                "valid_until", _("De einddatum ligt vóór de begindatum van het convenant.")
            )
            return cleaned
        if not (creditor and municipality and valid_from):
            return cleaned
        others = Covenant.objects.filter(creditor=creditor, municipality=municipality)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        for other in others.order_by("valid_from"):
            starts_before_other_ends = other.valid_until is None or valid_from <= other.valid_until
            ends_after_other_starts = valid_until is None or other.valid_from <= valid_until
            if starts_before_other_ends and ends_after_other_starts:
                until = (
                    _("tot en met %(date)s") % {"date": date_format(other.valid_until, "j F Y")}
                    if other.valid_until
                    else _("zonder einddatum")
                )
                raise forms.ValidationError(
                    _(
                        "Deze schuldeiser heeft al een convenant met deze gemeente in die periode "
                        "(vanaf %(from)s, %(until)s). Geef het andere convenant eerst "
                        "een einddatum vóór de nieuwe begindatum."
                    )
                    % {"from": date_format(other.valid_from, "j F Y"), "until": until}
                )
        return cleaned


@admin.register(Covenant)
class CovenantAdmin(NoDeleteAdmin):
    form = CovenantForm
    list_display = [
        "creditor",
        "municipality",
        "valid_from",
        "valid_until",
        "collection_pause_days",
        "bsn_allowed",
    ]
    list_filter = ["municipality", "creditor__type", "bsn_allowed"]
    search_fields = ["creditor__code", "creditor__name", "municipality__code", "municipality__name"]
    list_select_related = ["creditor", "municipality"]
    ordering = ["municipality__name", "creditor__name"]


class CodesField(forms.JSONField):
    """Django's JSON field, with a number longer than ``int()`` reads (``json.loads`` raises a
    plain ``ValueError`` for it, not the ``JSONDecodeError`` Django catches) refused as any
    other text that is no JSON, instead of a 500."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            )

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except ValueError:
            return InvalidJSONInput(data)


@admin.register(Team)
class TeamAdmin(NoDeleteAdmin):
    formfield_overrides = {models.JSONField: {"form_class": CodesField}}
    list_display = ["code", "name", "municipality", "phone", "email"]
    list_filter = ["municipality"]
    search_fields = ["code", "name"]
    list_select_related = ["municipality"]
    ordering = ["municipality__name", "name"]


class TeamChoiceField(forms.ModelChoiceField):
    """Teams of different municipalities may share a name: the choice says whose it is."""

    def label_from_instance(self, team: Team) -> str:
        return f"{team.name} — {team.municipality}"


class UserOrganisationChecks:
    """What ``User.clean`` leaves to the form: the choices the beheerder made that contradict each other.

    A hulpverlener's municipality is their team's: a different one chosen beside the team is
    refused (it was silently replaced by the team's). A beheerder belongs to no organisation,
    as ``create_user`` says. A user name that differs from another only in capitals is refused
    (one person, two accounts), as Django's own user creation form does.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "team" in self.fields:  # the label names the municipality: one query, not one per team
            self.fields["team"].queryset = self.fields["team"].queryset.select_related(
                "municipality"
            )

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username and "username" in self.changed_data:  # an existing pair can still be edited
            others = User.objects.filter(username__iexact=username)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            other = others.first()
            if other is not None:
                raise forms.ValidationError(
                    _("Er is al een gebruiker %(username)s; kies een andere gebruikersnaam.")
                    % {"username": other.username},
                    code="unique",
                )
        return username

    def clean(self):
        cleaned = super().clean()
        role, team = cleaned.get("role"), cleaned.get("team")
        municipality = cleaned.get("municipality")
        if (
            role == Role.HULPVERLENER
            and team
            and municipality
            and municipality != team.municipality
        ):
            self.add_error(
                "municipality",
                _(
                    "Wijkteam %(team)s hoort bij %(team_municipality)s, niet bij %(municipality)s. "
                    "Kies die gemeente of laat de gemeente leeg."
                )
                % {
                    "team": team.name,
                    "team_municipality": team.municipality,
                    "municipality": municipality,
                },
            )
        if role == Role.BEHEERDER and municipality:
            self.add_error(
                "municipality",
                _("Een beheerder hoort niet bij een gemeente, wijkteam of schuldeiser."),
            )
        return cleaned


class UserAddForm(UserOrganisationChecks, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "municipality",
            "team",
            "creditor",
        ]
        field_classes = {"team": TeamChoiceField}


class UserChangeForm(UserOrganisationChecks, DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User
        field_classes = {**DjangoUserChangeForm.Meta.field_classes, "team": TeamChoiceField}


class PasswordResetForm(AdminPasswordChangeForm):
    """A password the beheerder sets is a temporary one: the user chooses their own next."""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    form = UserChangeForm
    change_password_form = PasswordResetForm
    add_fieldsets = [
        (None, {"fields": ["username", "email", "first_name", "last_name"]}),
        (_("Rol en organisatie"), {"fields": ["role", "municipality", "team", "creditor"]}),
    ]
    fieldsets = [
        (None, {"fields": ["username", "email", "first_name", "last_name"]}),
        (_("Rol en organisatie"), {"fields": ["role", "municipality", "team", "creditor"]}),
        (
            _("Toegang"),
            # "password": Django's masked summary with the button to the password form.
            {
                "fields": [
                    "password",
                    "is_active",
                    "must_change_password",
                    "last_login",
                    "date_joined",
                ]
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["username", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active", "municipality"]
    search_fields = ["username", "email", "first_name", "last_name"]
    list_select_related = ["municipality", "team", "creditor"]
    ordering = ["username"]
    filter_horizontal = []

    @admin.display(description=_("organisatie"))
    def organisation(self, user: User):
        return user.organisation or "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        one_time = generate_one_time_password()
        obj.set_password(one_time)
        obj.must_change_password = True
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            _(
                "Het eenmalige wachtwoord van %(username)s is: %(password)s — geef het veilig door; "
                "het wordt niet opnieuw getoond. Bij de eerste keer inloggen stelt de gebruiker "
                "tweestapsverificatie in en kiest een eigen wachtwoord."
            )
            % {"username": obj.username, "password": one_time},
        )


# This module is read after django-otp's and django-axes's admins (INSTALLED_APPS order).
refuse_crafted_ticks(admin.site, THIRD_PARTY_APPS)


def hide_typed_form_data(site: admin.AdminSite) -> None:
    """axes's page of a failed log-in shows the form as posted: what people typed in the password
    field (often nearly their password, or the one of another system). The lock-out counter needs
    none of it; the beheerder sees the user name, the time, the count and the address."""
    from axes.models import AccessAttempt

    original = type(site._registry[AccessAttempt])

    class AccessAttemptAdmin(original):
        def get_fieldsets(self, request, obj=None):
            return [
                (name, options)
                for name, options in super().get_fieldsets(request, obj)
                if not {"get_data", "post_data"} & set(options["fields"])
            ]

    site.unregister(AccessAttempt)
    site.register(AccessAttempt, AccessAttemptAdmin)


hide_typed_form_data(admin.site)


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
        original = type(site._registry[model])

        class Audited(original):
            def delete_model(self, request, obj, _event=event):
                super().delete_model(request, obj)
                _event(request, obj)

            def delete_queryset(self, request, queryset, _event=event):
                removed = list(queryset)
                super().delete_queryset(request, queryset)
                for obj in removed:
                    _event(request, obj)

        Audited.__name__ = original.__name__
        site.unregister(model)
        site.register(model, Audited)


audit_log_in_repairs(admin.site)
