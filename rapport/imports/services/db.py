"""Set-based writes through the raw driver inside the ORM's transaction: SQLite executemany, PostgreSQL COPY.

Django's bulk_create stays near 14,000 rows/s; the raw paths reach 150,000-270,000 rows/s here
(see shared PERFORMANCE-FACTS). Every function expects to run inside `transaction.atomic()`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from rapport.core.sqlite_functions import SQLITE_UPPER

IN_CHUNK = 900
BULK_CACHE_KIB = 512 * 1024
BULK_WAL_PAGES = 65536


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _raw() -> Any:
    connection.ensure_connection()
    return connection.connection


def db_time(value: dt.datetime) -> Any:
    """A timezone-aware datetime as the driver stores it (SQLite: naive UTC text, as Django does)."""
    if is_postgres():
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def db_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def rows_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows into a table as fast as the database allows."""
    if is_postgres():
        with _raw().cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in columns)
    _raw().executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def rows_execute_many(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run one statement (written with %s placeholders) for many parameter rows."""
    if is_postgres():
        with _raw().cursor() as cursor:
            cursor.executemany(sql, list(rows))
        return
    _raw().executemany(sql.replace("%s", "?"), rows)


def query(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run a query written with %s placeholders and return all rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def query_in(sql: str, values: Sequence[Any], extra: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run `sql` containing one `IN ({})` for `values` in chunks; `extra` parameters come before the list."""
    result: list[tuple[Any, ...]] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        result.extend(query(sql.format(", ".join(["%s"] * len(chunk))), [*extra, *chunk]))
    return result


def query_any(sql: str, values: Sequence[Any], extra: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run `sql` containing one `IN ({})` for all `values` in a single statement.

    The list travels as one parameter (PostgreSQL: an array with `= ANY`; SQLite: a JSON array read by
    json_each), so a batch of 20,000 keys is one index-probing query instead of 23 statements of 900.
    `extra` parameters come before the list.
    """
    if not values:
        return []
    if is_postgres():
        return query(sql.replace(" IN ({})", " = ANY(%s)"), [*extra, list(values)])
    return query(sql.replace("IN ({})", "IN (SELECT value FROM json_each(%s))"), [*extra, db_json(list(values))])


def alive_ids(table: str, ids: Iterable[int]) -> set[int]:
    """Those of `ids` whose row of `table` is outside the trash, found by primary key.

    A lookup by key probes only the key's own index and then checks the few records it found here.
    Joined with the record's table instead, PostgreSQL may hash-join a scan of that whole table into
    every batch (with a freshly loaded table's statistics: 0.5-1.1 s a batch at a million contacts).
    """
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return {pk for (pk,) in query_any(f"SELECT id FROM {table} WHERE deleted_at IS NULL AND id IN ({{}})", wanted)}


def owners_having(key_table: str, key_column: str, values: Sequence[str], owner_column: str, table: str,
                  columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """(value, owner id, *columns) for each row of `key_table` whose `key_column` is one of `values` and whose
    owner (the row of `table` its `owner_column` names) is outside the trash, lowest owner id first.

    The key's own index is probed alone; the few owners found are read by id (see alive_ids).
    """
    if not values:
        return []
    hits = query_any(f"SELECT {key_column}, {owner_column} FROM {key_table} WHERE {key_column} IN ({{}}) "
                     f"ORDER BY {owner_column}", values)
    if not hits:
        return []
    owners = {row[0]: row[1:] for row in query_any(
        f"SELECT id, {', '.join(columns)} FROM {table} WHERE deleted_at IS NULL AND id IN ({{}})",
        sorted({pk for _, pk in hits}))}
    return [(value, pk, *owners[pk]) for value, pk in hits if pk in owners]


def external_keys_find(target: str, table: str, keys: Sequence[str]) -> dict[str, int]:
    """The id per external id of the `target` records (rows of `table`) outside the trash."""
    if not keys:
        return {}
    hits = query_any(
        "SELECT external_id, object_id FROM imports_externalkey WHERE target = %s AND external_id IN ({})",
        sorted(set(keys)), [target])
    alive = alive_ids(table, (pk for _, pk in hits))
    return {ext: pk for ext, pk in hits if pk in alive}


def names_find(table: str, names: Iterable[str]) -> list[tuple[int, str]]:
    """(id, upper-cased name) of the rows of `table` outside the trash named one of `names` in any case,
    lowest id first.

    The database upper-cases both sides (UPPER on PostgreSQL, Unicode `rapport_upper` on SQLite, whose
    built-in UPPER folds only A-Z: rapport.core.sqlite_functions; the company_name_upper index serves
    it), and the names come back upper-cased by Python, as callers key their input. Keying the input in
    Python against the database's UPPER missed names whose rules differ ('ß' stays 'ß' on PostgreSQL).
    """
    wanted = sorted(set(names))
    if not wanted:
        return []
    if is_postgres():
        sql = (f"SELECT id, name FROM {table} WHERE deleted_at IS NULL AND "
               "UPPER(name) = ANY(ARRAY(SELECT UPPER(v) FROM unnest(%s::text[]) AS v)) ORDER BY id")
        rows = query(sql, [wanted])
    else:
        sql = (f"SELECT id, name FROM {table} WHERE deleted_at IS NULL AND "
               f"{SQLITE_UPPER}(name) IN (SELECT {SQLITE_UPPER}(value) FROM json_each(%s)) ORDER BY id")
        rows = query(sql, [db_json(wanted)])
    return [(pk, name.upper()) for pk, name in rows]


def person_names_find(table: str, names: Iterable[str]) -> list[tuple[str, str, str]]:
    """SQLite: ("last_name" or "first_name", stored value, name) for each distinct last name of `table`
    that is one of `names` in any case once trimmed of spaces, and each distinct first name of the rows
    with such a last name that is one of them (`rapport_upper` of both sides, as names_find compares).

    Only distinct values are upper-cased, never every row: SQLite's DISTINCT walks the name index
    (last_name, first_name, id) from one last name to the next, and reads the first names from that
    index's entries of the last names found. The CTEs are materialised so that no comparison is pushed
    down to the rows.
    """
    wanted = sorted(set(names))
    if not wanted:
        return []
    sql = (
        f"WITH n AS MATERIALIZED (SELECT value AS w, {SQLITE_UPPER}(value) AS u FROM json_each(%s)), "
        f"l AS MATERIALIZED (SELECT d.v, n.w FROM (SELECT DISTINCT last_name AS v FROM {table}) AS d "
        f"JOIN n ON n.u = {SQLITE_UPPER}(TRIM(d.v))), "
        f"f AS MATERIALIZED (SELECT DISTINCT first_name AS v FROM {table} WHERE last_name IN (SELECT v FROM l)) "
        "SELECT 'last_name', v, w FROM l "
        f"UNION ALL SELECT 'first_name', f.v, n.w FROM f JOIN n ON n.u = {SQLITE_UPPER}(TRIM(f.v))"
    )
    return query(sql, [db_json(wanted)])


def rows_update(table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                extra_sets: str = "") -> None:
    """UPDATE many rows of `table`, one parameter row per record: the `columns` values, then its `key`.

    PostgreSQL: COPY into a temporary table and one UPDATE … FROM (executemany runs at ~5,000 rows/s
    there); SQLite: executemany in process. `extra_sets` is SQL appended to the SET list (no parameters).
    """
    if not rows:
        return
    tail = f", {extra_sets}" if extra_sets else ""
    if is_postgres():
        temp = f"_rapport_update_{table}"
        names = ", ".join([*columns, key])
        with _raw().cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")
            with cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{c} = u.{c}" for c in columns)
            cursor.execute(f"UPDATE {table} t SET {sets}{tail} FROM {temp} u WHERE t.{key} = u.{key}")
            cursor.execute(f"DROP TABLE {temp}")
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    _raw().executemany(f"UPDATE {table} SET {sets}{tail} WHERE {key} = ?", rows)


@contextmanager
def bulk_session() -> Iterator[None]:
    """Connection settings for a long bulk write, restored afterwards; durability of commits is unchanged.

    SQLite: a larger page cache (random inserts into a dozen indexes of a million-row table otherwise
    spill and re-read pages) and a larger WAL between automatic checkpoints (each checkpoint copies and
    syncs the pages; WAL mode with synchronous=NORMAL keeps every committed batch).
    """
    if is_postgres():
        yield
        return
    raw = _raw()
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    checkpoint = raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    raw.execute(f"PRAGMA wal_autocheckpoint = {BULK_WAL_PAGES}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {int(cache)}")
        raw.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")


def batch_transaction_begin() -> None:
    """Settings for one import batch's transaction (call first thing inside it).

    PostgreSQL: the commit does not wait for its WAL to reach the disk (`synchronous_commit = off`,
    this transaction only). A crash can then lose the last batches committed in the moment before it,
    but never half of one: each batch carries its own checkpoint, so the import resumes after the last
    batch that survived, with no row missing or imported twice. SQLite: nothing to set (WAL with
    synchronous=NORMAL behaves the same way already).
    """
    if is_postgres():
        with _raw().cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def ids_reserve(table: str, count: int) -> list[int]:
    """Reserve `count` primary keys of a table for explicit inserts (no other writer can take them)."""
    if count == 0:
        return []
    if is_postgres():
        rows = query(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [count]
        )
        return [int(r[0]) for r in rows]
    # SQLite: the IMMEDIATE transaction holds the write lock, so max(id) cannot move under us.
    # AUTOINCREMENT never reuses ids of deleted rows: start after the larger of sequence and max(id).
    row = query(
        "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
        f"COALESCE((SELECT max(id) FROM {table}), 0))",
        [table],
    )
    first = int(row[0][0]) + 1
    return list(range(first, first + count))


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Compress ids into [first, last] runs."""
    runs: list[list[int]] = []
    for value in sorted(ids):
        if runs and runs[-1][1] + 1 == value:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return runs


def ranges_where(column: str, runs: list[list[int]]) -> tuple[str, list[int]]:
    """SQL condition (with params) selecting the ids in the runs."""
    if not runs:
        return "1 = 0", []
    parts, params = [], []
    for first, last in runs:
        parts.append(f"{column} BETWEEN %s AND %s")
        params.extend([first, last])
    return "(" + " OR ".join(parts) + ")", params


def query_exec(sql: str, params: Sequence[Any] = ()) -> int:
    """Run a statement written with %s placeholders; return the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount or 0)


def exec_in(sql: str, values: Sequence[Any], extra: Sequence[Any] = ()) -> int:
    """Run a statement containing one `IN ({})` for `values` in chunks; return rows changed."""
    changed = 0
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        changed += query_exec(sql.format(", ".join(["%s"] * len(chunk))), [*extra, *chunk])
    return changed
