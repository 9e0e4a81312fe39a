"""Form fields generated from custom field definitions, and the inverse: form data to custom values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from rapport.customization.choices import Entity, FieldType
from rapport.customization.models import CustomField
from rapport.customization.services import custom_fields_for

PREFIX = "cf_"


def _initial(field: CustomField, value: Any) -> Any:
    if value is None:
        return None
    if field.field_type == FieldType.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def form_field_for(field: CustomField, *, for_filter: bool = False) -> forms.Field:
    """The Django form field that edits (or, for_filter, filters on) one custom field."""
    required = field.required and not for_filter
    common: dict[str, Any] = {"label": field.label, "required": required, "help_text": field.help_text}
    kind = field.field_type
    if kind == FieldType.TEXT:
        return forms.CharField(max_length=2000, **common)
    if kind == FieldType.NUMBER:
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if kind == FieldType.MONEY:
        return forms.DecimalField(max_digits=17, decimal_places=2, **common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.CHOICE or (kind == FieldType.MULTI_CHOICE and for_filter):
        choices = [("", "—" if not for_filter else "Any")] + [(c, c) for c in field.choices]
        return forms.ChoiceField(choices=choices, **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in field.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.BOOLEAN:
        if for_filter:
            return forms.ChoiceField(choices=[("", "Any"), ("yes", "Yes"), ("no", "No")], **common)
        # An unticked box means "no"; a required boolean cannot force "yes" in a form.
        common["required"] = False
        return forms.BooleanField(**common)
    if kind == FieldType.URL:
        return forms.URLField(max_length=2000, assume_scheme="https", **common)
    if kind == FieldType.EMAIL:
        return forms.EmailField(max_length=254, **common)
    return forms.CharField(**common)


def add_custom_fields(form: forms.BaseForm, entity: str, user: Any, initial: dict[str, Any] | None = None,
                      *, for_filter: bool = False) -> list[str]:
    """Add one form field `cf_<key>` per custom field of `entity` the user may see; return the names."""
    if entity not in Entity.values:
        raise ValueError(f"Unknown entity {entity!r}")
    names = []
    for definition in custom_fields_for(entity, user):
        name = PREFIX + definition.key
        form.fields[name] = form_field_for(definition, for_filter=for_filter)
        form.fields[name].custom_key = definition.key  # type: ignore[attr-defined]
        if initial and definition.key in initial and not for_filter:
            form.initial[name] = _initial(definition, initial[definition.key])
        names.append(name)
    form.custom_field_names = names  # type: ignore[attr-defined]
    return names


def custom_values_from(form: forms.BaseForm) -> dict[str, Any]:
    """The custom values of a valid form as {key: value} for the services (empty values clear the field)."""
    values: dict[str, Any] = {}
    for name, field in form.fields.items():
        key = getattr(field, "custom_key", None)
        if key is None or name not in form.cleaned_data:
            continue
        value = form.cleaned_data[name]
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, bool | list | str):
            value = str(value)
        values[key] = value
    return values


def custom_bound_fields(form: forms.BaseForm) -> list[forms.BoundField]:
    """The form's custom field widgets, in definition order, for templates."""
    return [form[name] for name in getattr(form, "custom_field_names", [])]
