"""Purchase summaries: kept on every order write, rebuildable set-based, never adding currencies raw."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from rapport.analytics.models import PurchaseSummary
from rapport.analytics.services.summary import (
    company_purchase_summary,
    ensure_convertible,
    purchase_summary_apply,
    purchase_summary_rebuild,
)
from rapport.sales.models import ExchangeRate, Order
from rapport.sales.services.orders import order_update_status
from tests.analytics.helpers import buy
from tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def summary_of(contact):
    return PurchaseSummary.objects.get(contact=contact)


def test_order_create_keeps_the_customers_summary(admin):
    ann = make_contact(by=admin)
    buy(admin, ann, "2024-01-05", "100.00")
    buy(admin, ann, "2024-01-05", "20.00")  # same day: one purchase occasion
    buy(admin, ann, "2024-03-01", "30.50")
    s = summary_of(ann)
    assert (s.first_purchase, s.last_purchase) == (dt.date(2024, 1, 5), dt.date(2024, 3, 1))
    assert (s.purchase_days, s.orders, s.total_spend) == (2, 3, Decimal("150.50"))
    assert s.average_spend == Decimal("75.25")


def test_cancelling_an_order_takes_it_out_of_the_summary(admin):
    ann = make_contact(by=admin)
    buy(admin, ann, "2024-01-05", "100.00")
    late = buy(admin, ann, "2024-02-05", "40.00")
    order_update_status(order=late, status="cancelled", by=admin)
    s = summary_of(ann)
    assert (s.last_purchase, s.purchase_days, s.total_spend) == (dt.date(2024, 1, 5), 1, Decimal("100.00"))
    only = buy(admin, make_contact(by=admin), "2024-01-01", "10.00")
    order_update_status(order=only, status="refunded", by=admin)
    assert not PurchaseSummary.objects.filter(contact=only.contact).exists()


def test_rebuild_from_scratch_gives_the_same_summaries_as_incremental_upkeep(admin):
    people = [make_contact(by=admin) for _ in range(3)]
    for i, person in enumerate(people):
        for k in range(i + 1):
            buy(admin, person, dt.date(2024, 1, 1) + dt.timedelta(days=10 * k), f"{10 * (k + 1)}.00")
    kept = sorted(PurchaseSummary.objects.values_list("contact_id", "first_purchase", "last_purchase",
                                                      "purchase_days", "orders", "total_spend"))
    assert purchase_summary_rebuild() == 3
    rebuilt = sorted(PurchaseSummary.objects.values_list("contact_id", "first_purchase", "last_purchase",
                                                         "purchase_days", "orders", "total_spend"))
    assert rebuilt == kept
    assert [r[3] for r in rebuilt] == [1, 2, 3]


def test_trashed_orders_leave_the_summary_on_the_next_apply(admin):
    ann = make_contact(by=admin)
    order = buy(admin, ann, "2024-01-05", "100.00")
    buy(admin, ann, "2024-02-05", "50.00")
    Order.all_objects.filter(pk=order.pk).update(deleted_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    purchase_summary_apply(contact_id=ann.pk)
    s = summary_of(ann)
    assert (s.first_purchase, s.total_spend) == (dt.date(2024, 2, 5), Decimal("50.00"))


@override_settings(RAPPORT_BASE_CURRENCY="EUR")
def test_foreign_currency_is_converted_with_the_rate_of_the_order_date(admin):
    ExchangeRate.objects.create(currency="USD", date=dt.date(2024, 1, 1), rate=Decimal("0.90"))
    ExchangeRate.objects.create(currency="USD", date=dt.date(2024, 2, 1), rate=Decimal("0.80"))
    ann = make_contact(by=admin)
    buy(admin, ann, "2024-01-15", "100.00", currency="USD")  # rate of 1 January: 0.90
    buy(admin, ann, "2024-02-10", "100.00", currency="USD")  # rate of 1 February: 0.80
    buy(admin, ann, "2024-02-11", "10.00", currency="EUR")
    s = summary_of(ann)
    assert (s.total_spend, s.unconverted_orders) == (Decimal("180.00"), 0)
    ensure_convertible()


@override_settings(RAPPORT_BASE_CURRENCY="EUR")
def test_orders_without_a_rate_are_never_added_raw_and_runs_refuse_with_a_clear_message(admin):
    ann = make_contact(by=admin)
    buy(admin, ann, "2024-01-15", "100.00", currency="EUR")
    buy(admin, ann, "2024-01-20", "5000.00", currency="JPY")
    s = summary_of(ann)
    assert (s.total_spend, s.unconverted_orders, s.orders) == (Decimal("100.00"), 1, 2)
    with pytest.raises(ValidationError) as info:
        ensure_convertible()
    assert info.value.messages == [
        "Cannot add amounts in different currencies: 1 order(s) in JPY between 2024-01-20 and 2024-01-20 have no "
        "exchange rate to EUR on or before their date. Add exchange rates for these currencies and dates, then "
        "run the analysis again."]


def test_company_summary_covers_all_its_contacts(admin):
    acme = make_company(by=admin, name="Acme")
    ann, bob = make_contact(by=admin, company=acme), make_contact(by=admin, company=acme)
    buy(admin, ann, "2024-01-05", "100.00")
    buy(admin, bob, "2024-01-05", "50.00")
    buy(admin, bob, "2024-04-05", "30.00")
    s = company_purchase_summary(acme.pk)
    assert (s.first_purchase, s.last_purchase, s.purchase_days, s.orders, s.total_spend) == (
        dt.date(2024, 1, 5), dt.date(2024, 4, 5), 2, 3, Decimal("180.00"))
    assert summary_of(ann).company_id == acme.pk


def test_negative_order_totals_are_left_out_of_purchases(admin):
    ann = make_contact(by=admin)
    order = buy(admin, ann, "2024-01-05", "100.00")
    Order.objects.filter(pk=order.pk).update(total=Decimal("-100.00"))
    purchase_summary_apply(contact_id=ann.pk)
    assert not PurchaseSummary.objects.filter(contact=ann).exists()
