"""Validation and conversion of custom field values, shared by forms, API, import and filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Value

from rapport.core.sqlite_functions import CaseFold
from rapport.customization.choices import FieldType
from rapport.customization.models import CustomField, Tag, ValidationRule

MAX_TEXT = 2000


def tags_named(names: Iterable[str]) -> dict[str, Tag]:
    """The existing tags named one of `names` in any case, by their name upper-cased in Python.

    The database compares with Unicode case rules on both sides (CaseFold): SQLite's own LOWER and LIKE
    fold only A-Z, so a tag "Österreich" did not meet itself there.
    """
    wanted = sorted({n for n in names if n})
    if not wanted:
        return {}
    found: dict[str, Tag] = {}
    for tag in Tag.objects.annotate(key=CaseFold("name")).filter(
            key__in=[CaseFold(Value(n)) for n in wanted]).order_by("id"):
        found.setdefault(tag.name.upper(), tag)
    return found


def custom_fields_for(entity: str, user: Any = None) -> list[CustomField]:
    """Definitions of an entity, without the ones hidden from the user's role."""
    fields = list(CustomField.objects.filter(entity=entity))
    if user is not None and not getattr(user, "is_admin", False):
        fields = [f for f in fields if user.role not in (f.hidden_for_roles or [])]
    return fields


def custom_value_clean(field: CustomField, value: Any) -> Any:
    """Return the JSON-storable value for one field, or raise ValidationError with a sentence."""
    if value is None or value == "" or value == []:
        if field.required:
            raise ValidationError(f"{field.label} is required.")
        return None
    kind = field.field_type
    if kind == FieldType.TEXT:
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValidationError(f"{field.label} is too long: at most {MAX_TEXT} characters.")
        return text
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        if isinstance(value, bool):
            raise ValidationError(f"{field.label} must be a number.")
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError(f"{field.label} must be a number, like 1200 or 99.50.")
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValidationError(f"{field.label} is out of range.")
        if kind == FieldType.MONEY:
            return str(number.quantize(Decimal("0.01")))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == FieldType.DATE:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValidationError(f"{field.label} must be a date written as YYYY-MM-DD.")
    if kind == FieldType.CHOICE:
        text = str(value).strip()
        for choice in field.choices:
            if text.lower() == str(choice).lower():
                return choice
        raise ValidationError(f"{field.label} must be one of: {', '.join(map(str, field.choices))}.")
    if kind == FieldType.MULTI_CHOICE:
        items = value if isinstance(value, list | tuple) else [v for v in str(value).split(",")]
        result = []
        for item in items:
            result.append(custom_value_clean(_as_choice(field), item))
        return [r for r in result if r is not None]
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on", "y"}:
            return True
        if text in {"0", "false", "no", "off", "n"}:
            return False
        raise ValidationError(f"{field.label} must be yes or no.")
    if kind == FieldType.URL:
        text = str(value).strip()
        URLValidator(message=f"{field.label} must be a web address starting with http:// or https://.")(text)
        return text
    if kind == FieldType.EMAIL:
        text = str(value).strip().lower()
        EmailValidator(message=f"{field.label} must be an email address like name@example.com.")(text)
        return text
    raise ValidationError(f"{field.label} has an unknown type.")


def _as_choice(field: CustomField) -> CustomField:
    clone = CustomField(label=field.label, field_type=FieldType.CHOICE, choices=field.choices, required=False)
    return clone


def custom_values_clean(
    entity: str, values: dict[str, Any] | None, *, current: dict[str, Any] | None = None, partial: bool = False
) -> dict[str, Any]:
    """Validate a dict of custom values against the definitions; unknown keys are refused."""
    values = values or {}
    if not isinstance(values, dict):
        raise ValidationError({"custom": ["Custom fields must be an object of field name to value."]})
    definitions = {f.key: f for f in CustomField.objects.filter(entity=entity)}
    errors: dict[str, list[str]] = {}
    result = dict(current or {})
    for key in values:
        if key not in definitions:
            errors[f"custom.{key}"] = [f"There is no custom field called {key!r} on this record type."]
    for key, field in definitions.items():
        if partial and key not in values:
            continue
        try:
            cleaned = custom_value_clean(field, values.get(key, result.get(key)))
        except ValidationError as exc:
            errors[f"custom.{key}"] = list(exc.messages)
            continue
        if cleaned is None:
            result.pop(key, None)
        else:
            result[key] = cleaned
    if errors:
        raise ValidationError(errors)
    return result


