"""Merging two contacts into one, and undoing it exactly.

A merge keeps the survivor, fills its fields with the values the user picked, re-points every row of
the loser (activities, deals, leads, orders, timeline events, emails, phones, consents, tags, meeting
attendance, and any table another app adds later) to the survivor with set-based UPDATEs, moves the
loser to the trash and writes a "merged" event on the survivor's timeline. A MergeRecord keeps the
ids of the moved rows and the survivor's old values, so undo moves back exactly those rows, restores
the loser and puts the survivor's fields back (fields edited since the merge are left as they are).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from rapport.activities.timeline import json_value, timeline_record
from rapport.contacts.models import (
    Consent,
    Contact,
    ContactEmail,
    ContactPhone,
    DuplicateCandidate,
    DuplicateDismissal,
    MergeRecord,
)
from rapport.core.records import ensure_assignable, ensure_editable, record_restore, record_trash
from rapport.search.services import search_index_put

# Fields the user picks per side; `email` and `phone` choose which address/number becomes primary.
MERGE_FIELDS: tuple[str, ...] = (
    "first_name", "last_name", "title", "company", "owner", "lifecycle_stage", "preferred_channel", "street",
    "city", "region", "postal_code", "country", "email", "phone",
)
FK_FIELDS = {"company", "owner"}
SIDES = ("survivor", "loser")
# Rows of these tables are handled one by one below (unique per contact) or belong to the merge itself.
SPECIAL = {ContactEmail, ContactPhone, Consent, DuplicateCandidate, DuplicateDismissal, MergeRecord}
CHUNK = 500


def _value(record: Any, field: str, fk_fields: set[str] = FK_FIELDS) -> Any:
    return getattr(record, f"{field}_id") if field in fk_fields else getattr(record, field)


def sides_default(survivor: Any, loser: Any, fields: tuple[str, ...], fk_fields: set[str]) -> dict[str, str]:
    """The side whose value survives for each field: the survivor's, unless it is empty and the loser's is not."""
    choices = {}
    for field in fields:
        mine, theirs = _value(survivor, field, fk_fields), _value(loser, field, fk_fields)
        choices[field] = "loser" if (mine in (None, "") and theirs not in (None, "")) else "survivor"
    return choices


def merge_defaults(survivor: Contact, loser: Contact) -> dict[str, str]:
    """The side whose value survives for each field of two contacts."""
    return sides_default(survivor, loser, MERGE_FIELDS, FK_FIELDS)


def values_snapshot(record: Any, fields: tuple[str, ...], fk_fields: set[str]) -> dict[str, Any]:
    """The merge fields, custom values and version of a record, as JSON (kept for undo)."""
    data = {field: json_value(_value(record, field, fk_fields)) for field in fields}
    data["custom"] = json_value(record.custom)
    data["version"] = record.version
    return data


def _snapshot(contact: Contact) -> dict[str, Any]:
    return values_snapshot(contact, MERGE_FIELDS, FK_FIELDS)


def _has_unique_on(model: type[models.Model], field: models.Field) -> bool:
    """True when moving rows through `field` could break a uniqueness rule of `model`."""
    if field.unique or isinstance(field, models.OneToOneField):
        return True
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field.name in (constraint.fields or ()):
            return True
    return any(field.name in group for group in model._meta.unique_together)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _update_ids(model: type[models.Model], ids: list[int], **values: Any) -> int:
    count = 0
    for part in _chunks(ids):
        count += model._base_manager.filter(pk__in=part).update(**values)
    return count


def _relations(
    target: type[models.Model], special: set[Any]
) -> tuple[list[tuple[type[models.Model], models.Field]], list[tuple[Any, str, str]], list[str]]:
    """Foreign keys to `target` to move, many-to-many link tables (through, own column, other column), skipped."""
    fks: list[tuple[type[models.Model], models.Field]] = []
    m2m: list[tuple[Any, str, str]] = []
    skipped: list[str] = []
    for rel in target._meta.related_objects:
        model = rel.related_model
        if rel.many_to_many:
            m2m_field: Any = rel.field
            m2m.append((m2m_field.remote_field.through, m2m_field.m2m_reverse_field_name(),
                        m2m_field.m2m_field_name()))
            continue
        if model in special:
            continue
        if _has_unique_on(model, rel.field):
            skipped.append(f"{model._meta.label_lower}.{rel.field.name}")
            continue
        fks.append((model, rel.field))
    for field in target._meta.many_to_many:
        through = field.remote_field.through
        m2m.append((through, field.m2m_field_name(), field.m2m_reverse_field_name()))
    return fks, m2m, skipped


def related_rows_move(
    target: type[models.Model], survivor_pk: int, loser_pk: int, special: set[Any]
) -> tuple[dict[str, list[int]], dict[str, list[int]], list[str]]:
    """Re-point every row that refers to the loser (foreign keys and many-to-many links) to the survivor.

    Returns the moved row ids per "app.model.field", the moved link rows, and the relations left
    alone because a uniqueness rule could break. A self-reference never makes the survivor point at
    itself (a company whose parent is the loser keeps its parent column for the caller to decide).
    """
    moved: dict[str, list[int]] = {}
    fks, m2m, skipped = _relations(target, special)
    for model, fk in fks:
        rows = model._base_manager.filter(**{fk.name: loser_pk})
        if model is target:
            rows = rows.exclude(pk=survivor_pk)
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            _update_ids(model, ids, **{fk.name: survivor_pk})
            moved[f"{model._meta.label_lower}.{fk.name}"] = ids
    links: dict[str, list[int]] = {}
    for through, mine, other in m2m:
        existing = through.objects.filter(**{f"{mine}_id": survivor_pk}).values(f"{other}_id")
        ids = list(through.objects.filter(**{f"{mine}_id": loser_pk}).exclude(**{f"{other}_id__in": existing})
                   .values_list("pk", flat=True))
        if ids:
            _update_ids(through, ids, **{f"{mine}_id": survivor_pk})
            links[f"{through._meta.label_lower}.{mine}"] = ids
    return moved, links, skipped


def related_rows_move_back(
    moved: dict[str, list[int]], links: dict[str, list[int]], survivor_pk: int, loser_pk: int
) -> None:
    """Undo `related_rows_move`: exactly the recorded rows that still point at the survivor go back."""
    labels = _models_by_label()
    for label, ids in moved.items():
        model_label, field = label.rsplit(".", 1)
        model = labels.get(model_label)
        if model is None:
            continue
        for part in _chunks(ids):
            model._base_manager.filter(pk__in=part, **{field: survivor_pk}).update(**{field: loser_pk})
    for label, ids in links.items():
        model_label, column = label.rsplit(".", 1)
        through = labels.get(model_label)
        if through is None:
            continue
        for part in _chunks(ids):
            through._base_manager.filter(pk__in=part, **{f"{column}_id": survivor_pk}).update(
                **{f"{column}_id": loser_pk})


def sides_pick(defaults: dict[str, str], choices: dict[str, str] | None, fields: tuple[str, ...]) -> dict[str, str]:
    """The side whose value survives per field: the defaults overridden by the user's valid choices."""
    picked = dict(defaults)
    errors: dict[str, list[str]] = {}
    for field, side in (choices or {}).items():
        if field not in fields:
            errors.setdefault(field, []).append(f"{field} cannot be chosen; pick from {', '.join(fields)}.")
        elif side not in SIDES:
            errors.setdefault(field, []).append("Choose survivor or loser.")
        else:
            picked[field] = side
    if errors:
        raise ValidationError(errors)
    return picked


