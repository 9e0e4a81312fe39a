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


@pytest.mark.django_db
def test_if_lifecycle_stage_is_customer_company_is_required():
    when = {"when": {"field": "lifecycle_stage", "operator": "equals", "value": "customer"}}
    rules = one_rule("contact", "conditional", "company", when)
    assert rules.field_errors({"lifecycle_stage": "customer", "company": None}) == {
        "company": ["Company is required when Lifecycle stage is customer; enter a value."]
    }
    assert rules.errors({"lifecycle_stage": "customer", "company_id": 7}) == []
    assert rules.errors({"lifecycle_stage": "lead"}) == []


@pytest.mark.django_db
def test_a_custom_message_replaces_the_standard_sentence():
    rules = one_rule(
        "deal", "conditional", "amount", WON_NEEDS_AMOUNT, "A won deal needs its amount: enter it."
    )
    assert rules.errors({"stage_kind": "won"}) == ["A won deal needs its amount: enter it."]


@pytest.mark.django_db
def test_named_formats_check_email_phone_and_web_address():
    email = one_rule("company", "format", "domain", {"format": "email"})
    assert email.errors({"domain": "not-an-email"}) == [
        "Domain must be an email address like name@example.com."
    ]
    assert email.errors({"domain": "ann@example.com"}) == []
    phone = one_rule("company", "format", "phone", {"format": "phone"})
    assert phone.errors({"phone": "12"}) == [
        "Phone must be a phone number with its country code, like +49 30 1234567."
    ]
    assert phone.errors({"phone": "+49 30 1234567"}) == []
    assert phone.errors({"phone": "030 1234567", "country": "DE"}) == []
    assert phone.errors({"phone": "030 1234567"}) == [
        "Phone must be a phone number with its country code, like +49 30 1234567."
    ]
    url = one_rule("company", "format", "industry", {"format": "url"})
    assert url.errors({"industry": "example"}) == ["Industry must be a web address starting with https://."]
    assert url.errors({"industry": "https://example.com/x"}) == []


@pytest.mark.django_db
def test_postal_code_format_follows_the_record_country_and_accepts_unknown_countries():
    rules = one_rule("company", "format", "postal_code", {"format": "postal_code"})
    assert rules.errors({"postal_code": "1234", "country": "DE"}) == [
        "Postal code must be a postal code of DE, like 10115."
    ]
    assert rules.errors({"postal_code": "10115", "country": "DE"}) == []
    assert rules.errors({"postal_code": "SW1A 1AA", "country": "gb"}) == []
    assert rules.errors({"postal_code": "anything", "country": "ZZ"}) == []


@pytest.mark.django_db
def test_regex_format_must_match_the_whole_value_and_shows_the_example():
    rules = one_rule(
        "contact", "format", "title", {"format": "regex", "pattern": r"[A-Z]{2}-\d{4}", "example": "AB-1234"}
    )
    assert rules.errors({"title": "AB-12345"}) == [
        "Title does not have the expected format, like AB-1234; correct it."
    ]
    assert rules.errors({"title": "AB-1234"}) == []
    assert rules.errors({"title": ""}) == []


@pytest.mark.django_db
def test_allowed_values_ignore_case_and_read_custom_fields():
    from rapport.customization.models import CustomField

    CustomField.objects.create(entity="contact", key="tier", label="Tier", field_type="text")
    rules = RuleSet(
        "contact", (compile_rule("contact", "allowed_values", "custom.tier", {"values": ["Gold", "Silver"]}),)
    )
    assert rules.field_errors({"custom.tier": "bronze"}) == {
        "custom.tier": ["Tier must be one of: Gold, Silver."]
    }
    assert rules.errors({"custom.tier": "GOLD"}) == []
    assert rules.errors({"custom": {"tier": "Bronze"}}) == ["Tier must be one of: Gold, Silver."]
    assert rules.errors({}) == []


@pytest.mark.django_db
def test_operators_one_of_empty_and_greater_than():
    big_needs_date = {"when": {"field": "amount", "operator": "greater_than", "value": "10000"}}
    rules = one_rule("deal", "conditional", "expected_close_date", big_needs_date)
    assert rules.errors({"amount": Decimal("20000")}) == [
        "Expected close date is required when Amount is greater than 10000; enter a value."
    ]
    assert rules.errors({"amount": Decimal("500")}) == []
    lost = {"when": {"field": "stage_kind", "operator": "one_of", "value": ["lost"]}}
    assert one_rule("deal", "conditional", "lost_reason", lost).errors({"stage_kind": "LOST"}) == [
        "Lost reason is required when Stage is one of lost; enter a value."
    ]
    no_email = {"when": {"field": "email", "operator": "is_empty"}}
    rules = one_rule("contact", "conditional", "phone", no_email)
    assert rules.errors({"email": ""}) == ["Phone is required when Email is empty; enter a value."]
    assert rules.errors({"email": "a@b.co"}) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "field", "parameters", "part", "message"),
    [
        (
            "required",
            "shoe_size",
            {},
            "field",
            "There is no field called 'shoe_size' on contacts; choose one from the list.",
        ),
        (
            "sometimes",
            "title",
            {},
            "kind",
            "Choose required, format, allowed values or a when … then … rule.",
        ),
        (
            "format",
            "title",
            {"format": "colour"},
            "parameters",
            "Choose a format: email, phone, url, postal_code or regex.",
        ),
        ("allowed_values", "title", {"values": []}, "parameters", "List the allowed values (1 to 500)."),
        (
            "conditional",
            "title",
            {"when": {"field": "nope", "value": "x"}},
            "parameters",
            "There is no field called 'nope' to test on contacts; choose one from the list.",
        ),
        (
            "conditional",
            "title",
            {"when": {"field": "city", "operator": "like", "value": "x"}},
            "parameters",
            "Unknown operator 'like'; choose one of: equals, not_equals, one_of, not_one_of, is_empty, is_not_empty, "
            "greater_than, less_than.",
        ),
        (
            "conditional",
            "title",
            {"when": {"field": "city", "operator": "equals"}},
            "parameters",
            "Give the value the condition compares with.",
        ),
    ],
)
def test_an_invalid_definition_is_refused_with_a_sentence(kind, field, parameters, part, message):
    with pytest.raises(ValidationError) as error:
        compile_rule("contact", kind, field, parameters)
    assert error.value.message_dict == {part: [message]}


@pytest.mark.django_db
def test_errors_never_query_the_database(django_assert_num_queries):
    ValidationRule.objects.create(
        entity="deal", name="Won", kind="conditional", field="amount", parameters=WON_NEEDS_AMOUNT
    )
    ValidationRule.objects.create(
        entity="deal",
        name="Name",
        kind="format",
        field="name",
        parameters={"format": "regex", "pattern": "[A-Z].*"},
    )
    with django_assert_num_queries(2):
        rules = rules_for("deal")
    with django_assert_num_queries(0):
        for _ in range(100):
            assert rules.errors({"stage_kind": "won", "name": "big"}) == [
                "Amount is required when Stage is won; enter a value.",
                "Name does not have the expected format; correct it.",
            ]
