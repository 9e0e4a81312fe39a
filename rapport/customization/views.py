"""Settings pages where administrators define custom fields (others get a 404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rapport.accounts.choices import Role
from rapport.core.ids import pk_or_404
from rapport.customization.choices import Entity, FieldType
from rapport.customization.models import CustomField
from rapport.customization.services import custom_field_create, custom_field_delete, custom_field_update
from rapport.web.forms import StyledFormMixin, service_errors_to_form


class CustomFieldForm(StyledFormMixin, forms.Form):
    entity = forms.ChoiceField(choices=Entity.choices, label="Add to")
    label = forms.CharField(max_length=80, help_text="What people see, e.g. Contract end.")
    key = forms.CharField(max_length=40, help_text="Used in the API and imports: lower-case letters, digits and _.")
    field_type = forms.ChoiceField(choices=FieldType.choices, label="Type")
    choices = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="For choice fields: one choice per line (or separated by commas).")
    help_text = forms.CharField(required=False, max_length=200, label="Help text")
    required = forms.BooleanField(required=False, label="Required")
    position = forms.IntegerField(required=False, min_value=0, max_value=10000, initial=0, label="Order")
    hidden_for_roles = forms.MultipleChoiceField(
        choices=[c for c in Role.choices if c[0] != Role.ADMIN], required=False, widget=forms.CheckboxSelectMultiple,
        label="Hide from", help_text="People with these roles never see this field.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("entity", "key", "field_type"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed once the field exists."
        self.style_fields()

    def clean_choices(self) -> list[str]:
        text = self.cleaned_data.get("choices") or ""
        parts = text.splitlines() if "\n" in text else text.split(",")
        result: list[str] = []
        for part in parts:
            value = part.strip()
            if value and value not in result:
                if len(value) > 100:
                    raise forms.ValidationError("Each choice must be at most 100 characters.")
                result.append(value)
        return result

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data["label"], "choices": data["choices"], "help_text": data["help_text"],
            "required": data["required"], "position": data.get("position") or 0,
            "hidden_for_roles": list(data["hidden_for_roles"]),
        }


def _admin_only(request: HttpRequest) -> None:
    user: Any = request.user
    if not user.is_admin:
        raise Http404("Not found")


@login_required
def custom_field_list(request: HttpRequest) -> HttpResponse:
    """All custom fields, grouped by record type."""
    _admin_only(request)
    fields = list(CustomField.objects.all())
    groups = [{"entity": value, "label": label, "fields": [f for f in fields if f.entity == value]}
              for value, label in Entity.choices]
    return render(request, "customization/field_list.html", {"groups": groups})


@login_required
def custom_field_create_view(request: HttpRequest) -> HttpResponse:
    """Define a new custom field."""
    _admin_only(request)
    if request.method == "POST":
        form = CustomFieldForm(request.POST)
        if form.is_valid():
            try:
                field = custom_field_create(
                    entity=form.cleaned_data["entity"], key=form.cleaned_data["key"].strip(),
                    field_type=form.cleaned_data["field_type"], by=request.user,
                    **{k: v for k, v in form.values().items()},
                )
            except ValidationError as exc:
                service_errors_to_form(form, exc)
            else:
                messages.success(request, f"Custom field {field.label} added to {field.get_entity_display().lower()}.")
                return redirect("custom-field-list")
        form.mark_invalid()
        return render(request, "customization/field_form.html", {"form": form, "field": None}, status=400)
    form = CustomFieldForm(initial={"entity": request.GET.get("entity", Entity.CONTACT)})
    return render(request, "customization/field_form.html", {"form": form, "field": None})


@login_required
def custom_field_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a custom field's label, choices and visibility."""
    _admin_only(request)
    field = get_object_or_404(CustomField, pk=pk_or_404(pk))
    initial = {
        "entity": field.entity, "key": field.key, "field_type": field.field_type, "label": field.label,
        "choices": "\n".join(map(str, field.choices)), "help_text": field.help_text, "required": field.required,
        "position": field.position, "hidden_for_roles": field.hidden_for_roles,
    }
    if request.method == "POST":
        form = CustomFieldForm(request.POST, initial=initial, editing=True)
        if form.is_valid():
            try:
                custom_field_update(field=field, by=request.user, **form.values())
            except ValidationError as exc:
                service_errors_to_form(form, exc)
            else:
                messages.success(request, f"Custom field {field.label} saved.")
                return redirect("custom-field-list")
        form.mark_invalid()
        return render(request, "customization/field_form.html", {"form": form, "field": field}, status=400)
    form = CustomFieldForm(initial=initial, editing=True)
    return render(request, "customization/field_form.html", {"form": form, "field": field})


@login_required
@require_POST
def custom_field_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a custom field definition."""
    _admin_only(request)
    field = get_object_or_404(CustomField, pk=pk_or_404(pk))
    custom_field_delete(field=field, by=request.user)
    messages.success(request, f"Custom field {field.label} deleted. Values already saved on records are kept.")
    return redirect("custom-field-list")
