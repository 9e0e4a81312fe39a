"""API of company duplicates and merges, and the possible_duplicates warning of contact and company creation."""

from __future__ import annotations

import pytest

from rapport.contacts.duplicate_scan import duplicate_scan_start
from rapport.contacts.models import Company, CompanyMergeRecord
from tests.api.conftest import api_client
from tests.factories import make_company, make_contact


@pytest.fixture
def twins(teammate):
    return (
        make_company(by=teammate, name="Acme Robotics GmbH", domain="acme.de", city="Berlin"),
        make_company(by=teammate, name="ACME Robotics", domain="acme.de", city="Berlin"),
    )


def test_list_company_pairs_after_a_scan(teammate, twins):
    duplicate_scan_start(by=teammate)
    api = api_client(teammate)
    body = api.get("/company-duplicates").json()
    assert body["next_offset"] is None
    assert [(r["first"]["id"], r["second"]["id"], r["score"], r["reasons"]) for r in body["results"]] == [
        (twins[0].pk, twins[1].pk, 100, "same domain; same name; same city")
    ]
    assert api.get("/contact-duplicates/scan").json()["company_pairs"] == 1
    response = api.post("/company-duplicates/dismiss", {"first_id": twins[1].pk, "second_id": twins[0].pk})
    assert response.status_code == 204
    assert api.get("/company-duplicates").json()["results"] == []


def test_check_finds_the_existing_company(teammate, twins):
    body = (
        api_client(teammate)
        .get(
            "/company-duplicates/check",
            {"name": "Acme Robotics", "domain": "acme.de", "exclude_id": twins[1].pk},
        )
        .json()
    )
    assert [(m["company"]["id"], m["reasons"]) for m in body] == [(twins[0].pk, "same domain; same name")]


def test_merge_and_undo_through_the_api(teammate, twins):
    api = api_client(teammate)
    make_contact(by=teammate, company=twins[1])
    response = api.post(
        "/company-merges",
        {
            "survivor_id": twins[0].pk,
            "loser_id": twins[1].pk,
            "choices": {"name": "loser"},
            "expected_versions": [1, 1],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["survivor_id"], body["loser_id"], body["undone_at"]) == (twins[0].pk, twins[1].pk, None)
    assert body["moved"]["contacts.contact.company"] == 1
    assert Company.objects.get(pk=twins[0].pk).name == "ACME Robotics"
    assert api.get(f"/company-merges/{body['id']}").status_code == 200
    undone = api.post(f"/company-merges/{body['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    assert Company.objects.get(pk=twins[0].pk).name == "Acme Robotics GmbH"
    again = api.post(f"/company-merges/{body['id']}/undo")
    assert again.status_code == 422
    assert again.json()["detail"] == "This merge has already been undone."


def test_an_outsiders_company_id_in_a_merge_is_404_and_nothing_changes(teammate, outsider, twins):
    theirs = make_company(by=outsider, name="Acme Robotics AG")
    api = api_client(teammate)
    response = api.post("/company-merges", {"survivor_id": twins[0].pk, "loser_id": theirs.pk})
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found, or you do not have access to it."
    assert api.post("/company-merges", {"survivor_id": theirs.pk, "loser_id": twins[0].pk}).status_code == 404
    outsider_api = api_client(outsider)
    assert (
        outsider_api.post(
            "/company-merges", {"survivor_id": twins[0].pk, "loser_id": twins[1].pk}
        ).status_code
        == 404
    )
    assert (
        outsider_api.post(
            "/company-duplicates/dismiss", {"first_id": twins[0].pk, "second_id": twins[1].pk}
        ).status_code
        == 404
    )
    assert CompanyMergeRecord.objects.count() == 0
    assert Company.objects.filter(pk=theirs.pk).exists()


def test_bad_merge_input_is_refused_with_sentences(teammate, twins):
    api = api_client(teammate)
    response = api.post("/company-merges", {"survivor_id": twins[0].pk, "loser_id": twins[0].pk})
    assert response.status_code == 422
    assert (
        response.json()["detail"] == "A company cannot be merged with itself; pick two different companies."
    )
    response = api.post(
        "/company-merges", {"survivor_id": twins[0].pk, "loser_id": twins[1].pk, "choices": {"name": "both"}}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["choices.name"]
    assert api.post("/company-merges", {"survivor_id": 0, "loser_id": twins[1].pk}).status_code == 404


def test_creating_a_company_returns_its_possible_duplicates_and_saves_it(teammate, twins):
    response = api_client(teammate).post(
        "/companies", {"name": "Acme Robotics SARL", "domain": "www.acme.de"}
    )
    assert response.status_code == 201
    body = response.json()
    assert Company.objects.filter(pk=body["id"]).exists()
    assert [(d["id"], d["name"], d["reasons"]) for d in body["possible_duplicates"]] == [
        (twins[0].pk, "Acme Robotics GmbH", "same domain; same name"),
        (twins[1].pk, "ACME Robotics", "same domain; same name"),
    ]


def test_creating_a_contact_returns_its_possible_duplicates(teammate):
    existing = make_contact(
        by=teammate, first_name="Grace", last_name="Hopper", emails=["grace@navy.example"]
    )
    response = api_client(teammate).post(
        "/contacts",
        {"first_name": "Grace", "last_name": "Hopper", "emails": [{"email": "Grace@Navy.example"}]},
    )
    assert response.status_code == 201
    assert [(d["id"], d["name"], d["reasons"]) for d in response.json()["possible_duplicates"]] == [
        (existing.pk, "Grace Hopper", "same email; same name")
    ]
    response = api_client(teammate).post("/contacts", {"first_name": "Ada", "last_name": "Lovelace"})
    assert response.json()["possible_duplicates"] == []
