"""The lines of an order that the file gives far apart, in different batches, are all its lines: an order in
Rapport ends with every line the file gives it, whichever batch each falls in, and each row's outcome says
what it did (the dry run predicting it exactly). Each test runs the dry run and then the run of the same file,
one order a batch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob, ImportRow
from rapport.imports.services import base, jobs
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.sales.models import Order
from rapport.sales.services.orders import order_create
from tests.factories import make_contact
from tests.imports.helpers import make_job
from tests.imports.test_orders_dry_run_predicts_run import counts, dry_run_then_run

JAN_1 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
HEADER = "Order Number,Email,Description,Quantity,Unit Price,Order Status\n"


def stored_order(by: Any, number: str, *lines: str, status: str = "placed") -> Order:
    ada = make_contact(by=by, emails=["ada@example.com"])
    return order_create(
        by=by,
        contact=ada,
        number=number,
        status=status,
        ordered_at=JAN_1,
        lines=[{"description": d, "unit_price": "5"} for d in lines],
    )


def lines_of(order: Order) -> list[str]:
    return [line.description for line in order.lines.order_by("id")]


def outcomes(report: dict[str, Any]) -> list[tuple[int, str, list[str]]]:
    return [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]]


def test_lines_after_an_unchanged_first_part_are_added_to_it_by_both(admin, one_order_a_batch):
    order = stored_order(admin, "5001", "A")
    # Row 2 is the order as stored; row 4, two batches on, is one more line of it.
    text = HEADER + "5001,ada@example.com,A,1,5,\n5002,ada@example.com,X,1,5,\n5001,ada@example.com,B,1,5,\n"
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (1, 1, 1, 0)
    assert outcomes(report) == [(2, "skipped", []), (4, "updated", ["lines"])]
    order.refresh_from_db()
    assert (lines_of(order), order.total, order.version) == (["A", "B"], Decimal("10.00"), 2)


def test_a_later_line_equal_to_the_stored_one_is_a_second_line_not_nothing_changed(admin, one_order_a_batch):
    order = stored_order(admin, "5001", "A")
    text = HEADER + "5001,ada@example.com,A,1,5,\n5002,ada@example.com,X,1,5,\n5001,ada@example.com,A,1,5,\n"
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (1, 1, 1, 0)
    assert outcomes(report) == [(2, "skipped", []), (4, "updated", ["lines"])]
    order.refresh_from_db()
    assert (lines_of(order), order.total) == (["A", "A"], Decimal("10.00"))


def test_lines_after_a_first_part_that_updates_the_order_are_added_to_it_by_both(admin, one_order_a_batch):
    order = stored_order(admin, "5001", "A", "B", "C")
    text = HEADER + (
        "5001,ada@example.com,A,1,5,Shipped\n"
        "5002,ada@example.com,X,1,5,\n"
        "5001,ada@example.com,B,2,5,\n"
        "5003,ada@example.com,Y,1,5,\n"
        "5001,ada@example.com,D,1,5,\n"
    )
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (2, 3, 0, 0)
    assert outcomes(report) == [
        (2, "updated", ["status", "lines"]),
        (4, "updated", ["lines"]),
        (6, "updated", ["lines"]),
    ]
    order.refresh_from_db()
    assert (lines_of(order), order.total, order.status) == (["A", "B", "D"], Decimal("20.00"), "shipped")


def test_an_order_given_whole_in_parts_is_left_with_its_lines_by_both(admin, one_order_a_batch):
    order = stored_order(admin, "5001", "A", "B")
    # The file's lines of 5001 are the stored ones, in two parts: the order ends as it was.
    text = HEADER + "5001,ada@example.com,A,1,5,\n5002,ada@example.com,X,1,5,\n5001,ada@example.com,B,1,5,\n"
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (1, 2, 0, 0)
    order.refresh_from_db()
    assert (lines_of(order), order.total) == (["A", "B"], Decimal("10.00"))


def test_lines_of_one_order_with_and_without_its_external_id_in_one_batch_are_one_update(admin):
    order = stored_order(admin, "5001", "A")
    text = "Order Number,Order ID,Email,Description,Unit Price\n" + (
        "5001,S-1,ada@example.com,B,5\n"
        "5001,,ada@example.com,C,5\n"  # the same number, matched by it: the same order
    )
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (0, 2, 0, 0)
    assert ImportRow.objects.filter(job=job, outcome="updated").count() == 1
    order.refresh_from_db()
    assert (lines_of(order), order.total) == (["B", "C"], Decimal("10.00"))


def test_lines_of_a_new_order_with_and_without_its_external_id_in_one_batch_are_one_order(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    # As when row 4 falls in a later batch (test_orders_dry_run_predicts_run): the lines of order 8001.
    text = "Order Number,Order ID,Email,Description,Unit Price\n" + (
        "8001,,ada@example.com,A,5\n8002,,ada@example.com,B,5\n8001,S-1,,C,5\n"
    )
    report, job = dry_run_then_run(admin, text)
    assert counts(job) == (3, 0, 0, 0)
    order = Order.objects.get(number="8001")
    assert (order.external_id, lines_of(order), order.total) == ("S-1", ["A", "C"], Decimal("10.00"))
    assert Order.objects.count() == 2


def test_a_resumed_import_adds_the_later_lines_of_an_order_it_left_unchanged(admin, one_order_a_batch):
    order = stored_order(admin, "5001", "A")
    text = HEADER + "5001,ada@example.com,A,1,5,\n5002,ada@example.com,X,1,5,\n5001,ada@example.com,B,1,5,\n"
    job = make_job(admin, text, target="orders")
    report = import_dry_run(job=job, by=admin)
    crashed = import_run(job.pk, batch_rows=1, stop_after_batches=1)  # a crash after the first batch
    assert (crashed.next_row, crashed.skipped_count) == (2, 1)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    job = import_run(job.pk, batch_rows=1)
    assert (report["created"], report["updated"], report["skipped"]) == (1, 1, 1) == counts(job)[:3]
    order.refresh_from_db()
    assert (lines_of(order), order.total) == (["A", "B"], Decimal("10.00"))


def test_adding_later_lines_takes_the_same_queries_however_many_orders_a_batch_has(admin, monkeypatch):
    ada = make_contact(by=admin, emails=["ada@example.com"])

    def order_file(first: int, orders: int) -> str:
        numbers = [str(n) for n in range(first, first + orders)]
        for number in numbers:
            order_create(
                by=admin, contact=ada, number=number, lines=[{"description": "A", "unit_price": "5"}]
            )
        # Every other order as stored (unchanged), the others changed; then new orders; then one more line of
        # every order: three batches of `orders` orders each.
        rows = [f"{n},ada@example.com,{'A' if int(n) % 2 else 'Z'},1,5,\n" for n in numbers]
        rows += [f"N-{n},ada@example.com,X,1,5,\n" for n in numbers]
        rows += [f"{n},ada@example.com,B,1,5,\n" for n in numbers]
        return HEADER + "".join(rows)

    def queries(first: int, orders: int) -> tuple[int, int]:
        monkeypatch.setattr(jobs, "BATCH_ROWS", orders)
        monkeypatch.setattr(base, "BATCH_ROWS", orders)
        job = make_job(admin, order_file(first, orders), target="orders")
        with CaptureQueriesContext(connection) as dry:
            report = import_dry_run(job=job, by=admin)
        with CaptureQueriesContext(connection) as run:
            job = import_run(job.pk, batch_rows=orders)
        assert (report["created"], report["updated"], report["skipped"]) == counts(job)[:3]
        assert counts(job) == (orders, orders + orders // 2, orders // 2, 0)
        return len(dry.captured_queries), len(run.captured_queries)

    queries(1000, 2)  # first use: caches that any import fills once
    assert queries(2001, 2) == queries(3001, 8)
