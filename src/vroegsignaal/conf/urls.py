from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from vroegsignaal.feedback.urls import api_urlpatterns as feedback_api_patterns
from vroegsignaal.intake.urls import api_urlpatterns as intake_api_patterns
from vroegsignaal.portal import views as portal_views
from vroegsignaal.portal.urls import two_factor_patterns

urlpatterns = [
    path("", include("vroegsignaal.portal.urls")),
    path("", include(two_factor_patterns)),
    path("health/", portal_views.health, name="health"),
    path("i18n/taal/", set_language, name="set_language"),
    # Browsers ask for it on their own; it must never land on (and reset) the log-in wizard.
    path("favicon.ico", RedirectView.as_view(url=static("portal/favicon.svg")), name="favicon"),
    path("beheer/", admin.site.urls),
    path("leveringen/", include("vroegsignaal.intake.urls")),
    path(
        "signalen/regels/", include("vroegsignaal.signals.urls")
    ),  # the rules page; the rest of /signalen/ is reporting
    path("signalen/", include("vroegsignaal.reporting.urls")),
    path("zaken/", include("vroegsignaal.cases.urls")),
    path("terugkoppeling/", include("vroegsignaal.feedback.urls")),
    path("privacy/", include("vroegsignaal.privacy.urls")),
    path("api/v1/", include((intake_api_patterns, "intake_api"))),
    path("api/v1/", include((feedback_api_patterns, "feedback_api"))),
    path(
        "api/v1/schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="api-schema",
    ),
]

# JSON in the API's error shape under /api/, the portal's pages elsewhere (intake/errors.py). Under
# /api/, handler404 also answers a path of the API written without its final "/" with its view
# (no APPEND_SLASH redirect, which a client follows with a GET).
handler400 = "vroegsignaal.intake.errors.bad_request"
handler403 = "vroegsignaal.intake.errors.permission_denied"
handler404 = "vroegsignaal.intake.errors.page_not_found"
handler500 = "vroegsignaal.intake.errors.server_error"
