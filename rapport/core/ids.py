"""Turning ids from URLs and API payloads into integers; anything else is a 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404


def pk_or_404(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404("Not found")
    if not 0 < number < 2**63:
        raise Http404("Not found")
    return number
