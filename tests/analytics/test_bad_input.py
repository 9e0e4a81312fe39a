"""Bad input: no orders, one customer, one-time buyers only, zero/negative amounts, currencies without rates,
an empty calibration period. Each gives a clear message, never a crash or a NaN on a page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from rapport.analytics.models import RunStatus
from rapport.analytics.services.runs import run_now
from rapport.sales.models import Order
from tests.analytics.helpers import buy
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 12, 31)


def failed(run, text):
    assert run.status == RunStatus.FAILED
    assert text in run.message, run.message


def test_no_orders_at_all_gives_clear_messages_for_every_analysis(admin):
    failed(run_now(kind="rfm", as_of=AS_OF, by=admin), "No customer has bought anything on or before 2024-12-31")
    failed(run_now(kind="abc", as_of=AS_OF, by=admin), "No customer has bought anything")
    failed(run_now(kind="clv", as_of=AS_OF, by=admin), "No purchases between 2021-12-01 and 2024-12-31")
    assert run_now(kind="kpi", as_of=AS_OF, by=admin).status == RunStatus.DONE


def test_one_customer_is_scored_but_the_model_refuses_to_fit(admin):
    ann = make_contact(by=admin)
    buy(admin, ann, "2024-01-05", "10.00")
    buy(admin, ann, "2024-06-05", "20.00")
    rfm = run_now(kind="rfm", as_of=AS_OF, by=admin)
    assert rfm.status == RunStatus.DONE and rfm.result["segments"]["New Customers"]["customers"] == 1
    failed(run_now(kind="clv", as_of=AS_OF, by=admin), "At least two customers are needed")


def test_only_one_time_buyers_cannot_fit_the_purchase_model(admin):
    for i in range(5):
        buy(admin, make_contact(by=admin), dt.date(2024, 1, 1) + dt.timedelta(days=i), "10.00")
    failed(run_now(kind="clv", as_of=AS_OF, by=admin), "No customer bought a second time in the calibration period")


def test_an_empty_calibration_period_is_explained(admin):
    buy(admin, make_contact(by=admin), "2024-06-01", "10.00")
    run = run_now(kind="clv", as_of=AS_OF, by=admin,
                  params={"calibration_start": "2020-01-01", "calibration_end": "2020-12-31"})
    failed(run, "No purchases between 2020-01-01 and 2020-12-31; choose a calibration period that contains orders.")


def test_bad_clv_parameters_are_refused_field_by_field(admin):
    run = run_now(kind="clv", as_of=AS_OF, by=admin, params={"calibration_start": "2024-12-31", "holdout_end": "x",
                                                             "horizon_weeks": 0, "annual_discount": 2})
    assert run.status == RunStatus.FAILED
    for text in ("Enter a date as YYYY-MM-DD.", "The calibration must start before it ends.",
                 "Choose a horizon between 1 and 520 weeks.", "Enter an annual discount rate between 0 and 0.99"):
        assert text in run.message


def test_zero_amounts_count_as_purchases_but_all_zero_revenue_stops_abc(admin):
    people = [make_contact(by=admin) for _ in range(3)]
    for p in people:
        buy(admin, p, "2024-05-01", "0.00")
    rfm = run_now(kind="rfm", as_of=AS_OF, by=admin)
    assert rfm.status == RunStatus.DONE and rfm.customers == 3
    failed(run_now(kind="abc", as_of=AS_OF, by=admin), "Every customer's revenue is zero")


def test_negative_amounts_are_left_out(admin):
    ann, bob = make_contact(by=admin), make_contact(by=admin)
    buy(admin, ann, "2024-05-01", "100.00")
    refund = buy(admin, bob, "2024-05-02", "50.00")
    Order.objects.filter(pk=refund.pk).update(total=Decimal("-50.00"))
    from rapport.analytics.services.summary import purchase_summary_rebuild

    assert purchase_summary_rebuild() == 1
    abc = run_now(kind="abc", as_of=AS_OF, by=admin)
    assert abc.customers == 1 and abc.result["revenue"] == 100.0


@override_settings(RAPPORT_BASE_CURRENCY="EUR")
def test_mixed_currencies_without_rates_are_refused_not_added(admin):
    buy(admin, make_contact(by=admin), "2024-05-01", "100.00", currency="EUR")
    buy(admin, make_contact(by=admin), "2024-05-01", "100.00", currency="USD")
    for kind in ("rfm", "abc", "clv"):
        failed(run_now(kind=kind, as_of=AS_OF, by=admin), "1 order(s) in USD between 2024-05-01 and 2024-05-01 have "
                                                          "no exchange rate to EUR")


def test_thin_data_fits_with_a_warning_and_pages_show_no_nan(admin, client_for):
    people = [make_contact(by=admin) for _ in range(6)]
    for i, p in enumerate(people):
        for k in range(1 + i % 3):
            buy(admin, p, dt.date(2024, 1, 10) + dt.timedelta(days=40 * k + 3 * i), f"{20 + i}.00")
    run = run_now(kind="clv", as_of=AS_OF, by=admin, params={"calibration_start": "2024-01-01"})
    assert run.status == RunStatus.DONE, run.message
    assert run.message.startswith("Thin data: 6 customers, 4 with a repeat purchase.")
    client = client_for(admin)
    for name in ("analytics-clv", "analytics-model"):
        body = client.get(reverse(name)).content.decode()
        assert "Thin data" in body or name == "analytics-clv"
        assert not re.search(r"\b(nan|inf)\b", body, re.IGNORECASE)
