"""Consistent backups while Rapport runs, and restores verified by row counts and a checksum per table.

Formats:
- ``sqlite``: a copy of the live SQLite database made with SQLite's online backup API.
- ``pg_dump``: PostgreSQL custom-format dump, taken from the same snapshot the checksums are computed on.
- ``jsonl``: a portable gzip'd JSON-lines dump of every table (PostgreSQL without pg_dump, or on request),
  written in one REPEATABLE READ transaction.
Each backup FILE has a manifest FILE.manifest.json next to it (format, migrations, rows and sha256 per table).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from rapport.core import sqlite_functions

MANIFEST_SUFFIX = ".manifest.json"
FORMATS = ("sqlite", "pg_dump", "jsonl")
BATCH = 2000
# Tables whose rows mean the database is in use (migrations alone seed a few technical tables).
DATA_MODELS = ("accounts.User", "contacts.Company", "contacts.Contact", "sales.Lead", "sales.Deal",
               "sales.Order", "activities.Activity", "sales.Product")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message tells the user what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest_path: Path
    format: str
    tables: dict[str, dict[str, Any]]

    @property
    def total_rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())


# ---------------------------------------------------------------- raw access and checksums


def _canonical(value: Any) -> Any:
    """A JSON value that reads back identically after a restore on the same database engine."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _row_line(row: Any) -> str:
    return json.dumps([_canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"), default=str)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _django_tables() -> set[str]:
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}
    tables.add("django_migrations")
    return tables


class RawDatabase:
    """A DB-API connection that returns values as stored (no Django converters), on SQLite or PostgreSQL."""

    def __init__(self, conn: Any, vendor: str) -> None:
        self.conn = conn
        self.vendor = vendor
        self.mark = "?" if vendor == "sqlite" else "%s"

    def tables(self) -> list[str]:
        cursor = self.conn.cursor()
        if self.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        existing = {r[0] for r in cursor.fetchall()}
        return sorted(existing & _django_tables())

    def primary_key(self, table: str) -> list[str]:
        cursor = self.conn.cursor()
        if self.vendor == "sqlite":
            cursor.execute(f"PRAGMA table_info({_q(table)})")
            rows = cursor.fetchall()
            pk = [r[1] for r in sorted(rows, key=lambda r: r[5]) if r[5]]
            return pk or [r[1] for r in rows]
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
            [_q(table)],
        )
        pk = [r[0] for r in cursor.fetchall()]
        if pk:
            return pk
        cursor.execute(f"SELECT * FROM {_q(table)} LIMIT 0")
        return [d[0] for d in cursor.description]

    def rows(self, table: str) -> tuple[list[str], Iterator[Any]]:
        """Column names and every row of a table in primary-key order, fetched in batches."""
        order = ", ".join(_q(c) for c in self.primary_key(table))
        cursor = self.conn.cursor()
        cursor.execute(f"SELECT * FROM {_q(table)} ORDER BY {order}")
        columns = [d[0] for d in cursor.description]

        def generate() -> Iterator[Any]:
            while True:
                batch = cursor.fetchmany(BATCH)
                if not batch:
                    return
                yield from batch

        return columns, generate()

    def checksums(self, tables: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Rows and sha256 (over the rows in primary-key order) of every Rapport table."""
        result = {}
        for table in tables or self.tables():
            digest = hashlib.sha256()
            count = 0
            _, rows = self.rows(table)
            for row in rows:
                digest.update(_row_line(row).encode("utf-8") + b"\n")
                count += 1
            result[table] = {"rows": count, "sha256": digest.hexdigest()}
        return result


def _sqlite_name() -> str:
    return str(connection.settings_dict["NAME"])


def _sqlite_connect(name: str) -> sqlite3.Connection:
    """A plain connection (values as stored) to a SQLite database file or shared in-memory database."""
    conn = sqlite3.connect(name, uri=name.startswith("file:"), isolation_level=None, timeout=30)
    # The expression index on company names is built with Rapport's UPPER; rows written here must use it too.
    sqlite_functions.register(conn)
    return conn


@contextmanager
def _pg_snapshot() -> Iterator[RawDatabase]:
    """A REPEATABLE READ, read-only transaction on the live PostgreSQL database."""
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside another transaction.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield RawDatabase(connection.connection, "postgresql")


# ---------------------------------------------------------------- backup


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path_for(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def default_backup_path(fmt: str) -> Path:
    from django.conf import settings

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = {"sqlite": ".sqlite3", "pg_dump": ".pgdump", "jsonl": ".jsonl.gz"}[fmt]
    return Path(getattr(settings, "DATA_DIR", Path("."))) / "backups" / f"rapport-{stamp}{suffix}"


def backup_format_for(requested: str | None = None) -> str:
    """The format used on this database: SQLite copy, pg_dump when on PATH, else the portable JSON lines."""
    vendor = connection.vendor
    if requested:
        if requested not in FORMATS:
            raise BackupError(f"Choose a backup format among {', '.join(FORMATS)}.")
        if requested == "sqlite" and vendor != "sqlite":
            raise BackupError("The sqlite format is only for SQLite databases; use pg_dump or jsonl.")
        if requested == "pg_dump" and (vendor != "postgresql" or not shutil.which("pg_dump")):
            raise BackupError("pg_dump is for PostgreSQL and must be installed (apt install postgresql-client).")
        return requested
    if vendor == "sqlite":
        return "sqlite"
    if vendor == "postgresql":
        return "pg_dump" if shutil.which("pg_dump") else "jsonl"
    raise BackupError(f"Backups of {vendor} databases are not supported.")


def _migrations(raw: RawDatabase) -> list[list[str]]:
    cursor = raw.conn.cursor()
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(r) for r in cursor.fetchall()]


def backup_create(*, output: Path | None = None, fmt: str | None = None) -> BackupResult:
    """Write a consistent snapshot of the live database and its manifest; the app may keep running."""
    fmt = backup_format_for(fmt)
    path = Path(output) if output else default_backup_path(fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        if fmt == "sqlite":
            tables, migrations = _backup_sqlite(partial)
        elif fmt == "pg_dump":
            tables, migrations = _backup_pg_dump(partial)
        else:
            tables, migrations = _backup_jsonl(partial)
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    manifest = {
        "rapport_backup": 1,
        "format": fmt,
        "engine": connection.vendor,
        "created_at": timezone.now().isoformat(),
        "file": path.name,
        "file_sha256": _file_sha256(path),
        "migrations": migrations,
        "tables": tables,
    }
    manifest_path = manifest_path_for(path)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return BackupResult(path=path, manifest_path=manifest_path, format=fmt, tables=tables)


def _backup_sqlite(target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    source = _sqlite_connect(_sqlite_name())
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)  # one step: a consistent snapshot even while others write
    finally:
        source.close()
    try:
        raw = RawDatabase(copy, "sqlite")
        return raw.checksums(), _migrations(raw)
    finally:
        copy.close()


def _pg_env() -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    return env


def _backup_pg_dump(target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    with _pg_snapshot() as raw:
        cursor = raw.conn.cursor()
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        result = subprocess.run(  # noqa: S603 - fixed arguments; the names come from settings
            [shutil.which("pg_dump") or "pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges",
             "--file", str(target), str(connection.settings_dict["NAME"])],
            env=_pg_env(), capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()} Try --format jsonl instead.")
        return raw.checksums(), _migrations(raw)


def _write_jsonl(raw: RawDatabase, target: Path) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    with gzip.open(target, "wt", encoding="utf-8", compresslevel=6) as out:
        out.write(json.dumps({"rapport_backup": 1, "engine": raw.vendor}) + "\n")
        for table in raw.tables():
            columns, rows = raw.rows(table)
            out.write(json.dumps({"table": table, "columns": columns}) + "\n")
            digest = hashlib.sha256()
            count = 0
            for row in rows:
                line = _row_line(row)
                out.write(line + "\n")
                digest.update(line.encode("utf-8") + b"\n")
                count += 1
            tables[table] = {"rows": count, "sha256": digest.hexdigest()}
    return tables


def _backup_jsonl(target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    if connection.vendor == "postgresql":
        with _pg_snapshot() as raw:
            return _write_jsonl(raw, target), _migrations(raw)
    conn = _sqlite_connect(_sqlite_name())
    try:
        conn.execute("BEGIN")  # one read transaction: every table from the same moment
        raw = RawDatabase(conn, "sqlite")
        tables = _write_jsonl(raw, target)
        migrations = _migrations(raw)
        conn.execute("COMMIT")
        return tables, migrations
    finally:
        conn.close()


# ---------------------------------------------------------------- restore


def manifest_read(path: Path) -> dict[str, Any]:
    """The manifest next to a backup file; refuses a missing or unreadable one with what to do."""
    manifest_path = manifest_path_for(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file {path}.")
    if not manifest_path.is_file():
        raise BackupError(f"The manifest {manifest_path.name} is missing next to the backup; copy it along with "
                          "the backup file (it holds the counts and checksums that verify the restore).")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        assert manifest.get("rapport_backup") == 1 and manifest["format"] in FORMATS
        assert isinstance(manifest["tables"], dict)
    except (ValueError, KeyError, AssertionError, TypeError):
        raise BackupError(f"The manifest {manifest_path.name} is not a Rapport backup manifest.")
    return manifest


def _compare(expected: dict[str, Any], actual: dict[str, Any], where: str) -> None:
    problems = []
    for table, want in sorted(expected.items()):
        got = actual.get(table)
        if got is None:
            problems.append(f"table {table} is missing")
        elif got["rows"] != want["rows"]:
            problems.append(f"table {table} has {got['rows']} rows, the backup had {want['rows']}")
        elif got["sha256"] != want["sha256"]:
            problems.append(f"table {table} has the same number of rows ({got['rows']}) but different contents")
    if problems:
        raise BackupError(f"Verification failed {where}: " + "; ".join(problems) + ".")


def database_has_data() -> bool:
    """True when the live database holds users or business records (migrations alone leave it empty)."""
    existing = set(connection.introspection.table_names())
    for label in DATA_MODELS:
        model = apps.get_model(label)
        if model._meta.db_table in existing and model._base_manager.exists():
            return True
    return False


def backup_restore(*, path: Path, force: bool = False) -> dict[str, Any]:
    """Load a backup into an empty database and verify counts and checksums per table."""
    path = Path(path)
    manifest = manifest_read(path)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"This backup is of a {manifest['engine']} database and cannot be restored into "
                          f"{connection.vendor}; restore it into a {manifest['engine']} database.")
    if _file_sha256(path) != manifest.get("file_sha256"):
        raise BackupError(f"The backup file {path.name} has changed since it was made (its checksum differs from "
                          "the manifest); it is damaged or incomplete. Use another backup.")
    if not force and database_has_data():
        raise BackupError("The database already holds data; restore into an empty database, or pass --force to "
                          "replace everything in it with the backup.")
    fmt = manifest["format"]
    if fmt == "sqlite":
        _restore_sqlite(path, manifest)
    elif fmt == "pg_dump":
        _restore_pg_dump(path, manifest)
    else:
        _restore_jsonl(path, manifest)
    return manifest


def _restore_sqlite(path: Path, manifest: dict[str, Any]) -> None:
    if connection.vendor != "sqlite":
        raise BackupError("A SQLite backup restores into a SQLite database.")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _compare(manifest["tables"], RawDatabase(source, "sqlite").checksums(), "in the backup file")
        live = _sqlite_connect(_sqlite_name())
        try:
            source.backup(live)
            _compare(manifest["tables"], RawDatabase(live, "sqlite").checksums(list(manifest["tables"])),
                     "after the restore")
        finally:
            live.close()
    finally:
        source.close()


def _restore_pg_dump(path: Path, manifest: dict[str, Any]) -> None:
    if not shutil.which("pg_restore"):
        raise BackupError("pg_restore is needed to restore this backup; install postgresql-client.")
    connection.close()
    result = subprocess.run(  # noqa: S603 - fixed arguments; the names come from settings
        [shutil.which("pg_restore") or "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--dbname", str(connection.settings_dict["NAME"]), str(path)],
        env=_pg_env(), capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed and changed nothing: {result.stderr.strip()}")
    connection.ensure_connection()
    _compare(manifest["tables"], RawDatabase(connection.connection, "postgresql").checksums(list(manifest["tables"])),
             "after the restore (the database now holds the restored data but it does not match the backup; "
             "do not use it, restore another backup)")


def _jsonl_records(path: Path) -> Iterator[dict[str, Any] | list[Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"The backup file {path.name} cannot be read ({exc}); it is damaged.")


def _ensure_schema(manifest: dict[str, Any]) -> None:
    from django.core.management import call_command

    if "django_migrations" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        here = {tuple(r) for r in cursor.fetchall()}
    there = {tuple(r) for r in manifest.get("migrations", [])}
    if there - here:
        newer = ", ".join(f"{a}.{n}" for a, n in sorted(there - here)[:5])
        raise BackupError(f"This backup was made by a newer version of Rapport ({newer}); upgrade Rapport first.")
    if here - there:
        older = ", ".join(f"{a}.{n}" for a, n in sorted(here - there)[:5])
        raise BackupError("This backup was made by an older version of Rapport (it lacks "
                          f"{older}); restore it with that version, then upgrade.")


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$bytes"}:
        return bytes.fromhex(value["$bytes"])
    return value


def _restore_jsonl(path: Path, manifest: dict[str, Any]) -> None:
    _ensure_schema(manifest)
    if connection.vendor == "sqlite":
        conn = _sqlite_connect(_sqlite_name())
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                _load_jsonl(RawDatabase(conn, "sqlite"), path, manifest)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    with transaction.atomic():
        connection.ensure_connection()
        raw = RawDatabase(connection.connection, "postgresql")
        _load_jsonl(raw, path, manifest)
        models = apps.get_models(include_auto_created=True)
        from django.db.migrations.recorder import MigrationRecorder

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [*models, MigrationRecorder.Migration]):
                cursor.execute(sql)


def _load_jsonl(raw: RawDatabase, path: Path, manifest: dict[str, Any]) -> None:
    """Empty every table of the backup, insert its rows, then verify before the transaction commits."""
    cursor = raw.conn.cursor()
    present = set(raw.tables())
    for table in manifest["tables"]:
        if table not in present:
            raise BackupError(f"The database has no table {table}; it was made by another Rapport version.")
        cursor.execute(f"DELETE FROM {_q(table)}")
    table = None
    sql = ""
    batch: list[Any] = []

    def flush() -> None:
        if batch:
            cursor.executemany(sql, batch)
            batch.clear()

    records = _jsonl_records(path)
    next(records, None)  # header
    for record in records:
        if isinstance(record, dict):
            flush()
            table = record["table"]
            if table not in manifest["tables"]:
                raise BackupError(f"The backup file has a table {table} its manifest does not list; it is damaged.")
            columns = record["columns"]
            marks = ", ".join([raw.mark] * len(columns))
            sql = f"INSERT INTO {_q(table)} ({', '.join(_q(c) for c in columns)}) VALUES ({marks})"
        else:
            if table is None:
                raise BackupError(f"The backup file {path.name} is damaged: rows come before any table.")
            batch.append([_decode(v) for v in record])
            if len(batch) >= BATCH:
                flush()
    flush()
    _compare(manifest["tables"], raw.checksums(list(manifest["tables"])),
             "after loading the backup (nothing was changed)")
