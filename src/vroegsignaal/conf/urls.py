from django.contrib import admin
from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls

from vroegsignaal.portal import views as portal_views

urlpatterns = [
    path("", include("vroegsignaal.portal.urls")),
    path("", include(two_factor_urls)),
    path("health/", portal_views.health, name="health"),
    path("beheer/", admin.site.urls),
]
