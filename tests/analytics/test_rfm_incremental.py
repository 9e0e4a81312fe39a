"""Full RFM scores come from one numpy pass and one INSERT ... SELECT; incremental rescoring reuses the thresholds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.analytics.models import RfmScore, RunStatus
from rapport.analytics.services.rfm import rfm_breakpoints, rfm_rescore_contacts, rfm_scores_of
from rapport.analytics.services.runs import run_now
from rapport.sales.services.orders import order_trash
from tests.analytics.helpers import buy
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 12, 31)


def test_stored_scores_equal_the_quintile_rule_on_values_with_ties_and_cents(admin):
    # 23 customers: recency, frequency and spend with repeats and cents, so ties and rounding both matter.
    rng = np.random.default_rng(3)
    people = [make_contact(by=admin, last_name=f"P{i}") for i in range(23)]
    for person in people:
        days = sorted(rng.choice(60, size=int(rng.integers(1, 5)), replace=False).tolist())
        for d in days:
            buy(admin, person, AS_OF - dt.timedelta(days=int(d)), f"{int(rng.integers(1, 4)) * 33.33:.2f}")
    run = run_now(kind="rfm", as_of=AS_OF, by=admin)
    assert run.status == RunStatus.DONE, run.message
    rows = list(
        RfmScore.objects.filter(run=run)
        .order_by("contact_id")
        .values_list("recency_days", "frequency", "monetary", "r", "f", "m")
    )
    rd, fq, mon = (np.array([float(r[i]) for r in rows]) for i in range(3))
    r, f, m = rfm_scores_of(rd, fq, mon)
    assert [row[3:] for row in rows] == list(zip(r.tolist(), f.tolist(), m.tolist(), strict=True))
    expected = rfm_breakpoints(rd, fq, mon)
    for key in (
        "recency_max",
        "frequency_min",
        "monetary_min",
    ):  # SQLite keeps sums of cents as binary floats
        assert run.result["breakpoints"][key] == pytest.approx(expected[key], abs=1e-9)
    assert sum(sum(line) for line in run.result["grid"]) == 23
    # The sizes and grid computed from the arrays agree with the stored rows.
    stored = dict(
        RfmScore.objects.filter(run=run).values("segment").annotate(n=Count("id")).values_list("segment", "n")
    )
    assert {name: s["customers"] for name, s in run.result["segments"].items()} == stored
    cells = (
        RfmScore.objects.filter(run=run).values("r", "f").annotate(n=Count("id")).values_list("r", "f", "n")
    )
    assert {(r, f): n for r, f, n in cells} == {
        (r + 1, f + 1): n for r, line in enumerate(run.result["grid"]) for f, n in enumerate(line) if n
    }


@pytest.fixture
def scored(admin):
    """Ten customers (customer i last bought 10 i days before the as-of date, on i + 1 days) and a full run."""
    people = [make_contact(by=admin, last_name=f"C{i}") for i in range(10)]
    for i, person in enumerate(people):
        for k in range(i + 1):
            buy(admin, person, AS_OF - dt.timedelta(days=10 * i + k), "100.00")
    return people, run_now(kind="rfm", as_of=AS_OF, by=admin)


def test_rescoring_keeps_the_thresholds_and_moves_the_grid_and_sizes(admin, scored):
    people, run = scored
    thresholds = run.result["breakpoints"]
    newcomer = make_contact(by=admin, last_name="Newcomer")
    buy(admin, newcomer, AS_OF, "100.00")  # a first purchase: scored at once, against the stored thresholds
    run.refresh_from_db()
    assert run.result["breakpoints"] == thresholds
    score = RfmScore.objects.get(run=run, contact=newcomer)
    assert (score.recency_days, score.frequency, score.r, score.f, score.m, score.segment) == (
        0,
        1,
        5,
        1,
        1,
        "New Customers",
    )
    assert run.customers == 11
    assert run.result["segments"]["New Customers"]["customers"] == 3
    assert run.result["grid"][4][0] == 3
    assert run.result["rescored"] == 1
    assert sum(sum(line) for line in run.result["grid"]) == 11


def test_a_deleted_order_rescores_and_a_customer_without_orders_leaves_the_run(admin, scored):
    people, run = scored
    first = people[0]  # one purchase, on the as-of date
    order_trash(by=admin, order=first.orders.get())
    run.refresh_from_db()
    assert not RfmScore.objects.filter(run=run, contact=first).exists()
    assert run.customers == 9
    assert run.result["segments"]["New Customers"]["customers"] == 1


def test_rescoring_a_batch_is_a_fixed_number_of_statements(admin, scored):
    people, run = scored
    ids = [p.pk for p in people]
    with CaptureQueriesContext(connection) as few:
        rfm_rescore_contacts(ids[:2])
    with CaptureQueriesContext(connection) as many:
        rfm_rescore_contacts(ids)
    assert len(many) == len(few)


def test_the_segment_page_says_when_the_thresholds_were_computed_and_how_many_were_rescored(
    admin, client_for, scored
):
    people, run = scored
    buy(admin, people[9], AS_OF, "100.00")
    body = client_for(admin).get(reverse("analytics-home")).content.decode()
    assert "Score thresholds computed by the full run of" in body
    assert "Since then 1 customer score was updated as orders came in" in body
    assert "the next full recalculation re-balances the quintiles" in body


def test_deleting_a_contact_for_good_deletes_its_scores(admin, scored):
    people, run = scored
    from rapport.contacts.models import Contact

    people[3].orders.all().delete()  # orders protect their contact
    Contact.all_objects.filter(pk=people[3].pk).delete()
    assert not RfmScore.objects.filter(contact_id=people[3].pk).exists()
    assert RfmScore.objects.filter(run=run).count() == 9
