"""Cursor (keyset) pagination for API lists: no COUNT, no OFFSET, fast on any page of a large table.

The cursor is an opaque, url-safe token holding the sort columns' values and the id of the last
row returned. The next page is "rows strictly after that row in the list's order", written so the
database can start from an index on the order columns instead of counting or skipping rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet
from pydantic import create_model

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_HELP = "This cursor is not valid for this list; start again without a cursor."


@dataclass
class Column:
    """One column of the list's order: its ORM path, direction and whether it can be NULL."""

    path: str
    descending: bool
    nullable: bool


@dataclass
class CursorPage:
    items: list[Any]
    next: str | None


def _nullable(model: type[Model], path: str) -> bool:
    """True when any step of the ORM path can be NULL (a nullable column or an optional foreign key)."""
    current: type[Model] = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        if getattr(field, "null", False):
            return True
        related = getattr(field, "related_model", None)
        if related is not None:
            current = related
    return False


def order_columns(qs: QuerySet) -> list[Column]:
    """The columns the queryset is ordered by, ending with the primary key (added when missing)."""
    ordering = list(qs.query.order_by) or list(qs.model._meta.ordering)
    columns: list[Column] = []
    for item in ordering:
        if not isinstance(item, str):
            raise TypeError("Cursor pagination needs the list ordered by field names.")
        descending = item.startswith("-")
        path = item.lstrip("-")
        if path == "pk":
            path = "id"
        columns.append(Column(path, descending, path != "id" and _nullable(qs.model, path)))
        if path == "id":
            break
    if not columns or columns[-1].path != "id":
        columns.append(Column("id", columns[-1].descending if columns else False, False))
    return columns


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _signature(columns: list[Column]) -> str:
    return ",".join(("-" if c.descending else "") + c.path for c in columns)


def encode_cursor(columns: list[Column], values: list[Any]) -> str:
    payload = json.dumps({"o": _signature(columns), "v": [_plain(v) for v in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, columns: list[Column]) -> list[Any]:
    """Return the last row's order values from a cursor, or raise ValidationError on anything odd."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        values = payload["v"]
        ok = (
            isinstance(payload, dict)
            and payload.get("o") == _signature(columns)
            and isinstance(values, list)
            and len(values) == len(columns)
            and all(v is None or isinstance(v, str | int | float) for v in values)
            and isinstance(values[-1], int)
        )
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        raise ValidationError({"cursor": [CURSOR_HELP]})
    return list(values)


def _after(columns: list[Column], values: list[Any], i: int = 0) -> Q:
    """Rows strictly after `values` in the order of `columns` (NULLs sort before every value)."""
    column, value = columns[i], values[i]
    bigger = f"{column.path}__{'lt' if column.descending else 'gt'}"
    if i == len(columns) - 1:
        return Q(**{bigger: value})
    rest = _after(columns, values, i + 1)
    if value is None:
        # NULLs come first ascending and last descending: after a NULL come the other NULLs that
        # tie-break later, and (ascending only) every non-NULL value.
        tied = Q(**{f"{column.path}__isnull": True}) & rest
        return tied if column.descending else tied | Q(**{f"{column.path}__isnull": False})
    condition = Q(**{bigger: value}) | (Q(**{column.path: value}) & rest)
    if column.nullable and column.descending:
        condition |= Q(**{f"{column.path}__isnull": True})
    return condition


def _ordered(qs: QuerySet, columns: list[Column]) -> QuerySet:
    """Re-apply the order with explicit NULL placement so both databases agree with the cursor."""
    if not any(c.nullable for c in columns):
        return qs
    terms: list[Any] = []
    for c in columns:
        if not c.nullable:
            terms.append(("-" if c.descending else "") + c.path)
        elif c.descending:
            terms.append(F(c.path).desc(nulls_last=True))
        else:
            terms.append(F(c.path).asc(nulls_first=True))
    return qs.order_by(*terms)


def paginate(qs: QuerySet, *, cursor: str | None, limit: int = DEFAULT_LIMIT) -> CursorPage:
    """Return one page of `qs` (already filtered and ordered) after `cursor`, and the next cursor."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError({"limit": [f"Ask for between 1 and {MAX_LIMIT} rows per page."]})
    columns = order_columns(qs)
    qs = _ordered(qs, columns)
    if cursor:
        values = decode_cursor(cursor, columns)
        # The leading range condition lets the database start from the index instead of testing every row.
        first = columns[0]
        if values[0] is not None and not first.nullable:
            qs = qs.filter(**{f"{first.path}__{'lte' if first.descending else 'gte'}": values[0]})
        try:
            qs = qs.filter(_after(columns, values))
        except (ValidationError, ValueError, TypeError):
            raise ValidationError({"cursor": [CURSOR_HELP]})
    keys = {f"cursor_key_{i}": F(c.path) for i, c in enumerate(columns) if "__" in c.path}
    if keys:
        qs = qs.annotate(**keys)
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        values = [
            getattr(last, f"cursor_key_{i}") if "__" in c.path else getattr(last, c.path)
            for i, c in enumerate(columns)
        ]
        next_cursor = encode_cursor(columns, values)
    return CursorPage(rows, next_cursor)


_page_models: dict[str, Any] = {}


def page_schema(item: Any) -> Any:
    """The response schema of a list: {"results": [item...], "next": cursor or null}."""
    name = f"{item.__name__.removesuffix('Out')}Page"
    if name not in _page_models:
        _page_models[name] = create_model(name, results=(list[item], ...), next=(str | None, None))
    return _page_models[name]
