"""Failed log-ins in the audit log, whichever page asked Django to authenticate.

django-axes counts failures in its own table (``AccessAttempt``), which the
beheerder empties to unlock an account; the privacy officer's trace is the
audit event written here, one per failed ``authenticate``:

* an existing user: the event is that user's (name, organisation and
  municipality, so the officer of the user's municipality sees it), with
  the purpose ``wachtwoord onjuist``, ``account geblokkeerd`` (axes refused
  or just locked the account) or ``account gedeactiveerd``;
* an unknown user name: ``onbekende gebruikersnaam``, without the typed text
  (people type their password into the name field) and without a
  municipality, so only a platform-wide officer sees it.

Connected in :meth:`.apps.PrivacyConfig.ready`, after axes's own receiver
(``axes`` comes first in ``INSTALLED_APPS``), so the lock-out flag axes sets
on the request is known here. Only ``django.contrib.auth.authenticate`` is
listened to: the portal's log-in view sends the signal itself for a wrong
TOTP code (so that axes counts it) and records its own event for that.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from .audit import record
from .models import AuditAction

AUTHENTICATE_SENDER = "django.contrib.auth"  # the ``sender`` of authenticate()'s signal

WRONG_PASSWORD = "wachtwoord onjuist"
LOCKED_OUT = "account geblokkeerd"
DEACTIVATED = "account gedeactiveerd"
UNKNOWN_USERNAME = "onbekende gebruikersnaam"


def record_login_failed(
    sender: Any, credentials: dict | None = None, request=None, **kwargs: Any
) -> None:
    """Receiver of ``user_login_failed``: one ``login_failed`` audit event per failed authenticate."""
    if sender != AUTHENTICATE_SENDER:
        return
    user_model = get_user_model()
    typed = (credentials or {}).get(user_model.USERNAME_FIELD)
    user = None
    if isinstance(typed, str) and typed:
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: typed}).first()
    if user is None:
        record("", AuditAction.LOGIN_FAILED, purpose=UNKNOWN_USERNAME, request=request)
        return
    if getattr(request, "axes_locked_out", False):
        purpose = LOCKED_OUT
    elif not user.is_active:
        purpose = DEACTIVATED
    else:
        purpose = WRONG_PASSWORD
    record(user, AuditAction.LOGIN_FAILED, purpose=purpose, request=request)
