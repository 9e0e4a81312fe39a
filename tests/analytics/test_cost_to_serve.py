"""ABC cost to serve per class: activities x cost per kind + recorded service costs; margin after cost to serve."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rapport.activities.models import Activity
from rapport.activities.services import activity_create
from rapport.analytics.models import ServiceCost
from rapport.analytics.services.runs import run_now
from rapport.analytics.services.segment_tags import settings_save
from rapport.analytics.services.settings import service_cost_add
from tests.analytics.helpers import buy
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def classes(admin, manager):
    """Five customers with revenue 700/150/80/50/20 (classes A, A, B, B, C), calls, meetings and tasks."""
    people = [make_contact(by=admin, last_name=f"C{i}") for i in range(5)]
    for person, amount in zip(people, ["700.00", "150.00", "80.00", "50.00", "20.00"], strict=True):
        buy(admin, person, "2024-05-01", amount)
    for _ in range(3):
        activity_create(by=admin, kind="call", subject="Check-in", contact=people[0])
    activity_create(by=admin, kind="meeting", subject="Visit", contact=people[1], starts_at=timezone.now())
    activity_create(by=admin, kind="task", subject="Send samples", contact=people[4])
    activity_create(by=admin, kind="note", subject="Likes blue", contact=people[4])
    settings_save(by=manager, activity_costs={"call": "5", "meeting": "120.00", "task": "2.50", "note": ""})
    return people


def test_each_class_shows_customers_revenue_share_cost_to_serve_and_margin(admin, manager, classes):
    service_cost_add(
        by=manager,
        contact_id=classes[2].pk,
        incurred_on="2024-06-01",
        amount="30.00",
        currency="EUR",
        note="Returns handling",
    )
    run = run_now(kind="abc", by=admin)
    a, b, c = (run.result["classes"][k] for k in "ABC")
    assert (a["customers"], a["revenue"], a["revenue_share"]) == (2, 850.0, 0.85)
    assert a["activities"] == {"call": 3, "meeting": 1}
    assert (a["activity_cost"], a["recorded_cost"], a["cost_to_serve"], a["margin"]) == (
        135.0,
        0.0,
        135.0,
        715.0,
    )
    assert a["cost_per_customer"] == 67.5
    assert (b["activity_cost"], b["recorded_cost"], b["cost_to_serve"], b["margin"]) == (
        0.0,
        30.0,
        30.0,
        100.0,
    )
    assert c["activities"] == {"note": 1, "task": 1}
    assert (c["cost_to_serve"], c["margin"]) == (2.5, 17.5)  # notes cost nothing here
    assert run.result["activity_costs"] == {"call": "5.00", "meeting": "120.00", "task": "2.50"}


def test_activities_after_the_as_of_date_and_trashed_ones_are_not_counted(admin, classes):
    Activity.objects.filter(kind="meeting").update(created_at=timezone.now() + dt.timedelta(days=400))
    Activity.objects.filter(kind="call").update(deleted_at=timezone.now())
    run = run_now(kind="abc", by=admin)
    assert run.result["classes"]["A"]["activities"] == {}
    assert run.result["classes"]["A"]["cost_to_serve"] == 0.0


def test_service_costs_without_an_exchange_rate_are_left_out_with_a_warning(admin, manager, classes):
    service_cost_add(
        by=manager, contact_id=classes[4].pk, incurred_on="2024-06-01", amount="10.00", currency="CHF"
    )
    run = run_now(kind="abc", by=admin)
    assert run.result["classes"]["C"]["recorded_cost"] == 0.0
    assert run.message == (
        "Class C: 1 service cost entry without an exchange rate to EUR is left out of the cost "
        "to serve; add the exchange rates and reclassify."
    )


def test_bad_service_costs_and_activity_costs_are_refused_with_sentences(manager, outsider, classes):
    with pytest.raises(ValidationError) as bad:
        service_cost_add(by=manager, contact_id="x", incurred_on="someday", amount="-3", currency="euro")
    assert bad.value.message_dict == {
        "incurred_on": ["Enter a date as YYYY-MM-DD."],
        "amount": ["Enter a number that is not negative and not huge."],
        "currency": ["Use a three-letter currency code, like EUR or USD."],
        "contact": ["Choose a contact you can see (its number, as in the address of its page)."],
    }
    with pytest.raises(ValidationError) as wrong_kind:
        settings_save(by=manager, activity_costs={"lunch": "20"})
    assert wrong_kind.value.message_dict == {
        "activity_costs": ["Unknown activity kind lunch; use call, meeting, task, note, email."]
    }
    assert ServiceCost.objects.count() == 0


def test_the_abc_page_and_api_show_the_cost_to_serve(client_for, admin, manager, classes):
    run_now(kind="abc", by=admin)
    body = client_for(manager).get(reverse("analytics-abc")).content.decode()
    assert "Cost to serve per class" in body and "Margin after<br>cost to serve" in body
    assert "€715.00" in body or "715.00" in body
    api = client_for(manager).get("/api/v1/analytics/abc").json()
    assert api["result"]["classes"]["A"]["cost_to_serve"] == 135.0


def test_the_options_api_sets_activity_costs_for_managers_only(client_for, manager, teammate):
    body = json.dumps({"activity_costs": {"call": "7.5"}, "tag_rfm_segments": False})
    ok = client_for(manager).put("/api/v1/analytics/options", data=body, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json() == {
        "tag_rfm_segments": False,
        "activity_costs": {"call": "7.50"},
        "base_currency": "EUR",
    }
    denied = client_for(teammate).put("/api/v1/analytics/options", data=body, content_type="application/json")
    assert denied.status_code == 403
    added = client_for(manager).post(
        "/api/v1/analytics/service-costs",
        content_type="application/json",
        data=json.dumps(
            {"contact_id": 999999, "incurred_on": "2024-01-01", "amount": "5", "currency": "EUR"}
        ),
    )
    assert added.status_code == 422 and list(added.json()["errors"]) == ["contact"]
    assert Decimal(
        client_for(manager).get("/api/v1/analytics/options").json()["activity_costs"]["call"]
    ) == Decimal("7.5")
