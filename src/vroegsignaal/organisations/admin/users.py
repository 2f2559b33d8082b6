"""The admin of the users: role and organisation, a one-time password, second factor and lock-out."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import admin, messages
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

from ..models import Role, Team, User
from ..services import add_user, change_user


class TeamChoiceField(forms.ModelChoiceField):
    """Teams of different municipalities may share a name: the choice says whose it is."""

    def label_from_instance(self, team: Team) -> str:
        return f"{team.name} — {team.municipality}"


class UserOrganisationChecks:
    """What ``User.clean`` leaves to the form: the choices the beheerder made that contradict each other.

    A hulpverlener's municipality is their team's: a different one chosen beside the team is
    refused (it was silently replaced by the team's). A beheerder belongs to no organisation,
    as ``create_user`` says (a team or creditor beside it is ``User.clean``'s, which names every
    field of the role to choose or clear at once). A user name that differs from another only in
    capitals is refused (one person, two accounts), as Django's own user creation form does.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "username" in self.fields:  # Django's Dutch says "de tekens @/,/+/-/_": a comma for "."
            self.fields["username"].help_text = _(
                "Ten hoogste 150 tekens. Alleen letters, cijfers en de tekens @ . + - _ zijn "
                "toegestaan."
            )
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
                    "Het wijkteam ‘%(team)s’ hoort bij %(team_municipality)s, niet bij %(municipality)s. "
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
                _("Een beheerder hoort niet bij een gemeente: maak het veld Gemeente leeg."),
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
        """Saved through ``organisations.services``, so that a change of the user's rights is in
        the audit log: a new user (``add_user``: a one-time password, shown once) and a new role,
        organisation, active status (``change_user``; the way into the admin with the role)."""
        if change:
            change_user(obj, by=request.user, request=request)
            return
        one_time = add_user(obj, by=request.user, request=request)
        messages.warning(
            request,
            _(
                "Het eenmalige wachtwoord van %(username)s is: %(password)s — geef het veilig door; "
                "het wordt niet opnieuw getoond. Bij de eerste keer inloggen stelt de gebruiker "
                "tweestapsverificatie in en kiest een eigen wachtwoord."
            )
            % {"username": obj.username, "password": one_time},
        )
