"""Settings pages where administrators define validation rules (others get a 404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rapport.core.ids import pk_or_404
from rapport.customization.choices import Entity, NamedFormat, Operator, RuleKind
from rapport.customization.models import ValidationRule
from rapport.customization.services import (
    validation_rule_create,
    validation_rule_delete,
    validation_rule_update,
)
from rapport.customization.validation import compile_rule, fields_for, rule_summary
from rapport.web.forms import StyledFormMixin, service_errors_to_form

THEN_KINDS = [
    (RuleKind.REQUIRED, "is required"),
    (RuleKind.FORMAT, "must have a format"),
    (RuleKind.ALLOWED_VALUES, "must be one of the allowed values"),
]


def _split(text: str) -> list[str]:
    parts = text.splitlines() if "\n" in text else text.split(",")
    result: list[str] = []
    for part in parts:
        value = part.strip()
        if value and value not in result:
            result.append(value)
    return result


class ValidationRuleForm(StyledFormMixin, forms.Form):
    """One rule: what it checks, on which field, and (for when … then … rules) when it applies."""

    name = forms.CharField(max_length=100, help_text="A short name, e.g. Won deals need an amount.")
    kind = forms.ChoiceField(
        choices=RuleKind.choices,
        label="Kind of rule",
        help_text="When … then …: the check applies only when the condition below holds.",
    )
    field = forms.ChoiceField(label="Field checked")
    when_field = forms.ChoiceField(
        required=False, label="When (condition field)", help_text="Only for when … then … rules."
    )
    when_operator = forms.ChoiceField(choices=Operator.choices, required=False, label="Condition")
    when_value = forms.CharField(
        max_length=200,
        required=False,
        label="Value",
        help_text="e.g. won; for “is one of”, separate values with commas.",
    )
    then_kind = forms.ChoiceField(
        choices=THEN_KINDS, required=False, label="Then the field", help_text="Only for when … then … rules."
    )
    format = forms.ChoiceField(
        choices=[("", "—"), *NamedFormat.choices], required=False, help_text="For format checks."
    )
    pattern = forms.CharField(
        max_length=500,
        required=False,
        label="Regular expression",
        help_text=r"For the regular expression format, e.g. ^[A-Z]{2}-\d{4}$ (the whole value "
        "must match).",
    )
    example = forms.CharField(
        max_length=80,
        required=False,
        label="Example of a valid value",
        help_text="Shown in the message, e.g. AB-1234.",
    )
    allowed = forms.CharField(
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Allowed values",
        help_text="For allowed values: one per line, or separated by commas.",
    )
    message = forms.CharField(
        max_length=300,
        required=False,
        label="Message when it fails",
        help_text="Leave empty for a standard sentence naming the field.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, entity: str, labels: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.entity = entity
        choices = sorted(labels.items(), key=lambda item: item[1].lower())
        self.fields["field"].choices = [(name, label) for name, label in choices]  # type: ignore[attr-defined]
        self.fields["when_field"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
        self.style_fields()

    def rule_values(self) -> dict[str, Any]:
        """The cleaned form as the service's kind, field and parameters."""
        data = self.cleaned_data
        kind = data["kind"]
        check_kind = (data.get("then_kind") or RuleKind.REQUIRED) if kind == RuleKind.CONDITIONAL else kind
        check: dict[str, Any] = {}
        if check_kind == RuleKind.FORMAT:
            check = {"format": data.get("format") or ""}
            if data.get("format") == NamedFormat.REGEX:
                check["pattern"] = data.get("pattern") or ""
            if data.get("example"):
                check["example"] = data["example"]
        elif check_kind == RuleKind.ALLOWED_VALUES:
            check = {"values": _split(data.get("allowed") or "")}
        if kind == RuleKind.CONDITIONAL:
            operator = data.get("when_operator") or Operator.EQUALS
            value: Any = (data.get("when_value") or "").strip()
            if operator in (Operator.ONE_OF, Operator.NOT_ONE_OF):
                value = _split(value)
            when: dict[str, Any] = {"field": data.get("when_field") or "", "operator": operator}
            if operator not in (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY):
                when["value"] = value
            parameters: dict[str, Any] = {"when": when, "then": {"kind": check_kind, **check}}
        else:
            parameters = check
        return {
            "name": data["name"],
            "kind": kind,
            "field": data["field"],
            "parameters": parameters,
            "message": data.get("message") or "",
            "active": bool(data.get("active")),
        }


def rule_initial(rule: ValidationRule) -> dict[str, Any]:
    """Form values that show a stored rule."""
    parameters = dict(rule.parameters or {})
    initial: dict[str, Any] = {
        "name": rule.name,
        "kind": rule.kind,
        "field": rule.field,
        "message": rule.message,
        "active": rule.active,
    }
    check = parameters
    if rule.kind == RuleKind.CONDITIONAL:
        when = parameters.get("when") or {}
        check = parameters.get("then") or {}
        value = when.get("value", "")
        initial.update(
            {
                "when_field": when.get("field", ""),
                "when_operator": when.get("operator", ""),
                "when_value": ", ".join(map(str, value)) if isinstance(value, list) else value,
                "then_kind": check.get("kind", RuleKind.REQUIRED),
            }
        )
    initial.update(
        {
            "format": check.get("format", ""),
            "pattern": check.get("pattern", ""),
            "example": check.get("example", ""),
            "allowed": "\n".join(map(str, check.get("values", []))),
        }
    )
    return initial


