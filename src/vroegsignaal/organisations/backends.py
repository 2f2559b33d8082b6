"""What a role may do in the admin, by role rather than by per-user permission rows.

The beheerder runs the platform in the admin (ARCHITECTURE: municipalities,
creditors, covenants, users, API keys) and sees no personal data: not the audit
log, not households or persons (they are not in the admin at all). Granting by
role keeps that true for every beheerder, however the account was made
(``create_user``, the admin, the demo), without permission rows to forget.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from .models import Role

_CONFIGURATION = ("municipality", "creditor", "covenant", "team")

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.BEHEERDER: frozenset(
        [
            f"organisations.{action}_{model}"
            for model in _CONFIGURATION
            for action in ("view", "add", "change")
        ]
        + ["organisations.view_user", "organisations.add_user", "organisations.change_user"]
        + [
            "intake.view_apikey",
            "intake.add_apikey",
            "intake.change_apikey",
            "intake.view_delivery",
        ]
        + ["registry.view_address", "registry.view_neighbourhood"]
        + [
            "privacy.view_retentionpolicy",
            "privacy.add_retentionpolicy",
            "privacy.change_retentionpolicy",
        ]
        + ["privacy.view_retentionrun"]
        # A lost phone: remove the user's second factor so that they enrol again.
        + ["otp_totp.view_totpdevice", "otp_totp.delete_totpdevice"]
        + ["otp_static.view_staticdevice", "otp_static.delete_staticdevice"]
        # A locked-out user: remove the failed attempts (axes unlocks only by deleting them).
        # The trace stays: every failed log-in is also an audit event (privacy/receivers.py).
        + ["axes.view_accessattempt", "axes.delete_accessattempt"]
    ),
}


class RoleBackend(BaseBackend):
    """Grants an active staff user the permissions of their role (no authentication)."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or not user_obj.is_staff or obj is not None:
            return set()
        return set(ROLE_PERMISSIONS.get(getattr(user_obj, "role", ""), ()))

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
