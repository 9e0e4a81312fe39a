"""Mount each app's API router; an app without an api.py yet is skipped."""

from __future__ import annotations

import importlib

from ninja import NinjaAPI

ROUTERS = [
    ("accounts", "rapport.accounts.api"),
    ("custom-fields", "rapport.customization.api"),
    ("validation-rules", "rapport.customization.api:rules_router"),
    ("", "rapport.contacts.api"),
    ("", "rapport.contacts.api_duplicates"),
    ("", "rapport.sales.api"),
    ("activities", "rapport.activities.api"),
    ("search", "rapport.search.api"),
    ("analytics", "rapport.analytics.api"),
    ("imports", "rapport.imports.api"),
    ("exports", "rapport.imports.api_export"),
]


def mount_routers(api: NinjaAPI) -> None:
    for prefix, target in ROUTERS:
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        api.add_router(prefix, getattr(module, attribute or "router"))
