"""Mapping suggestions for the headers of common CRM and shop exports, per import target."""

from __future__ import annotations

import pytest

from rapport.imports.services.mapping import fields_for, mapping_suggest

pytestmark = pytest.mark.django_db


def by_header(target: str, headers: list[str]) -> dict[str, str]:
    return {headers[int(i)]: field for i, field in mapping_suggest(target, headers).items()}


@pytest.mark.parametrize(
    ("target", "headers", "expected"),
    [
        (
            "deals",
            [
                "Deal - Title",
                "Deal - Value",
                "Deal - Currency",
                "Deal - Stage",
                "Deal - Expected close date",
                "Deal - Organization",
                "Deal - Owner",
                "Deal - Pipeline",
            ],
            ["name", "amount", "currency", "stage", "expected_close_date", "company", "owner", "pipeline"],
        ),
        (
            "deals",
            [
                "Deal Name",
                "Deal Stage",
                "Amount",
                "Close Date",
                "Pipeline",
                "Deal owner",
                "Associated Company",
                "Record ID",
            ],
            ["name", "stage", "amount", "expected_close_date", "pipeline", "owner", "company", "external_id"],
        ),
        (
            "deals",
            ["Potential Name", "Account Name", "Stage", "Amount", "Closing Date", "Currency ISO Code"],
            ["name", "company", "stage", "amount", "expected_close_date", "currency"],
        ),
        (
            "deals",
            ["Verkaufschance", "Firma", "Phase", "Betrag", "Abschlussdatum", "Verlustgrund"],
            ["name", "company", "stage", "amount", "expected_close_date", "lost_reason"],
        ),
        (
            "orders",
            [
                "Name",
                "Email",
                "Financial Status",
                "Paid at",
                "Currency",
                "Lineitem quantity",
                "Lineitem name",
                "Lineitem price",
                "Lineitem sku",
                "Id",
            ],
            [
                "number",
                "contact",
                "status",
                "ordered_at",
                "currency",
                "quantity",
                "description",
                "unit_price",
                "sku",
                "external_id",
            ],
        ),
        (
            "orders",
            ["Bestellnummer", "E-Mail", "Bestelldatum", "Artikelnummer", "Menge", "Einzelpreis"],
            ["number", "contact", "ordered_at", "sku", "quantity", "unit_price"],
        ),
        (
            "activities",
            [
                "Subject",
                "Activity Type",
                "Due Date",
                "Status",
                "Priority",
                "Comments",
                "Related To",
                "Assigned",
                "Call Duration (in minutes)",
            ],
            ["subject", "kind", "due_at", "status", "priority", "body", "deal", "owner", "duration_minutes"],
        ),
        (
            "leads",
            [
                "First Name",
                "Last Name",
                "Company",
                "Email",
                "Lead Status",
                "Lead Source",
                "Lead Owner",
                "Description",
                "Created Date",
            ],
            [
                "first_name",
                "last_name",
                "company",
                "email",
                "status",
                "source",
                "owner",
                "need",
                "created_at",
            ],
        ),
        (
            "companies",
            [
                "Account Name",
                "Website",
                "Industry",
                "Employees",
                "Billing Street",
                "Billing City",
                "Billing State/Province",
                "Billing Zip/Postal Code",
                "Billing Country",
                "Parent Account",
                "Account Owner",
                "Account ID",
            ],
            [
                "name",
                "domain",
                "industry",
                "size",
                "street",
                "city",
                "region",
                "postal_code",
                "country",
                "parent",
                "owner",
                "external_id",
            ],
        ),
    ],
)
def test_export_headers_are_suggested_to_the_right_fields(target, headers, expected):
    assert by_header(target, headers) == dict(zip(headers, expected, strict=True))


def test_account_name_is_the_company_of_a_deal_but_the_name_of_a_company():
    assert by_header("deals", ["Account Name"]) == {"Account Name": "company"}
    assert by_header("companies", ["Account Name"]) == {"Account Name": "name"}


def test_every_target_offers_its_custom_fields(admin):
    from rapport.customization.services import custom_field_create

    custom_field_create(entity="deal", key="budget", label="Budget", field_type="money", by=admin)
    assert "custom.budget" in {f.key for f in fields_for("deals", admin)}
    assert by_header("deals", ["Name", "Budget"]) == {"Name": "name", "Budget": "custom.budget"}


def test_a_shop_export_takes_the_order_date_from_created_at_even_after_paid_at():
    # Shopify: "Paid at" comes first and is empty for unpaid orders; "Created at" is when the order was placed.
    headers = ["Name", "Email", "Financial Status", "Paid at", "Currency", "Created at", "Lineitem quantity",
               "Lineitem name", "Lineitem price", "Lineitem sku"]
    suggested = by_header("orders", headers)
    assert suggested["Created at"] == "ordered_at"
    assert "Paid at" not in suggested
    assert (suggested["Name"], suggested["Email"], suggested["Lineitem sku"]) == ("number", "contact", "sku")


def test_a_column_the_saved_mapping_ignores_stays_ignored_and_its_choices_win():
    from rapport.imports.services.mapping import header_key

    headers = ["Email", "Created Date", "Notes"]
    saved = {header_key("Created Date"): "", header_key("Notes"): "email"}
    suggested = {headers[int(i)]: f for i, f in mapping_suggest("contacts", headers, saved).items()}
    # "Notes" holds the email for this export; "Email" then takes nothing else; "Created Date" is left out.
    assert suggested == {"Notes": "email"}
