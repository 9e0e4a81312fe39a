"""Board totals kept on write: deal count and amount per pipeline, stage, owner and currency.

Every write that changes a deal's stage, owner, amount, currency or trash state calls
`stage_totals_apply` in its own transaction; bulk loads (imports, the demo generator) either pass
their deltas in one call or call `stage_totals_rebuild()` once at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from rapport.sales.models import StageTotal

# SQLite allows 999 parameters per statement; 7 per row.
ROWS_PER_STATEMENT = 140


@dataclass(frozen=True)
class StageDelta:
    """A change to the totals of one (pipeline, stage, owner, currency): +1/-1 deals and their amount."""

    pipeline_id: int
    stage_id: int
    owner_id: int | None
    currency: str
    count: int
    amount: Decimal


def deal_delta(deal: Any, sign: int, **overrides: Any) -> StageDelta:
    """The delta of adding (sign=1) or removing (sign=-1) a deal; `overrides` give old field values."""
    values = {
        "pipeline_id": deal.pipeline_id,
        "stage_id": deal.stage_id,
        "owner_id": deal.owner_id,
        "currency": deal.currency,
        "amount": deal.amount,
        **overrides,
    }
    return StageDelta(
        pipeline_id=values["pipeline_id"],
        stage_id=values["stage_id"],
        owner_id=values["owner_id"],
        currency=values["currency"],
        count=sign,
        amount=sign * Decimal(values["amount"] or 0),
    )


def deal_change_deltas(deal: Any, changes: dict[str, tuple[Any, Any]]) -> list[StageDelta]:
    """Deltas of a saved deal whose fields changed (`changes`: field -> (old, new), as record_update returns)."""
    old: dict[str, Any] = {}
    for field in ("stage", "owner", "pipeline"):
        if field in changes:
            before = changes[field][0]
            old[f"{field}_id"] = getattr(before, "pk", before)
    for field in ("amount", "currency"):
        if field in changes:
            old[field] = changes[field][0]
    if not old:
        return []
    return [deal_delta(deal, -1, **old), deal_delta(deal, 1)]


def _cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def stage_totals_apply(deltas: Iterable[StageDelta]) -> int:
    """Add deltas to the board totals with upserts (no read first); returns the number of keys touched.

    Safe under concurrent writers on both databases: INSERT ... ON CONFLICT DO UPDATE adds to the
    stored value in the database. Keys are applied in a fixed order so two transactions touching the
    same keys lock them in the same order (no deadlock on PostgreSQL).
    """
    merged: dict[tuple[int, int, int, str], list[int]] = {}
    for delta in deltas:
        key = (delta.pipeline_id, delta.stage_id, delta.owner_id or 0, delta.currency)
        entry = merged.setdefault(key, [0, 0])
        entry[0] += delta.count
        entry[1] += _cents(delta.amount)
    rows = [
        (p, s, o, o or None, c, n, cents) for (p, s, o, c), (n, cents) in sorted(merged.items()) if n or cents
    ]
    if not rows:
        return 0
    table = connection.ops.quote_name(StageTotal._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (pipeline_id, stage_id, owner_key, owner_id, currency, deal_count, amount_cents)"
                f" VALUES {values}"
                " ON CONFLICT (stage_id, owner_key, currency) DO UPDATE SET"
                f" deal_count = {table}.deal_count + excluded.deal_count,"
                f" amount_cents = {table}.amount_cents + excluded.amount_cents",
                [value for row in chunk for value in row],
            )
    return len(rows)


def stage_totals_rebuild() -> int:
    """Recompute every board total from the deals in one statement (after bulk loads); returns the row count.

    On PostgreSQL the table is locked against concurrent deal writes for the length of the
    transaction, so a write that commits meanwhile is either in the fresh aggregate or applies its
    delta after it, never both.
    """
    table = connection.ops.quote_name(StageTotal._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (pipeline_id, stage_id, owner_key, owner_id, currency, deal_count, amount_cents)"
            " SELECT MAX(pipeline_id), stage_id, COALESCE(owner_id, 0), owner_id, currency, COUNT(*),"
            " SUM(CAST(ROUND(amount * 100) AS BIGINT))"
            " FROM sales_deal WHERE deleted_at IS NULL"
            " GROUP BY stage_id, owner_id, currency"
        )
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
