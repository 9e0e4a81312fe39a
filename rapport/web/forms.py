"""Helpers shared by every page form: service errors shown on the right field, as sentences."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

LABELS = {"emails": "Email", "phones": "Phone", "consents": "Consent"}


def _label(key: str) -> str:
    head, _, index = key.partition(".")
    if index.isdigit():
        return f"{LABELS.get(head, head.replace('_', ' ').capitalize())} {int(index) + 1}"
    return LABELS.get(head, head.replace("_", " ").capitalize())


def service_errors_to_form(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the matching field, else at the top as a sentence."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.message_dict.items():
        name = "cf_" + key[len("custom."):] if key.startswith("custom.") else key
        for message in errors:
            if name in form.fields:
                form.add_error(name, message)
            elif key == "__all__":
                form.add_error(None, message)
            else:
                form.add_error(None, f"{_label(key)}: {message}")


class StyledFormMixin:
    """Give every widget the house CSS class and aria-invalid on errors."""

    def style_fields(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            widget.attrs.setdefault("class", "input")

    def mark_invalid(self) -> None:
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                self.fields[name].widget.attrs["aria-invalid"] = "true"  # type: ignore[attr-defined]


def form_context(form: Any) -> dict[str, Any]:
    return {"form": form}
