"""Small SQL fragments that differ between SQLite and PostgreSQL, and the base-currency conversion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection

# Orders that count as purchases: alive, not cancelled or refunded, and not negative.
PURCHASE_WHERE = "o.deleted_at IS NULL AND o.status NOT IN ('cancelled', 'refunded') AND o.total >= 0"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def day_of(column: str) -> str:
    """The calendar day (UTC) of a datetime column, as a date value comparable with DateFields."""
    return f"CAST(({column} AT TIME ZONE 'UTC') AS date)" if is_postgres() else f"date({column})"


def as_float(expr: str) -> str:
    """A number as a double, so rows come back as Python floats (not Decimals) and compare like numpy's values."""
    return f"CAST({expr} AS DOUBLE PRECISION)" if is_postgres() else f"CAST({expr} AS REAL)"


def day_number(column: str) -> str:
    """The calendar day (UTC) of a datetime column as an integer equal to Python's date.toordinal()."""
    if is_postgres():
        return f"(CAST(({column} AT TIME ZONE 'UTC') AS date) - DATE '0001-01-01' + 1)"
    return f"CAST(julianday(date({column})) - 1721424.5 AS INTEGER)"


def days_between(later: str, earlier: str) -> str:
    """Whole days from `earlier` to `later` (both date expressions)."""
    if is_postgres():
        return f"(CAST({later} AS date) - CAST({earlier} AS date))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def quarter_of(column: str) -> str:
    """A running quarter number (year * 4 + quarter index) of a datetime column."""
    if is_postgres():
        return (f"(CAST(EXTRACT(YEAR FROM {column} AT TIME ZONE 'UTC') AS INTEGER) * 4 + "
                f"(CAST(EXTRACT(MONTH FROM {column} AT TIME ZONE 'UTC') AS INTEGER) - 1) / 3)")
    return (f"(CAST(strftime('%Y', {column}) AS INTEGER) * 4 + "
            f"(CAST(strftime('%m', {column}) AS INTEGER) - 1) / 3)")


def month_of(column: str) -> str:
    """A running month number (year * 12 + month - 1) of a datetime or date column."""
    if is_postgres():
        return (f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12 + "
                f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)")
    return f"(CAST(strftime('%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%m', {column}) AS INTEGER) - 1)"


def date_param(value: dt.date) -> Any:
    """A date as a query parameter both backends compare correctly with date columns."""
    return value if is_postgres() else value.isoformat()


def base_currency() -> str:
    return str(settings.RAPPORT_BASE_CURRENCY)


def converted(amount: str, currency: str, day: str) -> str:
    """`amount` in the base currency: unchanged when already in it, else times the latest rate on or before `day`.

    The result is NULL when no rate exists, so sums skip it and callers can count what was left out;
    two currencies are never added as plain numbers. Takes one parameter: the base currency code.
    """
    return (
        f"CASE WHEN {currency} = %s THEN {amount} ELSE {amount} * (SELECT xr.rate FROM sales_exchangerate xr "
        f"WHERE xr.currency = {currency} AND xr.date <= {day} ORDER BY xr.date DESC LIMIT 1) END"
    )


def fetchall(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    """Batches of ids for IN lists; PostgreSQL takes any number at once as one array parameter."""
    if is_postgres():
        size = max(size, 50_000)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def in_ids(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """`column IN (ids)` and its parameters: one array parameter on PostgreSQL (cheap to parse and plan
    however many ids), a list of placeholders on SQLite."""
    if is_postgres():
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def now_param() -> Any:
    """The current time as a parameter for a DateTimeField column on this backend."""
    from django.utils import timezone

    return connection.ops.adapt_datetimefield_value(timezone.now())


def bulk_insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows through the raw connection: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if is_postgres():
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def days_between_ts(later: str, earlier: str) -> str:
    """Days (fractional) between two timestamp columns."""
    if is_postgres():
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def ts_param(value: Any) -> Any:
    """A date or datetime as a parameter compared with a DateTimeField column (dates mean 00:00 UTC)."""
    import datetime as dt

    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)
    return connection.ops.adapt_datetimefield_value(value)
