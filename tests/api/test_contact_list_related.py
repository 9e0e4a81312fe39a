"""The contacts list endpoint shows each contact's own emails, phones, tags and consents, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.models import Contact
from rapport.contacts.selectors import contacts_related_load, related_rows
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_each_contact_in_the_list_carries_only_its_own_related_rows(api_for, teammate):
    make_contact(
        by=teammate,
        first_name="Ada",
        last_name="Aardvark",
        country="GB",
        emails=["ada@work.example", {"email": "ada@home.example", "kind": "personal"}],
        phones=["+44 20 7946 0958"],
        tags=["vip", "beans"],
        consents=[{"channel": "email", "status": "granted", "source": "web form"}],
    )
    make_contact(by=teammate, first_name="Bob", last_name="Badger", country="GB", emails=["bob@work.example"])
    rows = api_for(teammate).get("/contacts", {"country": "GB"}).json()["results"]
    assert [
        (
            r["first_name"],
            [e["email"] for e in r["emails"]],
            [p["number"] for p in r["phones"]],
            r["tags"],
            [c["channel"] for c in r["consents"]],
        )
        for r in rows
    ] == [
        ("Ada", ["ada@work.example", "ada@home.example"], ["+442079460958"], ["beans", "vip"], ["email"]),
        ("Bob", ["bob@work.example"], [], [], []),
    ]


def test_related_rows_of_a_page_take_four_queries_however_many_contacts(teammate):
    for i in range(3):
        make_contact(by=teammate, last_name=f"Few{i}", emails=[f"few{i}@x.example"], tags=["t"])
    contacts = list(Contact.objects.all())
    with CaptureQueriesContext(connection) as few:
        contacts_related_load(contacts)
    for i in range(12):
        make_contact(by=teammate, last_name=f"More{i}", emails=[f"more{i}@x.example"], tags=[f"t{i}"])
    contacts = list(Contact.objects.all())
    with CaptureQueriesContext(connection) as many:
        contacts_related_load(contacts)
    assert len(few.captured_queries) == len(many.captured_queries) == 4
    with CaptureQueriesContext(connection) as reading:
        assert sum(len(related_rows(c, "emails")) for c in contacts) == 15
    assert reading.captured_queries == []


def test_related_rows_of_a_contact_not_loaded_in_a_page_come_from_the_database(teammate):
    contact = make_contact(by=teammate, emails=["solo@x.example"])
    fresh = Contact.objects.get(pk=contact.pk)
    assert [e.email for e in related_rows(fresh, "emails")] == ["solo@x.example"]
