"""The floor under the contacts import: the raw driver writing pre-built rows into Rapport's own schema.

The import benchmark (bench/import_bench.py) measures the whole path: read, validate, normalise, match,
write. This one measures only the last step at its fastest, so that the import's rows/s can be stated
as a ratio to what the tables themselves can absorb on this machine: for each imported contact, the
rows the importer writes (the contact with its list indexes, one email, one phone, a search entry with
its trigram index, one timeline event), built in Python before the clock starts and written with the
raw driver (SQLite executemany, PostgreSQL COPY), in transactions of --batch-rows rows, into the
migrated schema. No validation, no matching, no outcome rows: nothing the import could skip.

Two phases per database: N rows into an empty database, then N more against those N. Each line gives
rows/s next to the import target and the seconds spent in each table's statement, so the share of the
contact row (the table whose indexes the reads need) is visible.

Usage: python -m bench.insert_floor [--rows 1000000] [--database sqlite|postgres|both] [--batch-rows 20000]
       [--wal-pages 65536] [--defer-indexes]

--defer-indexes measures the bulk-load lever of pg_restore: the indexes the import does not read while
it matches (the list orderings, the timeline's and the search owner and trigram indexes) are dropped
before each phase and built again after it, and the rebuild counts in the phase's time.
Environment: RAPPORT_BENCH_DIR (default /tmp/rapport-insert-floor), RAPPORT_BENCH_FLOOR_PG (default
postgres://postgres@127.0.0.1:5432/rapport_floor_bench; dropped and re-created, so it must start with
rapport_).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("RAPPORT_BENCH_DIR", "/tmp/rapport-insert-floor"))
PG_URL = os.environ.get("RAPPORT_BENCH_FLOOR_PG", "postgres://postgres@127.0.0.1:5432/rapport_floor_bench")
PG_NAME = urlparse(PG_URL).path.lstrip("/")
TARGET_ROWS_PER_SECOND = 50_000
SQLITE_CACHE_KIB = 512 * 1024  # what the import's bulk session sets (rapport/imports/services/db.py)
SQLITE_WAL_PAGES = 65536  # likewise: pages of WAL between automatic checkpoints

TABLES: dict[str, tuple[str, ...]] = {
    "contacts_contact": (
        "id", "created_at", "updated_at", "version", "first_name", "last_name", "title", "lifecycle_stage",
        "preferred_channel", "street", "city", "region", "postal_code", "country", "email", "phone", "custom",
        "company_id", "owner_id",
    ),
    "contacts_contactemail": ("email", "kind", "is_primary", "contact_id"),
    "contacts_contactphone": ("number", "kind", "is_primary", "contact_id"),
    "search_searchentry": ("kind", "object_id", "owner_id", "title", "text"),
    "activities_timelineevent": ("occurred_at", "kind", "summary", "data", "contact_id", "actor_id"),
}


def _batch(start: int, count: int, rng: random.Random, owner: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of `count` imported contacts with ids from `start`, shaped like the import's."""
    first = [f"{a}{b}" for a in ("An", "Be", "Cla", "Da", "E", "Fe", "Gre", "Ha", "I", "Jo") for b in "aeinor"]
    last = [f"{a}{b}{c}" for a in ("Mül", "Schm", "Fisch", "Web", "Mey", "Wag", "Beck", "Schulz")
            for b in ("er", "mann", "ke", "el", "lin") for c in ("", "s", "t", "rich")]
    stages = ("lead", "subscriber", "opportunity", "customer")
    now = "2026-12-02 00:00:00"
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
    for cid in range(start, start + count):
        f, la = rng.choice(first), rng.choice(last)
        email = f"{f.lower()}.{la.lower()}{cid}@{rng.choice(('example.com', 'mail.de', 'firma.de'))}"
        phone = f"+49{rng.randrange(1500000000, 1799999999)}"
        rows["contacts_contact"].append((
            cid, now, now, 1, f, la, "", rng.choice(stages), "", "", "Berlin", "", "", "DE", email, phone, "{}", None, owner,
        ))
        rows["contacts_contactemail"].append((email, "work", True, cid))
        rows["contacts_contactphone"].append((phone, "mobile", True, cid))
        rows["search_searchentry"].append(("contact", cid, owner, f"{f} {la}", f"{f} {la} {email} {phone}".lower()))
        rows["activities_timelineevent"].append(
            (now, "imported", "Imported from contacts.csv", '{"import": 1}', cid, owner)
        )
    return rows