def custom_merged(survivor: Any, loser: Any) -> dict[str, Any]:
    """Custom values of the survivor, completed with the loser's values the survivor lacks."""
    return {**{k: v for k, v in (loser.custom or {}).items() if v not in (None, "", [])},
            **{k: v for k, v in (survivor.custom or {}).items() if v not in (None, "", [])}}


def fields_restore(record: Any, fields: tuple[str, ...], fk_fields: set[str], before: dict[str, Any],
                   after: dict[str, Any]) -> list[str]:
    """Put back the values of `before` on fields still as the merge left them; return the fields kept."""
    kept = []
    for field in fields:
        if field not in after:  # a field added after the merge was recorded: the merge did not touch it
            continue
        current = getattr(record, f"{field}_id") if field in fk_fields else getattr(record, field)
        if json_value(current) == after.get(field):
            setattr(record, f"{field}_id" if field in fk_fields else field, before.get(field))
        else:
            kept.append(field)
    if record.custom == after.get("custom"):
        record.custom = before.get("custom") or {}
    return kept


def pair_lock(model: Any, survivor: Any, loser: Any, by: Any, noun: str = "contact",
              plural: str = "contacts") -> tuple[Any, Any]:
    """Both records locked for the merge, after checking they differ, are editable and not in the trash."""
    if survivor.pk == loser.pk:
        raise ValidationError(f"A {noun} cannot be merged with itself; pick two different {plural}.")
    ensure_editable(survivor, by)
    ensure_editable(loser, by)
    locked = {r.pk: r for r in model.all_objects.select_for_update().filter(pk__in=[survivor.pk, loser.pk])}
    if len(locked) != 2:
        raise ValidationError(f"One of these {plural} no longer exists; reload the page.")
    for record in locked.values():
        if record.deleted_at is not None:
            raise ValidationError(f"{getattr(record, 'full_name', record)} is in the trash; restore it before merging.")
    return locked[survivor.pk], locked[loser.pk]