def _admin_only(request: HttpRequest) -> None:
    user: Any = request.user
    if not user.is_admin:
        raise Http404("Not found")


def _entity(value: str | None) -> str:
    return value if value in Entity.values else Entity.CONTACT


@login_required
def validation_rule_list(request: HttpRequest) -> HttpResponse:
    """Every rule, grouped by record type, each with its plain-language summary."""
    _admin_only(request)
    rules = list(ValidationRule.objects.all())
    groups = []
    for value, label in Entity.choices:
        labels = fields_for(value)
        rows = []
        for rule in rules:
            if rule.entity != value:
                continue
            try:
                compile_rule(
                    rule.entity, rule.kind, rule.field, rule.parameters or {}, rule.message, labels=labels
                )
                broken = ""
            except ValidationError as exc:
                broken = " ".join(exc.messages)
            rows.append({"rule": rule, "summary": rule_summary(rule, labels), "broken": broken})
        groups.append({"entity": value, "label": label, "rows": rows})
    return render(request, "customization/rule_list.html", {"groups": groups})


@login_required
def validation_rule_create_view(request: HttpRequest) -> HttpResponse:
    """Define a rule on one record type (chosen with ?entity=)."""
    _admin_only(request)
    entity = _entity(request.POST.get("entity") or request.GET.get("entity"))
    labels = fields_for(entity)
    context: dict[str, Any] = {
        "rule": None,
        "entity": entity,
        "entity_label": Entity(entity).label,
        "entities": Entity.choices,
    }
    if request.method == "POST":
        form = ValidationRuleForm(request.POST, entity=entity, labels=labels)
        if form.is_valid():
            try:
                rule = validation_rule_create(entity=entity, by=request.user, **form.rule_values())
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, f"Rule added: {rule_summary(rule, labels)}.")
                return redirect("validation-rule-list")
        form.mark_invalid()
        return render(request, "customization/rule_form.html", {**context, "form": form}, status=400)
    form = ValidationRuleForm(entity=entity, labels=labels)
    return render(request, "customization/rule_form.html", {**context, "form": form})


@login_required
def validation_rule_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a rule (its record type stays fixed)."""
    _admin_only(request)
    rule = get_object_or_404(ValidationRule, pk=pk_or_404(pk))
    labels = fields_for(rule.entity)
    context: dict[str, Any] = {"rule": rule, "entity": rule.entity, "entity_label": rule.get_entity_display()}
    if request.method == "POST":
        form = ValidationRuleForm(request.POST, entity=rule.entity, labels=labels)
        if form.is_valid():
            try:
                validation_rule_update(rule=rule, by=request.user, **form.rule_values())
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, f"Rule saved: {rule_summary(rule, labels)}.")
                return redirect("validation-rule-list")
        form.mark_invalid()
        return render(request, "customization/rule_form.html", {**context, "form": form}, status=400)
    form = ValidationRuleForm(initial=rule_initial(rule), entity=rule.entity, labels=labels)
    return render(request, "customization/rule_form.html", {**context, "form": form})


@login_required
@require_POST
def validation_rule_toggle_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a rule off (kept for later) or back on."""
    _admin_only(request)
    rule = get_object_or_404(ValidationRule, pk=pk_or_404(pk))
    try:
        validation_rule_update(rule=rule, by=request.user, active=not rule.active)
    except ValidationError as exc:
        messages.error(
            request, f"The rule {rule.name} cannot be switched on: {' '.join(exc.messages)} Edit it first."
        )
        return redirect("validation-rule-list")
    state = "switched on" if rule.active else "switched off; it is kept and can be switched on again"
    messages.success(request, f"Rule {rule.name} {state}.")
    return redirect("validation-rule-list")


@login_required
@require_POST
def validation_rule_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a rule for good."""
    _admin_only(request)
    rule = get_object_or_404(ValidationRule, pk=pk_or_404(pk))
    validation_rule_delete(rule=rule, by=request.user)
    messages.success(request, f"Rule {rule.name} deleted.")
    return redirect("validation-rule-list")


def _errors_to_form(form: ValidationRuleForm, exc: ValidationError) -> None:
    """Service errors on "parameters" belong to the part of the form that holds them."""
    if not hasattr(exc, "error_dict"):
        service_errors_to_form(form, exc)
        return
    for key, errors in exc.message_dict.items():
        if key == "parameters":
            for message in errors:
                target = "pattern" if "regular expression" in message else None
                if target is None and "allowed" in message.lower():
                    target = "allowed"
                if target is None and ("compare" in message or "Greater than" in message):
                    target = "when_value"
                if target is None and "must be when" in message:
                    target = "then_kind"
                if target is None and (
                    "condition" in message or "operator" in message or "test on" in message
                ):
                    target = "when_field"
                if target is None and "format" in message:
                    target = "format"
                form.add_error(target, message)
        else:
            service_errors_to_form(form, ValidationError({key: errors}))