def _migrate(database: str, path: Path) -> None:
    env = {**os.environ, "RAPPORT_DATA_DIR": str(WORK / "data")}
    env["DATABASE_URL"] = PG_URL if database == "postgres" else f"sqlite:///{path}"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def _sqlite(path: Path, wal_pages: int) -> Any:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", f"cache_size = {-SQLITE_CACHE_KIB}",
                   "foreign_keys = ON", f"wal_autocheckpoint = {wal_pages}"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, "
                 "is_staff, is_active, date_joined, role, team_id) VALUES ('!', 0, 'floor', '', '', "
                 "'floor@example.com', 0, 1, '2026-12-02', 'admin', NULL)")
    return conn


def _postgres() -> Any:
    import psycopg

    conn = psycopg.connect(PG_URL, autocommit=True)
    conn.execute("INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, "
                 "is_staff, is_active, date_joined, role, team_id) VALUES ('!', false, 'floor', '', '', "
                 "'floor@example.com', false, true, now(), 'admin', NULL)")
    return conn


# Indexes an import could build after its writes instead of during them: nothing the import reads
# while it matches (email, phone and search-entry lookups, unique constraints) is among them.
DEFERRABLE_INDEXES = frozenset({
    "contact_name_order", "contact_owner_order", "contact_stage_order", "contact_country_order",
    "contact_company_order", "contacts_co_created_402276_idx", "timeline_contact_recent", "timeline_company_recent",
    "timeline_lead_recent", "timeline_deal_recent", "timeline_activity", "timeline_order",
    "activities_timelineevent_actor_id_001db533", "search_sear_owner_i_729bb3_idx", "search_trgm_contact",
    "search_trgm_company", "search_trgm_lead", "search_trgm_deal",
})


def deferrable_indexes(conn: Any) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the DEFERRABLE_INDEXES present, for a sqlite3 or psycopg connection."""
    sqlite = type(conn).__module__.startswith("sqlite3")
    sql = ("SELECT name, sql FROM sqlite_master WHERE type = 'index'" if sqlite
           else "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
    return [(name, create) for name, create in conn.execute(sql).fetchall() if name in DEFERRABLE_INDEXES]


def indexes_drop(conn: Any, indexes: list[tuple[str, str]]) -> None:
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')


def indexes_build(conn: Any, indexes: list[tuple[str, str]]) -> None:
    if not type(conn).__module__.startswith("sqlite3"):
        conn.execute("SET maintenance_work_mem = '512MB'")
    for _, create in indexes:
        conn.execute(create)


TRIGGER_SQL = ("CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN "
               "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END")


def _write(database: str, conn: Any, rows: dict[str, list[tuple[Any, ...]]], spent: dict[str, float]) -> None:
    """One transaction: every table's rows through the raw driver; time per table into `spent`."""
    if database == "sqlite":
        conn.execute("BEGIN IMMEDIATE")
        for table, columns in TABLES.items():
            started = time.perf_counter()
            marks = ", ".join("?" for _ in columns)
            if table == "search_searchentry":
                # As search_entries_insert: rows without the per-row FTS trigger, then one INSERT … SELECT
                # into the trigram index with segment merging deferred to the end of the batch.
                before = conn.execute("SELECT COALESCE(max(id), 0) FROM search_searchentry").fetchone()[0]
                conn.execute("DROP TRIGGER search_fts_ai")
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows[table])
            if table == "search_searchentry":
                conn.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)")
                conn.execute("INSERT INTO search_fts (rowid, text) SELECT id, text FROM search_searchentry "
                             "WHERE id > ?", [before])
                conn.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4)")
                conn.execute(TRIGGER_SQL)
            spent[table] += time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("COMMIT")
        spent["commit"] += time.perf_counter() - started
        return
    with conn.transaction():
        conn.execute("SET LOCAL synchronous_commit = off")  # as the import's batches
        with conn.cursor() as cursor:
            for table, columns in TABLES.items():
                started = time.perf_counter()
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row)
                spent[table] += time.perf_counter() - started
        started = time.perf_counter()
    spent["commit"] += time.perf_counter() - started


