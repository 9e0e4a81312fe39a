"""A shop's order export names SKUs the catalogue does not have: by default the orders are rejected with a
sentence saying what to do; "Create the product" adds one product per new SKU (managers and admins), counted
in the dry run and removed by undo; "Import the line without a product" keeps the line, its price and SKU."""

from __future__ import annotations

import html
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from rapport.contacts.models import Contact
from rapport.imports.models import ImportJob, ImportRow
from rapport.imports.services import base, jobs
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.sales.models import Order, OrderLine, Product
from rapport.sales.services.orders import order_create
from tests.factories import make_contact, make_product
from tests.imports.helpers import configure_form, make_job

SHOP = (
    "Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Currency\n"
    "#1001,anna@example.se,2024-03-02 10:14,2,Coffee Mug,29.90,MUG-1,SEK\n"
    "#1001,anna@example.se,2024-03-02 10:14,1,Tea Towel,12.00,TOWEL-1,SEK\n"
    "#1002,anna@example.se,2024-03-05 18:01,1,Poster A2,15.00,KNOWN-1,SEK\n"
    "#1003,anna@example.se,2024-04-01 09:00,3,Coffee Mug (blue),27.50,MUG-1,SEK\n"
)
CREATE = {"new_products": "create"}
WITHOUT = {"new_products": "without"}


@pytest.fixture
def shop(admin):
    make_contact(by=admin, first_name="Anna", emails=["anna@example.se"])
    return make_product(by=admin, sku="KNOWN-1", name="Poster A2", unit_price="15.00", currency="SEK")


def test_by_default_an_unknown_sku_rejects_its_order_and_says_what_to_do(admin, shop):
    report = import_dry_run(job=make_job(admin, SHOP, target="orders"), by=admin)
    assert (report["created"], report["rejected"]) == (1, 3)  # #1002 names a known SKU
    reasons = {r["row"]: r["reason"] for r in report["rejections"]}
    assert reasons[2] == (
        "Lineitem sku: There is no product with SKU 'MUG-1'; add it under Products, choose “Create the product” "
        "or “Import the line without a product” for unknown SKUs in the import's settings, or fix the SKU.")
    assert "new_products" not in report


def test_the_dry_run_counts_each_new_product_once_and_writes_nothing(admin, shop, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)  # MUG-1 is met again in the next batch: counted once still
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    report = import_dry_run(job=make_job(admin, SHOP, target="orders", options=CREATE), by=admin)
    assert (report["created"], report["rejected"], report["new_products"]) == (4, 0, 2)
    assert list(Product.objects.values_list("sku", flat=True)) == ["KNOWN-1"]
    assert not Order.objects.exists()


def test_create_adds_one_product_per_new_sku_and_undo_removes_them(admin, shop, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    job = import_run(make_job(admin, SHOP, target="orders", options=CREATE).pk)
    assert (job.created_count, job.rejected_count) == (4, 0)
    mug, towel = Product.objects.get(sku="MUG-1"), Product.objects.get(sku="TOWEL-1")
    # Named and priced by the first line with the SKU; in the order's currency.
    assert (mug.name, mug.unit_price, mug.currency, mug.is_active) == ("Coffee Mug", Decimal("29.90"), "SEK", True)
    assert (towel.name, towel.unit_price) == ("Tea Towel", Decimal("12.00"))
    assert Product.objects.count() == 3
    lines = {(line.order.number, line.description): line.product_id for line in OrderLine.objects.select_related("order")}
    assert lines == {("#1001", "Coffee Mug"): mug.pk, ("#1001", "Tea Towel"): towel.pk,
                     ("#1002", "Poster A2"): shop.pk, ("#1003", "Coffee Mug (blue)"): mug.pk}
    assert Order.objects.get(number="#1003").total == Decimal("82.50")
    import_undo(job=job, by=admin)
    assert list(Product.all_objects.values_list("sku", flat=True)) == ["KNOWN-1"]
    assert not Order.all_objects.exists()


def test_undo_moves_a_new_product_that_another_order_uses_by_then_to_the_trash(admin, shop):
    job = import_run(make_job(admin, SHOP, target="orders", options=CREATE).pk)
    mug = Product.objects.get(sku="MUG-1")
    anna = Contact.objects.get(email="anna@example.se")
    order_create(by=admin, contact=anna, number="HAND-1", lines=[{"product": mug, "quantity": 1,
                                                                   "unit_price": Decimal("29.90")}])
    import_undo(job=job, by=admin)
    mug = Product.all_objects.get(sku="MUG-1")
    assert mug.deleted_at is not None  # in the trash, not deleted: the order typed by hand still has its line
    assert OrderLine.objects.get(order__number="HAND-1").product_id == mug.pk
    assert not Product.all_objects.filter(sku="TOWEL-1").exists()


def test_without_a_product_the_line_keeps_its_description_price_and_sku(admin, shop):
    text = SHOP + "#1004,anna@example.se,2024-04-02 09:00,1,,4.00,PIN-1,SEK\n"
    job = import_run(make_job(admin, text, target="orders", options=WITHOUT).pk)
    assert (job.created_count, job.rejected_count) == (5, 0)
    lines = {line.description: (line.product_id, line.unit_price) for line in OrderLine.objects.all()}
    assert lines == {"Coffee Mug (MUG-1)": (None, Decimal("29.90")), "Tea Towel (TOWEL-1)": (None, Decimal("12.00")),
                     "Poster A2": (shop.pk, Decimal("15.00")), "Coffee Mug (blue) (MUG-1)": (None, Decimal("27.50")),
                     "PIN-1": (None, Decimal("4.00"))}
    assert Product.objects.count() == 1


@pytest.mark.parametrize("options", [CREATE, WITHOUT])
def test_an_unknown_sku_without_a_price_is_rejected_whatever_the_choice(admin, shop, options):
    text = "Order Number,Email,SKU\nC1,anna@example.se,NEW-9\n"
    report = import_dry_run(job=make_job(admin, text, target="orders", options=options), by=admin)
    assert report["rejected"] == 1 and report["rejections"][0]["reason"] == (
        "This line has no unit price and no product to take it from; give the unit price.")


def test_a_sku_of_a_product_in_the_trash_is_rejected_not_taken_twice(admin, shop):
    old = make_product(by=admin, sku="MUG-1", name="Old mug")
    old.deleted_at, old.deleted_by = old.created_at, admin
    old.save()
    job = import_run(make_job(admin, SHOP, target="orders", options=CREATE).pk)
    reasons = dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))
    assert reasons[2] == "Lineitem sku: The product with SKU 'MUG-1' is in the trash; restore it under Trash, or fix the SKU."
    assert reasons[5].startswith("Lineitem sku: The product with SKU 'MUG-1' is in the trash")
    assert reasons[3].startswith("Another line of order '#1001' (row 2) was rejected")
    assert job.created_count == 1 and Product.all_objects.filter(sku="MUG-1").count() == 1


