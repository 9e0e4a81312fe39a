"""Undoing an order import leaves every order it updated exactly as it was (header, lines, total), also when
later parts of the file, in other batches, added lines to it, and takes back the products those lines added."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rapport.imports.services.jobs import import_undo
from rapport.sales.models import Order, Product
from rapport.sales.services.orders import order_create
from tests.factories import make_contact
from tests.imports.test_orders_dry_run_predicts_run import counts, dry_run_then_run

JAN_1 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
HEADER = "Order Number,Email,SKU,Description,Quantity,Unit Price,Order Status\n"


def stored_order(by: Any) -> Order:
    ada = make_contact(by=by, emails=["ada@example.com"])
    return order_create(
        by=by,
        contact=ada,
        number="5001",
        status="placed",
        ordered_at=JAN_1,
        currency="EUR",
        lines=[
            {"description": "A", "unit_price": "5"},
            {"description": "B", "quantity": 2, "unit_price": "1.50"},
        ],
    )


def state(order: Order) -> tuple[Any, ...]:
    order.refresh_from_db()
    lines = [
        (line.product_id, line.description, line.quantity, line.unit_price) for line in order.lines.all()
    ]
    return order.status, order.total, order.contact_id, lines


def test_undo_takes_back_lines_added_after_an_update_of_the_header(admin, one_order_a_batch):
    order = stored_order(admin)
    before = state(order)
    text = HEADER + (
        "5001,ada@example.com,,A,1,5,Shipped\n"  # the stored lines, another status: the header changes
        '5001,ada@example.com,,B,2,"1.50",Shipped\n'
        "5002,ada@example.com,,X,1,5,\n"
        "5001,ada@example.com,,C,1,7,\n"  # two batches on: one more line of 5001
    )
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (1, 3, 0, 0)
    assert [(m["row"], m["changes"]) for m in report["matched"]] == [
        (2, ["status"]),
        (3, ["status"]),
        (5, ["lines"]),
    ]
    assert state(order)[:2] == ("shipped", Decimal("15.00"))
    summary = import_undo(job=job, by=admin)
    assert (summary["restored"], summary["deleted"]) == (1, 1)
    assert state(order) == before
    assert list(Order.objects.values_list("number", flat=True)) == ["5001"]


def test_undo_takes_back_lines_added_to_an_order_the_first_part_left_unchanged(admin, one_order_a_batch):
    order = stored_order(admin)
    before = state(order)
    text = HEADER + (
        "5001,ada@example.com,,A,1,5,\n"
        '5001,ada@example.com,,B,2,"1.50",\n'
        "5002,ada@example.com,,X,1,5,\n"
        "5001,ada@example.com,,C,1,7,\n"
    )
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (1, 1, 2, 0)
    assert state(order)[3][2][1] == "C"
    import_undo(job=job, by=admin)
    assert state(order) == before


def test_undo_deletes_the_product_a_line_added_later_brought(admin, one_order_a_batch):
    order = stored_order(admin)
    before = state(order)
    text = HEADER + (
        "5001,ada@example.com,,A,1,5,Shipped\n"
        '5001,ada@example.com,,B,2,"1.50",Shipped\n'
        "5002,ada@example.com,,X,1,5,\n"
        "5001,ada@example.com,MUG-9,Blue mug,1,12.50,\n"  # a SKU the catalogue lacks: the import adds it
    )
    report, job = dry_run_then_run(admin, text, options={"new_products": "create"})
    assert (counts(job), report["new_products"]) == ((1, 3, 0, 0), 1)
    assert Product.objects.filter(sku="MUG-9").exists()
    summary = import_undo(job=job, by=admin)
    assert (summary["deleted"], summary["trashed"]) == (2, 0)  # order 5002 and the product
    assert state(order) == before
    assert not Product.all_objects.filter(sku="MUG-9").exists()
