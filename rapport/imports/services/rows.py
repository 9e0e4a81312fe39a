"""Row types of the importers and the raw-driver writes they share (set-based, both databases)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from rapport.imports.services import db


@dataclass
class Prepared:
    """A row that passed the per-row checks, ready for the related-record lookups, matching and writing."""

    row_number: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    external_id: str = ""
    custom: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # Why the related records the row names refuse it (RelatedLookups.refuse): the row is rejected once
    # all its keys were looked up, with every reason at once.
    refused: list[str] = field(default_factory=list)

    def match_keys(self) -> list[str]:
        keys = [f"x:{self.external_id}"] if self.external_id else []
        if "rapport_id" in self.extra:
            keys.append(f"i:{self.extra['rapport_id']}")
        return keys


@dataclass
class Rejected:
    row_number: int
    cells: list[str]
    reason: str
    # A row rejected for its cells: what the other cells gave, so the related records it names are looked
    # up too and the reason says everything to fix at once (not one round of fixes per check).
    partial: Prepared | None = None


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    created_ranges: dict[str, list[list[int]]] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[tuple[int, str]] = field(default_factory=list)
    # Dry run: the rows that meet an existing record, as dry_run_match() makes them.
    matched: list[dict[str, Any]] = field(default_factory=list)
    # Contacts made alongside the target's records (an order's new customer), counted in the dry run too.
    new_contacts: int = 0
    # Products an order import added for SKUs the catalogue did not have (also counted in the dry run).
    new_products: int = 0
    # Companies a contact or lead file named and Rapport did not have, created with them.
    new_companies: int = 0
    # New companies whose parent a later row of the file brings: [record id, parent key, row] to link when the
    # last batch is in (kept with the batch, ImportBatch.links), and how many (the dry run counts them).
    links: list[list[Any]] = field(default_factory=list)
    parents_later: int = 0


def dry_run_match(row: int, record_id: int | None, outcome: str, why: str, changed: Any = ()) -> dict[str, Any]:
    """One row of the dry run's "Rows that meet existing records": what the run will do with it and why.

    `changed` are the fields an update changes (the keys of its values-before, in the importers' terms).
    """
    words = {"added_emails": "email", "added_phones": "phone", "added_tags": "tags", "custom": "custom fields"}
    fields = [words.get(k, k.removesuffix("_id").replace("_", " ")) for k in changed if k != "version"]
    # A record an earlier row of the same file would create (dry run: planned_id, negative): that row's number.
    of_row = -record_id if record_id and record_id < 0 else None
    return {"row": row, "id": record_id if record_id and record_id > 0 else None, "of_row": of_row, "outcome": outcome, "why": why, "changes": list(dict.fromkeys(fields))}


@dataclass
class Outcomes:
    """What happened to the rows of one batch, filled in by `process` and its helpers."""

    creates: list[Prepared] = field(default_factory=list)
    updates: list[tuple[Prepared, int]] = field(default_factory=list)
    skips: list[tuple[int, int | None, str]] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)
    updated: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    why: dict[int, str] = field(default_factory=dict)  # row -> why it matched its record (updates)
    # Extra rows counted as updated without an outcome row (order lines added to an order of this import).
    also_updated: int = 0


Parser = Callable[[str], Any]


def sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def join_errors(errors: Iterable[str]) -> str:
    return " ".join(sentence(e) for e in errors)


def to_db(value: Any, postgres: bool | None = None) -> Any:
    """A Python value as the raw driver stores it here (loops pass `postgres`, so the vendor is asked once)."""
    if value is None or isinstance(value, str | int | float):
        return value
    if postgres is None:
        postgres = db.is_postgres()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # read back through the raw SQLite driver: already naive UTC
            return value.isoformat(sep=" ")
        return value if postgres else value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if postgres:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def json_safe(value: Any) -> Any:
    """A value read through the raw driver, kept in `before` so undo can write it back unchanged."""
    if isinstance(value, dt.datetime):
        # Naive values come from SQLite (UTC, stored with a space like Django stores them).
        return value.isoformat() if value.tzinfo else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def same_value(model_field: models.Field | None, old: Any, new: Any) -> bool:
    """Whether a stored value (raw driver) and a new one mean the same thing."""
    if old is None or new is None:
        return old is None and new is None
    if isinstance(model_field, models.DateTimeField):
        left, right = as_datetime(old), as_datetime(new)
        return left == right
    if isinstance(model_field, models.DateField):
        return str(old)[:10] == str(new)[:10]
    if isinstance(model_field, models.DecimalField | models.IntegerField | models.FloatField):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except ArithmeticError:
            return False
    if isinstance(model_field, models.BooleanField):
        return bool(old) == bool(new)
    return str(old) == str(new)


def as_datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def json_load(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return json.loads(value or "{}")


def model_insert(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (dicts of column -> value) into a model's table; columns not given get the field default.

    Filling defaults from the model keeps the raw insert right when a column is added to the model.
    """
    if not rows:
        return
    pk = model._meta.pk
    with_ids = pk is not None and pk.column in rows[0]
    # Rows without ids let the database number them (its sequence on PostgreSQL).
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    columns = [str(f.column) for f in fields]
    defaults: dict[str, Any] = {}
    for f, column in zip(fields, columns, strict=True):
        if f.has_default():
            default = f.get_default()
            defaults[column] = db.db_json(default) if isinstance(f, models.JSONField) else to_db(default)
        elif f.null:
            defaults[column] = None
        elif isinstance(f, models.CharField | models.TextField):
            defaults[column] = ""
    json_columns = {
        column for f, column in zip(fields, columns, strict=True) if isinstance(f, models.JSONField)
    }
    table = model._meta.db_table
    postgres = db.is_postgres()

    def row_tuple(row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for column in columns:
            if column in row:
                value = row[column]
                out.append(
                    db.db_json(value)
                    if column in json_columns and not isinstance(value, str)
                    else to_db(value, postgres)
                )
            else:
                out.append(defaults.get(column))
        return tuple(out)

    db.rows_insert(table, columns, [row_tuple(r) for r in rows])


def search_reindex(kind: str, runs: list[list[int]]) -> None:
    """(Re)write the search entries of the records in the id runs, set-based (same text as the services)."""
    if not runs:
        return
    where, params = db.ranges_where("object_id", runs)
    db.query_exec(f"DELETE FROM search_searchentry WHERE kind = %s AND {where}", [kind, *params])
    if kind == "company":
        where, params = db.ranges_where("id", runs)
        phone_digits = "replace(replace(replace(replace(phone, '+', ''), ' ', ''), '-', ''), '(', '')"
        db.query_exec(
            "INSERT INTO search_searchentry (kind, object_id, owner_id, title, text) "
            f"SELECT 'company', id, owner_id, substr(name, 1, 300), trim(name || ' ' || domain || ' ' || phone || "
            f"' ' || {phone_digits}) FROM contacts_company WHERE deleted_at IS NULL AND {where}",
            params,
        )
    elif kind == "lead":
        where, params = db.ranges_where("l.id", runs)
        name = "trim(c.first_name || ' ' || c.last_name)"
        title = (
            f"CASE WHEN {name} <> '' THEN {name} WHEN c.email <> '' THEN c.email ELSE 'Contact #' || c.id END"
        )
        db.query_exec(
            "INSERT INTO search_searchentry (kind, object_id, owner_id, title, text) "
            f"SELECT 'lead', l.id, l.owner_id, substr({title} || CASE WHEN l.need <> '' THEN ' — ' || l.need "
            "ELSE '' END, 1, 300), trim(c.first_name || ' ' || c.last_name || ' ' || c.email || ' ' || l.need) "
            f"FROM sales_lead l JOIN contacts_contact c ON c.id = l.contact_id WHERE l.deleted_at IS NULL AND {where}",
            params,
        )
    elif kind == "deal":
        where, params = db.ranges_where("d.id", runs)
        db.query_exec(
            "INSERT INTO search_searchentry (kind, object_id, owner_id, title, text) "
            "SELECT 'deal', d.id, d.owner_id, substr(d.name, 1, 300), trim(d.name || ' ' || COALESCE(co.name, '')) "
            f"FROM sales_deal d LEFT JOIN contacts_company co ON co.id = d.company_id "
            f"WHERE d.deleted_at IS NULL AND {where}",
            params,
        )
    else:
        raise ValueError(kind)


def runs_of(ids: Iterable[int]) -> list[list[int]]:
    return db.id_ranges(ids)


def update_refusal(noun: str, record_id: int, visible: bool, what: str = "this row") -> tuple[int | None, str]:
    """(object id to record, reason) for a row matching a record the importer may not change.

    A record the importer may see is named; one they may not see is not (no id, no owner): the row is
    still skipped, never imported as a second copy, and the reason says who can import it.
    """
    if visible:
        return record_id, (f"Matches {noun} #{record_id}, which you may not change; ask its owner or a manager "
                           f"to import {what}.")
    article = "an" if noun[:1] in "aeiou" else "a"
    return None, f"Matches {article} {noun} you may not see; ask a manager to import {what}."


def duplicate_refusal(noun: str, record_id: int, visible: bool, why: str) -> tuple[int | None, str]:
    """(object id to record, reason) for a create-only row that matches an existing record.

    As in update_refusal, a record the importer may not see is not named.
    """
    if visible:
        return record_id, f"Duplicate: already in Rapport as {noun} #{record_id} ({why})."
    article = "an" if noun[:1] in "aeiou" else "a"
    return None, f"Duplicate: already in Rapport as {article} {noun} you may not see ({why}); ask a manager to import this row."

