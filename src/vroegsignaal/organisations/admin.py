"""The beheerder's admin: municipalities, creditors, covenants, wijkteams and users.

The same data ``load_config`` and ``create_user`` write. A user made here gets a
one-time password, shown once, and must choose their own after enrolling TOTP;
superuser status and per-user permissions are not offered (a role decides,
:mod:`.backends`). Users are deactivated, not deleted: the audit log names them.
"""

from __future__ import annotations

import json
import re

from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vroegsignaal.portal.adminbase import (
    THIRD_PARTY_APPS,
    ArticleAdmin,
    extend_admin,
    refuse_crafted_ticks,
    use_article,
)
from vroegsignaal.portal.forms import NameLengthChecked

from .models import (
    Covenant,
    Creditor,
    Municipality,
    Role,
    Team,
    User,
    foreign_neighbourhood_codes,
)
from .services import generate_one_time_password


class AdminLoginForm(NameLengthChecked, AdminAuthenticationForm):
    """The admin's own log-in (a signed-in user of the portal may reach it): the name's length checked."""


admin.site.login_form = AdminLoginForm
admin.site.site_header = _("Vroegsignaal — beheer")
admin.site.site_title = _("Vroegsignaal — beheer")
admin.site.index_title = _("Beheer van het platform")


class NoDeleteAdmin(ArticleAdmin):
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
            if other.overlaps(valid_from, valid_until):
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
    article = "het"
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


CBS_CODE = re.compile(r"^(WK|BU)\d{4,14}$")


class NeighbourhoodCodesField(forms.Field):
    """A team's wijken and buurten as CBS codes, one a line or separated by commas or spaces
    (stored as the JSON list it was). Lower case is read as upper case, a code given twice once."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 40, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(code) for code in value)
        return value

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return list(value)
        text = (value or "").strip()
        if text.startswith("["):  # the JSON list this field asked for before
            try:
                value = json.loads(text)
            except ValueError:  # JSONDecodeError, and a number longer than int() reads
                raise forms.ValidationError(
                    _("Geef de codes één per regel of gescheiden door komma's."), code="invalid"
                )
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise forms.ValidationError(
                    _("Geef de codes één per regel of gescheiden door komma's."), code="invalid"
                )
            text = "\n".join(value)
        codes = []
        for code in re.split(r"[\s,;]+", text):
            code = code.strip().upper()
            if code and code not in codes:
                codes.append(code)
        return codes

    def validate(self, value):
        """A text that is no wijk or buurt code is refused without repeating it (it may be
        anything typed in the wrong field: a BSN, a name)."""
        super().validate(value)
        if any(not CBS_CODE.match(code) for code in value):
            raise forms.ValidationError(
                _(
                    "Een code is een wijkcode (WK) of buurtcode (BU) met cijfers, "
                    "zoals WK036301 of BU03630101."
                ),
                code="invalid",
            )

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


class TeamForm(forms.ModelForm):
    """The codes are checked against the register: a wijk or buurt of another municipality is
    refused by the model (``Team.clean``), one the register does not know here, by name. A code
    the team already had stays allowed, and before the municipality's register is imported only
    the codes' form is checked (configuration may precede the register)."""

    neighbourhood_codes = NeighbourhoodCodesField(
        label=_("wijken en buurten"),
        required=False,
        help_text=_(
            "De CBS-codes van de wijken (WK…) en buurten (BU…) van het team, één per regel of "
            "gescheiden door komma's, zoals WK036301. Leeg: het team heeft geen eigen gebied."
        ),
    )

    class Meta:
        model = Team
        fields = [
            "municipality",
            "code",
            "name",
            "neighbourhood_codes",
            "phone",
            "email",
            "visiting_address",
        ]

    def clean(self):
        from vroegsignaal.registry.models import Neighbourhood

        cleaned = super().clean()
        codes, municipality = cleaned.get("neighbourhood_codes"), cleaned.get("municipality")
        if not codes or municipality is None:
            return cleaned
        register = Neighbourhood.objects.filter(municipality=municipality)
        if not register.exists():  # not imported yet: the model checks the codes' form only
            return cleaned
        known = set(register.filter(code__in=codes).values_list("code", flat=True))
        kept = set(self.instance.neighbourhood_codes or []) if self.instance.pk else set()
        # A code of another municipality is the model's error (Team.clean): named once, there.
        foreign = set(foreign_neighbourhood_codes(codes, municipality.code))
        unknown = [c for c in codes if c not in known | kept | foreign]
        if unknown:
            self.add_error(
                "neighbourhood_codes",
                ngettext(
                    "%(codes)s staat niet in het register van %(municipality)s.",
                    "%(codes)s staan niet in het register van %(municipality)s.",
                    len(unknown),
                )
                % {"codes": ", ".join(unknown), "municipality": municipality.name},
            )
        return cleaned


