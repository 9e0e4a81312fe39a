"""What a dry run remembers from earlier rows of the file, kept on disk so its memory stays flat.

A real import finds an earlier row's record in the database. A dry run writes nothing, so it remembers
itself (1) the match keys of the rows it would create ("same as row 12 of this file") and (2) what the
rows it would apply to an existing record change on it (a later row for the same record is judged on
the record as the run will leave it). Kept in dicts, both grew with the file: about 140 MB more for a
million-row contacts file (bench/README.md, "The dry run"). Here they live in a private SQLite file
in the temporary directory, unlinked as soon as it is open (nothing is left behind, even by a crash),
read and written once a batch.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

CACHE_KIB = 16 * 1024  # the store's page cache: a few batches' worth, whatever the file size


def planned_id(row_number: int) -> int:
    """The stand-in id of the record a dry run's row would create: negative, never a stored record's id."""
    return -row_number


class DryRunMemory:
    """Keys seen in earlier rows (key -> first row number) and planned changes per record id."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            fd, path = tempfile.mkstemp(prefix="rapport-dry-run-", suffix=".sqlite3")
            os.close(fd)
            try:
                db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            finally:
                os.unlink(path)  # the open connection keeps the file; nothing outlives this process
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
            db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE planned (id INTEGER PRIMARY KEY, value BLOB NOT NULL)")
            self._db = db
        return self._db

    def first_rows(self, keys: Iterable[str]) -> dict[str, int]:
        """The first row number of the file that had each of `keys`, for the keys seen before."""
        wanted = list(dict.fromkeys(keys))
        if not wanted or self._db is None:
            return {}
        return dict(self._db.execute(
            "SELECT key, row FROM seen WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(wanted),)))

    def remember(self, pairs: Iterable[tuple[str, int]]) -> None:
        """Keep (key, row number); a key seen before keeps its first row."""
        rows = list(pairs)
        if rows:
            self._write("INSERT OR IGNORE INTO seen (key, row) VALUES (?, ?)", rows)

    def planned(self, ids: Iterable[int]) -> dict[int, Any]:
        """What earlier rows would change on each of the records `ids`, for those they change."""
        wanted = sorted(set(ids))
        if not wanted or self._db is None:
            return {}
        # Only this process wrote these bytes: the file is created 0600 and unlinked before first use.
        return {pk: pickle.loads(value) for pk, value in self._db.execute(  # noqa: S301
            "SELECT id, value FROM planned WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(wanted),))}

    def plan(self, changes: Mapping[int, Any]) -> None:
        """Keep what this batch would leave on each record (replacing what an earlier batch kept)."""
        if changes:
            self._write(
                "INSERT OR REPLACE INTO planned (id, value) VALUES (?, ?)",
                [(pk, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) for pk, value in changes.items()])

    def _write(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        """One transaction for the batch's rows: in autocommit each row would be a transaction of its own
        (three to six times slower, measured: bench/README.md, "The dry run")."""
        db = self._conn()
        db.execute("BEGIN")
        try:
            db.executemany(statement, rows)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
