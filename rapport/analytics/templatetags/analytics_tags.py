"""Formatting for analytics pages: money, percentages and KPI values without NaN or None on screen."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.conf import settings

register = template.Library()


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    number = _finite(value)
    if number is None:
        return "–"
    return f"{number:,.2f} {currency or settings.RAPPORT_BASE_CURRENCY}"


@register.filter
def pct(value: Any, digits: int = 0) -> str:
    number = _finite(value)
    return "–" if number is None else f"{number * 100:.{int(digits)}f} %"


@register.filter
def num(value: Any, digits: int = 0) -> str:
    number = _finite(value)
    return "–" if number is None else f"{number:,.{int(digits)}f}"


@register.filter
def kpi_value(row: dict[str, Any], field: str = "value") -> str:
    """A KPI value in its unit (count, percent, money, days)."""
    value = row.get(field)
    unit = row.get("unit")
    if unit == "percent":
        return pct(value, 1)
    if unit == "money":
        return money(value)
    if unit == "days":
        number = _finite(value)
        return "–" if number is None else f"{number:,.1f} days"
    return num(value)


@register.filter
def change(row: dict[str, Any]) -> str:
    number = _finite(row.get("change"))
    if number is None:
        return ""
    arrow = "▲" if number > 0 else ("▼" if number < 0 else "■")
    return f"{arrow} {abs(number) * 100:.0f} %"


@register.filter
def change_class(row: dict[str, Any]) -> str:
    number = _finite(row.get("change"))
    if not number:
        return "flat"
    good = (number > 0) == bool(row.get("higher_is_better"))
    return "good" if good else "bad"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def heat(value: Any) -> str:
    """A background for a retention cell: stronger blue for higher shares."""
    number = _finite(value) or 0.0
    return f"background: rgba(37, 99, 235, {0.06 + 0.8 * max(0.0, min(1.0, number)):.2f}); color: " + (
        "#fff" if number > 0.5 else "inherit")


@register.simple_tag
def contact_analytics(contact: Any) -> dict[str, Any]:
    """The contact's latest RFM score, ABC class and CLV score, for the contact page partial."""
    from rapport.analytics.selectors import contact_analytics as load

    return load(contact)
