"""My day: exactly the user's overdue tasks, today's tasks and today's meetings, in time order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.activities import views
from rapport.activities.models import Activity
from rapport.activities.services import activity_create, task_complete
from tests.factories import make_contact

NOW = timezone.make_aware(dt.datetime(2030, 5, 14, 10, 0))


def at(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2030, 5, 14, hour, minute)) + dt.timedelta(days=days)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(views, "clock", lambda: NOW)
    return NOW


@pytest.fixture
def day(teammate, outsider):
    contact = make_contact(by=teammate, first_name="Ada", last_name="Kern")
    theirs = make_contact(by=outsider)
    items = {
        "overdue": activity_create(by=teammate, kind="task", subject="Overdue task", contact=contact,
                                   due_at=at(17, days=-2)),
        "today_late": activity_create(by=teammate, kind="task", subject="Today late", contact=contact,
                                      due_at=at(23, 59)),
        "today_early": activity_create(by=teammate, kind="task", subject="Today early", contact=contact,
                                       due_at=at(8)),
        "tomorrow": activity_create(by=teammate, kind="task", subject="Tomorrow task", contact=contact,
                                    due_at=at(9, days=1)),
        "done": activity_create(by=teammate, kind="task", subject="Done already", contact=contact, due_at=at(9)),
        "meet_late": activity_create(by=teammate, kind="meeting", subject="Afternoon meeting", contact=contact,
                                     starts_at=at(15), location="Alexanderplatz 1, Berlin"),
        "meet_early": activity_create(by=teammate, kind="meeting", subject="Breakfast meeting", contact=contact,
                                      starts_at=at(7, 30)),
        "meet_yesterday": activity_create(by=teammate, kind="meeting", subject="Yesterday meeting",
                                          contact=contact, starts_at=at(15, days=-1)),
        "not_mine": activity_create(by=outsider, kind="task", subject="Someone else's", contact=theirs,
                                    due_at=at(12)),
    }
    task_complete(activity=items["done"], by=teammate)
    return items


def test_my_day_lists_exactly_overdue_today_and_meetings_in_time_order(client_for, teammate, frozen, day):
    response = client_for(teammate).get(reverse("my-day"))
    assert response.status_code == 200
    ctx = response.context
    assert [a.subject for a in ctx["overdue"]] == ["Overdue task"]
    assert [a.subject for a in ctx["today"]] == ["Today early", "Today late"]
    assert [a.subject for a in ctx["meetings"]] == ["Breakfast meeting", "Afternoon meeting"]
    body = response.content.decode()
    assert "Tomorrow task" not in body and "Someone else&#x27;s" not in body and "Yesterday meeting" not in body
    assert "https://www.openstreetmap.org/search?query=Alexanderplatz+1%2C+Berlin" in body
    assert "Tuesday 14 May 2030" in body


def test_my_day_quick_call_logs_a_call(client_for, teammate, frozen, day):
    contact = day["overdue"].contact
    response = client_for(teammate).post(reverse("my-day-call"), {
        "contact": contact.pk, "subject": "Quick check-in", "outcome": "voicemail", "duration_minutes": "2"})
    assert response.status_code == 302
    call = Activity.objects.get(subject="Quick check-in")
    assert (call.kind, call.contact_id, call.outcome, call.duration_minutes) == ("call", contact.pk, "voicemail", 2)


def test_my_day_quick_call_on_someone_elses_contact_is_404(client_for, outsider, frozen, day):
    contact = day["overdue"].contact
    response = client_for(outsider).post(reverse("my-day-call"), {"contact": contact.pk, "subject": "Sneaky"})
    assert response.status_code == 404
    assert not Activity.objects.filter(subject="Sneaky").exists()


def test_my_day_query_count_does_not_grow_with_tasks(client_for, teammate, frozen, day,
                                                     django_assert_max_num_queries):
    client = client_for(teammate)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("my-day"))
    contact = day["overdue"].contact
    for i in range(10):
        activity_create(by=teammate, kind="task", subject=f"Extra {i}", contact=contact, due_at=at(11))
        activity_create(by=teammate, kind="meeting", subject=f"Meet {i}", contact=contact, starts_at=at(16))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("my-day"))