@admin.register(Team)
class TeamAdmin(NoDeleteAdmin):
    article = "het"
    form = TeamForm
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


def lock_outs(attempts):
    """The attempts that lock their user out now, as axes decides: the failure limit reached
    within the cool-off period (an older row no longer counts)."""
    return attempts.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - get_cool_off(),
    )


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
                    "second_factor",
                    "lock_out",
                    "last_login",
                    "date_joined",
                ]
            },
        ),
    ]
    readonly_fields = ["second_factor", "lock_out", "last_login", "date_joined"]
    list_display = [
        "username",
        "role",
        "organisation",
        "is_active",
        "has_second_factor",
        "is_locked_out",
        "last_login",
    ]
    list_filter = ["role", "is_active", "municipality"]
    search_fields = ["username", "email", "first_name", "last_name"]
    list_select_related = ["municipality", "team", "creditor"]
    ordering = ["username"]
    filter_horizontal = []

    @admin.display(description=_("organisatie"))
    def organisation(self, user: User):
        return user.organisation or "—"

    def get_queryset(self, request):
        """The list's columns of second factor and lock-out: two subqueries, not two per row."""
        from axes.models import AccessAttempt
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return (
            super()
            .get_queryset(request)
            .annotate(
                _has_totp=models.Exists(
                    TOTPDevice.objects.filter(user=models.OuterRef("pk"), confirmed=True)
                ),
                _locked_out=models.Exists(
                    lock_outs(AccessAttempt.objects.filter(username=models.OuterRef("username")))
                ),
            )
        )

    @admin.display(description=_("tweede factor"), boolean=True, ordering="_has_totp")
    def has_second_factor(self, user: User) -> bool:
        return user._has_totp

    @admin.display(description=_("geblokkeerd"), boolean=True, ordering="_locked_out")
    def is_locked_out(self, user: User) -> bool:
        return user._locked_out

    @admin.display(description=_("tweede factor"))
    def second_factor(self, user: User):
        """What the user logs in with after the password, with the lists where it is removed."""
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if user.pk is None:
            return "—"
        totp = TOTPDevice.objects.filter(user=user)
        reserve = StaticDevice.objects.filter(user=user, token_set__isnull=False)
        parts = []
        if totp.filter(confirmed=True).exists():
            parts.append(_("authenticator-app ingesteld"))
        elif totp.exists():
            parts.append(_("authenticator-app nog niet bevestigd"))
        if reserve.exists():
            parts.append(_("reservecodes aanwezig"))
        if not parts:
            return _(
                "Niet ingesteld: bij de volgende keer inloggen stelt de gebruiker na het "
                "wachtwoord een authenticator-app in."
            )
        links = [
            format_html(
                '<a href="{}?user__id__exact={}">{}</a>',
                reverse("admin:otp_totp_totpdevice_changelist"),
                user.pk,
                _("authenticator-apps"),
            ),
            format_html(
                '<a href="{}?user__id__exact={}">{}</a>',
                reverse("admin:otp_static_staticdevice_changelist"),
                user.pk,
                _("reservecodes"),
            ),
        ]
        return format_html(
            "{}. {} {}",
            capfirst(", ".join(str(part) for part in parts)),
            _("Verwijderen (nieuwe telefoon):"),
            format_html_join(" · ", "{}", ((link,) for link in links)),
        )

    @admin.display(description=_("blokkade"))
    def lock_out(self, user: User):
        """Whether too many failed attempts lock the user out now, with the list that lifts it."""
        from axes.models import AccessAttempt

        if user.pk is None:
            return "—"
        attempt = (
            lock_outs(AccessAttempt.objects.filter(username=user.username))
            .order_by("-attempt_time")
            .first()
        )
        if attempt is None:
            return _("Niet geblokkeerd.")
        return format_html(
            "{} {}",
            _(
                "Geblokkeerd na %(count)s mislukte inlogpogingen; de blokkade vervalt vanzelf "
                "om %(until)s. Direct opheffen:"
            )
            % {
                "count": attempt.failures_since_start,
                "until": date_format(
                    timezone.localtime(attempt.attempt_time + get_cool_off()), "j F Y H:i"
                ),
            },
            format_html(
                '<a href="{}?{}">{}</a>',
                reverse("admin:axes_accessattempt_changelist"),
                urlencode({"username": user.username}),
                _("toegangspogingen"),
            ),
        )

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
# "Het TOTP-apparaat … is verwijderd", as "het wijkteam" above.
use_article(admin.site, ("otp_totp.totpdevice", "otp_static.staticdevice"), "het")


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


hide_typed_form_data(admin.site)


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


name_attempts_in_words()


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


audit_log_in_repairs(admin.site)
