"""API schemas of activities: calls, meetings, tasks, notes and logged emails."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from rapport.activities.choices import ActivityKind, CallOutcome, Priority
from rapport.activities.models import Activity
from rapport.core.api_types import NOT_SENT, Id, RefOut, SaneDateTime, StrictSchema, Version, ref

Attendees = Annotated[list[Id], Field(max_length=100)]


class ActivityIn(StrictSchema):
    kind: ActivityKind
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=20000)
    owner_id: Id | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    lead_id: Id | None = None
    deal_id: Id | None = None
    due_at: SaneDateTime | None = Field(NOT_SENT, description="Tasks: when it is due.")
    priority: Priority = Priority.NORMAL
    done_at: SaneDateTime | None = None
    starts_at: SaneDateTime | None = Field(NOT_SENT, description="Meetings: required.")
    ends_at: SaneDateTime | None = None
    location: str = Field("", max_length=200)
    attendee_ids: Attendees = Field(default_factory=list, description="Contacts attending a meeting.")
    outcome: CallOutcome | Literal[""] = ""
    duration_minutes: int | None = Field(NOT_SENT, ge=0, le=1440)


class ActivityPatch(StrictSchema):
    version: Version
    subject: str = Field(NOT_SENT, min_length=1, max_length=200)
    body: str = Field(NOT_SENT, max_length=20000)
    owner_id: Id | None = None
    due_at: SaneDateTime | None = None
    priority: Priority = Field(NOT_SENT)
    starts_at: SaneDateTime | None = None
    ends_at: SaneDateTime | None = None
    location: str = Field(NOT_SENT, max_length=200)
    attendee_ids: Attendees = Field(NOT_SENT)
    outcome: CallOutcome | Literal[""] = Field(NOT_SENT)
    duration_minutes: int | None = Field(NOT_SENT, ge=0, le=1440)


class CompleteIn(StrictSchema):
    done: bool = True


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    owner: RefOut | None
    contact: RefOut | None
    company: RefOut | None
    lead: RefOut | None
    deal: RefOut | None
    due_at: dt.datetime | None
    priority: str
    done_at: dt.datetime | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    location: str
    attendees: list[RefOut]
    outcome: str
    duration_minutes: int | None
    is_overdue: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def activity_out(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.pk, "kind": activity.kind, "subject": activity.subject, "body": activity.body,
        "owner": ref(activity.owner), "contact": ref(activity.contact), "company": ref(activity.company),
        "lead": ref(activity.lead), "deal": ref(activity.deal), "due_at": activity.due_at,
        "priority": activity.priority, "done_at": activity.done_at, "starts_at": activity.starts_at,
        "ends_at": activity.ends_at, "location": activity.location,
        "attendees": [ref(c) for c in activity.attendees.all()], "outcome": activity.outcome,
        "duration_minutes": activity.duration_minutes, "is_overdue": activity.is_overdue,
        "version": activity.version, "created_at": activity.created_at, "updated_at": activity.updated_at,
    }
