"""Every write to activities: log calls, meetings, notes; create and complete tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.activities.choices import ActivityKind, CallOutcome, Priority
from rapport.activities.models import LINK_FIELDS, Activity
from rapport.activities.timeline import timeline_record
from rapport.core.records import ensure_assignable, ensure_can_create, ensure_editable, record_update

MAX_DURATION = 24 * 60


def _links(values: dict[str, Any]) -> dict[str, Any]:
    """Fill in the contact/company a lead or deal belongs to, so the activity shows on their timelines too."""
    lead, deal, contact = values.get("lead"), values.get("deal"), values.get("contact")
    if contact is None and lead is not None:
        values["contact"] = lead.contact
    if contact is None and deal is not None and deal.contact_id:
        values["contact"] = deal.contact
    if values.get("company") is None:
        for source in (deal, lead, values.get("contact")):
            if source is not None and source.company_id:
                values["company"] = source.company
                break
    return values


def _activity_values(kind: str, values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    if "subject" in values:
        values["subject"] = (values["subject"] or "").strip()
        if not values["subject"]:
            errors.setdefault("subject", []).append("Enter a subject, e.g. 'Call about the renewal'.")
        elif len(values["subject"]) > 200:
            errors.setdefault("subject", []).append("The subject is too long: at most 200 characters.")
    if len(values.get("body") or "") > 20000:
        errors.setdefault("body", []).append("The text is too long: at most 20,000 characters.")
    for field in ("due_at", "starts_at", "ends_at"):
        value = values.get(field)
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            values[field] = timezone.make_aware(value)
    if kind == ActivityKind.TASK and "priority" in values and values["priority"] not in Priority.values:
        errors.setdefault("priority", []).append("Priority must be low, normal or high.")
    if kind == ActivityKind.CALL:
        if values.get("outcome") and values["outcome"] not in CallOutcome.values:
            errors.setdefault("outcome", []).append(f"Outcome must be one of {', '.join(CallOutcome.values)}.")
        duration = values.get("duration_minutes")
        if duration is not None and (not isinstance(duration, int) or not 0 <= duration <= MAX_DURATION):
            errors.setdefault("duration_minutes", []).append("Duration is in whole minutes, from 0 to 1440.")
    if kind == ActivityKind.MEETING:
        starts, ends = values.get("starts_at"), values.get("ends_at")
        if "starts_at" in values and not starts:
            errors.setdefault("starts_at", []).append("Enter when the meeting starts.")
        if starts and ends and ends < starts:
            errors.setdefault("ends_at", []).append("The meeting must end after it starts.")
    return values


@transaction.atomic
def activity_create(*, by: Any, kind: str, subject: str, attendees: list[Any] | None = None,
                    **values: Any) -> Activity:
    """Log a call, meeting, note or email, or create a task; it must be linked to at least one record."""
    ensure_can_create(by)
    errors: dict[str, list[str]] = {}
    if kind not in ActivityKind.values:
        raise ValidationError({"kind": [f"Kind must be one of {', '.join(ActivityKind.values)}."]})
    values = _activity_values(kind, {"subject": subject, **values}, errors)
    if not any(values.get(f) is not None for f in LINK_FIELDS):
        errors.setdefault("contact", []).append("Link the activity to a contact, company, lead or deal.")
    if kind == ActivityKind.MEETING and not values.get("starts_at"):
        errors.setdefault("starts_at", []).append("Enter when the meeting starts.")
    if errors:
        raise ValidationError(errors)
    values.setdefault("owner", by)
    ensure_assignable(values["owner"], by)
    values = _links(values)
    if kind in (ActivityKind.CALL, ActivityKind.NOTE, ActivityKind.EMAIL) and "done_at" not in values:
        values["done_at"] = timezone.now()
    activity = Activity.objects.create(kind=kind, **values)
    if attendees:
        activity.attendees.set(attendees)
    when = activity.starts_at if kind == ActivityKind.MEETING else None
    timeline_record(
        kind="activity_logged",
        summary=f"{activity.get_kind_display()}: {activity.subject}",
        actor=by,
        data={"kind": kind, "outcome": activity.outcome, "duration_minutes": activity.duration_minutes,
              "due_at": activity.due_at, "starts_at": when},
        activity=activity,
        **{f: getattr(activity, f) for f in LINK_FIELDS},
    )
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, by: Any, expected_version: int | None = None,
                    attendees: list[Any] | None = None, **values: Any) -> Activity:
    ensure_editable(activity, by)
    errors: dict[str, list[str]] = {}
    values = _activity_values(activity.kind, dict(values), errors)
    if errors:
        raise ValidationError(errors)
    if "owner" in values and values["owner"] != activity.owner:
        ensure_assignable(values["owner"], by)
    activity, _ = record_update(activity, values, by=by, expected_version=expected_version)
    if attendees is not None:
        activity.attendees.set(attendees)
    return activity


@transaction.atomic
def task_complete(*, activity: Activity, by: Any, done: bool = True) -> Activity:
    """Mark a task done (or not done again)."""
    ensure_editable(activity, by)
    if activity.kind != ActivityKind.TASK:
        raise ValidationError("Only tasks can be marked done.")
    activity, changes = record_update(activity, {"done_at": timezone.now() if done else None}, by=by,
                                      expected_version=None)
    if done and changes:
        timeline_record(kind="task_done", summary=f"Task done: {activity.subject}", actor=by, activity=activity,
                        **{f: getattr(activity, f) for f in LINK_FIELDS})
    return activity
