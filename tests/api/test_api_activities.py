"""Activities through the API: log calls and meetings, create and complete tasks, list per record."""

from __future__ import annotations

import pytest

from rapport.activities.models import Activity, TimelineEvent
from tests.factories import make_contact, make_deal

pytestmark = pytest.mark.django_db


def test_log_a_call_on_a_contact(api_for, teammate):
    contact = make_contact(by=teammate)
    response = api_for(teammate).post("/activities", {"kind": "call", "subject": "Intro call", "contact_id": contact.pk,
                                                      "outcome": "connected", "duration_minutes": 15})
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["outcome"], body["duration_minutes"], body["contact"]["id"]) == (
        "call", "connected", 15, contact.pk)
    assert body["done_at"] is not None
    assert TimelineEvent.objects.filter(contact=contact, kind="activity_logged").count() == 1


def test_meeting_needs_a_start_and_an_end_after_it(api_for, teammate):
    contact = make_contact(by=teammate)
    api = api_for(teammate)
    response = api.post("/activities", {"kind": "meeting", "subject": "Demo", "contact_id": contact.pk})
    assert response.status_code == 422
    assert response.json()["errors"] == {"starts_at": ["Enter when the meeting starts."]}
    response = api.post("/activities", {"kind": "meeting", "subject": "Demo", "contact_id": contact.pk,
                                        "starts_at": "2027-01-10T10:00:00Z", "ends_at": "2027-01-10T09:00:00Z"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"ends_at": ["The meeting must end after it starts."]}
    response = api.post("/activities", {"kind": "meeting", "subject": "Demo", "contact_id": contact.pk,
                                        "starts_at": "2027-01-10T10:00:00Z", "ends_at": "2027-01-10T11:00:00Z",
                                        "location": "Berlin", "attendee_ids": [contact.pk]})
    assert response.status_code == 201
    assert response.json()["attendees"] == [{"id": contact.pk, "name": contact.full_name}]
    assert Activity.objects.count() == 1


def test_activity_must_be_linked_to_a_record(api_for, teammate):
    response = api_for(teammate).post("/activities", {"kind": "note", "subject": "Floating"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"contact": ["Link the activity to a contact, company, lead or deal."]}


def test_task_complete_and_reopen(api_for, teammate, pipeline):
    deal = make_deal(by=teammate, pipeline=pipeline)
    api = api_for(teammate)
    task = api.post("/activities", {"kind": "task", "subject": "Send quote", "deal_id": deal.pk,
                                    "due_at": "2027-02-01T09:00:00", "priority": "high"}).json()
    assert (task["done_at"], task["priority"], task["due_at"]) == (None, "high", "2027-02-01T09:00:00Z")
    done = api.post(f"/activities/{task['id']}/complete", {})
    assert done.json()["done_at"] is not None
    reopened = api.post(f"/activities/{task['id']}/complete", {"done": False})
    assert reopened.json()["done_at"] is None


def test_list_by_record_and_open_tasks(api_for, teammate):
    first, second = make_contact(by=teammate), make_contact(by=teammate)
    api = api_for(teammate)
    note = api.post("/activities", {"kind": "note", "subject": "Likes tea", "contact_id": first.pk}).json()
    task = api.post("/activities", {"kind": "task", "subject": "Call back", "contact_id": second.pk}).json()
    assert [a["id"] for a in api.get("/activities", {"contact": first.pk}).json()["results"]] == [note["id"]]
    assert [a["id"] for a in api.get("/activities", {"open": "true"}).json()["results"]] == [task["id"]]
    assert [a["id"] for a in api.get("/activities", {"kind": "note"}).json()["results"]] == [note["id"]]


def test_patch_with_version_and_trash(api_for, teammate):
    contact = make_contact(by=teammate)
    api = api_for(teammate)
    note = api.post("/activities", {"kind": "note", "subject": "Old", "contact_id": contact.pk}).json()
    response = api.patch(f"/activities/{note['id']}", {"version": 1, "subject": "New", "body": "Details"})
    assert (response.json()["subject"], response.json()["body"], response.json()["version"]) == ("New", "Details", 2)
    assert api.patch(f"/activities/{note['id']}", {"version": 1, "subject": "Stale"}).status_code == 409
    assert api.delete(f"/activities/{note['id']}").status_code == 204
    assert api.get(f"/activities/{note['id']}").status_code == 404
    assert api.post(f"/activities/{note['id']}/restore").json()["subject"] == "New"
