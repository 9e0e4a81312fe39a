"""Values every page template needs: navigation (only to pages that exist), currency."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

NAV = [
    ("my-day", "My day"),
    ("contact-list", "Contacts"),
    ("company-list", "Companies"),
    ("lead-list", "Leads"),
    ("deal-board-default", "Deals"),
    ("order-list", "Orders"),
    ("product-list", "Products"),
    ("analytics-home", "Analytics"),
    ("import-list", "Import"),
]
USER_MENU = [("settings", "Settings"), ("trash", "Trash")]


def _items(pairs: list[tuple[str, str]], path: str) -> list[dict[str, Any]]:
    items = []
    for name, label in pairs:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": path.startswith(url) and url != "/"})
    return items


def rapport(request: HttpRequest) -> dict[str, Any]:
    try:
        search_url = reverse("search")
    except NoReverseMatch:
        search_url = ""
    return {
        "base_currency": settings.RAPPORT_BASE_CURRENCY,
        "nav_items": _items(NAV, request.path),
        "user_menu_items": _items(USER_MENU, request.path),
        "search_url": search_url,
    }
