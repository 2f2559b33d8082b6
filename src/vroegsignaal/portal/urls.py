from django.urls import path
from two_factor.views import (
    BackupTokensView,
    ProfileView,
    QRGeneratorView,
    SetupCompleteView,
)

from . import auth_views, session, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # session.STATUS_PATH: how long the session has left (GET), keep it (POST)
    path("account/sessie/", session.status, name="session"),
    path("mfa/wachtwoord/", auth_views.PasswordChangeView.as_view(), name="password_change"),
]

# django-two-factor-auth's pages, without "disable": two-factor is mandatory.
two_factor_patterns = (
    [
        path("account/login/", auth_views.LoginView.as_view(), name="login"),
        path("account/two_factor/setup/", auth_views.SetupView.as_view(), name="setup"),
        path("account/two_factor/qrcode/", QRGeneratorView.as_view(), name="qr"),
        path(
            "account/two_factor/setup/complete/", SetupCompleteView.as_view(), name="setup_complete"
        ),
        path("mfa/backup/tokens/", BackupTokensView.as_view(), name="backup_tokens"),
        path("mfa/", ProfileView.as_view(), name="profile"),
    ],
    "two_factor",
)
