"""Activity pages: log from a record, detail, edit, tasks done, .ics download and the calendar feed."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.activities.models import Activity, TimelineEvent
from rapport.activities.services import activity_create
from rapport.activities.views import calendar_feed_token
from tests.factories import make_contact, make_deal


@pytest.fixture
def contact(teammate):
    return make_contact(by=teammate, first_name="Ada", last_name="Kern", emails=["ada@kern.example"])


@pytest.fixture
def meeting(teammate, contact):
    start = timezone.make_aware(dt.datetime(2030, 3, 4, 14, 30))
    activity = activity_create(by=teammate, kind="meeting", subject="Kick-off", contact=contact, starts_at=start,
                               ends_at=start + dt.timedelta(minutes=90), location="Hauptstraße 5, Berlin")
    activity.attendees.set([contact])
    return activity


def test_log_call_from_contact_page_goes_back_to_it(client_for, teammate, contact):
    next_url = f"/contacts/{contact.pk}/"
    response = client_for(teammate).post(reverse("activity-create"), {
        "kind": "call", "contact": contact.pk, "subject": "Intro call", "outcome": "connected",
        "duration_minutes": "12", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    call = Activity.objects.get(subject="Intro call")
    assert (call.kind, call.outcome, call.duration_minutes, call.owner) == ("call", "connected", 12, teammate)
    assert TimelineEvent.objects.filter(contact=contact, kind="activity_logged", activity=call).count() == 1


def test_log_task_on_a_deal_with_a_due_date(client_for, teammate, pipeline):
    deal = make_deal(by=teammate, pipeline=pipeline)
    client_for(teammate).post(reverse("activity-create"), {
        "kind": "task", "deal": deal.pk, "subject": "Send proposal", "due_at": "2030-01-15", "priority": "high"})
    task = Activity.objects.get(subject="Send proposal")
    assert (task.deal_id, task.priority, timezone.localtime(task.due_at).date()) == (deal.pk, "high",
                                                                                     dt.date(2030, 1, 15))


def test_meeting_without_start_is_refused(client_for, teammate, contact):
    response = client_for(teammate).post(reverse("activity-create"), {
        "kind": "meeting", "contact": contact.pk, "subject": "Lunch"})
    assert response.status_code == 400
    assert "Enter when the meeting starts." in response.content.decode()
    assert not Activity.objects.filter(subject="Lunch").exists()


def test_meeting_ending_before_it_starts_is_refused(client_for, teammate, contact):
    response = client_for(teammate).post(reverse("activity-create"), {
        "kind": "meeting", "contact": contact.pk, "subject": "Backwards", "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-01T09:00"})
    assert response.status_code == 400
    assert "The meeting must end after it starts." in response.content.decode()
    assert Activity.objects.count() == 0


def test_call_with_huge_duration_is_refused(client_for, teammate, contact):
    response = client_for(teammate).post(reverse("activity-create"), {
        "kind": "call", "contact": contact.pk, "subject": "Long", "duration_minutes": "99999"})
    assert response.status_code == 400
    assert Activity.objects.count() == 0


def test_outsider_cannot_log_on_or_see_team_a_records(client_for, outsider, contact, meeting):
    client = client_for(outsider)
    response = client.post(reverse("activity-create"), {"kind": "note", "contact": contact.pk, "subject": "Spy"})
    assert response.status_code == 404
    assert not Activity.objects.filter(subject="Spy").exists()
    for name in ("activity-detail", "activity-edit", "activity-ics"):
        assert client.get(reverse(name, args=[meeting.pk])).status_code == 404
    assert client.post(reverse("task-done", args=[meeting.pk])).status_code == 404


def test_activity_detail_shows_meeting_with_map_link(client_for, teammate, meeting):
    body = client_for(teammate).get(reverse("activity-detail", args=[meeting.pk])).content.decode()
    assert "Kick-off" in body and "Hauptstraße 5, Berlin" in body
    assert "https://www.openstreetmap.org/search?query=Hauptstra%C3%9Fe+5%2C+Berlin" in body


def test_meeting_ics_parses_back_with_summary_start_and_location(client_for, teammate, meeting):
    response = client_for(teammate).get(reverse("activity-ics", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["summary"]) == "Kick-off"
    assert event.decoded("dtstart") == meeting.starts_at
    assert event.decoded("dtend") == meeting.starts_at + dt.timedelta(minutes=90)
    assert str(event["location"]) == "Hauptstraße 5, Berlin"
    assert str(event["uid"]) == f"activity-{meeting.pk}@rapport"
    assert str(event["attendee"]) == "mailto:ada@kern.example"


def test_ics_of_a_task_is_404(client_for, teammate, contact):
    task = activity_create(by=teammate, kind="task", subject="Do it", contact=contact)
    assert client_for(teammate).get(reverse("activity-ics", args=[task.pk])).status_code == 404


def test_calendar_feed_lists_the_users_upcoming_meetings_and_rejects_bad_tokens(client, teammate, outsider,
                                                                                meeting):
    response = client.get(reverse("calendar-feed", args=[calendar_feed_token(teammate)]))
    assert response.status_code == 200
    summaries = [str(e["summary"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]
    assert summaries == ["Kick-off"]
    theirs = client.get(reverse("calendar-feed", args=[calendar_feed_token(outsider)]))
    assert list(icalendar.Calendar.from_ical(theirs.content).walk("VEVENT")) == []
    assert client.get(reverse("calendar-feed", args=["forged:token"])).status_code == 404
    old = calendar_feed_token(teammate)
    teammate.set_password("a-new-password-77")
    teammate.save()
    assert client.get(reverse("calendar-feed", args=[old])).status_code == 404


def test_mark_task_done_with_htmx_returns_the_row(client_for, teammate, contact):
    task = activity_create(by=teammate, kind="task", subject="Call back", contact=contact)
    response = client_for(teammate).post(reverse("task-done", args=[task.pk]), {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="task-{task.pk}"' in response.content.decode() and "is-done" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is not None
    assert TimelineEvent.objects.filter(kind="task_done", activity=task).count() == 1


def test_readonly_user_cannot_tick_a_task(client_for, readonly, teammate, contact):
    task = activity_create(by=teammate, kind="task", subject="Team task", contact=contact)
    assert client_for(readonly).post(reverse("task-done", args=[task.pk])).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None


def test_stale_activity_edit_shows_conflict(client_for, teammate, meeting):
    client = client_for(teammate)
    form = {"subject": "Kick-off v2", "starts_at": "2030-03-04T14:30", "ends_at": "2030-03-04T16:00",
            "location": "Online", "version": meeting.version, "attendees": []}
    assert client.post(reverse("activity-edit", args=[meeting.pk]), form).status_code == 302
    response = client.post(reverse("activity-edit", args=[meeting.pk]), {**form, "subject": "Late"})
    assert response.status_code == 409
    meeting.refresh_from_db()
    assert (meeting.subject, meeting.location) == ("Kick-off v2", "Online")