@transaction.atomic
def custom_field_create(*, entity: str, key: str, label: str, field_type: str, by: Any, **extra: Any) -> CustomField:
    """Define a new custom field (admins only)."""
    from rapport.core.errors import NotAllowed

    if not by.is_admin:
        raise NotAllowed("Only an administrator can add custom fields.")
    field = CustomField(entity=entity, key=key, label=label, field_type=field_type, **extra)
    field.full_clean()
    if field.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and not field.choices:
        raise ValidationError({"choices": ["A choice field needs at least one choice."]})
    field.save()
    return field


EDITABLE_FIELD_ATTRS = ("label", "choices", "required", "help_text", "position", "hidden_for_roles")


@transaction.atomic
def custom_field_update(*, field: CustomField, by: Any, **values: Any) -> CustomField:
    """Change a custom field's label, choices, help, order, required flag or hidden roles (admins only).

    The key, record type and value type stay fixed so stored values keep their meaning.
    """
    from rapport.core.errors import NotAllowed

    if not by.is_admin:
        raise NotAllowed("Only an administrator can change custom fields.")
    fixed = sorted(set(values) - set(EDITABLE_FIELD_ATTRS))
    if fixed:
        raise ValidationError({name: ["This cannot be changed after the field is created; add a new field instead."]
                               for name in fixed})
    for name, value in values.items():
        setattr(field, name, value)
    field.full_clean()
    if field.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and not field.choices:
        raise ValidationError({"choices": ["A choice field needs at least one choice."]})
    field.save()
    return field


@transaction.atomic
def custom_field_delete(*, field: CustomField, by: Any) -> None:
    """Remove a custom field definition (admins only); values stored on records are kept but no longer shown."""
    from rapport.core.errors import NotAllowed

    if not by.is_admin:
        raise NotAllowed("Only an administrator can delete custom fields.")
    field.delete()


# ---------------------------------------------------------------- validation rules

RULE_ATTRS = ("name", "kind", "field", "parameters", "message", "active")


def _rule_clean(rule: ValidationRule) -> None:
    """Check a rule definition; raise ValidationError({attribute: [sentence]}) naming what to correct."""
    from rapport.customization.validation import compile_rule

    rule.name = (rule.name or "").strip()
    rule.field = (rule.field or "").strip()
    rule.message = (rule.message or "").strip()
    errors: dict[str, list[str]] = {}
    if not rule.name:
        errors["name"] = ["Give the rule a short name, e.g. Won deals need an amount."]
    if not isinstance(rule.parameters, dict):
        errors["parameters"] = ["Parameters must be an object of names to values."]
    try:
        rule.full_clean(exclude=["created_by", "parameters", *errors])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if not errors:
        try:
            compile_rule(rule.entity, rule.kind, rule.field, rule.parameters, rule.message)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def validation_rule_create(
    *,
    entity: str,
    name: str,
    kind: str,
    field: str,
    by: Any,
    parameters: dict[str, Any] | None = None,
    message: str = "",
    active: bool = True,
) -> ValidationRule:
    """Define a validation rule (admins only); forms, the API and imports enforce it from then on."""
    from rapport.core.errors import NotAllowed

    if not by.is_admin:
        raise NotAllowed("Only an administrator can add validation rules.")
    rule = ValidationRule(entity=entity, name=name, kind=kind, field=field, parameters=parameters or {},
                          message=message, active=active, created_by=by)
    _rule_clean(rule)
    rule.save()
    return rule


@transaction.atomic
def validation_rule_update(*, rule: ValidationRule, by: Any, **values: Any) -> ValidationRule:
    """Change a rule's name, kind, field, parameters, message or active flag (admins only)."""
    from rapport.core.errors import NotAllowed

    if not by.is_admin:
        raise NotAllowed("Only an administrator can change validation rules.")
    fixed = sorted(set(values) - set(RULE_ATTRS))
    if fixed:
        raise ValidationError({name: ["This cannot be changed; add a new rule for another record type instead."]
                               for name in fixed})
    for name, value in values.items():
        setattr(rule, name, value)
    _rule_clean(rule)
    rule.save()
    return rule


@transaction.atomic
def validation_rule_delete(*, rule: ValidationRule, by: Any) -> None:
    """Remove a rule for good (admins only); deactivating keeps it for later."""
    from rapport.core.errors import NotAllowed

    if not by.is_admin:
        raise NotAllowed("Only an administrator can delete validation rules.")
    rule.delete()
