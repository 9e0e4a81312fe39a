"""Meetings as iCalendar (RFC 5545): one meeting as a download, or a user's meetings as a feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
from django.urls import reverse
from django.utils import timezone

from rapport.activities.models import Activity

DEFAULT_LENGTH = dt.timedelta(hours=1)


def calendar_of(meetings: list[Activity], *, attendees: dict[int, list[Any]], base_url: str,
                name: str = "Rapport") -> bytes:
    """Serialise meetings to an iCalendar document; meetings without an end last one hour."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Rapport CRM//rapport//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for meeting in meetings:
        if meeting.starts_at is None:
            continue
        event = icalendar.Event()
        event.add("uid", f"activity-{meeting.pk}@rapport")
        event.add("dtstamp", stamp)
        event.add("summary", meeting.subject)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
        event.add("last-modified", meeting.updated_at)
        event.add("sequence", meeting.version)
        if meeting.location:
            event.add("location", meeting.location)
        url = base_url.rstrip("/") + reverse("activity-detail", args=[meeting.pk])
        event.add("url", url)
        description = "\n\n".join(part for part in (meeting.body, url) if part)
        event.add("description", description)
        for person in attendees.get(meeting.pk, []):
            if person.email:
                address = icalendar.vCalAddress(f"mailto:{person.email}")
                address.params["cn"] = icalendar.vText(person.full_name)
                event.add("attendee", address, encode=False)
        cal.add_component(event)
    return cal.to_ical()
