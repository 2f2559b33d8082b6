"""Steps the browser tests share: logging in with password and TOTP as the factories' users."""

from __future__ import annotations

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "een-lang-wachtwoord-123"  # tests.factories.UserFactory's


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def log_in_with_password(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Volgende").click()


def log_in(page, live_server, user, device: TOTPDevice) -> None:
    """Password, then the current TOTP code: the user lands on the portal."""
    log_in_with_password(page, live_server.url, user.username)
    page.get_by_label("Verificatiecode").fill(code_for(device))
    page.get_by_role("button", name="Volgende").click()
