"""Bad input of every kind gets a 4xx with {"detail", "errors"} and writes nothing."""

from __future__ import annotations

import pytest

from rapport.activities.models import Activity, TimelineEvent
from rapport.contacts.models import Company, Contact
from rapport.sales.models import Deal, Order
from tests.factories import make_contact, make_product

pytestmark = pytest.mark.django_db


def written() -> tuple[int, ...]:
    return (Contact.all_objects.count(), Company.all_objects.count(), Deal.all_objects.count(),
            Order.all_objects.count(), Activity.all_objects.count(), TimelineEvent.objects.count())


def assert_refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert field in body["errors"], body["errors"]
        assert all(isinstance(m, str) and m for m in body["errors"][field])
    return body


@pytest.fixture
def api(api_for, teammate, pipeline):
    return api_for(teammate)


def test_wrong_type_is_a_422_with_the_field(api):
    before = written()
    body = assert_refused(api.post("/contacts", {"first_name": ["not", "a", "string"]}), 422, "first_name")
    assert body["errors"]["first_name"] == ["Input should be a valid string"]
    assert_refused(api.post("/deals", {"name": "D", "amount": "lots"}), 422, "amount")
    assert_refused(api.post("/contacts", {"last_name": "X", "tags": "vip"}), 422, "tags")
    assert written() == before


def test_unknown_field_is_refused(api):
    before = written()
    body = assert_refused(api.post("/contacts", {"last_name": "X", "is_superuser": True}), 422, "is_superuser")
    assert body["errors"]["is_superuser"] == ["Extra inputs are not permitted"]
    assert_refused(api.post("/contacts", {"last_name": "X", "emails": [{"email": "a@b.co", "x": 1}]}), 422,
                   "emails.0.x")
    assert written() == before


def test_over_long_text_is_refused(api):
    before = written()
    assert_refused(api.post("/contacts", {"last_name": "x" * 101}), 422, "last_name")
    assert_refused(api.post("/companies", {"name": "x" * 201}), 422, "name")
    assert_refused(api.post("/activities", {"kind": "note", "subject": "s", "body": "x" * 20001}), 422, "body")
    assert written() == before


def test_malformed_email_and_phone_are_refused_with_sentences(api):
    before = written()
    body = assert_refused(api.post("/contacts", {"last_name": "X", "emails": ["ada@"]}), 422, "emails.0")
    assert body["errors"]["emails.0"] == ["'ada@' is not a valid email address; write it like name@example.com."]
    body = assert_refused(api.post("/contacts", {"last_name": "X", "phones": ["call me"]}), 422, "phones.0")
    assert "is not a phone number" in body["errors"]["phones.0"][0]
    assert_refused(api.post("/companies", {"name": "X", "phone": "123"}), 422, "phone")
    assert written() == before


def test_negative_quantity_and_price_are_refused(api, teammate, manager):
    contact = make_contact(by=teammate)
    product = make_product(by=manager)
    before = written()
    body = assert_refused(api.post("/orders", {"contact_id": contact.pk, "lines": [
        {"product_id": product.pk, "quantity": "-2"}]}), 422, "lines.0.quantity")
    assert body["errors"]["lines.0.quantity"] == ["Input should be greater than 0"]
    assert_refused(api.post("/orders", {"contact_id": contact.pk, "lines": [
        {"description": "x", "unit_price": "-1"}]}), 422, "lines.0.unit_price")
    assert_refused(api.post("/deals", {"name": "D", "amount": "-5"}), 422, "amount")
    assert written() == before


def test_dates_out_of_range_are_refused(api, teammate):
    contact = make_contact(by=teammate)
    before = written()
    body = assert_refused(api.post("/deals", {"name": "D", "expected_close_date": "1066-10-14"}), 422,
                          "expected_close_date")
    assert body["errors"]["expected_close_date"] == ["Use a date between 1900-01-01 and 2200-12-31."]
    assert_refused(api.post("/deals", {"name": "D", "expected_close_date": "2027-02-30"}), 422, "expected_close_date")
    assert_refused(api.post("/orders", {"contact_id": contact.pk, "ordered_at": "2999-01-01T00:00:00Z",
                                        "lines": [{"description": "x", "unit_price": "1"}]}), 422, "ordered_at")
    assert_refused(api.post("/activities", {"kind": "task", "subject": "t", "contact_id": contact.pk,
                                            "due_at": "0001-01-01T00:00:00Z"}), 422, "due_at")
    assert written() == before


def test_malformed_json_body_is_a_400(api):
    before = written()
    body = assert_refused(api.post("/contacts", raw='{"last_name": "X",'), 400, "body")
    assert body["detail"].startswith("The request body is not valid JSON")
    assert_refused(api.patch("/contacts/1", raw="not json"), 400, "body")
    assert written() == before


def test_empty_body_and_wrong_json_shape_are_refused(api):
    before = written()
    body = assert_refused(api.post("/contacts"), 422, "body")
    assert body["errors"]["body"] == ["Field required"]
    assert_refused(api.post("/contacts", ["a", "list"]), 422)
    assert_refused(api.post("/contacts", {}), 422, "last_name")
    assert written() == before


def test_patch_without_version_is_refused(api, teammate):
    contact = make_contact(by=teammate)
    assert_refused(api.patch(f"/contacts/{contact.pk}", {"title": "x"}), 422, "version")
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("", 1)


def test_odd_ids_are_404_or_422_never_500(api):
    assert_refused(api.get(f"/contacts/{2**70}"), 404)
    assert_refused(api.get("/contacts/0"), 404)
    assert_refused(api.get("/contacts/abc"), 422)
    assert_refused(api.post("/contacts", {"last_name": "X", "company_id": 2**70}), 422, "company_id")
    assert_refused(api.get("/contacts", {"owner": "me"}), 422, "owner")


def test_bad_paging_parameters_are_refused(api):
    assert_refused(api.get("/contacts", {"limit": 0}), 422, "limit")
    assert_refused(api.get("/contacts", {"limit": 201}), 422, "limit")
    body = assert_refused(api.get("/contacts", {"cursor": "garbage!!"}), 422, "cursor")
    assert body["errors"]["cursor"] == ["This cursor is not valid for this list; start again without a cursor."]


def test_cursor_from_another_sort_is_refused(api, teammate):
    for i in range(3):
        make_contact(by=teammate, last_name=f"N{i}")
    cursor = api.get("/contacts", {"limit": 1, "sort": "name"}).json()["next"]
    assert_refused(api.get("/contacts", {"limit": 1, "sort": "created", "cursor": cursor}), 422, "cursor")


def test_invalid_choice_is_refused(api):
    assert_refused(api.post("/contacts", {"last_name": "X", "lifecycle_stage": "king"}), 422, "lifecycle_stage")
    assert_refused(api.post("/orders", {"contact_id": 1, "channel": "pigeon", "lines": []}), 422, "channel")
