"""The contact detail page costs a fixed number of queries, however much hangs off the contact."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.activities.services import activity_create
from rapport.sales.services.orders import order_create
from tests.factories import make_company, make_contact, make_deal, make_lead, make_pipeline

pytestmark = pytest.mark.django_db


def _add_history(contact, by, count: int, pipeline) -> None:
    """Deals, leads, orders, calls and tags of the contact: each adds rows to a section of the page."""
    for i in range(count):
        make_deal(by=by, pipeline=pipeline, contact=contact, name=f"Deal {contact.pk}-{i}")
        make_lead(by=by, contact=contact)
        order_create(
            by=by, contact=contact, lines=[{"description": f"Beans {i}", "quantity": 2, "unit_price": "9.50"}]
        )
        activity_create(by=by, kind="call", subject=f"Call {i}", contact=contact)


def _queries_of_detail_page(client, contact) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("contact-detail", args=[contact.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_contact_detail_queries_do_not_grow_with_deals_orders_activities_and_events(
    client_for, admin, teammate
):
    client = client_for(teammate)
    pipeline = make_pipeline(by=admin)
    company = make_company(by=teammate, name="Acme")
    small = make_contact(by=teammate, company=company, emails=["a@acme.example"], tags=["vip"])
    _add_history(small, teammate, 1, pipeline)
    big = make_contact(
        by=teammate,
        company=company,
        emails=["b@acme.example", {"email": "b@home.example", "kind": "personal"}],
        phones=["+44 20 7946 0958", "+44 20 7946 0959"],
        tags=["vip", "beans", "espresso"],
        consents=[{"channel": "email", "status": "granted", "source": "web form"}],
    )
    _add_history(big, teammate, 6, pipeline)
    client.get(reverse("contact-detail", args=[small.pk]))  # warm per-process caches (custom fields, rates)
    assert _queries_of_detail_page(client, big) == _queries_of_detail_page(client, small)


def test_contact_detail_of_a_contact_without_history_lists_nothing_and_stays_within_the_query_budget(
    client_for, admin
):
    contact = make_contact(by=admin, first_name="Grace", last_name="Hopper")
    client = client_for(admin)
    client.get(reverse("contact-detail", args=[contact.pk]))
    # Session, user, the contact with emails, phones, tags, consents and related lists: a fixed budget.
    assert _queries_of_detail_page(client, contact) <= 20