def _phase(database: str, conn: Any, start: int, count: int, batch_rows: int, owner: int,
           defer: bool = False) -> dict[str, Any]:
    rng = random.Random(start)
    spent = dict.fromkeys([*TABLES, "commit"], 0.0)
    deferred = deferrable_indexes(conn) if defer else []
    if deferred:
        started = time.perf_counter()
        indexes_drop(conn, deferred)
        spent["index_rebuild"] = time.perf_counter() - started
    for offset in range(0, count, batch_rows):
        rows = _batch(start + offset, min(batch_rows, count - offset), rng, owner)
        _write(database, conn, rows, spent)
    if deferred:
        started = time.perf_counter()
        indexes_build(conn, deferred)
        spent["index_rebuild"] += time.perf_counter() - started
    seconds = sum(spent.values())
    return {"rows": count, "seconds": round(seconds, 2), "rows_per_s": round(count / seconds),
            "us_per_row": {name: round(value / count * 1e6, 1) for name, value in spent.items()}}


def run(args: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="insert_floor")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--batch-rows", type=int, default=20_000)
    parser.add_argument("--wal-pages", type=int, default=SQLITE_WAL_PAGES,
                        help="SQLite: WAL pages between automatic checkpoints")
    parser.add_argument("--defer-indexes", action="store_true",
                        help="drop the indexes the import does not read before each phase, rebuild them after")
    options = parser.parse_args(args or [])
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"rows": options.rows, "batch_rows": options.batch_rows,
                               "wal_pages": options.wal_pages, "defer_indexes": options.defer_indexes}
    for database in ["sqlite", "postgres"] if options.database == "both" else [options.database]:
        path = WORK / "floor.sqlite3"
        if database == "postgres":
            import psycopg

            if not PG_NAME.startswith("rapport_"):
                raise SystemExit(f"Refusing to drop {PG_NAME!r}: the database name must start with rapport_.")
            with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
                admin.execute(f"CREATE DATABASE {PG_NAME}")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        _migrate(database, path)
        conn = _sqlite(path, options.wal_pages) if database == "sqlite" else _postgres()
        owner = conn.execute("SELECT id FROM accounts_user WHERE username = 'floor'").fetchone()[0]
        results[database] = {}
        for phase, start in (("empty", 1), ("against", options.rows + 1)):
            result = _phase(database, conn, start, options.rows, options.batch_rows, owner,
                            options.defer_indexes)
            results[database][phase] = result
            print(_line(database, phase, options.rows, result), flush=True)
        conn.close()
    print(json.dumps(results))
    return results


def _line(database: str, phase: str, rows: int, result: dict[str, Any]) -> str:
    against = f"against {rows:,} existing" if phase == "against" else "into an empty database"
    ratio = result["rows_per_s"] / TARGET_ROWS_PER_SECOND
    tail = [name for name in ("commit", "index_rebuild") if name in result["us_per_row"]]
    parts = ", ".join(f"{name.split('_', 1)[1]} {us}" for name, us in result["us_per_row"].items()
                      if name not in tail)
    parts += "".join(f", {name.replace('_', ' ')} {result['us_per_row'][name]}" for name in tail)
    return (f"{database} floor (raw driver, pre-built rows, 5 tables) {rows:,} rows {against}: "
            f"{result['seconds']:.1f} s = {result['rows_per_s']:,} rows/s = {ratio:.2f} x the import target of "
            f"{TARGET_ROWS_PER_SECOND:,} rows/s; µs per row: {parts}")


if __name__ == "__main__":
    run(sys.argv[1:])
