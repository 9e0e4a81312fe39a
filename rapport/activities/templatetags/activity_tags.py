"""Template helpers of activities: the log-an-activity form shown on every record page, map links."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from django import template
from django.utils import timezone

from rapport.activities.choices import CallOutcome, Priority
from rapport.activities.models import LINK_FIELDS

register = template.Library()


@register.filter
def record_link_field(record: Any) -> str:
    """The activity field ("contact", "company", "lead" or "deal") that points at this record."""
    name = type(record)._meta.model_name if record is not None else ""
    return name if name in LINK_FIELDS else ""


@register.inclusion_tag("activities/partials/log_activity_forms.html", takes_context=True)
def log_activity_forms(context: Any, record: Any) -> dict[str, Any]:
    """Context of the four small forms (call, meeting, task, note) logging an activity on `record`."""
    request = context.get("request")
    now = timezone.localtime()
    user = getattr(request, "user", None)
    return {
        "record": record,
        "link_field": record_link_field(record),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
        "outcomes": CallOutcome.choices,
        "priorities": Priority.choices,
        "default_start": now.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M"),
        "default_due": now.strftime("%Y-%m-%d"),
        "can_write": bool(getattr(user, "can_write", False)),
    }


@register.filter
def map_url(place: str) -> str:
    """An OpenStreetMap search link for an address or place name."""
    return f"https://www.openstreetmap.org/search?query={quote_plus(place or '')}"
