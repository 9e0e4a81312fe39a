"""Rows matched by Rapport ID: the ID column of a Rapport export (rapport.imports.services.export).

A list exported, edited in a spreadsheet and imported again updates the records it came from. Only records
the importing user may see and that are not in the trash match; when the row also has the export's Created
column, the record must have been created on that day too (in Rapport's time zone), so a file exported
from another Rapport, whose ids mean other records here, creates its rows instead of changing strangers.
A file whose headers are those of a Rapport export of the target gets its ID column mapped to Rapport ID
and that match key chosen by itself (rapport_export_mapping).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

RAPPORT_ID = "rapport_id"
MAX_ID = 2**63 - 1


def rapport_id_parse(cell: str) -> int:
    """The record id of an ID cell ("1234", also "#1234" and "1234.0" as spreadsheets write it)."""
    text = cell.strip().removeprefix("#")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise ValidationError(f"{cell!r} is not a Rapport ID; it is the number in the ID column of a Rapport "
                              "export. Leave it empty for a new record.")
    return int(text)


def rapport_ids_find(model: Any, user: Any, wanted: dict[int, dt.datetime | None]) -> set[int]:
    """The ids of `wanted` (id -> the row's created date, or None) that are records of `model` the user may
    see, not in the trash, and created on the row's day when it gives one."""
    if not wanted:
        return set()
    found: set[int] = set()
    ids = sorted(wanted)
    for start in range(0, len(ids), 5000):
        part = ids[start:start + 5000]
        for pk, created in model.objects.visible_to(user).filter(pk__in=part).values_list("id", "created_at"):
            day = wanted[pk]
            if day is None or timezone.localtime(created).date() == timezone.localtime(day).date():
                found.add(pk)
    return found


def rapport_matches(model: Any, user: Any, rows: list[tuple[int, int, dt.datetime | None]]
                    ) -> dict[int, tuple[int, str]]:
    """Row number -> (record id, why) for rows given as (row number, Rapport ID, created date or None)."""
    ids = rapport_ids_find(model, user, {rid: created for _, rid, created in rows})
    return {number: (rid, "same Rapport ID") for number, rid, _ in rows if rid in ids}


def rapport_export_mapping(target: str, headers: list[str]) -> int | None:
    """The position of the ID column when the headers are those of a Rapport export of the target (its ID
    first, then mostly its own column names), else None."""
    from rapport.imports.services.export import SPECS

    spec = SPECS.get(target)
    if spec is None or not headers or headers[0].strip() != "ID":
        return None
    labels = {c.header for c in spec.columns}
    named = [h for h in headers if h.strip() in labels]
    if len(named) >= min(5, len(labels)) and len(named) >= len(headers) // 2 and {"Created", "Updated"} & set(headers):
        return 0
    return None