def versions_check(survivor: Any, loser: Any, expected_versions: tuple[int, int] | None, plural: str) -> None:
    """Refuse a merge of records changed since the user compared them."""
    if expected_versions is not None and (survivor.version, loser.version) != tuple(expected_versions):
        raise ValidationError(f"One of these {plural} was changed while you were comparing them; "
                              "check the values again and merge.")


def _lock_pair(survivor: Contact, loser: Contact, by: Any) -> tuple[Contact, Contact]:
    return pair_lock(Contact, survivor, loser, by)


@transaction.atomic
def contact_merge(
    *,
    survivor: Contact,
    loser: Contact,
    by: Any,
    choices: dict[str, str] | None = None,
    expected_versions: tuple[int, int] | None = None,
) -> MergeRecord:
    """Merge `loser` into `survivor`: keep every related row of both, take the picked values, trash the loser."""
    survivor, loser = _lock_pair(survivor, loser, by)
    versions_check(survivor, loser, expected_versions, "contacts")
    picked = sides_pick(merge_defaults(survivor, loser), choices, MERGE_FIELDS)
    before = _snapshot(survivor)
    if picked["owner"] == "loser" and loser.owner_id != survivor.owner_id and loser.owner is not None:
        ensure_assignable(loser.owner, by)

    details: dict[str, Any] = {}
    moved, details["links"], details["skipped"] = related_rows_move(Contact, survivor.pk, loser.pk, SPECIAL)

    details["emails"] = _move_unique_rows(ContactEmail, "email", survivor, loser)
    details["phones"] = _move_unique_rows(ContactPhone, "number", survivor, loser)
    details["consents"] = _merge_consents(survivor, loser)

    # The survivor's fields: the picked side of each; custom values the survivor lacks come from the loser.
    for field in MERGE_FIELDS:
        if picked[field] == "loser":
            attname = f"{field}_id" if field in FK_FIELDS else field
            setattr(survivor, attname, _value(loser, field))
    survivor.custom = custom_merged(survivor, loser)
    _set_primary(ContactEmail, "email", survivor, survivor.email)
    _set_primary(ContactPhone, "number", survivor, survivor.phone)
    if not survivor.email:
        survivor.email = ContactEmail.objects.filter(contact=survivor, is_primary=True).values_list(
            "email", flat=True).first() or ""
    if not survivor.phone:
        survivor.phone = ContactPhone.objects.filter(contact=survivor, is_primary=True).values_list(
            "number", flat=True).first() or ""
    survivor.version += 1
    survivor.updated_at = timezone.now()
    survivor.save()

    record_trash(loser, by=by)
    _refresh_purchase_summaries([survivor.pk, loser.pk], moved)
    taken = [f for f in MERGE_FIELDS if picked[f] == "loser" and before[f] != json_value(_value(survivor, f))]
    counts = {label: len(ids) for label, ids in moved.items()}
    merge = MergeRecord.objects.create(
        survivor=survivor, loser=loser, merged_by=by, survivor_before=before, survivor_after=_snapshot(survivor),
        moved=moved, details=details,
    )
    timeline_record(
        kind="merged",
        summary=f"Merged {loser.full_name} (#{loser.pk}) into this contact",
        actor=by,
        data={"merge": merge.pk, "loser": {"id": loser.pk, "label": loser.full_name}, "fields_taken": taken,
              "moved": counts},
        contact=survivor,
        company=survivor.company,
    )
    search_index_put("contact", survivor)
    return merge


