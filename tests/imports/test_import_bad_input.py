"""Bad input for the imports of companies, leads, deals, orders and activities: a sentence on the row or the file,
never a crash, and nothing half-written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.contacts.models import Company
from rapport.customization.models import ValidationRule
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.sales.models import Deal, Lead, Order, OrderLine
from tests.factories import make_contact, make_product
from tests.imports.helpers import make_job


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


def test_unknown_product_and_negative_quantity_reject_order_lines(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1")
    text = "Order Number,Email,SKU,Quantity\nA,ada@example.com,X-9,1\nB,ada@example.com,W-1,-3\nC,ada@example.com,W-1,0\n"
    job = import_run(make_job(admin, text, target="orders").pk)
    assert reasons(job) == {
        2: "SKU: There is no product with SKU 'X-9'; add it under Products, choose “Create the product” or “Import the line without a product” for unknown SKUs in the import's settings, or fix the SKU.",
        3: "Quantity: Quantity must be more than zero (it is '-3').",
        4: "Quantity: Quantity must be more than zero (it is '0').",
    }
    assert (Order.all_objects.count(), OrderLine.objects.count()) == (0, 0)


def test_an_order_line_without_order_number_is_rejected(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    job = import_run(
        make_job(
            admin, "Order Number,Email,Description,Unit Price\n,ada@example.com,Thing,5\n", target="orders"
        ).pk
    )
    assert reasons(job) == {
        2: "This line has no order number; give every line the number of the order it belongs to."
    }


def test_a_stage_that_does_not_exist_is_rejected(admin, pipeline):
    job = import_run(make_job(admin, "Name,Stage\nBig,Signed in blood\n", target="deals").pk)
    assert reasons(job) == {
        2: "Stage: 'Signed in blood' is not one of: Qualification, Needs analysis, Proposal, Negotiation, Won, Lost "
        "(the stages of pipeline 'New business'). Map this value to one of them, add the stage under Settings → "
        "Pipelines, or fix the cell."
    }
    assert Deal.objects.count() == 0


def test_dates_out_of_range_are_rejected(admin, pipeline):
    deals = import_run(
        make_job(admin, "Name,Close Date\nA,01.01.1800\nB,2301-01-01\nC,30.02.2024\n", target="deals").pk
    )
    assert reasons(deals) == {
        2: "Close Date: Close date '01.01.1800' is out of range; use a date between 1900 and 2200.",
        3: "Close Date: Close date '2301-01-01' is out of range; use a date between 1900 and 2200.",
        4: "Close Date: '30.02.2024' is not a date: February 2024 has no day 30.",
    }
    leads = import_run(make_job(admin, "Email,Created Date\na@example.com,2999-01-01\n", target="leads").pk)
    assert reasons(leads) == {
        2: "Created Date: Created date '2999-01-01' is out of range; use a date between 1900 and 2200."
    }


def test_values_too_long_are_rejected_with_their_column(admin, pipeline):
    long = "y" * 201
    cases = {
        "companies": (
            "Name\n" + long + "\n",
            "Name: Company name is too long (201 characters; at most 200).",
        ),
        "deals": ("Name\n" + long + "\n", "Name: Deal name is too long (201 characters; at most 200)."),
        "leads": (
            "Email,Need\na@example.com," + long + "\n",
            "Need: Need is too long (201 characters; at most 200).",
        ),
        "activities": (
            "Subject,Company\n" + long + ",Acme\n",
            # The company is looked up too: the row says everything there is to fix at once.
            "Subject: Subject is too long (201 characters; at most 200). Company: There is no company 'Acme'; "
            "import or add it under Companies first, or fix the name or domain.",
        ),
    }
    for target, (text, reason) in cases.items():
        job = import_run(make_job(admin, text, target=target).pk)
        assert reasons(job) == {2: reason}, target
    assert (Company.objects.count(), Deal.objects.count(), Lead.objects.count()) == (0, 0, 0)


def test_ragged_rows_are_rejected_for_every_target(admin, pipeline):
    job = import_run(make_job(admin, "Name,Amount\nA,1,extra\n", target="deals").pk)
    assert reasons(job) == {
        2: "This row has 3 cells but the header has 2; a value probably contains the delimiter "
        "without quotes."
    }


def test_a_header_only_file_has_no_rows_to_import(admin):
    job = make_job(admin, "Account Name,Website\n", target="companies")
    with pytest.raises(ValidationError) as exc:
        import_dry_run(job=job, by=admin)
    assert exc.value.messages == [
        "The file has a header but no data rows; add rows under the header and upload it again."
    ]


@pytest.mark.parametrize(
    ("target", "header", "message"),
    [
        ("companies", "City", "Map a column to Company name: a company needs a name."),
        ("deals", "Amount", "Map a column to Deal name: a new deal needs a name."),
        (
            "leads",
            "Lead Source",
            "Map a column to the person's Email (or name): a lead points at the contact it came from.",
        ),
        (
            "orders",
            "SKU",
            "Map a column to Order number: rows with the same number are the lines of one order.",
        ),
        ("activities", "Notes", "Map a column to Subject: every activity needs one."),
    ],
)
def test_mappings_that_cannot_work_are_refused_before_any_row_is_read(
    admin, pipeline, target, header, message
):
    job = make_job(admin, header + "\nx\n", target=target)
    with pytest.raises(ValidationError) as exc:
        import_job_configure(job=job, by=admin, mapping={"0": job.mapping.get("0", "")})
    assert exc.value.messages == [message]


def test_a_column_mapped_to_a_field_of_another_target_is_refused(admin):
    job = make_job(admin, "Name\nAcme\n", target="companies")
    with pytest.raises(ValidationError) as exc:
        import_job_configure(job=job, by=admin, mapping={"0": "lifecycle_stage"})
    assert exc.value.messages == [
        "Column 'Name' is mapped to 'lifecycle_stage', which is not a field of companies; "
        "choose another field or ignore the column."
    ]


def test_admin_validation_rules_reject_company_and_lead_rows(admin):
    ValidationRule.objects.create(entity="company", kind="required", field="industry", parameters={})
    ValidationRule.objects.create(entity="lead", kind="required", field="need", parameters={})
    companies = import_run(make_job(admin, "Name,Industry\nAcme,\nGlobex,Energy\n", target="companies").pk)
    assert (companies.created_count, reasons(companies)) == (1, {2: "Industry is required; enter a value."})
    leads = import_run(make_job(admin, "Email,Need\na@example.com,\nb@example.com,CRM\n", target="leads").pk)
    assert (leads.created_count, reasons(leads)) == (1, {2: "Need is required; enter a value."})
    assert Lead.objects.get().need == "CRM"


def test_a_binary_file_is_refused_at_upload_for_any_target(admin):
    with pytest.raises(ValidationError):
        make_job(admin, b"\x00\x01\x02\xff" * 100, name="deals.csv", target="deals")
