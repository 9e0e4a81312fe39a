"""Shared pieces of the filter classes used by list pages, the API and segments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from rapport.customization.choices import FieldType
from rapport.customization.models import CustomField
from rapport.search.selectors import MIN_LENGTH, search_match_sql


def apply_search(qs: QuerySet, kind: str, q: str) -> QuerySet:
    """Filter by the trigram search index; a term under 3 characters matches name prefixes instead."""
    q = (q or "").strip()
    if not q:
        return qs
    match = search_match_sql(kind, q)
    if match is None:
        raise ValidationError({"q": [f"Type at least {MIN_LENGTH} characters to search."]})
    sql, params = match
    # The SQL is a fixed string from search_match_sql; the user's term travels only as a parameter.
    return qs.filter(id__in=RawSQL(sql, params))  # noqa: S611


def parse_date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: ["Enter a date as YYYY-MM-DD."]})


def apply_custom_filters(qs: QuerySet, entity: str, filters: dict[str, Any], user: Any = None) -> QuerySet:
    """Filter on custom field values: `{"key": value}`; text matches a substring, others exactly."""
    if not filters:
        return qs
    definitions = {f.key: f for f in CustomField.objects.filter(entity=entity)}
    for key, value in filters.items():
        if value in (None, ""):
            continue
        field = definitions.get(key)
        if field is None or (user is not None and not user.is_admin and user.role in field.hidden_for_roles):
            raise ValidationError({f"custom.{key}": [f"There is no custom field called {key!r} to filter on."]})
        if field.field_type == FieldType.TEXT:
            qs = qs.filter(**{f"custom__{key}__icontains": str(value)})
        elif field.field_type == FieldType.BOOLEAN:
            qs = qs.filter(**{f"custom__{key}": str(value).lower() in {"1", "true", "yes", "on"}})
        elif field.field_type == FieldType.NUMBER:
            try:
                number: Any = float(value)
            except ValueError:
                raise ValidationError({f"custom.{key}": [f"{field.label} must be a number."]})
            qs = qs.filter(**{f"custom__{key}": int(number) if number.is_integer() else number})
        elif field.field_type == FieldType.MULTI_CHOICE:
            qs = qs.filter(**{f"custom__{key}__icontains": f'"{value}"'})
        else:
            qs = qs.filter(**{f"custom__{key}": str(value)})
    return qs


def apply_sort(qs: QuerySet, sort: str | None, allowed: dict[str, list[str]], default: str) -> QuerySet:
    """Sort by an allow-listed key; '-key' reverses. Unknown keys are refused with the list of valid ones."""
    sort = sort or default
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in allowed:
        raise ValidationError({"sort": [f"Sort by one of: {', '.join(sorted(allowed))} (prefix - to reverse)."]})
    columns = allowed[key]
    return qs.order_by(*[("-" + c if desc else c) for c in columns], "-id" if desc else "id")