def _move_unique_rows(model: Any, key: str, survivor: Contact, loser: Contact) -> dict[str, Any]:
    """Move the loser's emails (or phones) the survivor does not have yet; remember which and the primaries."""
    have = set(model.objects.filter(contact=survivor).values_list(key, flat=True))
    rows = list(model.objects.filter(contact=loser).values_list("pk", key, "is_primary"))
    moving = [(pk, primary) for pk, value, primary in rows if value not in have]
    survivor_primary = model.objects.filter(contact=survivor, is_primary=True).values_list("pk", flat=True).first()
    if moving:
        _update_ids(model, [pk for pk, _ in moving], contact_id=survivor.pk, is_primary=False)
    return {"moved": [[pk, primary] for pk, primary in moving], "survivor_primary": survivor_primary}


def _set_primary(model: Any, key: str, contact: Contact, value: str) -> None:
    """Make `value` the contact's primary row (two statements: the one-primary index is checked per row)."""
    if not value or not model.objects.filter(contact=contact, **{key: value}).exists():
        if not model.objects.filter(contact=contact, is_primary=True).exists():
            first = model.objects.filter(contact=contact).order_by("id").values_list("pk", flat=True).first()
            if first:
                model.objects.filter(pk=first).update(is_primary=True)
        return
    model.objects.filter(contact=contact, is_primary=True).exclude(**{key: value}).update(is_primary=False)
    model.objects.filter(contact=contact, **{key: value}).update(is_primary=True)


def _merge_consents(survivor: Contact, loser: Contact) -> dict[str, Any]:
    """Per channel: the loser's consent moves over if the survivor has none; otherwise the newer one wins."""
    mine = {c.channel: c for c in Consent.objects.filter(contact=survivor)}
    result: dict[str, Any] = {"moved": [], "replaced": []}
    for theirs in Consent.objects.filter(contact=loser):
        current = mine.get(theirs.channel)
        if current is None:
            Consent.objects.filter(pk=theirs.pk).update(contact=survivor)
            result["moved"].append(theirs.pk)
        elif theirs.recorded_at > current.recorded_at:
            result["replaced"].append({"id": current.pk, "status": current.status, "source": current.source,
                                       "recorded_at": current.recorded_at.isoformat()})
            Consent.objects.filter(pk=current.pk).update(status=theirs.status, source=theirs.source,
                                                         recorded_at=theirs.recorded_at)
    return result


