"""Template helpers shared by every page: phone and money display, timeline changes, query strings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.http import QueryDict

from rapport.core.normalize import phone_display, region_names

register = template.Library()

EVENT_ICONS = {
    "created": "+",
    "updated": "✎",
    "deleted": "×",
    "restored": "↺",
    "stage_changed": "→",
    "lead_converted": "★",
    "lead_attached": "↗",
    "lead_qualified": "✓",
    "lead_disqualified": "×",
    "activity_logged": "●",
    "task_done": "✓",
    "order_placed": "$",
    "merged": "⇄",
    "imported": "↓",
}


@register.filter
def phone(value: str) -> str:
    """Show a stored E.164 number in international format."""
    return phone_display(value) if value else ""


# Countries that write the postal code after the city and region ("Springfield, IL 62704"); elsewhere it
# comes first ("10119 Berlin").
CODE_AFTER_CITY = frozenset({"US", "CA", "AU", "GB", "IE", "NZ", "IN", "BR", "ZA", "SG", "KR", "PH"})


@register.filter
def address_lines(place: Any) -> list[str]:
    """A contact's or company's postal address as lines, as written on an envelope in its country: street,
    then postal code, city and region in the country's order, then the country's name."""
    street, city, region, code, country = (getattr(place, name, "") or "" for name in
                                           ("street", "city", "region", "postal_code", "country"))
    if country in CODE_AFTER_CITY:
        town = ", ".join(p for p in (city, " ".join(p for p in (region, code) if p)) if p)
    else:
        town = ", ".join(p for p in (" ".join(p for p in (code, city) if p), region) if p)
    return [line for line in (street, town, region_names().get(country, country)) if line]


@register.filter
def money_totals(totals: dict[str, Any], empty_currency: str = "") -> str:
    """Amounts per currency joined with +, e.g. "12,000.00 EUR + 3,000.00 USD" (never added across currencies)."""
    if not totals:
        return money(0, empty_currency)
    return " + ".join(money(amount, currency) for currency, amount in totals.items())


@register.filter
def money(value: Any, currency: str = "") -> str:
    """Format an amount with thousands separators, two decimals and its currency."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{amount.quantize(Decimal('0.01')):,.2f}"
    return f"{text} {currency}".strip()


@register.filter
def event_icon(kind: str) -> str:
    return EVENT_ICONS.get(kind, "•")


def _display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return str(value.get("label", value.get("id", value)))
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value) or "—"
    return str(value)


@register.filter
def event_changes(event: Any) -> list[dict[str, str]]:
    """Rows of (field, old, new) for an "updated" event, readable by a person."""
    changes = (event.data or {}).get("changes") if isinstance(event.data, dict) else None
    if not isinstance(changes, dict):
        return []
    rows = []
    for field, pair in changes.items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append({"field": field.replace("_", " ").capitalize(), "old": _display(old), "new": _display(new)})
    return rows


@register.filter
def display_value(value: Any) -> str:
    """Render any stored value (custom field, change) for a person."""
    return _display(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context: Any, key: str) -> str:
    """Query string sorting by `key`, reversing when already sorted by it; resets the page cursor."""
    request = context.get("request")
    current = request.GET.get("sort", "") if request is not None else ""
    target = f"-{key}" if current == key else key
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    params["sort"] = target
    for name in ("after", "before", "page"):
        params.pop(name, None)
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def sort_mark(context: Any, key: str) -> str:
    request = context.get("request")
    current = request.GET.get("sort", "") if request is not None else ""
    if current == key:
        return "▲"
    if current == f"-{key}":
        return "▼"
    return ""


@register.filter
def field_label(name: str) -> str:
    """A field name as a person reads it: first_name → First name."""
    return str(name).replace("_", " ").capitalize()


@register.filter
def url_of(obj: Any) -> str:
    """The record's page address, or "" when that page does not exist (yet)."""
    from django.urls import NoReverseMatch

    try:
        return obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


@register.simple_tag
def url_if_exists(name: str, *args: Any) -> str:
    """reverse(name) or "" when the page does not exist."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""
