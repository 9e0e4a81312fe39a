"""Undo of an import, per record kind: delete what it created, trash what was used since, restore what it updated.

Which tables depend on a record is read from the models (`_meta.related_objects`), so a table added
later by another app is handled without a change here:

- rows of plain tables that cascade with the record (emails, lines, stage changes, timeline events,
  many-to-many rows) are deleted with it;
- plain tables that point at it with SET NULL get NULL, as Django's delete would do;
- any business record (a `Record`: deal, lead, order, activity…) or a protected row that points at it
  means it was used since the import: it goes to the trash instead, with everything attached.

Kinds are undone children first (activities, orders, deals, leads, products, contacts, companies), so records
made by the same import do not keep each other alive.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from rapport.core.models import Record
from rapport.imports.choices import Outcome
from rapport.imports.services import db

UNDO_ORDER = ["dealstagechange", "activity", "order", "deal", "lead", "product", "contact", "company"]
MODELS = {
    "product": "sales.Product",
    "activity": "activities.Activity",
    "order": "sales.Order",
    "deal": "sales.Deal",
    "lead": "sales.Lead",
    "contact": "contacts.Contact",
    "company": "contacts.Company",
    "dealstagechange": "sales.DealStageChange",
}
SEARCH_KINDS = {"contact", "company", "lead", "deal"}
EXTERNAL_TARGETS = {
    "contact": "contacts",
    "company": "companies",
    "lead": "leads",
    "deal": "deals",
    "activity": "activities",
    "order": "orders",
}
TARGET_KINDS = {v: k for k, v in EXTERNAL_TARGETS.items()}
RUN_CHUNK = 200


def model_of(kind: str) -> type[models.Model]:
    return apps.get_model(MODELS[kind])


def _ids_sql(ids: set[int]) -> str:
    return ", ".join(str(int(i)) for i in sorted(ids))


def _reverse_relations(model: type[models.Model]) -> list[Any]:
    """Every relation pointing at the model, hidden ones too (related_name="+", like timeline links to orders)."""
    return [f for f in model._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]


def _referenced(model: type[models.Model], runs: list[list[int]]) -> set[int]:
    """Ids in the runs that a business record or a protected row points at (they must not be deleted)."""
    kept: set[int] = set()
    for rel in _reverse_relations(model):
        if rel.many_to_many or not getattr(rel, "field", None):
            continue
        related = rel.related_model
        if not (isinstance(related, type) and issubclass(related, models.Model)):
            continue
        on_delete = rel.on_delete
        plain = not issubclass(related, Record)
        if plain and on_delete in (models.CASCADE, models.SET_NULL):
            continue
        column = rel.field.column
        table = related._meta.db_table
        where, params = db.ranges_where(column, runs)
        extra = ""
        if related is model:
            # A record of the same import pointing at another one (a parent company) does not keep it.
            inside, inside_params = db.ranges_where("id", runs)
            extra = f" AND NOT {inside}"
            params = [*params, *inside_params]
        kept.update(
            r[0] for r in db.query(f"SELECT DISTINCT {column} FROM {table} WHERE {where}{extra}", params)
        )
    return kept


def records_delete(kind: str, runs: list[list[int]], by: Any, now: Any) -> tuple[int, int]:
    """Delete the records of one kind in the id runs; those used since go to the trash. Returns (deleted, trashed)."""
    from rapport.activities.models import TimelineEvent

    model = model_of(kind)
    table = model._meta.db_table
    kept = _referenced(model, runs) if issubclass(model, Record) else set()
    keep = f" AND {{col}} NOT IN ({_ids_sql(kept)})" if kept else ""
    for rel in _reverse_relations(model):
        related = rel.related_model
        if not (isinstance(related, type) and issubclass(related, models.Model)) or related is model:
            continue
        if rel.many_to_many:
            through = rel.through._meta  # type: ignore[union-attr]
            m2m = rel.field
            column = m2m.m2m_reverse_name()  # type: ignore[attr-defined]
            where, params = db.ranges_where(column, runs)
            db.query_exec(f"DELETE FROM {through.db_table} WHERE {where}{keep.format(col=column)}", params)
            continue
        if issubclass(related, Record):
            continue
        column = rel.field.column
        where, params = db.ranges_where(column, runs)
        if rel.on_delete is models.CASCADE or related is TimelineEvent:
            # Timeline events describe the record (its import, its changes): they go with it.
            db.query_exec(
                f"DELETE FROM {related._meta.db_table} WHERE {where}{keep.format(col=column)}", params
            )
        elif rel.on_delete is models.SET_NULL:
            db.query_exec(
                f"UPDATE {related._meta.db_table} SET {column} = NULL WHERE {where}{keep.format(col=column)}",
                params,
            )
    for m2m_field in model._meta.many_to_many:
        through_table = m2m_field.m2m_db_table()  # type: ignore[attr-defined]
        column = m2m_field.m2m_column_name()  # type: ignore[attr-defined]
        where, params = db.ranges_where(column, runs)
        db.query_exec(f"DELETE FROM {through_table} WHERE {where}{keep.format(col=column)}", params)
    # Records of this import that point at each other (parent companies): drop the link on the kept ones.
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, models.ForeignKey) and model_field.related_model is model and kept:
            where, params = db.ranges_where(model_field.column, runs)
            db.query_exec(
                f"UPDATE {table} SET {model_field.column} = NULL WHERE {where} AND id IN ({_ids_sql(kept)})"
                f" AND {model_field.column} NOT IN ({_ids_sql(kept)})",
                params,
            )
    where, params = db.ranges_where("object_id", runs)
    if kind in SEARCH_KINDS:
        db.query_exec(f"DELETE FROM search_searchentry WHERE kind = %s AND {where}", [kind, *params])
    if kind in EXTERNAL_TARGETS:
        db.query_exec(
            f"DELETE FROM imports_externalkey WHERE target = %s AND {where}",
            [EXTERNAL_TARGETS[kind], *params],
        )
    where, params = db.ranges_where("id", runs)
    deleted = db.query_exec(f"DELETE FROM {table} WHERE {where}{keep.format(col='id')}", params)
    if kept:
        db.query_exec(
            f"UPDATE {table} SET deleted_at = %s, deleted_by_id = %s, version = version + 1 "
            f"WHERE id IN ({_ids_sql(kept)})",
            [now, by.pk],
        )
    return deleted, len(kept)


def lifecycle_restore(ranges: dict[str, list[list[int]]]) -> None:
    """Put contacts the import made customers back to their earlier lifecycle stage (if still customers)."""
    for key, runs in ranges.items():
        if not key.startswith("lifecycle:"):
            continue
        stage = key.split(":", 1)[1]
        # Buyers' ids are scattered (runs of one): an IN list uses the primary key, OR-ed ranges would scan.
        ids = [pk for first, last in runs for pk in range(first, last + 1)]
        db.exec_in(
            "UPDATE contacts_contact SET lifecycle_stage = %s WHERE lifecycle_stage = 'customer' AND id IN ({})",
            ids,
            [stage],
        )


def _order_contacts(runs: list[list[int]]) -> set[int]:
    where, params = db.ranges_where("id", runs)
    return {r[0] for r in db.query(f"SELECT DISTINCT contact_id FROM sales_order WHERE {where}", params)}


def created_delete(ranges: dict[str, list[list[int]]], by: Any, now: Any) -> dict[str, Any]:
    """Delete every kind of record an import created (children first); return counts and touched customers."""
    summary: dict[str, Any] = {"deleted": 0, "trashed": 0, "customers": set()}
    for kind in UNDO_ORDER:
        runs = ranges.get(kind, [])
        for start in range(0, len(runs), RUN_CHUNK):
            part = runs[start : start + RUN_CHUNK]
            if kind == "order":
                summary["customers"].update(_order_contacts(part))
            deleted, trashed = records_delete(kind, part, by, now)
            if kind != "dealstagechange":
                summary["deleted"] += deleted
                summary["trashed"] += trashed
    return summary


def updated_restore(job: Any, by: Any, kind: str) -> tuple[int, set[int]]:
    """Write back the values the import replaced on records of `kind`; return (restored, order customers)."""
    from rapport.activities.models import TimelineEvent
    from rapport.imports.models import ImportRow
    from rapport.imports.services.rows import model_insert, runs_of, search_reindex

    model = model_of(kind)
    table = model._meta.db_table
    json_columns = {f.column for f in model._meta.concrete_fields if isinstance(f, models.JSONField)}
    restored: list[int] = []
    customers: set[int] = set()
    events: list[dict[str, Any]] = []
    now = timezone.now()
    rows = ImportRow.objects.filter(job=job, outcome=Outcome.UPDATED).order_by("-row_number")
    for row in rows.iterator(chunk_size=2000):
        before = dict(row.before)
        record_id = row.object_id
        if record_id is None:
            continue
        before.pop("version", None)
        added_tags = before.pop("added_tags", [])
        lines = before.pop("lines", None)
        if added_tags and kind == "company":
            db.exec_in(
                "DELETE FROM contacts_company_tags WHERE company_id = %s AND tag_id IN ({})",
                added_tags,
                [record_id],
            )
        if lines is not None and kind == "order":
            db.query_exec("DELETE FROM sales_orderline WHERE order_id = %s", [record_id])
            if lines:
                db.rows_insert(
                    "sales_orderline",
                    ["order_id", "product_id", "description", "quantity", "unit_price"],
                    [(record_id, *line) for line in lines],
                )
        if before:
            values = {k: (db.db_json(v) if k in json_columns else v) for k, v in before.items()}
            sets = ", ".join(f"{k} = %s" for k in values)
            db.query_exec(
                f"UPDATE {table} SET {sets}, version = version + 1, updated_at = %s WHERE id = %s",
                [*values.values(), db.db_time(now), record_id],
            )
        if kind == "order":
            customers.update(
                r[0] for r in db.query("SELECT contact_id FROM sales_order WHERE id = %s", [record_id])
            )
            if before.get("contact_id"):
                customers.add(int(before["contact_id"]))
        restored.append(record_id)
        link = {f"{kind}_id": record_id} if kind in ("contact", "company", "lead", "deal") else {}
        if kind == "activity":
            link = {"activity_id": record_id}
        if kind == "order":
            link = {"order_id": record_id}
        events.append(
            {
                "occurred_at": now,
                "actor_id": by.pk,
                "kind": "updated",
                "summary": f"Changes of import #{job.pk} undone",
                "data": {"import": job.pk, "record": f"{kind}:{record_id}", "restored": before},
                **link,
            }
        )
    if kind in SEARCH_KINDS and restored:
        search_reindex(kind, runs_of(restored))
    if kind in ("activity", "order"):
        _link_events(kind, events)
    model_insert(TimelineEvent, events)
    return len(restored), customers


def _link_events(kind: str, events: list[dict[str, Any]]) -> None:
    """Undo events of activities and orders show on the contact (and company) they belong to."""
    table = "activities_activity" if kind == "activity" else "sales_order"
    key = f"{kind}_id"
    ids = [e[key] for e in events]
    links = (
        {
            r[0]: (r[1], r[2])
            for r in db.query_in(f"SELECT id, contact_id, company_id FROM {table} WHERE id IN ({{}})", ids)
        }
        if ids
        else {}
    )
    for event in events:
        contact_id, company_id = links.get(event[key], (None, None))
        if contact_id:
            event["contact_id"] = contact_id
        if company_id:
            event["company_id"] = company_id


def _deal_totals(runs: list[list[int]], extra_ids: list[int], sign: int) -> list[Any]:
    """Board-total deltas (one per pipeline, stage, owner and currency) of the live deals in the runs and ids."""
    try:
        from rapport.sales.services.totals import StageDelta
    except ImportError:  # board totals are not kept in this version
        return []
    select = (
        "SELECT pipeline_id, stage_id, owner_id, currency, COUNT(*), COALESCE(SUM(amount), 0) FROM sales_deal "
        "WHERE deleted_at IS NULL AND {where} GROUP BY pipeline_id, stage_id, owner_id, currency"
    )
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(runs), RUN_CHUNK):
        where, params = db.ranges_where("id", runs[start : start + RUN_CHUNK])
        rows.extend(db.query(select.format(where=where), params))
    if extra_ids:
        rows.extend(db.query_in(select.format(where="id IN ({})"), extra_ids))
    from decimal import Decimal

    return [
        StageDelta(
            pipeline_id=p,
            stage_id=s,
            owner_id=o,
            currency=c,
            count=sign * int(n),
            amount=sign * Decimal(str(a)),
        )
        for p, s, o, c, n, a in rows
    ]


@contextmanager
def deal_totals_apply(job: Any, ranges: dict[str, list[list[int]]]) -> Iterator[None]:
    """Keep the deal board totals right across an undo: take the import's deals out, put back what is left."""
    from rapport.imports.models import ImportRow

    runs = ranges.get("deal", [])
    inside, params = db.ranges_where("id", runs) if runs else ("1 = 0", [])
    updated: list[int] = []
    if job.target == "deals":
        ids: list[int] = sorted(
            {
                pk
                for pk in ImportRow.objects.filter(job=job, outcome=Outcome.UPDATED).values_list(
                    "object_id", flat=True
                )
                if pk is not None
            }
        )
        created = (
            {
                r[0]
                for r in db.query_in(
                    f"SELECT id FROM sales_deal WHERE {inside} AND id IN ({{}})", ids, params
                )
            }
            if ids
            else set()
        )
        updated = [i for i in ids if i not in created]
    if not runs and not updated:
        yield
        return
    before = _deal_totals(runs, updated, -1)
    yield
    after = _deal_totals(runs, updated, 1)
    if before or after:
        from rapport.sales.services.totals import stage_totals_apply

        stage_totals_apply(before + after)
