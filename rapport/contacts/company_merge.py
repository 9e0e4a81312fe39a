"""Merging two companies into one, and undoing it exactly (the same engine as contact merges, see merge.py).

The survivor takes the values the user picked; every contact, deal, lead, order, activity, timeline
event, subsidiary and tag link of the loser is re-pointed to the survivor with set-based UPDATEs; the
loser goes to the trash; a "merged" event lands on the survivor's timeline. A CompanyMergeRecord keeps
the moved ids and the survivor's old values, so undo moves back exactly those rows.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.activities.timeline import json_value, timeline_record
from rapport.contacts.merge import (
    custom_merged,
    fields_restore,
    pair_lock,
    related_rows_move,
    related_rows_move_back,
    sides_default,
    sides_pick,
    undo_finish,
    undo_lock,
    values_snapshot,
    versions_check,
)
from rapport.contacts.models import (
    Company,
    CompanyDuplicateCandidate,
    CompanyDuplicateDismissal,
    CompanyMergeRecord,
)
from rapport.core.records import ensure_assignable, record_trash
from rapport.search.services import search_index_put

COMPANY_MERGE_FIELDS: tuple[str, ...] = (
    "name",
    "domain",
    "industry",
    "size",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "owner",
    "parent",
)
COMPANY_FK_FIELDS = {"owner", "parent"}
COMPANY_SPECIAL: set[Any] = {CompanyDuplicateCandidate, CompanyDuplicateDismissal, CompanyMergeRecord}


def company_merge_defaults(survivor: Company, loser: Company) -> dict[str, str]:
    """The side whose value survives for each field: the survivor's, unless it is empty and the loser's is not."""
    return sides_default(survivor, loser, COMPANY_MERGE_FIELDS, COMPANY_FK_FIELDS)


@transaction.atomic
def company_merge(
    *,
    survivor: Company,
    loser: Company,
    by: Any,
    choices: dict[str, str] | None = None,
    expected_versions: tuple[int, int] | None = None,
) -> CompanyMergeRecord:
    """Merge `loser` into `survivor`: keep every related record of both, take the picked values, trash the loser."""
    survivor, loser = pair_lock(Company, survivor, loser, by, noun="company", plural="companies")
    versions_check(survivor, loser, expected_versions, "companies")
    picked = sides_pick(company_merge_defaults(survivor, loser), choices, COMPANY_MERGE_FIELDS)
    before = values_snapshot(survivor, COMPANY_MERGE_FIELDS, COMPANY_FK_FIELDS)
    if picked["owner"] == "loser" and loser.owner_id != survivor.owner_id and loser.owner is not None:
        ensure_assignable(loser.owner, by)

    details: dict[str, Any] = {}
    moved, details["links"], details["skipped"] = related_rows_move(
        Company, survivor.pk, loser.pk, COMPANY_SPECIAL
    )
    for field in COMPANY_MERGE_FIELDS:
        if picked[field] == "loser":
            attname = f"{field}_id" if field in COMPANY_FK_FIELDS else field
            setattr(survivor, attname, getattr(loser, attname))
    # The loser disappears, so it cannot stay (or become) the survivor's parent; nor can the survivor itself.
    if survivor.parent_id in (loser.pk, survivor.pk):
        survivor.parent_id = loser.parent_id if loser.parent_id not in (survivor.pk, loser.pk) else None
    survivor.custom = custom_merged(survivor, loser)
    survivor.version += 1
    survivor.updated_at = timezone.now()
    survivor.save()

    record_trash(loser, by=by)
    taken = [
        f
        for f in COMPANY_MERGE_FIELDS
        if picked[f] == "loser"
        and before[f] != json_value(getattr(survivor, f"{f}_id" if f in COMPANY_FK_FIELDS else f))
    ]
    counts = {label: len(ids) for label, ids in moved.items()}
    merge = CompanyMergeRecord.objects.create(
        survivor=survivor,
        loser=loser,
        merged_by=by,
        survivor_before=before,
        survivor_after=values_snapshot(survivor, COMPANY_MERGE_FIELDS, COMPANY_FK_FIELDS),
        moved=moved,
        details=details,
    )
    timeline_record(
        kind="merged",
        summary=f"Merged company {loser.name} (#{loser.pk}) into this company",
        actor=by,
        data={
            "company_merge": merge.pk,
            "loser": {"id": loser.pk, "label": loser.name},
            "fields_taken": taken,
            "moved": counts,
        },
        company=survivor,
    )
    search_index_put("company", survivor)
    return merge


@transaction.atomic
def company_merge_undo(*, merge: CompanyMergeRecord, by: Any) -> CompanyMergeRecord:
    """Undo a company merge: restore the loser, move back exactly the moved rows, restore the survivor's fields."""
    merge, survivor, loser = undo_lock(CompanyMergeRecord, Company, merge, by)
    related_rows_move_back(merge.moved, merge.details.get("links", {}), survivor.pk, loser.pk)
    kept = fields_restore(
        survivor, COMPANY_MERGE_FIELDS, COMPANY_FK_FIELDS, merge.survivor_before, merge.survivor_after
    )
    undo_finish(merge, survivor, loser, by)
    timeline_record(
        kind="merged",
        summary=f"Undid the merge of company {loser.name} (#{loser.pk}); its records are its own again",
        actor=by,
        data={"company_merge": merge.pk, "undo": True, "kept_later_changes": kept},
        company=survivor,
    )
    search_index_put("company", survivor)
    return merge
