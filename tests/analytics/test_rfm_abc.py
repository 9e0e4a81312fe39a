"""RFM quintile scores with the documented tie rule, named segments, movement, incremental rescoring; ABC."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.analytics.models import AbcClass, RfmScore, RunStatus, SegmentRule
from rapport.analytics.services.runs import run_now
from tests.analytics.helpers import buy
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 12, 31)


def customers(admin, n):
    return [make_contact(by=admin, last_name=f"C{i}") for i in range(n)]


@pytest.fixture
def ten(admin):
    """Ten customers: customer i last bought i*10 days before the as-of date, on i+1 days, spending 100*(i+1)."""
    people = customers(admin, 10)
    for i, person in enumerate(people):
        last = AS_OF - dt.timedelta(days=10 * i)
        for k in range(i + 1):
            buy(admin, person, last - dt.timedelta(days=k), "100.00")
    return people


def scores(run, people):
    got = {s.contact_id: s for s in RfmScore.objects.filter(run=run)}
    return [(got[p.pk].r, got[p.pk].f, got[p.pk].m) for p in people]


def test_rfm_scores_are_quintiles_with_recency_reversed(admin, ten):
    run = run_now(kind="rfm", as_of=AS_OF, by=admin)
    assert run.status == RunStatus.DONE, run.message
    assert scores(run, ten) == [(5, 1, 1), (5, 1, 1), (4, 2, 2), (4, 2, 2), (3, 3, 3), (3, 3, 3), (2, 4, 4),
                                (2, 4, 4), (1, 5, 5), (1, 5, 5)]
    assert run.customers == 10
    assert run.result["breakpoints"]["frequency_min"] == [3.0, 5.0, 7.0, 9.0]


def test_equal_values_get_equal_scores_from_where_their_group_starts(admin):
    people = customers(admin, 5)
    # Four one-time buyers and one who bought on three days, all on the as-of date.
    for p in people[:4]:
        buy(admin, p, AS_OF, "50.00")
    for k in range(3):
        buy(admin, people[4], AS_OF - dt.timedelta(days=k), "50.00")
    run = run_now(kind="rfm", as_of=AS_OF, by=admin)
    assert [s[1] for s in scores(run, people)] == [1, 1, 1, 1, 5]
    assert {s[0] for s in scores(run, people)} == {5}


def test_segments_follow_the_editable_rule_table(admin, ten):
    run = run_now(kind="rfm", as_of=AS_OF, by=admin)
    names = dict(RfmScore.objects.filter(run=run).values_list("contact_id", "segment"))
    assert [names[p.pk] for p in ten] == ["New Customers", "New Customers", "Potential Loyalists",
                                          "Potential Loyalists", "Need Attention", "Need Attention", "At Risk",
                                          "At Risk", "Can't Lose Them", "Can't Lose Them"]
    assert run.result["segments"]["At Risk"]["customers"] == 2
    assert run.result["segments"]["At Risk"]["revenue"] == 1500.0
    SegmentRule.objects.filter(name="At Risk").update(name="Slipping away")
    again = run_now(kind="rfm", as_of=AS_OF, by=admin)
    assert again.result["segments"]["Slipping away"]["customers"] == 2
    assert {"from": "At Risk", "to": "Slipping away", "customers": 2} in again.result["movement"]


def test_movement_shows_who_moved_between_runs(admin, ten):
    run_now(kind="rfm", as_of=AS_OF - dt.timedelta(days=45), by=admin)
    later = run_now(kind="rfm", as_of=AS_OF, by=admin)
    assert later.result["previous_as_of"] == "2024-11-16"
    assert sum(m["customers"] for m in later.result["movement"]) > 0
    assert all(m["from"] != m["to"] for m in later.result["movement"])


def test_a_new_order_rescores_the_customer_in_the_latest_run(admin, ten):
    run = run_now(kind="rfm", as_of=AS_OF, by=admin)
    oldest = ten[9]  # last bought 90 days before the as-of date: R = 1
    before = RfmScore.objects.get(run=run, contact=oldest)
    assert (before.r, before.segment) == (1, "Can't Lose Them")
    buy(admin, oldest, AS_OF, "100.00")
    after = RfmScore.objects.get(run=run, contact=oldest)
    assert (after.recency_days, after.frequency, after.r, after.f, after.segment) == (0, 11, 5, 5, "Champions")
    run.refresh_from_db()
    assert run.result["segments"]["Champions"]["customers"] == 1
    assert run.result["segments"]["Can't Lose Them"]["customers"] == 1


def test_rfm_as_of_a_past_date_ignores_later_orders(admin, ten):
    run = run_now(kind="rfm", as_of=AS_OF - dt.timedelta(days=45), by=admin)
    assert run.customers == 5  # customers 5..9 had bought by then
    assert sorted(RfmScore.objects.filter(run=run).values_list("recency_days", flat=True)) == [5, 15, 25, 35, 45]


def test_abc_classes_customers_by_cumulative_revenue_share(admin):
    people = customers(admin, 5)
    for p, amount in zip(people, ["700.00", "150.00", "80.00", "50.00", "20.00"], strict=True):
        buy(admin, p, "2024-05-01", amount)
    run = run_now(kind="abc", as_of=AS_OF, by=admin)
    classes = dict(AbcClass.objects.filter(run=run).values_list("contact_id", "abc"))
    # Shares before each customer: 0, 70 %, 85 %, 93 %, 98 %: A, A (crosses 80 %), B, B (crosses 95 %), C.
    assert [classes[p.pk] for p in people] == ["A", "A", "B", "B", "C"]
    assert run.result["classes"]["A"] == {"customers": 2, "revenue": 850.0, "customer_share": 0.4,
                                          "revenue_share": 0.85, "activities": {}, "activity_cost": 0.0,
                                          "recorded_cost": 0.0, "cost_to_serve": 0.0, "margin": 850.0,
                                          "cost_per_customer": 0.0, "cost_share_of_revenue": 0.0}
    assert run.result["pareto"][0] == [0.0, 0.0] and run.result["pareto"][-1] == [1.0, 1.0]


def test_abc_thresholds_are_editable(admin):
    people = customers(admin, 4)
    for p, amount in zip(people, ["500.00", "300.00", "150.00", "50.00"], strict=True):
        buy(admin, p, "2024-05-01", amount)
    run = run_now(kind="abc", as_of=AS_OF, params={"a_share": 50, "b_share": 40}, by=admin)
    classes = dict(AbcClass.objects.filter(run=run).values_list("contact_id", "abc"))
    assert [classes[p.pk] for p in people] == ["A", "B", "B", "C"]


def test_abc_refuses_bad_thresholds_with_a_message(admin, ten):
    run = run_now(kind="abc", as_of=AS_OF, params={"a_share": 90, "b_share": 20}, by=admin)
    assert run.status == RunStatus.FAILED
    assert run.message == "A and B shares must be above 0 and add up to at most 100 %."
