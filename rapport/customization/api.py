"""API of custom field definitions (everyone lists the fields their role may see; admins add them) and of
validation rules (admins only)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Status

from rapport.core.api_types import ERRORS
from rapport.core.errors import NotAllowed
from rapport.customization.choices import Entity
from rapport.customization.models import CustomField, ValidationRule
from rapport.customization.schemas import (
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    ValidationRuleIn,
    ValidationRuleOut,
    ValidationRulePatch,
    custom_field_out,
    hidden_custom_keys,
    validation_rule_out,
)
from rapport.customization.services import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    custom_fields_for,
    validation_rule_create,
    validation_rule_delete,
    validation_rule_update,
)
from rapport.customization.validation import fields_for

router = Router(tags=["custom fields"])


@router.get("", response={200: list[CustomFieldOut], **ERRORS}, summary="List custom fields")
def list_custom_fields(request: HttpRequest, entity: Entity | None = None) -> Any:
    """Definitions the caller's role may see, optionally of one record type."""
    entities = [entity] if entity else list(Entity)
    return [custom_field_out(f) for e in entities for f in custom_fields_for(e, request.user)]


@router.post("", response={201: CustomFieldOut, **ERRORS}, summary="Add a custom field (admins)")
def create_custom_field(request: HttpRequest, payload: CustomFieldIn) -> Any:
    values = payload.model_dump(mode="json")
    field = custom_field_create(by=request.user, **values)
    return Status(201, custom_field_out(field))


@router.get("/{field_id}", response={200: CustomFieldOut, **ERRORS}, summary="Get a custom field")
def get_custom_field(request: HttpRequest, field_id: int) -> Any:
    return custom_field_out(_field_or_404(request, field_id))


@router.patch("/{field_id}", response={200: CustomFieldOut, **ERRORS}, summary="Change a custom field (admins)")
def update_custom_field(request: HttpRequest, field_id: int, payload: CustomFieldPatch) -> Any:
    """Label, choices, help, order, required flag and hidden roles can change; key and type stay fixed."""
    field = custom_field_update(field=_field_or_404(request, field_id), by=request.user,
                                **payload.model_dump(mode="json", exclude_unset=True))
    return custom_field_out(field)


@router.delete("/{field_id}", response={204: None, **ERRORS}, summary="Delete a custom field (admins)")
def delete_custom_field(request: HttpRequest, field_id: int) -> Any:
    """Remove the definition; values stored on records are kept but no longer shown."""
    custom_field_delete(field=_field_or_404(request, field_id), by=request.user)
    return Status(204, None)


def _field_or_404(request: HttpRequest, field_id: int) -> CustomField:
    """A definition the caller's role may see."""
    field = CustomField.objects.filter(pk=field_id).first() if 0 < field_id < 2**63 else None
    if field is None or field.key in hidden_custom_keys(field.entity, request.user):
        raise Http404
    return field


# ---------------------------------------------------------------- validation rules (admins only)

rules_router = Router(tags=["validation rules"])


def _admin(request: HttpRequest) -> None:
    user: Any = request.user
    if not user.is_admin:
        raise NotAllowed("Only an administrator can see and change validation rules.")


def _rule_or_404(rule_id: int) -> ValidationRule:
    rule = ValidationRule.objects.filter(pk=rule_id).first() if 0 < rule_id < 2**63 else None
    if rule is None:
        raise Http404
    return rule


@rules_router.get("", response={200: list[ValidationRuleOut], **ERRORS}, summary="List validation rules (admins)")
def list_validation_rules(request: HttpRequest, entity: Entity | None = None) -> Any:
    """Every rule, active or not, optionally of one record type, with a plain-language summary."""
    _admin(request)
    rules = ValidationRule.objects.all()
    if entity:
        rules = rules.filter(entity=entity)
    labels = {e: fields_for(e) for e in Entity.values}
    return [validation_rule_out(r, labels[r.entity]) for r in rules]


@rules_router.post("", response={201: ValidationRuleOut, **ERRORS}, summary="Add a validation rule (admins)")
def create_validation_rule(request: HttpRequest, payload: ValidationRuleIn) -> Any:
    """Forms, the API and imports enforce the rule from the next save on."""
    rule = validation_rule_create(by=request.user, **payload.model_dump(mode="json"))
    return Status(201, validation_rule_out(rule))


@rules_router.get("/{rule_id}", response={200: ValidationRuleOut, **ERRORS}, summary="Get a validation rule (admins)")
def get_validation_rule(request: HttpRequest, rule_id: int) -> Any:
    _admin(request)
    return validation_rule_out(_rule_or_404(rule_id))


@rules_router.patch("/{rule_id}", response={200: ValidationRuleOut, **ERRORS},
                    summary="Change or deactivate a validation rule (admins)")
def update_validation_rule(request: HttpRequest, rule_id: int, payload: ValidationRulePatch) -> Any:
    """Send {"active": false} to switch a rule off without losing it."""
    _admin(request)
    rule = validation_rule_update(rule=_rule_or_404(rule_id), by=request.user,
                                  **payload.model_dump(mode="json", exclude_unset=True))
    return validation_rule_out(rule)


@rules_router.delete("/{rule_id}", response={204: None, **ERRORS}, summary="Delete a validation rule (admins)")
def delete_validation_rule(request: HttpRequest, rule_id: int) -> Any:
    _admin(request)
    validation_rule_delete(rule=_rule_or_404(rule_id), by=request.user)
    return Status(204, None)
