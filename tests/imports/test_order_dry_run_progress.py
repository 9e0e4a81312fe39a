"""Orders keep their lines together in one batch; the dry run still reports progress batch by batch."""

from __future__ import annotations

import pytest

from rapport.imports.models import ImportRow
from rapport.imports.services import base, jobs
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.sales.models import Order
from tests.factories import make_contact, make_product
from tests.imports.helpers import make_job

HEADER = "Order Number,Email,Order Date,SKU,Quantity\n"


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of four lines, for the dry run (module constants) and the run (its batch_rows)."""
    monkeypatch.setattr(jobs, "BATCH_ROWS", 4)
    monkeypatch.setattr(base, "BATCH_ROWS", 4)


def six_orders_of_two_lines(email: str, sku: str, bad_row: int | None = None) -> str:
    lines = []
    for order in range(6):
        for line in range(2):
            row = len(lines) + 2  # file row: the header is row 1
            quantity = "-1" if row == bad_row else str(line + 1)
            lines.append(f"{1001 + order},{email},2024-01-0{order + 1},{sku},{quantity}\n")
    return HEADER + "".join(lines)


def test_the_dry_run_of_orders_reports_progress_after_every_batch(admin, small_batches):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="10.00")
    job = make_job(admin, six_orders_of_two_lines("ada@example.com", "W-1"), target="orders")
    seen: list[tuple[int, int | None]] = []

    report = import_dry_run(job=job, by=admin, progress=lambda j: seen.append((j.next_row, j.total_rows)))

    # Rows 2-13: a batch is full after two orders (four lines) and goes when the next order starts.
    assert [row for row, _ in seen] == [6, 10]
    assert (report["rows"], report["created"], report["rejected"]) == (12, 12, 0)
    assert Order.objects.count() == 0


def test_the_run_reports_the_same_batches_and_never_splits_an_order(admin, small_batches):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="10.00")
    job = make_job(admin, six_orders_of_two_lines("ada@example.com", "W-1"), target="orders")
    seen: list[int] = []

    job = import_run(job.pk, progress=lambda j: seen.append(j.next_row), batch_rows=4)

    assert seen[:3] == [5, 9, 13]  # the last row of each committed batch: whole orders
    assert list(job.batches.values_list("first_row", "last_row")) == [(2, 5), (6, 9), (10, 13)]
    assert (job.created_count, job.rejected_count) == (12, 0)
    assert sorted(Order.objects.values_list("number", flat=True)) == [str(n) for n in range(1001, 1007)]


def test_a_rejected_first_line_of_an_order_at_a_batch_boundary_takes_its_order_with_it(admin, small_batches):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="10.00")
    # Row 6 is the first line of order 1003, the line after a full batch; its quantity is refused.
    text = six_orders_of_two_lines("ada@example.com", "W-1", bad_row=6)
    job = make_job(admin, text, target="orders")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (10, 2)
    job = import_run(job.pk, batch_rows=4)
    assert (job.created_count, job.rejected_count) == (10, 2)
    reasons = dict(ImportRow.objects.filter(job=job).values_list("row_number", "reason"))
    assert reasons == {
        6: "Quantity: Quantity must be more than zero (it is '-1').",
        7: "Another line of order '1003' (row 6) was rejected; fix that line and import the whole order again.",
    }
    assert not Order.objects.filter(number="1003").exists()
