"""The dry run of an order file predicts the run: the same created, updated, skipped and rejected counts, the
same reasons, for orders the file leaves as they are, orders met again later in the file, orders the user may
not change, update-only files naming orders Rapport does not have, and customers and products an earlier
batch creates. Each test runs the dry run and then the run of the same file on the same data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.models import Contact
from rapport.imports.models import ImportRow
from rapport.imports.services import jobs
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.sales.models import Order, OrderLine, Product
from rapport.sales.services.orders import order_create
from tests.factories import make_contact, make_product
from tests.imports.helpers import make_job

JAN_1 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def dry_run_then_run(user: Any, text: str, **configure: Any) -> tuple[dict[str, Any], Any]:
    """Check the file, then import it; assert both give the same counts and the same reasons per row."""
    job = make_job(user, text, target="orders", **configure)
    report = import_dry_run(job=job, by=user)
    job = import_run(job.pk, batch_rows=jobs.BATCH_ROWS)
    assert (report["created"], report["updated"], report["skipped"], report["rejected"]) == (
        job.created_count,
        job.updated_count,
        job.skipped_count,
        job.rejected_count,
    )
    rows = ImportRow.objects.filter(job=job)
    assert {m["row"]: m["why"] for m in report["matched"] if m["outcome"] == "skipped"} == dict(
        rows.filter(outcome="skipped").values_list("row_number", "reason")
    )
    assert {r["row"]: r["reason"] for r in report["rejections"]} == dict(
        rows.filter(outcome="rejected").values_list("row_number", "reason")
    )
    return report, job


def counts(job: Any) -> tuple[int, int, int, int]:
    return job.created_count, job.updated_count, job.skipped_count, job.rejected_count


def test_an_order_the_file_leaves_as_it_is_is_skipped_as_unchanged_by_both(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    widget = make_product(by=admin, sku="W-1", name="Widget", unit_price="10.00")
    same = order_create(
        by=admin,
        contact=ada,
        number="5001",
        status="shipped",
        ordered_at=JAN_1,
        currency="EUR",
        lines=[{"product": widget, "quantity": 2}, {"description": "Gift wrap", "unit_price": "1.50"}],
    )
    changed = order_create(
        by=admin,
        contact=ada,
        number="5002",
        status="placed",
        ordered_at=JAN_1,
        currency="EUR",
        lines=[{"product": widget, "quantity": 1}],
    )
    text = "Order Number,Email,Order Date,SKU,Description,Quantity,Unit Price,Order Status\n" + (
        "5001,ada@example.com,2024-01-01,W-1,,2,,Shipped\n"  # the price from the product: 10.00 as stored
        '5001,ada@example.com,2024-01-01,,Gift wrap,1,"1,5",Shipped\n'
        "5002,ada@example.com,2024-01-01,W-1,,1,10,Shipped\n"
    )
    report, job = dry_run_then_run(admin, text, options={"decimal_comma": True})
    assert counts(job) == (0, 1, 2, 0)
    assert [(m["row"], m["id"], m["outcome"], m["why"], m["changes"]) for m in report["matched"]] == [
        (2, same.pk, "skipped", f"Order #{same.pk} already has these values and lines; nothing changed.", []),
        (3, same.pk, "skipped", f"Order #{same.pk} already has these values and lines; nothing changed.", []),
        (4, changed.pk, "updated", "same order number", ["status"]),
    ]
    same.refresh_from_db()
    changed.refresh_from_db()
    assert (same.version, changed.version, changed.status) == (1, 2, "shipped")


def test_an_order_met_again_in_a_later_batch_adds_its_lines_in_both(admin, one_order_a_batch):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    widget = make_product(by=admin, sku="W-1", name="Widget", unit_price="10.00")
    existing = order_create(
        by=admin, contact=ada, number="5001", status="placed", ordered_at=JAN_1, lines=[{"product": widget}]
    )
    # Row 2 updates the order (its status); row 4, two batches on, repeats the stored line with no status:
    # alone it would change nothing, but the run adds it to the order row 2 rewrote.
    text = "Order Number,Email,SKU,Quantity,Order Status\n" + (
        "5001,ada@example.com,W-1,1,Shipped\n"
        "5002,ada@example.com,W-1,1,Shipped\n"
        "5001,ada@example.com,W-1,1,\n"
    )
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (1, 2, 0, 0)
    assert [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]] == [
        (2, "updated", ["status"]),
        (4, "updated", ["lines"]),
    ]
    existing.refresh_from_db()
    assert (existing.status, existing.total, existing.lines.count()) == ("shipped", Decimal("20.00"), 2)


def test_lines_of_a_new_order_met_later_by_its_number_are_added_to_it_in_both(admin, one_order_a_batch):
    make_contact(by=admin, emails=["ada@example.com"])
    # Row 2's order is keyed by its Order ID; row 4 names only its number, which is what the job matches by,
    # and has no customer email: the run adds it to the order row 2 made, it does not refuse a new order.
    text = "Order Number,Order ID,Email,Description,Quantity,Unit Price\n" + (
        "8001,S-1,ada@example.com,A,1,5\n8002,,ada@example.com,B,1,5\n8001,,,C,1,5\n"
    )
    report, job = dry_run_then_run(admin, text)
    assert job.match_key == "number"
    assert counts(job) == (3, 0, 0, 0)
    order = Order.objects.get(external_id="S-1")
    assert ([line.description for line in order.lines.order_by("id")], order.total) == (
        ["A", "C"],
        Decimal("10.00"),
    )
    assert Order.objects.count() == 2


def test_update_only_skips_orders_rapport_does_not_have_with_the_same_reason_in_both(
    admin, one_order_a_batch
):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    existing = order_create(
        by=admin, contact=ada, number="5001", status="placed", lines=[{"description": "A", "unit_price": "5"}]
    )
    text = "Order Number,Description,Unit Price,Order Status\n" + (
        "5009,A,5,Paid\n5001,A,5,Shipped\n5009,B,5,Paid\n"
    )
    report, job = dry_run_then_run(admin, text, mode="update")
    assert counts(job) == (0, 1, 2, 0)
    missing = "No existing order has this order number; nothing to update."
    assert [(m["row"], m["id"], m["outcome"], m["why"]) for m in report["matched"]] == [
        (2, None, "skipped", missing),
        (3, existing.pk, "updated", "same order number"),
        (4, None, "skipped", missing),
    ]


def test_an_order_the_importer_may_not_change_is_skipped_by_both_and_gets_no_new_customer(admin, outsider):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    theirs = order_create(
        by=admin, contact=ada, number="5001", lines=[{"description": "A", "unit_price": "5"}]
    )
    order_create(by=admin, contact=ada, number="5003", lines=[{"description": "A", "unit_price": "5"}])
    make_contact(by=outsider, emails=["oscar@example.com"])
    contacts = Contact.all_objects.count()
    text = "Order Number,Email,Description,Unit Price\n" + (
        "5001,oscar@example.com,A,5\n"
        "5003,newbie@example.com,A,5\n"  # would create a customer, for an order of another team
        "9001,oscar@example.com,A,5\n"
    )
    report, job = dry_run_then_run(outsider, text, options={"new_customers": "create"})
    assert counts(job) == (1, 0, 2, 0)
    refusal = "Matches an order you may not see; ask a manager to import these lines."
    assert [(m["row"], m["id"], m["why"]) for m in report["matched"]] == [
        (2, None, refusal),
        (3, None, refusal),
    ]
    assert "new_contacts" not in report
    assert Contact.all_objects.count() == contacts
    theirs.refresh_from_db()
    assert theirs.version == 1


def test_a_new_customer_or_product_on_an_order_otherwise_unchanged_updates_it_in_both(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    mugs = order_create(
        by=admin,
        contact=ada,
        number="5001",
        ordered_at=JAN_1,
        lines=[{"description": "Blue mug", "unit_price": "12.50"}],
    )
    towels = order_create(
        by=admin,
        contact=ada,
        number="5002",
        ordered_at=JAN_1,
        lines=[{"description": "Towel", "unit_price": "4"}],
    )
    # 5001: the same line, now with a SKU the catalogue lacks; 5002: the same line, a customer Rapport lacks.
    text = "Order Number,Email,SKU,Description,Quantity,Unit Price\n" + (
        "5001,ada@example.com,MUG-9,Blue mug,1,12.50\n5002,nils@example.com,,Towel,1,4\n"
    )
    report, job = dry_run_then_run(admin, text, options={"new_customers": "create", "new_products": "create"})
    assert counts(job) == (0, 2, 0, 0)
    assert (report["new_contacts"], report["new_products"]) == (1, 1)
    assert [(m["row"], m["changes"]) for m in report["matched"]] == [(2, ["lines"]), (3, ["contact"])]
    assert OrderLine.objects.get(order=mugs).product == Product.objects.get(sku="MUG-9")
    towels.refresh_from_db()
    assert towels.contact == Contact.objects.get(email="nils@example.com")


def test_a_product_an_earlier_batch_adds_prices_a_later_line_in_both(admin, one_order_a_batch):
    make_contact(by=admin, emails=["ada@example.com"])
    text = "Order Number,Email,SKU,Description,Quantity,Unit Price\n" + (
        "N-1,ada@example.com,MUG-9,Blue mug,1,12.50\n"
        "N-2,ada@example.com,MUG-9,,2,\n"  # no price: the run takes the price of the product row 2 added
    )
    report, job = dry_run_then_run(admin, text, options={"new_products": "create"})
    assert counts(job) == (2, 0, 0, 0)
    assert report["new_products"] == 1
    later = Order.objects.get(number="N-2")
    assert (later.total, later.lines.get().description) == (Decimal("25.00"), "Blue mug")
    assert Product.objects.filter(sku="MUG-9").count() == 1


def test_a_customer_an_earlier_batch_creates_is_not_checked_again_in_both(admin, one_order_a_batch):
    # The second order's phone cannot be a number, which refuses an order only when it creates its customer:
    # by then the run finds Nina, made by the first order's batch.
    text = "Order Number,Email,Description,Unit Price,Billing Name,Billing Phone,Billing Country\n" + (
        "C-1,nina@example.se,Mug,10,Nina Holm,070 123 45 67,SE\n"
        "C-2,nina@example.se,Mug,10,Nina Holm,not a phone,SE\n"
    )
    report, job = dry_run_then_run(admin, text, options={"new_customers": "create"})
    assert counts(job) == (2, 0, 0, 0)
    assert report["new_contacts"] == 1
    nina = Contact.objects.get(email="nina@example.se")
    assert (nina.phone, nina.orders.count()) == ("+46701234567", 2)


def test_checking_matched_orders_takes_the_same_queries_however_many_orders_a_batch_has(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    widget = make_product(by=admin, sku="W-1", name="Widget", unit_price="10.00")
    header = "Order Number,Email,Order Date,SKU,Quantity,Order Status\n"

    def order_file(first: int, orders: int) -> str:
        lines = []
        for number in range(first, first + orders):
            order_create(
                by=admin,
                contact=ada,
                number=str(number),
                ordered_at=JAN_1,
                status="placed",
                lines=[{"product": widget}, {"product": widget, "quantity": 2}],
            )
            status = "Placed" if number % 2 else "Shipped"  # every other order unchanged, the others updated
            lines += [
                f"{number},ada@example.com,2024-01-01,W-1,1,{status}\n",
                f"{number},ada@example.com,2024-01-01,W-1,2,{status}\n",
            ]
        return header + "".join(lines)

    def queries(text: str) -> tuple[int, int, dict[str, Any]]:
        job = make_job(admin, text, target="orders")
        with CaptureQueriesContext(connection) as dry:
            report = import_dry_run(job=job, by=admin)
        with CaptureQueriesContext(connection) as run:
            job = import_run(job.pk)
        assert (report["updated"], report["skipped"]) == (job.updated_count, job.skipped_count)
        return len(dry.captured_queries), len(run.captured_queries), report

    queries(order_file(1000, 2))  # first use: caches that any import fills once
    few = queries(order_file(2001, 2))
    many = queries(order_file(3001, 8))
    assert (many[2]["updated"], many[2]["skipped"]) == (8, 8)
    assert few[:2] == many[:2]