def _refresh_purchase_summaries(contact_ids: list[int], moved: dict[str, list[int]]) -> None:
    """Orders changed hands: recompute both people's purchase summaries (when analytics is installed)."""
    if not moved.get("sales.order.contact"):
        return
    try:
        from rapport.analytics.services.summary import purchase_summary_apply
    except ImportError:  # pragma: no cover - analytics is optional
        return
    purchase_summary_apply(contact_ids=contact_ids)


def _models_by_label() -> dict[str, type[models.Model]]:
    from django.apps import apps

    return {m._meta.label_lower: m for m in apps.get_models(include_auto_created=True)}


def undo_lock(merge_model: Any, record_model: Any, merge: Any, by: Any) -> tuple[Any, Any, Any]:
    """The merge record, survivor and loser, locked, after checking the merge can still be undone by `by`."""
    merge = merge_model.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError("This merge has already been undone.")
    survivor = record_model.all_objects.select_for_update().get(pk=merge.survivor_id)
    loser = record_model.all_objects.select_for_update().get(pk=merge.loser_id)
    ensure_editable(survivor, by)
    ensure_editable(loser, by)
    if survivor.deleted_at is not None:
        raise ValidationError(f"{survivor} is in the trash; restore it before undoing the merge.")
    if loser.deleted_at is None:
        raise ValidationError(f"{loser} is no longer in the trash, so this merge cannot be undone.")
    return merge, survivor, loser


def undo_finish(merge: Any, survivor: Any, loser: Any, by: Any) -> None:
    """Save the survivor's restored fields, bring the loser back from the trash, mark the merge undone."""
    survivor.version += 1
    survivor.updated_at = timezone.now()
    survivor.save()
    record_restore(loser, by=by)
    merge.undone_at = timezone.now()
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by"])


@transaction.atomic
def contact_merge_undo(*, merge: MergeRecord, by: Any) -> MergeRecord:
    """Undo a merge: restore the loser, move back exactly the rows that moved, restore the survivor's fields."""
    merge, survivor, loser = undo_lock(MergeRecord, Contact, merge, by)
    related_rows_move_back(merge.moved, merge.details.get("links", {}), survivor.pk, loser.pk)
    for model, key in ((ContactEmail, "emails"), (ContactPhone, "phones")):
        info = merge.details.get(key, {})
        moved_rows = info.get("moved", [])
        if moved_rows:
            ids = [pk for pk, _ in moved_rows]
            _update_ids(model, ids, contact_id=loser.pk, is_primary=False)
            primary = [pk for pk, was in moved_rows if was]
            if primary and not model.objects.filter(contact=loser, is_primary=True).exists():
                model.objects.filter(pk=primary[0]).update(is_primary=True)
        if info.get("survivor_primary"):
            model.objects.filter(contact=survivor, is_primary=True).update(is_primary=False)
            model.objects.filter(pk=info["survivor_primary"], contact=survivor).update(is_primary=True)
    consents = merge.details.get("consents", {})
    if consents.get("moved"):
        Consent.objects.filter(pk__in=consents["moved"], contact=survivor).update(contact=loser)
    for old in consents.get("replaced", []):
        Consent.objects.filter(pk=old["id"]).update(status=old["status"], source=old["source"],
                                                    recorded_at=old["recorded_at"])

    # Fields: back to the values before the merge, unless someone changed them after it.
    kept = fields_restore(survivor, MERGE_FIELDS, FK_FIELDS, merge.survivor_before, merge.survivor_after)
    undo_finish(merge, survivor, loser, by)
    _refresh_purchase_summaries([survivor.pk, loser.pk], merge.moved)
    timeline_record(
        kind="merged",
        summary=f"Undid the merge of {loser.full_name} (#{loser.pk}); their records are theirs again",
        actor=by,
        data={"merge": merge.pk, "undo": True, "kept_later_changes": kept},
        contact=survivor,
        company=survivor.company,
    )
    search_index_put("contact", survivor)
    return merge
