"""API schemas of custom field definitions, and the role filter applied to every record's `custom` object."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, Schema

from rapport.accounts.choices import Role
from rapport.core.api_types import NOT_SENT, StrictSchema
from rapport.customization.choices import Entity, FieldType, RuleKind
from rapport.customization.models import CustomField


def hidden_custom_keys(entity: str, user: Any) -> set[str]:
    """Keys of the entity's custom fields the user's role must never see (one query; none for admins)."""
    if getattr(user, "is_admin", False):
        return set()
    return {
        key
        for key, roles in CustomField.objects.filter(entity=entity).values_list("key", "hidden_for_roles")
        if user.role in (roles or [])
    }


def custom_out(values: dict[str, Any] | None, hidden: set[str]) -> dict[str, Any]:
    """A record's custom values without the ones hidden from the reader's role."""
    return {k: v for k, v in (values or {}).items() if k not in hidden}


def custom_in(values: dict[str, Any] | None, hidden: set[str], prefix: str = "") -> dict[str, Any] | None:
    """Refuse custom values the user may not see, with the same message as an unknown field (nothing leaks)."""
    if values is None:
        return None
    errors = {
        f"{prefix}custom.{key}": [f"There is no custom field called {key!r} on this record type."]
        for key in values
        if key in hidden
    }
    if errors:
        raise ValidationError(errors)
    return values


class CustomFieldIn(StrictSchema):
    entity: Entity
    key: str = Field(..., min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$",
                     description="Name used in the API, imports and exports, e.g. contract_end.")
    label: str = Field(..., min_length=1, max_length=80)
    field_type: FieldType
    choices: list[str] = Field(default_factory=list, max_length=200)
    required: bool = False
    help_text: str = Field("", max_length=200)
    position: int = Field(0, ge=0, lt=2**31)
    hidden_for_roles: list[Role] = Field(default_factory=list)


class CustomFieldPatch(StrictSchema):
    label: str = Field(NOT_SENT, min_length=1, max_length=80)
    choices: list[str] = Field(NOT_SENT, max_length=200)
    required: bool = Field(NOT_SENT)
    help_text: str = Field(NOT_SENT, max_length=200)
    position: int = Field(NOT_SENT, ge=0, lt=2**31)
    hidden_for_roles: list[Role] = Field(NOT_SENT)


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    field_type: str
    choices: list[Any]
    required: bool
    help_text: str
    position: int
    hidden_for_roles: list[str]
    created_at: dt.datetime


def custom_field_out(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.pk, "entity": field.entity, "key": field.key, "label": field.label,
        "field_type": field.field_type, "choices": list(field.choices or []), "required": field.required,
        "help_text": field.help_text, "position": field.position,
        "hidden_for_roles": list(field.hidden_for_roles or []), "created_at": field.created_at,
    }


# ---------------------------------------------------------------- validation rules


class ValidationRuleIn(StrictSchema):
    entity: Entity
    name: str = Field(..., min_length=1, max_length=100)
    kind: RuleKind
    field: str = Field(..., min_length=1, max_length=60,
                       description='A field name, "custom.<key>", or "stage_kind" on deals.')
    parameters: dict[str, Any] = Field(default_factory=dict, description="Depends on kind; see docs/data-quality.md.")
    message: str = Field("", max_length=300)
    active: bool = True


class ValidationRulePatch(StrictSchema):
    name: str = Field(NOT_SENT, min_length=1, max_length=100)
    kind: RuleKind = Field(NOT_SENT)
    field: str = Field(NOT_SENT, min_length=1, max_length=60)
    parameters: dict[str, Any] = Field(NOT_SENT)
    message: str = Field(NOT_SENT, max_length=300)
    active: bool = Field(NOT_SENT)


class ValidationRuleOut(Schema):
    id: int
    entity: str
    name: str
    kind: str
    field: str
    parameters: dict[str, Any]
    message: str
    active: bool
    summary: str
    created_at: dt.datetime
    updated_at: dt.datetime


def validation_rule_out(rule: Any, labels: dict[str, str] | None = None) -> dict[str, Any]:
    from rapport.customization.validation import rule_summary

    return {
        "id": rule.pk, "entity": rule.entity, "name": rule.name, "kind": rule.kind, "field": rule.field,
        "parameters": rule.parameters or {}, "message": rule.message, "active": rule.active,
        "summary": rule_summary(rule, labels), "created_at": rule.created_at, "updated_at": rule.updated_at,
    }
