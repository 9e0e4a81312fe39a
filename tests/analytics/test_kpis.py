"""KPIs with targets vs the previous period, dashboard chart data and the forecast, on exact small data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.analytics.models import AcquisitionCost, KpiTarget, RunStatus
from rapport.analytics.services.runs import run_now
from rapport.sales.models import Deal, Target
from rapport.sales.services import deal_move_to_stage
from tests.analytics.helpers import buy
from tests.factories import make_contact, make_deal

pytestmark = pytest.mark.django_db


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


@pytest.fixture
def today():
    return timezone.now().date()


@pytest.fixture
def sales(admin, teammate, pipeline, today):
    stages = {s.name: s for s in pipeline.stages.all()}
    deals = []
    for amount, end, days in (("1000.00", "Won", 10), ("3000.00", "Won", 30), ("500.00", "Lost", 5)):
        deal = make_deal(by=admin, pipeline=pipeline, amount=amount, owner=teammate)
        deal_move_to_stage(deal=deal, stage=stages[end], by=admin, lost_reason="Price" if end == "Lost" else "")
        Deal.objects.filter(pk=deal.pk).update(created_at=at(today) - dt.timedelta(days=days), closed_at=at(today))
        deals.append(deal)
    open_deal = make_deal(by=admin, pipeline=pipeline, amount="2000.00", owner=teammate,
                          expected_close_date=today)
    deal_move_to_stage(deal=open_deal, stage=stages["Proposal"], by=admin)
    return deals + [open_deal]


def kpis(run):
    return {row["key"]: row for row in run.result["kpis"]}


def test_deal_kpis_have_exact_values_formulas_and_explanations(admin, sales, today):
    run = run_now(kind="kpi", as_of=today, params={"period_start": today.isoformat()}, by=admin)
    assert run.status == RunStatus.DONE, run.message
    k = kpis(run)
    assert k["win_rate"]["value"] == pytest.approx(2 / 3)
    assert k["win_rate"]["explanation"] == "2 won of 3 closed deals"
    assert k["avg_deal_size"]["value"] == 2000.0
    assert k["sales_cycle"]["value"] == pytest.approx(20.0)
    assert k["pipeline_value"]["value"] == 2000.0
    assert k["win_rate"]["formula"] == "Deals won in the period ÷ deals closed (won + lost) in the period"
    assert k["win_rate"]["previous"] is None  # nothing closed the day before


def test_customer_kpis_compare_with_the_previous_period_and_targets(admin, today):
    start = today - dt.timedelta(days=29)
    prev = start - dt.timedelta(days=30)
    ann, bob, cid = (make_contact(by=admin) for _ in range(3))
    buy(admin, ann, prev, "100.00")
    buy(admin, bob, prev, "100.00")
    buy(admin, ann, today, "300.00")  # Ann stays, Bob churns, Cid is new
    buy(admin, cid, today, "100.00")
    AcquisitionCost.objects.create(period_start=start, period_end=today, channel="Ads", amount=Decimal("250.00"),
                                   currency="EUR")
    KpiTarget.objects.create(kpi="new_customers", period_start=start, period_end=today, value=Decimal("2"))
    KpiTarget.objects.create(kpi="churn_rate", period_start=start, period_end=today, value=Decimal("0.6"))
    run = run_now(kind="kpi", as_of=today, params={"period_start": start.isoformat()}, by=admin)
    k = kpis(run)
    assert (k["new_customers"]["value"], k["new_customers"]["previous"]) == (1.0, 2.0)
    assert (k["new_customers"]["target"], k["new_customers"]["status"]) == (2.0, "below target")
    assert k["arpu"]["value"] == 200.0
    assert (k["churn_rate"]["value"], k["retention"]["value"]) == (0.5, 0.5)
    assert k["churn_rate"]["status"] == "achieved"  # lower is better
    assert k["cac"]["value"] == 250.0
    assert k["churn_rate"]["explanation"] == "1 of 2 did not buy again"


def test_forecast_gives_won_weighted_best_case_and_target_attainment(admin, teammate, sales, today):
    Target.objects.create(user=teammate, period_start=today.replace(day=1), period_end=today,
                          amount=Decimal("8000.00"))
    run = run_now(kind="kpi", as_of=today, by=admin)
    month = today.year * 12 + today.month - 1
    cell = next(c for c in run.result["forecast"]["cells"] if c["owner"] == teammate.pk and c["month"] == month)
    assert cell["won"] == 4000.0
    assert cell["weighted"] == 1000.0  # 2000 at 50 %
    assert cell["best_case"] == 6000.0
    target = run.result["forecast"]["targets"][0]
    assert (target["won"], target["attainment"]) == (4000.0, 0.5)


def test_dashboard_charts_hold_pipeline_funnel_and_monthly_revenue(admin, sales, today):
    run = run_now(kind="kpi", as_of=today, params={"period_start": today.isoformat()}, by=admin)
    charts = run.result["charts"]
    stages = {s["name"]: s for s in charts["pipelines"][0]["stages"]}
    assert (stages["Proposal"]["deals"], stages["Proposal"]["amount"]) == (1, 2000.0)
    assert charts["won_by_month"][-1] == {"month": today.replace(day=1).isoformat(), "amount": 4000.0}
    assert [f["count"] for f in charts["funnel"]][3] == 2


def test_kpis_on_an_empty_database_are_empty_not_errors(admin, today):
    run = run_now(kind="kpi", as_of=today, by=admin)
    assert run.status == RunStatus.DONE, run.message
    k = kpis(run)
    assert k["win_rate"]["value"] is None and k["arpu"]["value"] is None and k["new_customers"]["value"] == 0.0
