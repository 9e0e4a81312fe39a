"""URL map: pages per app, the REST API under /api/v1/."""

from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("rapport.web.urls")),
]
