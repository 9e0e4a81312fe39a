"""Writing and reading the immutable timeline (rule 4: every business event writes one row)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from rapport.activities.models import TimelineEvent

LINKS = ("contact", "company", "lead", "deal")


def json_value(value: Any) -> Any:
    """Turn a field value into something JSON can hold and a person can read."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_value(v) for v in value]
    return str(value)


def timeline_record(
    *,
    kind: str,
    summary: str,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    **links: Any,
) -> TimelineEvent:
    """Write one event, linked to every record it concerns (contact, company, lead, deal, activity, order)."""
    return TimelineEvent.objects.create(
        kind=kind,
        summary=summary[:300],
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        data=json_value(data or {}),
        occurred_at=occurred_at or timezone.now(),
        **{k: v for k, v in links.items() if v is not None},
    )


def links_of(record: Any) -> dict[str, Any]:
    """The timeline links of a record: itself and the identity records it points at."""
    name = type(record)._meta.model_name
    links: dict[str, Any] = {}
    if name in LINKS:
        links[name] = record
    for field in LINKS:
        if field != name and hasattr(record, f"{field}_id"):
            value_id = getattr(record, f"{field}_id")
            if value_id is not None:
                links[f"{field}_id"] = value_id
    return links


def timeline_for(record: Any, *, limit: int = 100, before_id: int | None = None) -> list[TimelineEvent]:
    """Events of a contact, company, lead or deal, newest first."""
    name = type(record)._meta.model_name
    if name not in LINKS:
        raise ValueError(f"{name} has no timeline")
    events = TimelineEvent.objects.filter(**{name: record}).select_related("actor")
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    return list(events.order_by("-occurred_at", "-id")[:limit])
