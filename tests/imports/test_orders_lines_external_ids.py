"""An external id belongs to one order: a new order of the file whose external id another order already has
(made before the import, by an earlier batch of the same file, in the trash, or of another team) is rejected
with a sentence, by the dry run as by the run, and the rest of the batch is imported; so are the lines of one
external id that name two order numbers. Each test runs the dry run and then the run of the same file."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.sales.models import Order
from rapport.sales.services.orders import order_create, order_trash
from tests.factories import make_contact
from tests.imports.helpers import make_job
from tests.imports.test_orders_dry_run_predicts_run import counts, dry_run_then_run

HEADER = "Order Number,Order ID,Email,Description,Unit Price\n"


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


def test_a_new_order_number_with_the_external_id_of_an_order_in_rapport_is_rejected_by_both(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    taken = order_create(
        by=admin,
        contact=ada,
        number="5001",
        external_id="S-1",
        lines=[{"description": "A", "unit_price": "5"}],
    )
    text = HEADER + (
        "5002,S-1,ada@example.com,B,5\n"
        "5002,S-1,ada@example.com,C,5\n"
        "5003,,ada@example.com,D,5\n"  # the rest of the batch is imported
    )
    report, job = dry_run_then_run(admin, text)
    assert (job.match_key, job.status, counts(job)) == ("number", "done", (1, 0, 0, 2))
    reason = (
        f"Order ID: Order #{taken.pk} (number '5001') already has the external id 'S-1'; give this order "
        "an external id of its own, or the number '5001' if these lines belong to that order."
    )
    assert reasons(job) == {2: reason, 3: reason}
    assert report["rejections"] == [{"row": 2, "reason": reason}, {"row": 3, "reason": reason}]
    assert sorted(Order.objects.values_list("number", "external_id")) == [("5001", "S-1"), ("5003", None)]
    taken.refresh_from_db()
    assert (taken.version, taken.total) == (1, Decimal("5.00"))


def test_an_external_id_an_earlier_batch_gave_another_number_is_rejected_by_both(admin, one_order_a_batch):
    make_contact(by=admin, emails=["ada@example.com"])
    text = HEADER + (
        "5001,S-1,ada@example.com,A,5\n"
        "5009,,ada@example.com,X,5\n"
        "5002,S-1,ada@example.com,B,5\n"  # two batches on: the order row 2 made has this external id
    )
    report, job = dry_run_then_run(admin, text)
    assert (job.status, counts(job)) == ("done", (2, 0, 0, 1))
    reason = (
        "Order ID: Order '5001' of this file (an earlier row) already has the external id 'S-1'; give this "
        "order an external id of its own, or the number '5001' if these lines belong to that order."
    )
    assert reasons(job) == {4: reason}
    assert sorted(Order.objects.values_list("number", "external_id")) == [("5001", "S-1"), ("5009", None)]


def test_lines_of_one_external_id_naming_two_order_numbers_are_rejected_by_both(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    text = HEADER + (
        "5001,S-1,ada@example.com,A,5\n"
        "5009,,ada@example.com,X,5\n"
        "5002,S-1,ada@example.com,B,5\n"  # the same batch: one external id, two numbers
    )
    report, job = dry_run_then_run(admin, text)
    assert (job.status, counts(job)) == ("done", (1, 0, 0, 2))
    reason = (
        "The lines of order 'S-1' (rows 2, 4) name different order numbers ('5001', '5002'); an external id "
        "belongs to one order: give each order its own external id, or its lines the same number."
    )
    assert reasons(job) == {2: reason, 4: reason}
    assert list(Order.objects.values_list("number", flat=True)) == ["5009"]


def test_an_external_id_of_an_order_in_the_trash_is_rejected_by_both_when_matching_by_external_id(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    trashed = order_create(
        by=admin,
        contact=ada,
        number="5001",
        external_id="S-1",
        lines=[{"description": "A", "unit_price": "5"}],
    )
    order_trash(order=trashed, by=admin)
    text = HEADER + "5001,S-1,ada@example.com,A,5\n5003,S-3,ada@example.com,D,5\n"
    report, job = dry_run_then_run(admin, text, match_key="external_id")
    assert (job.status, counts(job)) == ("done", (1, 0, 0, 1))
    assert reasons(job) == {
        2: f"Order ID: Order #{trashed.pk} (number '5001') in the trash already has the external id 'S-1'; "
        "restore it under Trash to import these lines into it, or give this order an external id of its own."
    }


def test_an_external_id_of_an_order_the_importer_may_not_see_is_rejected_without_naming_it(admin, outsider):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    order_create(
        by=admin,
        contact=ada,
        number="5001",
        external_id="S-1",
        lines=[{"description": "A", "unit_price": "5"}],
    )
    make_contact(by=outsider, emails=["oscar@example.com"])
    text = HEADER + "7001,S-1,oscar@example.com,A,5\n7002,S-2,oscar@example.com,B,5\n"
    report, job = dry_run_then_run(outsider, text)
    assert (job.status, counts(job)) == ("done", (1, 0, 0, 1))
    assert reasons(job) == {
        2: "Order ID: An order you may not see already has the external id 'S-1'; give this order an "
        "external id of its own, or ask a manager to import it."
    }


def test_checking_external_ids_takes_the_same_queries_however_many_orders_a_batch_has(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])

    def order_file(first: int, orders: int) -> str:
        rows = []
        for number in range(first, first + orders):
            order_create(
                by=admin,
                contact=ada,
                number=str(number),
                external_id=f"X-{number}",
                lines=[{"description": "A", "unit_price": "5"}],
            )
            rows.append(f"N-{number},X-{number},ada@example.com,A,5\n")  # taken: rejected
            rows.append(f"M-{number},Y-{number},ada@example.com,A,5\n")  # free: created
        return HEADER + "".join(rows)

    def queries(text: str) -> tuple[int, int]:
        job = make_job(admin, text, target="orders")
        with CaptureQueriesContext(connection) as dry:
            report = import_dry_run(job=job, by=admin)
        with CaptureQueriesContext(connection) as run:
            job = import_run(job.pk)
        assert (report["created"], report["rejected"]) == (job.created_count, job.rejected_count)
        assert job.created_count == job.rejected_count
        return len(dry.captured_queries), len(run.captured_queries)

    queries(order_file(1000, 2))  # first use: caches that any import fills once
    assert queries(order_file(2001, 2)) == queries(order_file(3001, 8))
