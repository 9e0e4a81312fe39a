"""API of custom field definitions: everyone lists the fields their role may see; admins add them."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Status

from rapport.core.api_types import ERRORS
from rapport.customization.choices import Entity
from rapport.customization.models import CustomField
from rapport.customization.schemas import (
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    custom_field_out,
    hidden_custom_keys,
)
from rapport.customization.services import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    custom_fields_for,
)

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
