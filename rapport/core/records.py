"""Shared write mechanics of business records: edit checks, versioned updates, trash and restore."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from rapport.core.errors import EditConflict, NotAllowed

R = TypeVar("R", bound=models.Model)

SEARCHABLE = {"contact", "company", "lead", "deal"}


def ensure_editable(record: models.Model, by: Any) -> None:
    """Raise NotAllowed unless `by` may change the record (one query, through editable_by)."""
    manager = type(record).all_objects  # type: ignore[attr-defined]
    if not manager.editable_by(by).filter(pk=record.pk).exists():
        raise NotAllowed("You can see this record but not change it; ask its owner or a manager.")


def ensure_can_create(by: Any) -> None:
    if not getattr(by, "can_write", False):
        raise NotAllowed("Your role is read-only; ask an administrator for a role that can add records.")


def ensure_assignable(owner: Any, by: Any, *, field: str = "owner") -> None:
    """A rep may only own records themselves; a manager may hand them to the team; an admin to anyone."""
    from rapport.accounts.permissions import assignable_users, owner_refusal

    if owner is None:
        return
    if not assignable_users(by).filter(pk=owner.pk).exists():
        raise ValidationError({field: [owner_refusal(by, owner)]})


def _changes_since(record: models.Model, version: int) -> dict[str, tuple[Any, Any]]:
    """Field changes recorded on the timeline after `version` (what the other person changed)."""
    from rapport.activities.models import TimelineEvent

    name = record._meta.model_name
    if name not in SEARCHABLE:
        return {}
    changes: dict[str, tuple[Any, Any]] = {}
    events = TimelineEvent.objects.filter(**{name: record}, kind="updated").order_by("occurred_at", "id")
    for event in events:
        if int(event.data.get("version", 0)) > version and event.data.get("record") == f"{name}:{record.pk}":
            for field, (old, new) in event.data.get("changes", {}).items():
                first_old = changes[field][0] if field in changes else old
                changes[field] = (first_old, new)
    return changes


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        return getattr(old, "pk", None) == getattr(new, "pk", None)
    return bool(old == new)


def record_update(
    record: R,
    values: dict[str, Any],
    *,
    by: Any,
    expected_version: int | None,
    summary: str | None = None,
    extra_changes: dict[str, tuple[Any, Any]] | None = None,
) -> tuple[R, dict[str, tuple[Any, Any]]]:
    """Apply field values atomically, refusing a stale version; write a field-change timeline event.

    The row is re-read under a lock (select_for_update on PostgreSQL; on SQLite the IMMEDIATE
    transaction already holds the write lock), so two saves cannot both pass the version check.
    """
    from rapport.activities.timeline import json_value, links_of, timeline_record

    model = type(record)
    with transaction.atomic():
        current = model.all_objects.select_for_update().get(pk=record.pk)  # type: ignore[attr-defined]
        if current.deleted_at is not None:
            raise ValidationError("This record is in the trash; restore it before editing.")
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(
                record=current, expected_version=expected_version, changes=_changes_since(current, expected_version)
            )
        changes: dict[str, tuple[Any, Any]] = {}
        for field, new in values.items():
            old = getattr(current, field)
            if not _same(old, new):
                changes[field] = (old, new)
                setattr(current, field, new)
        changes.update(extra_changes or {})
        if changes:
            current.full_clean(exclude=["owner", "company", "contact", "pipeline", "stage", "parent", "deal",
                                        "product", "lead", "deleted_by"])
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            name = model._meta.model_name
            if name in SEARCHABLE:
                labels = {f: _label(model, f) for f in changes}
                timeline_record(
                    kind="updated",
                    summary=summary or f"Changed {', '.join(labels[f] for f in changes)}",
                    actor=by,
                    data={
                        "record": f"{name}:{current.pk}",
                        "version": current.version,
                        "changes": {f: [json_value(o), json_value(n)] for f, (o, n) in changes.items()},
                    },
                    **links_of(current),
                )
        return current, changes


def _label(model: type[models.Model], name: str) -> str:
    """The human name of a field ("expected close date"), or the name itself for non-fields (tags)."""
    try:
        field = model._meta.get_field(name)
    except Exception:
        return name
    return str(getattr(field, "verbose_name", name))


def _trash_changed(record: models.Model, *, trashed: bool) -> None:
    """Let a record keep what is summed on write (deal board totals) in the same transaction."""
    hook = getattr(record, "trash_changed", None)
    if hook is not None:
        hook(trashed=trashed)


def record_trash(record: R, *, by: Any) -> R:
    """Move a record to the trash (soft delete); it disappears from lists and search until restored."""
    from rapport.activities.timeline import links_of, timeline_record
    from rapport.search.services import search_index_remove

    ensure_editable(record, by)
    model = type(record)
    with transaction.atomic():
        updated = model.all_objects.filter(pk=record.pk, deleted_at__isnull=True).update(  # type: ignore[attr-defined]
            deleted_at=timezone.now(), deleted_by=by, version=models.F("version") + 1
        )
        if not updated:
            raise ValidationError("This record is already in the trash.")
        record.refresh_from_db()
        _trash_changed(record, trashed=True)
        name = model._meta.model_name
        if name in SEARCHABLE:
            search_index_remove(name, record.pk)
            timeline_record(kind="deleted", summary=f"Moved {record} to the trash", actor=by, **links_of(record))
    return record


def record_restore(record: R, *, by: Any) -> R:
    """Bring a record back from the trash."""
    from rapport.activities.timeline import links_of, timeline_record
    from rapport.search.services import search_index_put

    ensure_editable(record, by)
    model = type(record)
    with transaction.atomic():
        updated = model.all_objects.filter(pk=record.pk, deleted_at__isnull=False).update(  # type: ignore[attr-defined]
            deleted_at=None, deleted_by=None, version=models.F("version") + 1
        )
        if not updated:
            raise ValidationError("This record is not in the trash.")
        record.refresh_from_db()
        _trash_changed(record, trashed=False)
        name = model._meta.model_name
        if name in SEARCHABLE:
            search_index_put(name, record)
            timeline_record(kind="restored", summary=f"Restored {record} from the trash", actor=by, **links_of(record))
    return record
