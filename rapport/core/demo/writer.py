"""Stream rows into tables through the ORM's raw connection: executemany on SQLite, COPY on PostgreSQL.

Model instances and bulk_create top out near 14,000 rows/s (see PERFORMANCE-FACTS.md); these paths
reach 150,000-270,000. Rows are plain tuples of str/int/None in the table's column order, so the same
generator feeds both databases: timestamps are "YYYY-MM-DD HH:MM:SS" in UTC (the connection's time zone
is UTC on both), money is a decimal string, booleans are 0/1 and JSON is text.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import connection

Row = tuple[Any, ...]


class Table:
    """Buffered rows of one table, with the next free id for tables whose ids the generator assigns."""

    def __init__(self, name: str, columns: Sequence[str]) -> None:
        self.name = name
        self.columns = tuple(columns)
        self.rows: list[Row] = []
        self.written = 0
        self.seconds = 0.0
        self.next_id = 1

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def add_record(
        self, record_id: int, created: str, updated: str, *, values: Row, version: int = 1
    ) -> None:
        """A row of a `record_table`: the columns every record has (not in the trash), then `values`."""
        self.rows.append((record_id, created, updated, version, None, None, *values))

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value


# The columns of rapport.core.models.Record, first in every record table.
RECORD_COLUMNS = ("id", "created_at", "updated_at", "version", "deleted_at", "deleted_by_id")


def record_table(name: str, columns: Sequence[str]) -> Table:
    """A table of records (companies, contacts, deals...): the record columns, then `columns`."""
    return Table(name, (*RECORD_COLUMNS, *columns))


class BulkWriter:
    """Write buffered tables in dependency order, then empty the buffers (memory stays flat)."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = list(tables)
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.deferred_indexes: list[tuple[str, str]] = []
        if self.vendor == "postgresql":
            # Check foreign keys at the end of each COPY (parents are always written first) instead of
            # queueing millions of deferred checks until commit.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in self.tables:
            if "id" in table.columns:
                table.next_id = self._max_id(table.name) + 1

    def _max_id(self, name: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {name}")
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def pending(self) -> int:
        return sum(len(t.rows) for t in self.tables)

    def flush(self) -> None:
        for table in self.tables:
            if table.rows:
                started = time.monotonic()
                self._write(table)
                table.seconds += time.monotonic() - started
                table.written += len(table.rows)
                table.rows.clear()

    def _write(self, table: Table) -> None:
        columns = ", ".join(table.columns)
        raw = connection.connection
        if self.vendor == "sqlite":
            marks = ", ".join("?" * len(table.columns))
            raw.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", table.rows)
        elif self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for row in table.rows:
                    copy.write_row(row)
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise RuntimeError(f"Demo data needs SQLite or PostgreSQL, not {self.vendor}.")

    def defer_indexes(self) -> None:
        """Drop the non-unique indexes of these tables, to build them once after the load (much faster).

        Unique indexes stay, so the load cannot break a rule of the data; DDL is transactional on both
        databases, so a failed load leaves every index in place.
        """
        names = [t.name for t in self.tables]
        marks = ", ".join(["%s"] * len(names))
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
                    names,
                )
            else:
                cursor.execute(
                    f"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    f"AND tablename IN ({marks})",
                    names,
                )
            found = [
                (name, sql) for name, sql in cursor.fetchall() if not sql.upper().startswith("CREATE UNIQUE")
            ]
            for name, _sql in found:
                cursor.execute(f'DROP INDEX "{name}"')
        self.deferred_indexes.extend(found)

    def skip_triggers(self) -> bool:
        """On PostgreSQL, skip foreign-key triggers for this transaction when the role may (superuser).

        Each foreign-key check is a locking query on the parent row and holds COPY to ~10,000 rows/s;
        the generator assigns every id itself and writes parents first, so the references hold by
        construction (the same reasoning as pg_restore --disable-triggers). Returns whether it applied.
        """
        if self.vendor != "postgresql":
            return False
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return False
        return True

    def restore_indexes(self) -> None:
        """Build the indexes dropped by `defer_indexes`."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, sql in self.deferred_indexes:
                cursor.execute(sql)
        self.deferred_indexes.clear()

    def finish(self, models: Sequence[Any]) -> None:
        """Flush what is left and move PostgreSQL's id sequences past the ids written here."""
        self.flush()
        if self.deferred_indexes:
            self.restore_indexes()
        if self.vendor == "postgresql":
            from django.core.management.color import no_style

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                    cursor.execute(sql)
