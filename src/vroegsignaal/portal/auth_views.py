"""Log-in with password and TOTP, with lock-out after repeated TOTP failures too.

django-axes counts failed passwords by itself (through ``authenticate``); a
wrong TOTP code is not an authentication failure to Django, so this view tells
axes about it. After ``AXES_FAILURE_LIMIT`` failures of either kind the account
is locked.

Audit: a failed ``authenticate`` (wrong password, unknown name, locked account)
is recorded by :mod:`vroegsignaal.privacy.receivers`; a wrong code is recorded
here, and that receiver ignores the signal this view sends for it, so each
attempt is one event.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse
from django.utils.translation import gettext as _
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.views import LoginView as TwoFactorLoginView
from two_factor.views import SetupView as TwoFactorSetupView

from vroegsignaal.privacy import services as privacy

from .forms import BACKUP_OTP_MESSAGES, OTP_MESSAGES, LoginForm


def _in_portal_words(form, step: str):
    """The package labels its code fields "Token"; the portal says what the user types in.

    Its errors, too: django-otp's messages have no Dutch. Set on the form itself, because
    two_factor chooses the code form's class per device.
    """
    for name in ("otp_token", "token"):
        if name in form.fields:
            form.fields[name].label = _("Reservecode") if step == "backup" else _("Verificatiecode")
    if hasattr(form, "otp_error_messages"):
        form.otp_error_messages = BACKUP_OTP_MESSAGES if step == "backup" else OTP_MESSAGES
    if "invalid_token" in getattr(form, "error_messages", {}):  # the set-up's code form
        form.error_messages = {
            **form.error_messages,
            "invalid_token": OTP_MESSAGES["invalid_token"],
        }
    return form


class LoginView(TwoFactorLoginView):
    second_factor_steps = (TwoFactorLoginView.TOKEN_STEP, TwoFactorLoginView.BACKUP_STEP)
    form_list = (
        (
            TwoFactorLoginView.AUTH_STEP,
            LoginForm,
        ),  # the name's length checked (portal.forms.NameLengthChecked)
        (TwoFactorLoginView.TOKEN_STEP, AuthenticationTokenForm),
        (TwoFactorLoginView.BACKUP_STEP, BackupTokenForm),
    )

    def get_form(self, step=None, **kwargs):
        return _in_portal_words(super().get_form(step, **kwargs), step or self.steps.current)

    def _credentials(self) -> dict | None:
        user = self.get_user()
        return {"username": user.get_username()} if user else None

    def _locked_out(self, credentials: dict | None):
        if credentials and AxesProxyHandler.is_locked(self.request, credentials):
            self.storage.reset()
            return get_lockout_response(self.request, None, credentials)
        return None

    def post(self, *args, **kwargs):
        step = self.steps.current
        credentials = self._credentials() if step in self.second_factor_steps else None
        locked = self._locked_out(credentials)
        if locked:
            return locked
        response = super().post(*args, **kwargs)
        token_posted = any(key.endswith("otp_token") for key in self.request.POST)
        failed = (
            credentials is not None
            and token_posted
            and self.steps.current == step
            and not self.request.user.is_authenticated
        )
        if failed:
            # For axes's count; the audit receiver listens to authenticate() only, the event is below.
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            privacy.record(
                self.get_user(),
                privacy.AuditAction.LOGIN_FAILED,
                purpose="tweede factor onjuist",
                request=self.request,
            )
            return self._locked_out(credentials) or response
        if self.request.user.is_authenticated and step in self.second_factor_steps:
            privacy.record(
                self.request.user,
                privacy.AuditAction.LOGIN,
                purpose="inloggen",
                request=self.request,
            )
        return response


class SetupView(TwoFactorSetupView):
    """The set-up wizard, with the code field labelled in Dutch."""

    def get_form(self, step=None, **kwargs):
        return _in_portal_words(super().get_form(step, **kwargs), step or self.steps.current)


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, as Django requires)."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password; required once after an account is created with a one-time password."""

    template_name = "portal/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.user.must_change_password = False
        self.request.user.save(update_fields=["must_change_password"])
        messages.success(self.request, _("Uw wachtwoord is gewijzigd."))
        return response

    def get_success_url(self):
        return reverse("portal:home")
