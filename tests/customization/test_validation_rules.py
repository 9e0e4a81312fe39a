"""The compiled rule set: what each kind of rule accepts and refuses, and the sentences it gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.customization.models import ValidationRule
from rapport.customization.validation import RuleSet, compile_rule, rules_for

WON_NEEDS_AMOUNT = {
    "when": {"field": "stage_kind", "operator": "equals", "value": "won"},
    "then": {"kind": "required"},
}


def one_rule(entity: str, kind: str, field: str, parameters: dict, message: str = "") -> RuleSet:
    return RuleSet(entity, (compile_rule(entity, kind, field, parameters, message),))


@pytest.mark.django_db
def test_a_won_deal_without_an_amount_breaks_the_won_needs_amount_rule():
    rules = one_rule("deal", "conditional", "amount", WON_NEEDS_AMOUNT)
    assert rules.field_errors({"stage_kind": "won", "amount": Decimal("0")}) == {
        "amount": ["Amount is required when Stage is won; enter a value."]
    }
    assert rules.errors({"stage_kind": "won"}) == ["Amount is required when Stage is won; enter a value."]
    assert rules.errors({"stage_kind": "won", "amount": Decimal("10.00")}) == []
    assert rules.errors({"stage_kind": "open", "amount": None}) == []


@pytest.mark.django_db
def test_rules_for_an_entity_without_rules_is_empty():
    assert rules_for("contact").empty is True
    assert rules_for("order").empty is True


@pytest.mark.django_db
def test_rules_for_loads_only_active_rules_of_the_entity():
    ValidationRule.objects.create(entity="contact", name="Email", kind="required", field="email")
    ValidationRule.objects.create(entity="contact", name="Off", kind="required", field="title", active=False)
    ValidationRule.objects.create(entity="company", name="Domain", kind="required", field="domain")
    rules = rules_for("contact")
    assert rules.empty is False
    assert rules.field_errors({}) == {"email": ["Email is required; enter a value."]}


@pytest.mark.django_db
def test_a_rule_with_an_invalid_regex_is_refused_with_a_sentence():
    with pytest.raises(ValidationError) as error:
        compile_rule("contact", "format", "title", {"format": "regex", "pattern": "(unclosed"})
    assert error.value.message_dict["parameters"][0].startswith("The regular expression is not valid")