def test_only_catalogue_keepers_may_create_products(admin, teammate, manager):
    with pytest.raises(ValidationError, match="Only managers and administrators add products to the catalogue"):
        make_job(teammate, SHOP, target="orders", options=CREATE)
    job = make_job(teammate, SHOP, target="orders", options=WITHOUT)
    assert job.options["new_products"] == "without"
    assert make_job(manager, SHOP, target="orders", options=CREATE).options["new_products"] == "create"


def test_the_page_offers_the_choices_and_the_api_refuses_a_wrong_value(admin, teammate, shop, client_for):
    client = client_for(admin)
    job = make_job(admin, SHOP, target="orders")
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert 'name="new_products"' in page and "Create the product from the line" in page
    form = configure_form(job, new_products="create")
    assert client.post(reverse("import-configure", args=[job.pk]), form).status_code == 302
    job.refresh_from_db()
    assert job.options["new_products"] == "create" and job.dry_run["new_products"] == 2
    page = html.unescape(client.get(reverse("import-detail", args=[job.pk])).content.decode())
    assert "New products" in page
    bad = client.patch(f"/api/v1/imports/{job.pk}", json.dumps({"options": {"new_products": "guess"}}),
                       content_type="application/json")
    assert bad.status_code == 422 and "new_products must be one of 'reject', 'create', 'without'" in bad.content.decode()
    assert ImportJob.objects.get(pk=job.pk).options["new_products"] == "create"
    job = import_run(job.pk)
    page = html.unescape(client.get(reverse("import-detail", args=[job.pk])).content.decode())
    assert "It added 2 products to the catalogue for SKUs it did not have; undo removes them with the orders." in page
    # A rep sees no "Create the product" choice, and the API refuses it with a sentence.
    rep = client_for(teammate)
    theirs = make_job(teammate, SHOP, target="orders")
    page = rep.get(reverse("import-detail", args=[theirs.pk])).content.decode()
    assert 'name="new_products"' in page and "Create the product from the line" not in page
    refused = rep.patch(f"/api/v1/imports/{theirs.pk}", json.dumps({"options": {"new_products": "create"}}),
                        content_type="application/json")
    assert refused.status_code == 422 and "Only managers and administrators add products" in refused.content.decode()
    assert "new_products" not in ImportJob.objects.get(pk=theirs.pk).options


def test_the_command_takes_the_choices_for_order_files_only(admin, shop, tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text(SHOP)
    call_command("import", str(path), "--target", "orders", "--new-products", "without", "--user", admin.username)
    assert OrderLine.objects.filter(description="Tea Towel (TOWEL-1)", product__isnull=True).exists()
    with pytest.raises(CommandError, match="--new-products is for order imports"):
        call_command("import", str(path), "--target", "contacts", "--new-products", "create")
