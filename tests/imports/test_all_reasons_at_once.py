"""A row with several problems says all of them at once: the cells that do not read, and the related records
(company, contact, deal, product) that are not there. Fixing what the reason says is enough: the fixed row is
not rejected again for a problem the first reason left out."""

from __future__ import annotations

from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.sales.models import Deal
from tests.factories import make_company, make_contact
from tests.imports.helpers import make_job

DEALS = "Opportunity Name,Account Name,Contact Email,Stage,Amount,Currency,Opportunity ID\n"


def reasons_of(report):
    return {r["row"]: r["reason"] for r in report["rejections"]}


def test_a_deal_with_a_bad_amount_an_unknown_company_and_an_unknown_contact_names_all_three(admin, pipeline):
    text = DEALS + "Big deal,Nowhere Inc,ghost@example.com,Qualification,lots,EUR,D-1\n"
    report = import_dry_run(job=make_job(admin, text, target="deals"), by=admin)
    reason = reasons_of(report)[2]
    assert reason.startswith("Amount: ")
    assert "Account Name: There is no company 'Nowhere Inc'" in reason
    assert "Contact Email: There is no contact with the email 'ghost@example.com'" in reason
    # Counted under each of the three columns.
    assert report["rejections_by_column"] == {"Amount": 1, "Account Name": 1, "Contact Email": 1}


def test_a_deal_with_an_unknown_company_and_contact_names_both_and_the_fixed_row_imports(admin, pipeline):
    text = DEALS + "Big deal,Nowhere Inc,ghost@example.com,Qualification,100,EUR,D-1\n"
    job = import_run(make_job(admin, text, target="deals").pk)
    assert job.rejected_count == 1
    reason = job.rows.get().reason
    assert "There is no company 'Nowhere Inc'" in reason and "ghost@example.com" in reason
    # The user adds both, as the reason says: the same row now imports, with no new rejection.
    company = make_company(by=admin, name="Nowhere Inc")
    contact = make_contact(by=admin, emails=["ghost@example.com"])
    job = import_run(make_job(admin, text, target="deals").pk)
    assert (job.created_count, job.rejected_count) == (1, 0)
    deal = Deal.objects.get(name="Big deal")
    assert (deal.company_id, deal.contact_id) == (company.pk, contact.pk)


def test_a_good_row_beside_them_is_not_touched(admin, pipeline):
    make_company(by=admin, name="Acme")
    text = DEALS + ("Bad,Nowhere Inc,,Qualification,x,EUR,D-1\n"
                    "Good,Acme,,Qualification,10,EUR,D-2\n")
    job = import_run(make_job(admin, text, target="deals").pk)
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert list(Deal.objects.values_list("name", flat=True)) == ["Good"]


def test_an_activity_with_a_bad_date_and_an_unknown_contact_name_says_both(admin):
    text = "Activity Type,Subject,Contact Name,Due Date\nCall,Intro,Anna Berg,32.13.2026\n"
    report = import_dry_run(job=make_job(admin, text, target="activities"), by=admin)
    reason = reasons_of(report)[2]
    assert reason.startswith("Due Date: ")
    assert "Contact Name: There is no contact called 'Anna Berg'" in reason


def test_an_order_line_with_a_bad_quantity_and_an_unknown_sku_says_both(admin):
    make_contact(by=admin, emails=["buyer@example.com"])
    text = "Order Number,Email,Order Date,SKU,Quantity,Unit Price,Currency\n1001,buyer@example.com,2026-03-01,NOPE-1,two,5,EUR\n"
    report = import_dry_run(job=make_job(admin, text, target="orders"), by=admin)
    reason = reasons_of(report)[2]
    assert reason.startswith("Quantity: ")
    assert "NOPE-1" in reason
