"""API: pairs, scan, dismiss, on-entry check, merge and undo; outsiders get 404, bad input 4xx."""

from __future__ import annotations

import pytest

from rapport.contacts.models import Contact, DuplicateDismissal, MergeRecord
from tests.api.conftest import api_client
from tests.factories import make_contact


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def twins(teammate):
    a = make_contact(by=teammate, first_name="Laurent", last_name="Martin", emails=["lm@orange.fr"], city="Lyon")
    b = make_contact(by=teammate, first_name="Martin", last_name="Laurent", emails=["LM@orange.fr"], city="Lyon")
    return a, b


def test_scan_then_list_pairs_with_score_and_reasons(teammate, twins):
    api = api_client(teammate)
    started = api.post("/contact-duplicates/scan")
    assert started.status_code == 200 and started.json()["status"] == "done" and started.json()["pairs"] == 1
    body = api.get("/contact-duplicates").json()
    assert [(r["first"]["id"], r["second"]["id"], r["score"], r["reasons"]) for r in body["results"]] == [
        (twins[0].pk, twins[1].pk, 100, "same email; same name; first and last name swapped; same city")]
    assert body["next_offset"] is None


def test_dismissed_pair_is_not_listed(teammate, twins):
    api = api_client(teammate)
    api.post("/contact-duplicates/scan")
    response = api.post("/contact-duplicates/dismiss", {"first_id": twins[1].pk, "second_id": twins[0].pk})
    assert response.status_code == 204
    assert DuplicateDismissal.objects.count() == 1
    assert api.get("/contact-duplicates").json()["results"] == []


def test_check_endpoint_finds_the_existing_contact(teammate, twins):
    body = api_client(teammate).get("/contact-duplicates/check", {"first_name": "Laurent", "last_name": "Martin",
                                                                  "email": "lm@orange.fr", "city": "Lyon"}).json()
    assert [m["contact"]["id"] for m in body] == [twins[0].pk, twins[1].pk]


def test_merge_and_undo_through_the_api(teammate, twins):
    api = api_client(teammate)
    response = api.post("/contact-merges", {"survivor_id": twins[0].pk, "loser_id": twins[1].pk,
                                            "choices": {"first_name": "loser"},
                                            "expected_versions": [twins[0].version, twins[1].version]})
    assert response.status_code == 201
    merge_id = response.json()["id"]
    assert Contact.objects.get(pk=twins[0].pk).first_name == "Martin"
    assert not Contact.objects.filter(pk=twins[1].pk).exists()
    undo = api.post(f"/contact-merges/{merge_id}/undo")
    assert undo.status_code == 200 and undo.json()["undone_at"] is not None
    assert Contact.objects.get(pk=twins[0].pk).first_name == "Laurent"
    again = api.post(f"/contact-merges/{merge_id}/undo")
    assert again.status_code == 422
    assert again.json()["detail"] == "This merge has already been undone."


def test_outsider_gets_404_on_merge_dismiss_and_undo(outsider, teammate, twins):
    api = api_client(outsider)
    assert api.post("/contact-merges", {"survivor_id": twins[0].pk, "loser_id": twins[1].pk}).status_code == 404
    assert api.post("/contact-duplicates/dismiss", {"first_id": twins[0].pk, "second_id": twins[1].pk}).status_code == 404
    merge = api_client(teammate).post("/contact-merges", {"survivor_id": twins[0].pk, "loser_id": twins[1].pk}).json()
    assert api.post(f"/contact-merges/{merge['id']}/undo").status_code == 404
    assert api.get(f"/contact-merges/{merge['id']}").status_code == 404
    assert MergeRecord.objects.get().undone_at is None


def test_merge_with_itself_is_refused_with_a_sentence(teammate, twins):
    response = api_client(teammate).post("/contact-merges", {"survivor_id": twins[0].pk, "loser_id": twins[0].pk})
    assert response.status_code == 422
    assert response.json()["detail"] == "A contact cannot be merged with itself; pick two different contacts."


@pytest.mark.parametrize("body", [
    {"survivor_id": "x", "loser_id": 1},
    {"survivor_id": 1},
    {"survivor_id": 1, "loser_id": 2, "choices": {"city": "both"}},
    {"survivor_id": 1, "loser_id": 2, "unknown": True},
])
def test_bad_merge_input_is_a_422_and_nothing_changes(teammate, twins, body):
    response = api_client(teammate).post("/contact-merges", body)
    assert response.status_code == 422
    assert MergeRecord.objects.count() == 0


def test_merge_of_ids_that_do_not_exist_is_404(teammate):
    assert api_client(teammate).post("/contact-merges", {"survivor_id": 10**12, "loser_id": -5}).status_code == 404


def test_pair_list_query_count_does_not_grow_with_pairs(teammate, django_assert_max_num_queries):
    for n in range(6):
        make_contact(by=teammate, first_name="Ana", last_name=f"Costa{n}", emails=[f"ana{n}@example.org"])
        make_contact(by=teammate, first_name="Ana", last_name=f"Costa{n}", emails=[f"ANA{n}@example.org"])
    api = api_client(teammate)
    api.post("/contact-duplicates/scan")
    with django_assert_max_num_queries(6):
        body = api.get("/contact-duplicates", {"limit": 4}).json()
    assert len(body["results"]) == 4 and body["next_offset"] == 4
    assert [r["reasons"] for r in api.get("/contact-duplicates", {"offset": 4}).json()["results"]] == [
        "same email; same name"] * 2


def test_check_endpoint_refuses_an_oversized_limit(teammate):
    response = api_client(teammate).get("/contact-duplicates/check", {"last_name": "Costa", "limit": 500})
    assert response.status_code == 422
