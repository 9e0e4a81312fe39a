"""API of activities: list (by kind, record, open), log or create, change, complete, trash and restore."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Router, Status

from rapport.activities.choices import ActivityKind
from rapport.activities.models import Activity
from rapport.activities.schemas import ActivityIn, ActivityOut, ActivityPatch, CompleteIn, activity_out
from rapport.activities.selectors import activity_get, activity_list
from rapport.activities.services import activity_create, activity_update, task_complete
from rapport.contacts.models import Company, Contact
from rapport.core.api_types import ERRORS, owner_resolve, resolve, set_values
from rapport.core.ids import pk_or_404
from rapport.core.pagination import DEFAULT_LIMIT, page_schema, paginate
from rapport.core.records import record_restore, record_trash
from rapport.sales.models import Deal, Lead

router = Router(tags=["activities"])

LINKS = {"contact": Contact, "company": Company, "lead": Lead, "deal": Deal}


def _refs(values: dict[str, Any], user: Any) -> dict[str, Any]:
    if "owner_id" in values:
        values["owner"] = owner_resolve(values.pop("owner_id"))
    for name, model in LINKS.items():
        if f"{name}_id" in values:
            values[name] = resolve(model.objects.visible_to(user), values.pop(f"{name}_id"), f"{name}_id", name)
    if "attendee_ids" in values:
        ids = values.pop("attendee_ids")
        if ids is not None:
            found = Contact.objects.visible_to(user).in_bulk(set(ids))
            missing = [pk for pk in ids if pk not in found]
            if missing:
                resolve(Contact.objects.none(), missing[0], "attendee_ids", "contact")
            values["attendees"] = [found[pk] for pk in ids]
    return values


def _response(user: Any, pk: int) -> dict[str, Any]:
    activity = activity_get(user=user, pk=pk)
    prefetch_related_objects([activity], "attendees")
    return activity_out(activity)


@router.get("", response={200: page_schema(ActivityOut), **ERRORS}, summary="List activities")
def list_activities(request: HttpRequest, kind: ActivityKind | None = None, open: bool = False,
                    contact: int | None = None, company: int | None = None, lead: int | None = None,
                    deal: int | None = None, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Any:
    """Your visible activities, newest first; with a record id, all activities of that record."""
    user = request.user
    record = None
    for name, pk in (("contact", contact), ("company", company), ("lead", lead), ("deal", deal)):
        if pk is not None:
            record = LINKS[name].objects.visible_to(user).filter(pk=pk_or_404(pk)).first()
            if record is None:
                raise Http404
            break
    qs = activity_list(user=user, kind=kind or "", record=record, open_only=open)
    page = paginate(qs, cursor=cursor, limit=limit)
    prefetch_related_objects(page.items, "attendees")
    return {"results": [activity_out(a) for a in page.items], "next": page.next}


@router.post("", response={201: ActivityOut, **ERRORS}, summary="Log an activity or create a task")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    user = request.user
    values = _refs(payload.model_dump(), user)
    values = {k: v for k, v in values.items() if v is not None}
    activity = activity_create(by=user, **values)
    return Status(201, _response(user, activity.pk))


@router.get("/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="Get an activity")
def get_activity(request: HttpRequest, activity_id: int) -> Any:
    return _response(request.user, activity_id)


@router.patch("/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="Change an activity")
def update_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Any:
    user = request.user
    activity = activity_get(user=user, pk=activity_id)
    values = _refs(set_values(payload, exclude=("version",)), user)
    for name in ("body", "location", "outcome"):
        if name in values and values[name] is None:
            values[name] = ""
    activity_update(activity=activity, by=user, expected_version=payload.version, **values)
    return _response(user, activity.pk)


@router.post("/{activity_id}/complete", response={200: ActivityOut, **ERRORS}, summary="Mark a task done or not done")
def complete_activity(request: HttpRequest, activity_id: int, payload: CompleteIn) -> Any:
    task_complete(activity=activity_get(user=request.user, pk=activity_id), by=request.user, done=payload.done)
    return _response(request.user, activity_id)


@router.delete("/{activity_id}", response={204: None, **ERRORS}, summary="Move an activity to the trash")
def trash_activity(request: HttpRequest, activity_id: int) -> Any:
    record_trash(activity_get(user=request.user, pk=activity_id), by=request.user)
    return Status(204, None)


@router.post("/{activity_id}/restore", response={200: ActivityOut, **ERRORS},
             summary="Restore an activity from the trash")
def restore_activity(request: HttpRequest, activity_id: int) -> Any:
    user: Any = request.user
    found = Activity.all_objects.visible_to(user).filter(pk=pk_or_404(activity_id), deleted_at__isnull=False).first()
    if found is None:
        raise Http404
    record_restore(found, by=request.user)
    return _response(request.user, activity_id)
