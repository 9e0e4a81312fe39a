"""Active validation rules are enforced by the services, so pages, the board and the API all refuse alike."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.contacts.models import Company, Contact
from rapport.contacts.services import company_create, company_update, contact_create, contact_update
from rapport.customization.services import custom_field_create, validation_rule_create
from rapport.sales.models import Deal, Lead
from rapport.sales.services import (
    deal_create,
    deal_move_to_stage,
    deal_update,
    lead_create,
    lead_qualify,
    lead_update,
)
from tests.api.conftest import api_client
from tests.factories import make_company, make_contact, make_deal, make_lead

WON = {"when": {"field": "stage_kind", "operator": "equals", "value": "won"}, "then": {"kind": "required"}}
WON_MESSAGE = "Amount is required when Stage is won; enter a value."
CUSTOMER = {"when": {"field": "lifecycle_stage", "operator": "equals", "value": "customer"}}
CUSTOMER_MESSAGE = "Company is required when Lifecycle stage is customer; enter a value."


@pytest.fixture
def won_needs_amount(admin):
    return validation_rule_create(
        entity="deal",
        name="Won deals need an amount",
        kind="conditional",
        field="amount",
        parameters=WON,
        by=admin,
    )


@pytest.fixture
def customer_needs_company(admin):
    return validation_rule_create(
        entity="contact",
        name="Customers have a company",
        kind="conditional",
        field="company",
        parameters=CUSTOMER,
        by=admin,
    )


def test_moving_a_deal_without_amount_to_won_is_refused_with_the_rule_message(
    teammate, pipeline, won_needs_amount
):
    deal = make_deal(by=teammate, pipeline=pipeline, amount="0")
    with pytest.raises(ValidationError) as error:
        deal_move_to_stage(deal=deal, stage=pipeline.stages.get(kind="won"), by=teammate)
    assert error.value.message_dict == {"amount": [WON_MESSAGE]}
    deal.refresh_from_db()
    assert deal.stage.kind == "open"
    assert deal.version == 1


def test_moving_a_deal_with_an_amount_to_won_is_allowed(teammate, pipeline, won_needs_amount):
    deal = make_deal(by=teammate, pipeline=pipeline, amount="2500")
    moved = deal_move_to_stage(deal=deal, stage=pipeline.stages.get(kind="won"), by=teammate)
    assert moved.stage.kind == "won"


def test_creating_a_deal_in_a_won_stage_or_clearing_the_amount_of_a_won_deal_is_refused(
    teammate, pipeline, won_needs_amount
):
    won = pipeline.stages.get(kind="won")
    with pytest.raises(ValidationError) as error:
        deal_create(by=teammate, name="Quick win", pipeline=pipeline, stage=won, amount="0")
    assert error.value.message_dict == {"amount": [WON_MESSAGE]}
    assert not Deal.objects.filter(name="Quick win").exists()
    deal = deal_create(by=teammate, name="Real win", pipeline=pipeline, stage=won, amount="900")
    with pytest.raises(ValidationError) as error:
        deal_update(deal=deal, amount="0", by=teammate)
    assert error.value.message_dict == {"amount": [WON_MESSAGE]}
    deal.refresh_from_db()
    assert deal.amount == Decimal("900.00")


def test_board_move_to_won_without_amount_answers_400_with_the_message(
    client_for, teammate, pipeline, won_needs_amount
):
    deal = make_deal(by=teammate, pipeline=pipeline, amount="0")
    response = client_for(teammate).post(
        reverse("deal-move", args=[deal.pk]),
        {"stage": pipeline.stages.get(kind="won").pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": WON_MESSAGE}
    assert Deal.objects.get(pk=deal.pk).stage.kind == "open"


def test_api_move_to_won_without_amount_returns_the_error_shape(teammate, pipeline, won_needs_amount):
    deal = make_deal(by=teammate, pipeline=pipeline, amount="0")
    response = api_client(teammate).post(
        f"/deals/{deal.pk}/move", {"stage_id": pipeline.stages.get(kind="won").pk}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Some fields are not valid; see errors.",
        "errors": {"amount": [WON_MESSAGE]},
    }


def test_a_customer_contact_needs_a_company_on_create_and_update(teammate, customer_needs_company):
    with pytest.raises(ValidationError) as error:
        contact_create(by=teammate, first_name="Ann", lifecycle_stage="customer")
    assert error.value.message_dict == {"company": [CUSTOMER_MESSAGE]}
    assert not Contact.objects.filter(first_name="Ann").exists()
    company = make_company(by=teammate)
    contact = contact_create(by=teammate, first_name="Ann", lifecycle_stage="customer", company=company)
    with pytest.raises(ValidationError) as error:
        contact_update(contact=contact, company=None, by=teammate)
    assert error.value.message_dict == {"company": [CUSTOMER_MESSAGE]}
    lead = make_contact(by=teammate, lifecycle_stage="lead")
    with pytest.raises(ValidationError):
        contact_update(contact=lead, lifecycle_stage="customer", by=teammate)
    contact_update(contact=lead, lifecycle_stage="customer", company=company, by=teammate)
    assert Contact.objects.get(pk=lead.pk).lifecycle_stage == "customer"


def test_contact_page_shows_the_rule_message_under_the_field(client_for, teammate, customer_needs_company):
    response = client_for(teammate).post(
        reverse("contact-create"),
        {
            "first_name": "Ann",
            "last_name": "Page",
            "lifecycle_stage": "customer",
        },
    )
    assert response.status_code == 400
    assert CUSTOMER_MESSAGE in response.content.decode()
    assert not Contact.objects.filter(last_name="Page").exists()


def test_api_contact_create_breaking_a_rule_returns_errors_by_field(teammate, customer_needs_company):
    response = api_client(teammate).post("/contacts", {"first_name": "Ann", "lifecycle_stage": "customer"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Some fields are not valid; see errors.",
        "errors": {"company": [CUSTOMER_MESSAGE]},
    }


def test_company_rules_on_formats_and_custom_fields(admin, teammate):
    custom_field_create(entity="company", key="vat_id", label="VAT ID", field_type="text", by=admin)
    validation_rule_create(
        entity="company",
        name="VAT",
        kind="format",
        field="custom.vat_id",
        parameters={"format": "regex", "pattern": r"[A-Z]{2}\d{8,12}", "example": "DE123456789"},
        by=admin,
    )
    validation_rule_create(
        entity="company",
        name="Postal code",
        kind="format",
        field="postal_code",
        parameters={"format": "postal_code"},
        by=admin,
    )
    with pytest.raises(ValidationError) as error:
        company_create(by=teammate, name="Acme", country="DE", postal_code="123", custom={"vat_id": "123"})
    assert error.value.message_dict == {
        "custom.vat_id": ["VAT ID does not have the expected format, like DE123456789; correct it."],
        "postal_code": ["Postal code must be a postal code of DE, like 10115."],
    }
    assert not Company.objects.filter(name="Acme").exists()
    company = company_create(
        by=teammate, name="Acme", country="DE", postal_code="10115", custom={"vat_id": "DE123456789"}
    )
    with pytest.raises(ValidationError) as error:
        company_update(company=company, custom={"vat_id": "nope"}, by=teammate)
    assert list(error.value.message_dict) == ["custom.vat_id"]


def test_company_page_shows_a_custom_field_rule_under_the_custom_field(client_for, admin, teammate):
    custom_field_create(entity="company", key="vat_id", label="VAT ID", field_type="text", by=admin)
    validation_rule_create(entity="company", name="VAT", kind="required", field="custom.vat_id", by=admin)
    response = client_for(teammate).post(reverse("company-create"), {"name": "Acme"})
    assert response.status_code == 400
    assert response.context["form"].errors["cf_vat_id"] == ["VAT ID is required; enter a value."]


def test_lead_rules_apply_on_create_update_and_qualify(admin, teammate):
    validation_rule_create(
        entity="lead",
        name="Qualified leads say what they need",
        kind="conditional",
        field="need",
        parameters={"when": {"field": "status", "value": "qualified"}},
        by=admin,
    )
    message = "Need is required when Status is qualified; enter a value."
    contact = make_contact(by=teammate)
    with pytest.raises(ValidationError) as error:
        lead_create(by=teammate, contact=contact, status="qualified")
    assert error.value.message_dict == {"need": [message]}
    assert Lead.objects.count() == 0
    lead = make_lead(by=teammate, contact=contact)
    with pytest.raises(ValidationError) as error:
        lead_qualify(lead=lead, by=teammate)
    assert error.value.message_dict == {"need": [message]}
    with pytest.raises(ValidationError):
        lead_update(lead=lead, status="qualified", by=teammate)
    lead_update(lead=lead, need="CRM for 20 people", by=teammate)
    assert lead_qualify(lead=Lead.objects.get(pk=lead.pk), by=teammate).status == "qualified"


def test_deactivated_rules_are_not_enforced(admin, teammate, pipeline, won_needs_amount):
    from rapport.customization.services import validation_rule_update

    validation_rule_update(rule=won_needs_amount, active=False, by=admin)
    deal = make_deal(by=teammate, pipeline=pipeline, amount="0")
    assert (
        deal_move_to_stage(deal=deal, stage=pipeline.stages.get(kind="won"), by=teammate).stage.kind == "won"
    )


def test_api_deal_create_in_won_stage_without_amount_is_refused(teammate, pipeline, won_needs_amount):
    response = api_client(teammate).post(
        "/deals", {"name": "Fast", "pipeline_id": pipeline.pk, "stage_id": pipeline.stages.get(kind="won").pk}
    )
    body = response.json()
    assert response.status_code == 422, json.dumps(body)
    assert body["errors"] == {"amount": [WON_MESSAGE]}
