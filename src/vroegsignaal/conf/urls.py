from django.contrib import admin
from django.urls import include, path

from vroegsignaal.portal import views as portal_views
from vroegsignaal.portal.urls import two_factor_patterns

urlpatterns = [
    path("", include("vroegsignaal.portal.urls")),
    path("", include(two_factor_patterns)),
    path("health/", portal_views.health, name="health"),
    path("beheer/", admin.site.urls),
]
