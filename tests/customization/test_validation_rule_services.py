"""Creating, changing and deleting validation rules: admins only, definitions checked, summaries readable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.core.errors import NotAllowed
from rapport.customization.models import ValidationRule
from rapport.customization.services import (
    validation_rule_create,
    validation_rule_delete,
    validation_rule_update,
)
from rapport.customization.validation import rule_summary, rules_for

WON = {"when": {"field": "stage_kind", "operator": "equals", "value": "won"}, "then": {"kind": "required"}}


def test_admin_creates_a_cross_field_rule_with_a_plain_language_summary(admin):
    rule = validation_rule_create(
        entity="deal",
        name="Won deals need an amount",
        kind="conditional",
        field="amount",
        parameters=WON,
        by=admin,
    )
    assert rule.active is True
    assert rule.created_by == admin
    assert rule_summary(rule) == "Deals: when Stage is won, Amount is required"


def test_summaries_of_each_kind(admin):
    def summary(**values):
        return rule_summary(validation_rule_create(by=admin, name="r", **values))

    assert summary(entity="contact", kind="required", field="email") == "Contacts: Email is required"
    assert summary(
        entity="company", kind="format", field="postal_code", parameters={"format": "postal_code"}
    ) == ("Companies: Postal code must be a valid postal code (per country)")
    assert summary(
        entity="lead", kind="allowed_values", field="need", parameters={"values": ["CRM", "ERP"]}
    ) == ("Leads: Need must be one of CRM, ERP")
    assert summary(
        entity="contact",
        kind="conditional",
        field="company",
        parameters={"when": {"field": "lifecycle_stage", "value": "customer"}},
    ) == ("Contacts: when Lifecycle stage is customer, Company is required")


@pytest.mark.parametrize("persona", ["teammate", "manager", "readonly", "outsider"])
def test_only_an_admin_may_create_change_or_delete_rules(request, admin, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        validation_rule_create(entity="contact", name="x", kind="required", field="email", by=user)
    rule = validation_rule_create(entity="contact", name="x", kind="required", field="email", by=admin)
    with pytest.raises(NotAllowed):
        validation_rule_update(rule=rule, active=False, by=user)
    with pytest.raises(NotAllowed):
        validation_rule_delete(rule=rule, by=user)
    assert ValidationRule.objects.filter(pk=rule.pk, active=True).count() == 1


def test_a_rule_with_an_invalid_regex_is_refused_and_nothing_is_saved(admin):
    with pytest.raises(ValidationError) as error:
        validation_rule_create(
            entity="contact",
            name="Code",
            kind="format",
            field="title",
            parameters={"format": "regex", "pattern": "[A-Z"},
            by=admin,
        )
    assert error.value.message_dict["parameters"] == [
        "The regular expression is not valid (unterminated character set at position 0); correct it, "
        "for example ^[A-Z]{2}-\\d{4}$."
    ]
    assert ValidationRule.objects.count() == 0


def test_a_rule_on_an_unknown_field_or_entity_is_refused(admin):
    with pytest.raises(ValidationError) as error:
        validation_rule_create(entity="contact", name="x", kind="required", field="shoe_size", by=admin)
    assert error.value.message_dict == {
        "field": ["There is no field called 'shoe_size' on contacts; choose one from the list."]
    }
    with pytest.raises(ValidationError) as error:
        validation_rule_create(entity="ticket", name="x", kind="required", field="email", by=admin)
    assert error.value.message_dict == {"entity": ["Value 'ticket' is not a valid choice."]}
    with pytest.raises(ValidationError) as error:
        validation_rule_create(entity="contact", name="  ", kind="required", field="email", by=admin)
    assert error.value.message_dict == {
        "name": ["Give the rule a short name, e.g. Won deals need an amount."]
    }


def test_deactivating_keeps_the_rule_but_stops_enforcing_it(admin):
    rule = validation_rule_create(entity="contact", name="Email", kind="required", field="email", by=admin)
    assert rules_for("contact").errors({}) == ["Email is required; enter a value."]
    validation_rule_update(rule=rule, active=False, by=admin)
    assert rules_for("contact").empty is True
    assert ValidationRule.objects.get(pk=rule.pk).active is False


def test_the_record_type_of_a_rule_cannot_change(admin):
    rule = validation_rule_create(entity="contact", name="Email", kind="required", field="email", by=admin)
    with pytest.raises(ValidationError) as error:
        validation_rule_update(rule=rule, entity="company", by=admin)
    assert error.value.message_dict == {
        "entity": ["This cannot be changed; add a new rule for another record type instead."]
    }


def test_rules_may_name_custom_fields(admin):
    from rapport.customization.services import custom_field_create

    custom_field_create(entity="company", key="vat_id", label="VAT ID", field_type="text", by=admin)
    rule = validation_rule_create(
        entity="company",
        name="VAT",
        kind="format",
        field="custom.vat_id",
        parameters={"format": "regex", "pattern": r"[A-Z]{2}\d{8,12}"},
        by=admin,
    )
    assert rule_summary(rule) == "Companies: VAT ID must match [A-Z]{2}\\d{8,12}"
    assert rules_for("company").field_errors({"custom.vat_id": "123"}) == {
        "custom.vat_id": ["VAT ID does not have the expected format; correct it."]
    }
