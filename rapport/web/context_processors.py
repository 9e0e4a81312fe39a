"""Values every page template needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def rapport(request: HttpRequest) -> dict[str, Any]:
    return {"base_currency": settings.RAPPORT_BASE_CURRENCY}
