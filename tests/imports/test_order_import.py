"""Importing orders with lines: grouping by order number, products by SKU, totals, purchase summaries, undo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rapport.activities.models import TimelineEvent
from rapport.analytics.models import PurchaseSummary
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob, ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.sales.models import Order, OrderLine
from rapport.sales.services.orders import order_create
from tests.factories import make_contact, make_product
from tests.imports.helpers import make_job

HEADER = "Order Number,Email,Order Date,SKU,Quantity,Unit Price,Currency\n"


def run(job, **kwargs):
    return import_run(job.pk, **kwargs)


def lines_of(order: Order) -> list[tuple[str | None, str, Decimal, Decimal]]:
    return [
        (line.product.sku if line.product else None, line.description, line.quantity, line.unit_price)
        for line in order.lines.select_related("product").order_by("id")
    ]


def test_shop_export_headers_are_mapped(admin):
    job = make_job(admin, HEADER + "1001,a@example.com,2024-01-01,W-1,1,10,EUR\n", target="orders")
    assert job.mapping == {
        "0": "number",
        "1": "contact",
        "2": "ordered_at",
        "3": "sku",
        "4": "quantity",
        "5": "unit_price",
        "6": "currency",
    }
    assert job.match_key == "number"


def test_rows_with_the_same_order_number_become_one_order_with_lines_and_a_purchase_summary(admin):
    ada = make_contact(by=admin, first_name="Ada", emails=["ada@example.com"])
    bob = make_contact(by=admin, first_name="Bob", emails=["bob@example.com"])
    make_product(by=admin, sku="W-1", name="Widget", unit_price="10.00")
    make_product(by=admin, sku="G-2", name="Gadget", unit_price="99.90")
    text = HEADER + (
        "1001,ada@example.com,2024-03-01 10:30,W-1,2,,EUR\n"
        '1001,ada@example.com,2024-03-01 10:30,G-2,1,"89,50",EUR\n'
        '1002,bob@example.com,02.03.2024,W-1,"1,5",12.00,\n'
        "1003,ada@example.com,2024-03-05,,1,5.00,EUR\n"
    )
    job = make_job(admin, text, target="orders", options={"decimal_comma": True})
    report = import_dry_run(job=job, by=admin)
    assert (report["rows"], report["created"], report["rejected"]) == (4, 3, 1)
    assert report["samples"][0]["values"] == {
        "ordered_at": "2024-03-01T10:30:00+00:00",
        "currency": "EUR",
        "number": "1001",
        "lines": 2,
        "total": "109.50",
        "customer": "ada@example.com",
    }
    job = run(job)
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (3, 0, 0, 1)
    assert ImportRow.objects.get(job=job).reason == (
        "This line has neither a product SKU nor a description; give one of them."
    )
    first = Order.objects.get(number="1001")
    assert (first.contact, first.total, first.currency, first.ordered_at) == (
        ada,
        Decimal("109.50"),
        "EUR",
        dt.datetime(2024, 3, 1, 10, 30, tzinfo=dt.UTC),
    )
    assert lines_of(first) == [
        ("W-1", "Widget", Decimal("2.000"), Decimal("10.00")),
        ("G-2", "Gadget", Decimal("1.000"), Decimal("89.50")),
    ]
    second = Order.objects.get(number="1002")
    assert (second.total, second.currency) == (Decimal("18.00"), "EUR")
    summary = PurchaseSummary.objects.get(contact=ada)
    assert (summary.orders, summary.total_spend, summary.purchase_days) == (1, Decimal("109.50"), 1)
    assert PurchaseSummary.objects.get(contact=bob).orders == 1
    event = TimelineEvent.objects.get(order=first)
    assert (event.kind, event.contact, event.summary) == (
        "imported",
        ada,
        "Order 1001: 109.50 EUR imported from contacts.csv (row 2)",
    )


def test_a_rejected_line_rejects_the_whole_order(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="10.00")
    text = HEADER + (
        "2001,ada@example.com,2024-01-01,W-1,1,,\n"
        "2001,ada@example.com,2024-01-01,NOPE,1,,\n"
        "2001,ada@example.com,2024-01-01,W-1,-2,,\n"
        "2002,ada@example.com,2024-01-01,W-1,1,,\n"
    )
    job = run(make_job(admin, text, target="orders"))
    assert (job.created_count, job.rejected_count) == (1, 3)
    reasons = dict(ImportRow.objects.filter(job=job).values_list("row_number", "reason"))
    assert reasons == {
        2: "Another line of order '2001' (row 3) was rejected; fix that line and import the whole order again.",
        3: "SKU: There is no product with SKU 'NOPE'; add it under Products, choose “Create the product” or “Import the line without a product” for unknown SKUs in the import's settings, or fix the SKU.",
        4: "Quantity: Quantity must be more than zero (it is '-2').",
    }
    assert list(Order.objects.values_list("number", flat=True)) == ["2002"]


def test_bad_order_lines_are_rejected_with_reasons(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    text = "Order Number,Email,Order Date,Description,Quantity,Unit Price\n" + (
        ",ada@example.com,2024-01-01,Thing,1,5\n"
        "3002,ghost@example.com,2024-01-01,Thing,1,5\n"
        "3003,ada@example.com,1850-01-01,Thing,1,5\n"
        "3004,ada@example.com,2024-01-01,Thing,1,\n"
        "3005,ada@example.com,2024-01-01," + "x" * 201 + ",1,5\n"
        "3006,ada@example.com,2099-01-01,Thing,1,5\n"
    )
    report = import_dry_run(job=make_job(admin, text, target="orders"), by=admin)
    assert {r["row"]: r["reason"] for r in report["rejections"]} == {
        2: "This line has no order number; give every line the number of the order it belongs to.",
        3: "Email: There is no contact with the email 'ghost@example.com'; import the contacts first, choose “Create the "
        "contact” for new customer emails in the import's settings, or fix the email.",
        4: "Order Date: Order date '1850-01-01' is out of range; use a date between 1900 and 2200.",
        5: "This line has no unit price and no product to take it from; give the unit price.",
        6: "Description: Line description is too long (201 characters; at most 200).",
        7: "Order Date: Order date '2099-01-01' is too far in the future (more than 366 days ahead).",
    }


def test_create_mode_skips_orders_already_in_rapport(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    existing = order_create(
        by=admin, contact=ada, number="4001", lines=[{"description": "Old", "unit_price": "1"}]
    )
    job = run(
        make_job(
            admin,
            HEADER.replace(",SKU", ",Description") + "4001,ada@example.com,2024-01-01,New,1,5,EUR\n",
            target="orders",
            mode="create",
        )
    )
    assert (job.created_count, job.skipped_count) == (0, 1)
    assert ImportRow.objects.get(job=job).reason == (
        f"Duplicate: this order is already in Rapport as order #{existing.pk} (same order number)."
    )


def test_update_replaces_an_orders_lines_and_undo_restores_them_and_the_summary(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", name="Widget", unit_price="10.00")
    existing = order_create(
        by=admin,
        contact=ada,
        number="5001",
        status="placed",
        ordered_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        lines=[{"description": "Old thing", "quantity": "3", "unit_price": "7.00"}],
    )
    summary_before = PurchaseSummary.objects.filter(contact=ada).values_list("orders", "total_spend").get()
    header = {
        f.attname: getattr(existing, f.attname) for f in Order._meta.concrete_fields if f.name != "updated_at"
    }
    old_lines = lines_of(existing)
    text = "Order Number,SKU,Quantity,Order Status\n5001,W-1,1,Shipped\n5001,W-1,4,Shipped\n5009,W-1,1,Paid\n"
    job = run(make_job(admin, text, target="orders", mode="update"))
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 2, 1)
    existing.refresh_from_db()
    assert (existing.status, existing.total) == ("shipped", Decimal("50.00"))
    assert lines_of(existing) == [
        ("W-1", "Widget", Decimal("1.000"), Decimal("10.00")),
        ("W-1", "Widget", Decimal("4.000"), Decimal("10.00")),
    ]
    assert PurchaseSummary.objects.get(contact=ada).total_spend == Decimal("50.00")
    assert import_undo(job=job, by=admin) == {"deleted": 0, "trashed": 0, "restored": 1}
    existing.refresh_from_db()
    assert {
        f.attname: getattr(existing, f.attname) for f in Order._meta.concrete_fields if f.name != "updated_at"
    } == {**header, "version": 3}
    assert lines_of(existing) == old_lines
    assert (
        PurchaseSummary.objects.filter(contact=ada).values_list("orders", "total_spend").get()
        == summary_before
    )


def test_undo_deletes_imported_orders_lines_events_and_summaries(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    counts = (
        Order.all_objects.count(),
        OrderLine.objects.count(),
        TimelineEvent.objects.count(),
        PurchaseSummary.objects.count(),
    )
    text = (
        HEADER.replace(",SKU", ",Description") + "6001,ada@example.com,2024-01-01,A,1,5,EUR\n"
        "6001,ada@example.com,2024-01-01,B,2,5,EUR\n"
    )
    job = run(make_job(admin, text, target="orders"))
    assert PurchaseSummary.objects.get(contact=ada).total_spend == Decimal("15.00")
    assert import_undo(job=job, by=admin) == {"deleted": 1, "trashed": 0, "restored": 0}
    assert (
        Order.all_objects.count(),
        OrderLine.objects.count(),
        TimelineEvent.objects.count(),
        PurchaseSummary.objects.count(),
    ) == counts


def test_orders_are_never_split_between_batches_and_a_crashed_import_resumes_exactly(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    rows = [
        f"{7000 + n},ada@example.com,2024-01-0{1 + n % 9},Item,1,{n + 1},EUR\n"
        for n in range(5)
        for _ in range(n % 3 + 1)
    ]
    text = HEADER.replace(",SKU", ",Description") + "".join(rows)
    job = make_job(admin, text, target="orders")
    crashed = run(job, batch_rows=2, stop_after_batches=1)
    assert (crashed.next_row, crashed.created_count) == (4, 3)  # order 7000 (1 line) and 7001 (2 lines)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    finished = run(job, batch_rows=2)
    assert finished.status == JobStatus.DONE
    assert (finished.created_count, finished.processed_count) == (len(rows), len(rows))
    assert sorted((o.number, o.lines.count(), o.total) for o in Order.objects.all()) == [
        ("7000", 1, Decimal("1.00")),
        ("7001", 2, Decimal("4.00")),
        ("7002", 3, Decimal("9.00")),
        ("7003", 1, Decimal("4.00")),
        ("7004", 2, Decimal("10.00")),
    ]


def test_lines_of_one_order_far_apart_in_the_file_are_added_to_it(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    text = HEADER.replace(",SKU", ",Description") + (
        "8001,ada@example.com,2024-01-01,A,1,5,EUR\n"
        "8002,ada@example.com,2024-01-01,B,1,5,EUR\n"
        "8001,ada@example.com,2024-01-01,C,1,5,EUR\n"
    )
    job = run(make_job(admin, text, target="orders"), batch_rows=1)
    assert (job.created_count, job.updated_count) == (3, 0)
    order = Order.objects.get(number="8001")
    assert ([line.description for line in order.lines.order_by("id")], order.total) == (
        ["A", "C"],
        Decimal("10.00"),
    )


def test_outsider_cannot_import_orders_for_another_teams_customer(teammate, outsider):
    make_contact(by=teammate, emails=["tom.customer@example.com"])
    text = HEADER.replace(",SKU", ",Description") + "9001,tom.customer@example.com,2024-01-01,A,1,5,EUR\n"
    job = run(make_job(outsider, text, target="orders"))
    assert job.rejected_count == 1
    assert Order.objects.count() == 0


def test_buyers_become_customers_and_undo_puts_their_lifecycle_stage_back(admin):
    lead = make_contact(by=admin, emails=["lead@example.com"], lifecycle_stage="lead")
    fan = make_contact(by=admin, emails=["fan@example.com"], lifecycle_stage="evangelist")
    text = "Order Number,Email,Description,Unit Price\nL-1,lead@example.com,A,5\nF-1,fan@example.com,B,5\n"
    job = run(make_job(admin, text, target="orders"))
    lead.refresh_from_db()
    fan.refresh_from_db()
    assert (lead.lifecycle_stage, fan.lifecycle_stage) == ("customer", "evangelist")
    import_undo(job=job, by=admin)
    lead.refresh_from_db()
    assert lead.lifecycle_stage == "lead"


def test_the_dry_run_counts_what_the_run_then_does(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="10.00")
    text = HEADER + (
        "D-1,ada@example.com,2024-01-01,W-1,1,,\n"
        "D-2,ada@example.com,2024-01-01,W-1,1,,\n"
        "D-1,ada@example.com,2024-01-01,W-1,2,,\n"
        "D-3,ada@example.com,2024-01-01,BAD,1,,\n"
        "D-3,ada@example.com,2024-01-01,W-1,1,,\n"
    )
    job = make_job(admin, text, target="orders")
    report = import_dry_run(job=job, by=admin)
    job = run(job, batch_rows=1)
    assert (
        (report["created"], report["updated"], report["skipped"], report["rejected"])
        == (job.created_count, job.updated_count, job.skipped_count, job.rejected_count)
        == (3, 0, 0, 2)
    )


def test_rejected_order_lines_download_with_their_reasons(admin):
    from rapport.imports.services.rejected import rejected_rows_csv

    job = run(make_job(admin, HEADER + "E-1,nobody@example.com,2024-01-01,W-1,1,5,EUR\n", target="orders"))
    lines = "".join(rejected_rows_csv(job)).lstrip("\ufeff").splitlines()
    assert lines == [
        "Row,Reason,Order Number,Email,Order Date,SKU,Quantity,Unit Price,Currency",
        "2,\"Email: There is no contact with the email 'nobody@example.com'; import the contacts first, choose “Create "
        "the contact” for new customer emails in the import's settings, or fix the email. SKU: There is no product "
        "with SKU 'W-1'; add it under Products, choose “Create the product” or “Import the line without a product” "
        "for unknown SKUs in the import's settings, or fix the SKU.\",E-1,nobody@example.com,2024-01-01,W-1,1,5,EUR",
    ]


def test_order_lines_import_from_a_chosen_excel_sheet(admin):
    from tests.imports.helpers import xlsx_bytes

    make_contact(by=admin, emails=["ada@example.com"])
    data = xlsx_bytes(
        {
            "Notes": [["nothing here"]],
            "Lines": [
                ["Order Number", "Email", "Order Date", "Description", "Quantity", "Unit Price"],
                ["X-1", "ada@example.com", "2024-02-01", "Thing", 2, 9.5],
                ["X-1", "ada@example.com", "2024-02-01", "Other", 1, 1],
            ],
        }
    )
    job = make_job(admin, data, name="orders.xlsx", target="orders")
    from rapport.imports.services.jobs import import_job_configure

    job = import_job_configure(job=job, by=admin, options={"sheet": "Lines"})
    assert job.mapping == {
        "0": "number",
        "1": "contact",
        "2": "ordered_at",
        "3": "description",
        "4": "quantity",
        "5": "unit_price",
    }
    job = run(job)
    assert (job.created_count, Order.objects.get().total) == (2, Decimal("20.00"))
