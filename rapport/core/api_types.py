"""Shared pieces of the API schemas and endpoints: strict input, bounded values, id references."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict
from pydantic_core import PydanticCustomError

# Default of PATCH fields: absent means "leave unchanged", while an explicit null is still refused by the
# field's type (typed Any so the type checker accepts it as the default of any field).
NOT_SENT: Any = None

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2200, 12, 31)


class StrictSchema(Schema):
    """Input schema: a field the API does not know is refused instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


# Every endpoint can answer with the one error shape; listed so the OpenAPI document shows it.
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _date_in_range(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError("date_range", "Use a date between 1900-01-01 and 2200-12-31.")
    return value


def _datetime_in_range(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    _date_in_range(value.date())
    return value


SaneDate = Annotated[dt.date, AfterValidator(_date_in_range)]
SaneDateTime = Annotated[dt.datetime, AfterValidator(_datetime_in_range)]
Id = Annotated[int, Field(gt=0, lt=2**63)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3, allow_inf_nan=False)]
Currency = Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
Version = Annotated[int, Field(ge=1, lt=2**31)]


class RefOut(Schema):
    id: int
    name: str


def ref(obj: Model | None) -> dict[str, Any] | None:
    """A linked record as {id, name} (or null)."""
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def resolve(qs: QuerySet, pk: int | None, field: str, label: str) -> Any:
    """The record `pk` among `qs` (what the user may see), or a field error that does not reveal others' records."""
    if pk is None:
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [f"There is no {label} with id {pk} that you can see; check the id."]})
    return found


def owner_resolve(pk: int | None, field: str = "owner_id") -> Any:
    """An active user to own a record; whether the caller may assign to them is the service's decision."""
    from rapport.accounts.models import User

    return resolve(User.objects.filter(is_active=True), pk, field, "active user")


def set_values(payload: Schema, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the client actually sent (PATCH semantics), without the excluded ones."""
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if k not in exclude}


def text_values(values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Turn an explicit null for a text column into the empty string (text columns are never NULL)."""
    for name in fields:
        if name in values and values[name] is None:
            values[name] = ""
    return values


def prefixed(exc: ValidationError, prefix: str) -> dict[str, list[str]]:
    """A service's field errors keyed under `prefix` (e.g. items.3.emails.0)."""
    if hasattr(exc, "error_dict"):
        return {f"{prefix}.{k}": [str(m) for m in ValidationError(v).messages] for k, v in exc.error_dict.items()}
    return {prefix: [str(m) for m in exc.messages]}
