"""POST /contacts/bulk: each created contact comes back with its possible duplicates, as POST /contacts does."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts import duplicate_check
from rapport.contacts.duplicate_check import Entered, possible_duplicates, possible_duplicates_many
from rapport.contacts.models import Contact
from tests.factories import make_company, make_contact


def warnings_of(body: dict[str, Any]) -> list[list[tuple[int, str, int, str]]]:
    return [
        [(d["id"], d["name"], d["score"], d["reasons"]) for d in item["possible_duplicates"]]
        for item in body["items"]
    ]


def test_bulk_items_like_existing_contacts_by_email_phone_or_similar_name_get_warnings(api_for, teammate):
    acme = make_company(by=teammate, name="Acme Robotics GmbH")
    grace = make_contact(by=teammate, first_name="Grace", last_name="Hopper", emails=["grace@navy.example"])
    ana = make_contact(
        by=teammate, first_name="Ana", last_name="Costa", emails=[], phones=["+351 912 345 678"]
    )
    robert = make_contact(
        by=teammate, first_name="Robert", last_name="Fischer", emails=[], company=acme, city="Leeds"
    )
    response = api_for(teammate).post(
        "/contacts/bulk",
        {
            "items": [
                {"first_name": "Grace", "last_name": "Hopper", "emails": [{"email": "Grace@Navy.example"}]},
                {"first_name": "Ana", "last_name": "Costa", "phones": [{"number": "+351912345678"}]},
                {"first_name": "Bob", "last_name": "Fischer", "company_id": acme.pk, "city": "Leeds"},
                {"first_name": "Ada", "last_name": "Lovelace", "emails": [{"email": "ada@example.org"}]},
            ]
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] == 4
    assert [item["id"] for item in body["items"]] == body["ids"]
    assert warnings_of(body) == [
        [(grace.pk, "Grace Hopper", 99, "same email; same name")],
        [(ana.pk, "Ana Costa", 98, "same phone; same name")],
        [(robert.pk, "Robert Fischer", 79, "same name; nickname; same city; same company")],
        [],
    ]
    assert Contact.objects.count() == 7  # saved anyway


def test_bulk_items_that_look_like_each_other_warn_about_each_other(api_for, teammate):
    response = api_for(teammate).post(
        "/contacts/bulk",
        {
            "items": [
                {"first_name": "Linus", "last_name": "Berg", "emails": [{"email": "linus@berg.example"}]},
                {"first_name": "Ola", "last_name": "Nordmann"},
                {"first_name": "Linus", "last_name": "Berg", "emails": [{"email": "LINUS@berg.example"}]},
            ]
        },
    )
    assert response.status_code == 201, response.content
    first, other, second = response.json()["ids"]
    assert warnings_of(response.json()) == [
        [(second, "Linus Berg", 99, "same email; same name")],
        [],
        [(first, "Linus Berg", 99, "same email; same name")],
    ]


def test_bulk_warnings_never_name_contacts_the_caller_cannot_see(api_for, teammate, outsider):
    hidden = make_contact(
        by=teammate, first_name="Ana", last_name="Costa", emails=["ana@example.org"], phones=["+351912345678"]
    )
    own = make_contact(by=outsider, first_name="Olga", last_name="Out", emails=["olga@example.org"])
    response = api_for(outsider).post(
        "/contacts/bulk",
        {
            "items": [
                {
                    "first_name": "Ana",
                    "last_name": "Costa",
                    "emails": [{"email": "ana@example.org"}],
                    "phones": [{"number": "+351912345678"}],
                },
                {"first_name": "Olga", "last_name": "Out", "emails": [{"email": "olga@example.org"}]},
            ]
        },
    )
    assert response.status_code == 201, response.content
    assert warnings_of(response.json()) == [[], [(own.pk, "Olga Out", 99, "same email; same name")]]
    # The same item sent by the owner's teammate is warned about the contact they may see, and only it:
    # the outsider's new Ana Costa is as hidden from the teammate as the teammate's was from the outsider.
    response = api_for(teammate).post(
        "/contacts/bulk",
        {
            "items": [
                {"first_name": "Ana", "last_name": "Costa", "emails": [{"email": "ana@example.org"}]},
            ]
        },
    )
    assert warnings_of(response.json()) == [[(hidden.pk, "Ana Costa", 99, "same email; same name")]]


def _items(n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "first_name": "Bulk",
            "last_name": f"Person{offset + i}",
            "emails": [{"email": f"p{offset + i}@example.org"}],
            "phones": [{"number": f"+49301234{offset + i:04d}"}],
        }
        for i in range(n)
    ]


def test_bulk_create_of_100_contacts_with_duplicate_warnings_stays_under_a_fixed_number_of_queries(
    api_for, teammate
):
    existing = [
        make_contact(by=teammate, first_name="Bulk", last_name=f"Person{i}", emails=[f"p{i}@example.org"])
        for i in range(100)
    ]
    api = api_for(teammate)
    api.get("/accounts/me")
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/contacts/bulk", {"items": _items(100)})
    assert response.status_code == 201, response.content
    warnings = warnings_of(response.json())
    assert [w[0][0] for w in warnings] == [c.pk for c in existing]
    assert all(len(w) == 1 for w in warnings)
    assert len(ctx.captured_queries) <= 30  # 25 on SQLite, 23 on PostgreSQL; 9 of them the duplicate check


def test_the_duplicate_check_costs_the_same_queries_for_2_and_100_contacts(teammate):
    for i in range(100):
        make_contact(
            by=teammate,
            first_name="Bulk",
            last_name=f"Person{i}",
            emails=[f"p{i}@example.org"],
            phones=[f"+49301234{i:04d}"],
        )

    def entries(n: int) -> list[Entered]:
        return [
            Entered("Bulk", f"Person{i}", (f"p{i}@example.org",), (f"+49301234{i:04d}",)) for i in range(n)
        ]

    counts = []
    for n in (2, 100):
        with CaptureQueriesContext(connection) as ctx:
            found = possible_duplicates_many(entries(n), user=teammate)
        assert [len(matches) for matches in found] == [1] * n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 10


@pytest.mark.parametrize("batch", [1, 2, 200])
def test_checking_many_contacts_at_once_answers_what_checking_each_answers(
    teammate, outsider, monkeypatch, batch
):
    monkeypatch.setattr(duplicate_check, "ENTRY_BATCH", batch)
    acme = make_company(by=teammate, name="Acme")
    make_contact(by=teammate, first_name="Robert", last_name="Fischer", emails=["r.fischer@acme.com"])
    make_contact(
        by=teammate, first_name="Laurent", last_name="Martin", emails=["lm@example.fr"], company=acme
    )
    make_contact(by=teammate, first_name="Ana", last_name="Costa", emails=[], phones=["+351912345678"])
    make_contact(by=outsider, first_name="Ana", last_name="Costa", emails=["ana@example.org"])
    mine = make_contact(by=teammate, first_name="Martin", last_name="Laurent", emails=["lm@example.fr"])
    entries = [
        Entered("Bob", "Fischer", ("R.Fischer@ACME.com",)),
        Entered("Martin", "Laurent", ("lm@example.fr",), company="Acme", exclude_id=mine.pk),
        Entered("Ana Costa", "", (), ("00351912345678",)),
        Entered("Ana", "Costa", ("ana@example.org",)),
        Entered(),
    ]
    each = [
        possible_duplicates(
            first_name=e.first_name,
            last_name=e.last_name,
            emails=e.emails,
            phones=e.phones,
            company=e.company,
            exclude_id=e.exclude_id,
            user=teammate,
        )
        for e in entries
    ]
    assert possible_duplicates_many(entries, user=teammate) == each
    assert [len(matches) for matches in each] == [1, 1, 1, 0, 0]  # the outsider's Ana Costa is not named
