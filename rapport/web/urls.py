"""Page URLs of every app, mounted at the site root."""

import importlib

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

for module_name in (
    "rapport.web.pages",
    "rapport.contacts.urls",
    "rapport.contacts.urls_duplicates",
    "rapport.sales.urls",
    "rapport.activities.urls",
    "rapport.search.urls",
    "rapport.customization.urls",
    "rapport.accounts.urls",
    "rapport.analytics.urls",
    "rapport.imports.urls",
    "rapport.imports.urls_export",
):
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            continue
        raise
    urlpatterns.append(path("", include(module_name)))
