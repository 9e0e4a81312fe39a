"""Cursor pagination walks every row exactly once, in order, for every sort (NULLs and ties included)."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.contacts.models import Contact
from rapport.sales.models import Deal
from tests.factories import make_company, make_contact, make_deal

pytestmark = pytest.mark.django_db


def walk(api, path: str, params: dict) -> list[int]:
    """Follow `next` until the end; return the ids in the order the pages gave them."""
    ids: list[int] = []
    cursor = None
    for _ in range(100):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = api.get(path, query).json()
        assert len(body["results"]) <= params["limit"]
        ids += [row["id"] for row in body["results"]]
        cursor = body["next"]
        if cursor is None:
            return ids
    raise AssertionError("pagination did not end")


@pytest.fixture
def contacts(teammate):
    company_b = make_company(by=teammate, name="Beta")
    company_a = make_company(by=teammate, name="Alpha")
    people = [("Ann", "Smith", company_b), ("Bob", "Smith", None), ("Ann", "Smith", None), ("Cy", "Adams", company_a),
              ("Di", "Zed", company_b), ("Ed", "Adams", None), ("Flo", "Mills", company_a)]
    return [make_contact(by=teammate, first_name=f, last_name=last, company=c) for f, last, c in people]


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-created", "email", "-email", "company", "-company",
                                  "stage", "updated"])
def test_contact_pages_walk_every_row_once_in_order(api_for, teammate, contacts, sort):
    api = api_for(teammate)
    everything = [row["id"] for row in api.get("/contacts", {"sort": sort, "limit": 200}).json()["results"]]
    assert sorted(everything) == sorted(c.pk for c in contacts)
    assert walk(api, "/contacts", {"sort": sort, "limit": 2}) == everything


def test_company_sort_puts_contacts_without_company_first_on_both_databases(api_for, teammate, contacts):
    api = api_for(teammate)
    rows = api.get("/contacts", {"sort": "company", "limit": 200}).json()["results"]
    assert [r["company"]["name"] if r["company"] else None for r in rows] == [
        None, None, None, "Alpha", "Alpha", "Beta", "Beta"]


def test_deal_pages_walk_nullable_close_dates_both_ways(api_for, teammate, pipeline):
    dates = [None, dt.date(2027, 1, 1), None, dt.date(2026, 6, 1), dt.date(2027, 1, 1), None, dt.date(2026, 1, 1)]
    deals = [make_deal(by=teammate, pipeline=pipeline, expected_close_date=d) for d in dates]
    api = api_for(teammate)
    for sort in ("close", "-close", "amount", "-created", "name"):
        everything = [row["id"] for row in api.get("/deals", {"sort": sort, "limit": 200}).json()["results"]]
        assert sorted(everything) == sorted(d.pk for d in deals)
        assert walk(api, "/deals", {"sort": sort, "limit": 3}) == everything
    closes = [row["expected_close_date"] for row in api.get("/deals", {"sort": "close"}).json()["results"]]
    assert closes == [None, None, None, "2026-01-01", "2026-06-01", "2027-01-01", "2027-01-01"]


def test_walk_with_a_filter_and_limit_one(api_for, teammate, contacts):
    api = api_for(teammate)
    smiths = walk(api, "/contacts", {"q": "Smith", "limit": 1, "sort": "name"})
    assert sorted(smiths) == sorted(c.pk for c in contacts if c.last_name == "Smith")


def test_rows_added_while_paging_do_not_repeat_earlier_rows(api_for, teammate, contacts):
    api = api_for(teammate)
    first = api.get("/contacts", {"sort": "name", "limit": 3}).json()
    make_contact(by=teammate, first_name="Aaron", last_name="Aardvark")
    rest = walk(api, "/contacts", {"sort": "name", "limit": 3, "cursor": first["next"]}) if first["next"] else []
    seen = [r["id"] for r in first["results"]]
    assert not set(seen) & set(rest)
    assert len(seen) + len(rest) == len(contacts)


def test_pages_of_other_lists_walk_once(api_for, teammate, pipeline):
    from rapport.activities.services import activity_create
    from rapport.sales.services import lead_create, order_create

    contact = make_contact(by=teammate)
    for i in range(5):
        lead_create(by=teammate, contact=contact, need=f"need {i}")
        order_create(by=teammate, contact=contact, lines=[{"description": "x", "unit_price": str(i)}],
                     ordered_at=dt.datetime(2026, 1, 1 + i % 2, tzinfo=dt.UTC))
        activity_create(by=teammate, kind="note", subject=f"n{i}", contact=contact)
        make_company(by=teammate, name=f"Co {i % 2}")
    api = api_for(teammate)
    for path, sort in (("/leads", "-created"), ("/orders", "-date"), ("/orders", "total"), ("/activities", None),
                       ("/companies", "name"), ("/companies", "-country")):
        params = {"limit": 200, **({"sort": sort} if sort else {})}
        everything = [row["id"] for row in api.get(path, params).json()["results"]]
        assert len(everything) == 5
        assert walk(api, path, {**params, "limit": 2}) == everything, path


def test_list_never_counts_the_table(api_for, teammate, contacts, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_for(teammate)
    api.get("/contacts")
    with CaptureQueriesContext(connection) as ctx:
        body = api.get("/contacts", {"limit": 2}).json()
    assert body["next"] is not None
    assert not [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert Contact.objects.count() == 7 and Deal.objects.count() == 0
