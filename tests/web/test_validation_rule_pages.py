"""Settings → Validation rules: list with plain-language summaries, add, edit, deactivate; admins only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.customization.models import ValidationRule
from rapport.customization.services import validation_rule_create

WON = {"when": {"field": "stage_kind", "operator": "equals", "value": "won"}, "then": {"kind": "required"}}


def test_admin_adds_a_when_then_rule_from_the_form(client_for, admin):
    response = client_for(admin).post(
        reverse("validation-rule-create") + "?entity=deal",
        {
            "entity": "deal",
            "name": "Won deals need an amount",
            "kind": "conditional",
            "field": "amount",
            "when_field": "stage_kind",
            "when_operator": "equals",
            "when_value": "won",
            "then_kind": "required",
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = ValidationRule.objects.get()
    assert (rule.entity, rule.kind, rule.field, rule.parameters, rule.active) == (
        "deal",
        "conditional",
        "amount",
        WON,
        True,
    )


def test_the_list_shows_each_rule_as_a_sentence(client_for, admin):
    validation_rule_create(
        entity="deal",
        name="Won deals need an amount",
        kind="conditional",
        field="amount",
        parameters=WON,
        by=admin,
    )
    response = client_for(admin).get(reverse("validation-rule-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deals: when Stage is won, Amount is required" in html
    assert "Active" in html


def test_admin_adds_a_format_rule_and_an_invalid_regex_shows_a_sentence_under_the_field(client_for, admin):
    client = client_for(admin)
    response = client.post(
        reverse("validation-rule-create"),
        {
            "entity": "contact",
            "name": "Code",
            "kind": "format",
            "field": "title",
            "format": "regex",
            "pattern": "[A-Z",
            "active": "on",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["pattern"] == [
        "The regular expression is not valid (unterminated character set at position 0); correct it, "
        "for example ^[A-Z]{2}-\\d{4}$."
    ]
    assert ValidationRule.objects.count() == 0
    response = client.post(
        reverse("validation-rule-create"),
        {
            "entity": "contact",
            "name": "Code",
            "kind": "format",
            "field": "title",
            "format": "regex",
            "pattern": r"[A-Z]{2}-\d{4}",
            "example": "AB-1234",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert ValidationRule.objects.get().parameters == {
        "format": "regex",
        "pattern": r"[A-Z]{2}-\d{4}",
        "example": "AB-1234",
    }


def test_admin_adds_allowed_values_from_lines(client_for, admin):
    response = client_for(admin).post(
        reverse("validation-rule-create"),
        {
            "entity": "lead",
            "name": "Needs",
            "kind": "allowed_values",
            "field": "need",
            "allowed": "CRM\nERP\nCRM",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert ValidationRule.objects.get().parameters == {"values": ["CRM", "ERP"]}


def test_edit_shows_the_stored_rule_and_saves_changes(client_for, admin):
    rule = validation_rule_create(
        entity="deal", name="Won", kind="conditional", field="amount", parameters=WON, by=admin
    )
    client = client_for(admin)
    response = client.get(reverse("validation-rule-edit", args=[rule.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["when_field"].value(), form["when_value"].value(), form["then_kind"].value()) == (
        "stage_kind",
        "won",
        "required",
    )
    response = client.post(
        reverse("validation-rule-edit", args=[rule.pk]),
        {
            "name": "Won deals",
            "kind": "conditional",
            "field": "amount",
            "when_field": "stage_kind",
            "when_operator": "one_of",
            "when_value": "won, lost",
            "then_kind": "required",
            "active": "on",
            "message": "Enter the amount.",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.parameters["when"] == {"field": "stage_kind", "operator": "one_of", "value": ["won", "lost"]}
    assert rule.message == "Enter the amount."


def test_deactivate_and_activate_again(client_for, admin):
    rule = validation_rule_create(entity="contact", name="Email", kind="required", field="email", by=admin)
    client = client_for(admin)
    client.post(reverse("validation-rule-toggle", args=[rule.pk]))
    assert ValidationRule.objects.get(pk=rule.pk).active is False
    client.post(reverse("validation-rule-toggle", args=[rule.pk]))
    assert ValidationRule.objects.get(pk=rule.pk).active is True
    client.post(reverse("validation-rule-delete", args=[rule.pk]))
    assert ValidationRule.objects.count() == 0


@pytest.mark.parametrize("persona", ["teammate", "manager", "readonly", "outsider"])
def test_non_admins_get_404_on_every_rule_page(request, client_for, admin, persona):
    rule = validation_rule_create(entity="contact", name="Email", kind="required", field="email", by=admin)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("validation-rule-list")).status_code == 404
    assert client.get(reverse("validation-rule-create")).status_code == 404
    assert (
        client.post(
            reverse("validation-rule-create"),
            {"entity": "contact", "name": "x", "kind": "required", "field": "email"},
        ).status_code
        == 404
    )
    assert client.get(reverse("validation-rule-edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("validation-rule-toggle", args=[rule.pk])).status_code == 404
    assert client.post(reverse("validation-rule-delete", args=[rule.pk])).status_code == 404
    assert ValidationRule.objects.filter(pk=rule.pk, active=True).count() == 1


def test_settings_lists_validation_rules_for_admins_only(client_for, admin, teammate):
    assert reverse("validation-rule-list") in client_for(admin).get(reverse("settings")).content.decode()
    assert (
        reverse("validation-rule-list") not in client_for(teammate).get(reverse("settings")).content.decode()
    )
