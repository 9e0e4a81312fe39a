"""Tags and custom field definitions (values live in each record's `custom` JSON column)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from rapport.customization.choices import Entity, FieldType, RuleKind


class Tag(models.Model):
    """A label that can be put on contacts and companies."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomField(models.Model):
    """An admin-defined field on contacts, companies, leads or deals; no migration needed."""

    entity = models.CharField(max_length=16, choices=Entity.choices)
    key = models.CharField(
        max_length=40,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", "Use lower-case letters, digits and _; start with a letter.")],
        help_text="Name used in the API, imports and exports, e.g. contract_end.",
    )
    label = models.CharField(max_length=80)
    field_type = models.CharField(max_length=16, choices=FieldType.choices)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values for choice fields.")
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Roles (see accounts.choices.Role) that never see this field, in pages or the API.
    hidden_for_roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="customfield_unique_key")]

    def __str__(self) -> str:
        return f"{self.get_entity_display()}: {self.label}"


class ValidationRule(models.Model):
    """An admin-defined check on contacts, companies, leads or deals, enforced by forms, API and imports.

    `field` is a model field name, "custom.<key>" for a custom field, or "stage_kind" on deals.
    `parameters` depends on `kind` (see rapport.customization.validation for the exact shapes):
    required: {}; format: {"format": "email"|"phone"|"url"|"postal_code"|"regex", "pattern": ...};
    allowed_values: {"values": [...]}; conditional: {"when": {"field", "operator", "value"},
    "then": {"kind": "required"|"format"|"allowed_values", ...}}.
    """

    entity = models.CharField(max_length=16, choices=Entity.choices)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    field = models.CharField(max_length=60)
    parameters = models.JSONField(default=dict, blank=True)
    message = models.CharField(
        max_length=300, blank=True, help_text="Shown when the rule fails; leave empty for a standard sentence."
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entity", "id"]
        indexes = [models.Index(fields=["entity", "active"], name="validationrule_entity_active")]

    def __str__(self) -> str:
        return f"{self.get_entity_display()}: {self.name}"
