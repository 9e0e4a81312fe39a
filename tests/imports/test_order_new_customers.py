"""A shop's order export names customers Rapport does not know yet: with "Create the contact" each new
email becomes one contact (name, phone, country of its order), counted in the dry run, linked to its orders
and removed again by undo; without it, the orders are rejected with a sentence saying what to do."""

from __future__ import annotations

import html
import json

from django.urls import reverse

from rapport.activities.models import TimelineEvent
from rapport.analytics.models import PurchaseSummary
from rapport.contacts.models import Contact
from rapport.imports.models import ImportRow
from rapport.imports.services import base, jobs
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.sales.models import Order
from tests.factories import make_contact
from tests.imports.helpers import configure_form, make_job

SHOP = (
    "Name,Email,Paid at,Created at,Lineitem quantity,Lineitem name,Lineitem price,Billing Name,Billing Phone,"
    "Billing Country\n"
    "#1001,anna.berg@example.se,,2024-03-02 10:14,2,Coffee Mug,29.90,Anna Berg,070 123 45 67,SE\n"
    "#1001,anna.berg@example.se,,2024-03-02 10:14,1,Tea Towel,12.00,,,\n"
    "#1002,BOB@Example.com,,2024-03-05 18:01,1,Poster A2,15.00,\"Smith, Bob\",(555) 010-2030,US\n"
    "#1003,anna.berg@example.se,,2024-04-01 09:00,1,Coffee Mug,29.90,Anna Berg,,SE\n"
)
CREATE = {"new_customers": "create"}


def test_the_dry_run_counts_each_new_customer_once_and_writes_nothing(admin, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)  # Anna's second order is in another batch: counted once still
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    job = make_job(admin, SHOP, target="orders", options=CREATE)
    assert job.mapping["3"] == "ordered_at" and job.mapping["7"] == "customer_name"
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"], report["new_contacts"]) == (4, 0, 2)
    assert Contact.objects.count() == 0 and Order.objects.count() == 0


def test_new_customers_become_contacts_with_their_name_phone_and_country_and_undo_removes_them(admin, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    job = import_run(make_job(admin, SHOP, target="orders", options=CREATE).pk)
    assert (job.created_count, job.rejected_count) == (4, 0)
    anna = Contact.objects.get(email="anna.berg@example.se")
    bob = Contact.objects.get(email="bob@example.com")
    assert (anna.first_name, anna.last_name, anna.phone, anna.country, anna.lifecycle_stage) == (
        "Anna", "Berg", "+46701234567", "SE", "customer")
    assert (bob.first_name, bob.last_name, bob.phone, bob.country) == ("Bob", "Smith", "+15550102030", "US")
    assert Contact.objects.count() == 2
    assert sorted(Order.objects.filter(contact=anna).values_list("number", flat=True)) == ["#1001", "#1003"]
    assert PurchaseSummary.objects.get(contact=anna).orders == 2
    assert TimelineEvent.objects.filter(contact=anna, kind="imported", order__isnull=True).count() == 1
    assert import_undo(job=job, by=admin)["deleted"] >= 5
    assert not Contact.all_objects.filter(email__in=["anna.berg@example.se", "bob@example.com"]).exists()
    assert not Order.all_objects.exists()


def test_a_known_email_uses_its_contact_and_a_bad_phone_only_matters_for_a_new_one(admin):
    ada = make_contact(by=admin, first_name="Ada", emails=["ada@example.com"], phones=["+4930123456"])
    text = (
        "Order Number,Email,Description,Unit Price,Customer Name,Phone\n"
        "A1,ada@example.com,Mug,5,Somebody Else,not a phone\n"
        "A2,new@example.com,Mug,5,New Person,not a phone\n"
    )
    job = import_run(make_job(admin, text, target="orders", options=CREATE).pk)
    assert (job.created_count, job.rejected_count) == (1, 1)
    ada.refresh_from_db()
    assert (ada.first_name, ada.phone) == ("Ada", "+4930123456")  # an order does not rewrite its customer
    assert Order.objects.get().contact == ada
    reason = ImportRow.objects.get(job=job, outcome="rejected").reason
    assert reason.startswith("Phone: ") and "(the phone of the new customer 'new@example.com')" in reason
    assert not Contact.objects.filter(email="new@example.com").exists()


def test_lines_of_one_order_naming_two_customers_are_rejected(admin):
    text = "Order Number,Email,Description,Unit Price\nB1,one@example.com,Mug,5\nB1,two@example.com,Towel,3\n"
    report = import_dry_run(job=make_job(admin, text, target="orders", options=CREATE), by=admin)
    assert report["rejected"] == 2 and "new_contacts" not in report
    assert report["rejections"][0]["reason"] == (
        "The lines of order 'B1' (rows 2, 3) name different customers; make them the same.")


def test_without_the_choice_unknown_customers_are_rejected_with_what_to_do(admin):
    report = import_dry_run(job=make_job(admin, SHOP, target="orders"), by=admin)
    assert (report["created"], report["rejected"]) == (0, 4)
    assert "choose “Create the contact” for new customer emails" in report["rejections"][0]["reason"]


def test_the_page_offers_the_choice_and_the_api_refuses_a_wrong_value(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, SHOP, target="orders")
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert 'name="new_customers"' in page and "Create the contact from the row" in page
    form = configure_form(job, new_customers="create")
    assert client.post(reverse("import-configure", args=[job.pk]), form).status_code == 302
    job.refresh_from_db()
    assert job.options["new_customers"] == "create" and job.dry_run["new_contacts"] == 2
    page = html.unescape(client.get(reverse("import-detail", args=[job.pk])).content.decode())
    assert "New contacts (customers)" in page
    bad = client.patch(f"/api/v1/imports/{job.pk}", json.dumps({"options": {"new_customers": "maybe"}}),
                       content_type="application/json")
    assert bad.status_code == 422
    assert "new_customers must be 'reject' or 'create'" in bad.content.decode()
    job = import_run(job.pk)
    page = html.unescape(client.get(reverse("import-detail", args=[job.pk])).content.decode())
    assert "The import also created 2 contacts for emails no contact had; undo removes them with the rest." in page
