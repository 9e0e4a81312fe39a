"""Import benchmark: a messy 1,000,000-row contacts CSV against 1,000,000 existing contacts.

Phases (each in its own process, so peak memory is the import's own):
1. seed: import N generated contacts into an empty database (also a measurement of pure creates);
2. import: a second file of N rows, 10 % of them matching existing contacts by email (updated or
   skipped), 1 % invalid (rejected), mixed phone formats, dates and company names, in create-or-update mode.
Reports rows/s end to end (read, validate, normalise, match, write with search index and timeline),
CPU seconds (the importing process, its forked transform worker, and on PostgreSQL the server
backend that did the writes, read from /proc), rows per CPU-second, and peak RSS of the importing
process and of the worker. One line per database and phase says rows/s next to the target.

Usage: python -m bench.import_bench [--rows 1000000] [--database sqlite|postgres|both] [--reuse-seed]
       [--batch-rows 20000] [--defer-indexes] [--dry-run] [--no-import]
Environment: RAPPORT_BENCH_DIR (files, default /tmp/rapport-import-bench), RAPPORT_BENCH_PG (database
URL, default postgres://postgres@127.0.0.1:5432/rapport_import_bench; the database is dropped and
re-created, so its name must start with rapport_). --reuse-seed starts the import phase from the copy
of the seeded database the last run kept (SQLite file copy, PostgreSQL template database).
--dry-run also times the wizard's dry run of the import file (whole file, nothing written) on the seeded
database, before the import. --defer-indexes measures the bulk-load lever of pg_restore on the real import: the indexes it does not
read while matching (bench.insert_floor.DEFERRABLE_INDEXES) are dropped before it and built again
after it, and the rebuild counts in its time. (The product does not do this: see bench/README.md.)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("RAPPORT_BENCH_DIR", "/tmp/rapport-import-bench"))
PG_URL = os.environ.get("RAPPORT_BENCH_PG", "postgres://postgres@127.0.0.1:5432/rapport_import_bench")
PG_NAME = urlparse(PG_URL).path.lstrip("/")
PG_ADMIN_URL = PG_URL.rsplit("/", 1)[0] + "/postgres"
TARGET_ROWS_PER_SECOND = 50_000
BATCH_ROWS = 20_000  # rapport.imports.services.jobs.BATCH_ROWS, the importer's own

FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hans",
    "Ida",
    "Jonas",
    "Karin",
    "Lukas",
    "Marie",
    "Noah",
    "Olga",
    "Paul",
    "Quentin",
    "Rosa",
    "Sven",
    "Tina",
    "Ulrich",
    "Vera",
    "Walter",
    "Xenia",
    "Yusuf",
    "Zoe",
    "José",
    "Chloé",
    "Søren",
    "Małgorzata",
    "Björn",
    "Aoife",
    "Luca",
    "Sofia",
    "Mateo",
    "Emma",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Martin",
    "Bernard",
    "Dubois",
    "Rossi",
    "Russo",
    "Jansen",
    "de Vries",
    "Nowak",
    "Kowalski",
    "Novak",
    "Hansen",
    "Nielsen",
    "O'Brien",
    "García",
    "López",
    "Ferrari",
]
CITIES = [
    ("Berlin", "DE"),
    ("Hamburg", "DE"),
    ("München", "DE"),
    ("Paris", "FR"),
    ("Lyon", "FR"),
    ("London", "GB"),
    ("Madrid", "ES"),
    ("Rome", "IT"),
    ("Amsterdam", "NL"),
    ("New York", "US"),
    ("Chicago", "US"),
    ("Wien", "AT"),
    ("Zürich", "CH"),
]
HEADER = [
    "First Name",
    "Last Name",
    "E-mail Address",
    "Business Phone",
    "Mobile Phone",
    "Account Name",
    "Job Title",
    "City",
    "Country",
    "Lead Status",
    "Created Date",
]


def _phone(rng: random.Random, country: str, n: int) -> str:
    local = f"{rng.randrange(200, 999)}{n % 10_000_000:07d}"
    style = n % 4
    if country == "US":
        return (
            f"({local[:3]}) {local[3:6]}-{local[6:10]}"
            if style < 2
            else f"+1 {local[:3]} {local[3:6]} {local[6:10]}"
        )
    code = {"DE": "49", "FR": "33", "GB": "44", "ES": "34", "IT": "39", "NL": "31", "AT": "43", "CH": "41"}[
        country
    ]
    digits = local[:9]
    if style == 0:
        return f"+{code} {digits[:2]} {digits[2:]}"
    if style == 1:
        return f"+{code}-{digits[:3]}-{digits[3:]}"
    if country == "GB":
        # A British number has ten digits after the 0; a mobile (07700-07999) so that every one is a real format.
        return f"07{700 + n % 300} {digits[3:9]}"
    if country in ("DE", "FR", "NL"):
        return f"0{digits[:3]} {digits[3:]}"
    return f"+{code} {digits[:3]} {digits[3:]}"


def generate(
    path: Path, rows: int, *, offset: int, overlap: int = 0, invalid: float = 0.0, seed: int = 1
) -> None:
    """Write a contacts CSV; rows with index < overlap reuse the emails of the seeded contacts."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        for i in range(rows):
            n = i if i < overlap else offset + i
            first, last = FIRST[n % len(FIRST)], LAST[(n // 7) % len(LAST)]
            city, country = CITIES[n % len(CITIES)]
            email = f"{first.lower()}.{n}@example{n % 97}.com".replace("é", "e").replace("ø", "o")
            email = email.encode("ascii", "ignore").decode()
            if i % 5 == 0:
                email = email.upper()
            if invalid and rng.random() < invalid:
                email = email.replace("@", " at ")
            phone = _phone(rng, country, n)
            mobile = _phone(rng, country, n + 1) if i % 3 == 0 else ""
            company = f"Company {n % 20000}" if i % 2 == 0 else ""
            title = "Head of Sales" if i % 4 == 0 else ""
            stage = ["lead", "customer", "Opportunity", ""][i % 4]
            created = f"{(n % 28) + 1:02d}.{(n % 12) + 1:02d}.20{10 + n % 14}" if i % 2 else ""
            cells = [first, last, email, phone, mobile, company, title, city, country, stage, created]
            f.write(",".join(f'"{c}"' if "," in c or '"' in c else c for c in cells) + "\n")


def _phase(database: str, csv_path: Path, label: str, batch_rows: int, defer: bool = False,
           dry: bool = False) -> dict[str, Any]:
    env = _env(database)
    code = f"""
import json, resource, time, django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.files import File
from django.db import connection
from rapport.accounts.models import User
from rapport.imports.services.jobs import import_dry_run, import_job_create, import_run
user = User.objects.filter(username="bench").first() or User.objects.create_user("bench", "bench@example.com", "x" * 12, role="admin")

def server_cpu():
    # The PostgreSQL backend of this connection runs on the same machine: its CPU time is in /proc.
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

server_before = server_cpu()
start = time.perf_counter()
with open({str(csv_path)!r}, "rb") as f:
    job = import_job_create(by=user, file=File(f, name="contacts.csv"), name="contacts.csv", options={{"default_country": "DE"}})
job.mode = "create_or_update"; job.save()
from bench.insert_floor import deferrable_indexes, indexes_build, indexes_drop
connection.ensure_connection()
raw = connection.connection
deferred = deferrable_indexes(raw) if {defer!r} else []
indexes_drop(raw, deferred)
if {dry!r}:
    report = import_dry_run(job=job, by=user)
    counts = {{key: report[key] for key in ("created", "updated", "skipped", "rejected")}}
    processed = report["rows"]
else:
    job = import_run(job.pk, batch_rows={batch_rows})
    counts = {{key: getattr(job, f"{{key}}_count") for key in ("created", "updated", "skipped", "rejected")}}
    processed = job.processed_count
rebuild_started = time.perf_counter()
indexes_build(raw, deferred)
if connection.vendor == "postgresql":
    raw.commit()
rebuild = time.perf_counter() - rebuild_started
seconds = time.perf_counter() - start
server = server_cpu() - server_before
own = resource.getrusage(resource.RUSAGE_SELF)
worker = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + worker.ru_utime + worker.ru_stime + server
print(json.dumps({{"rows": processed, **counts, "seconds": round(seconds, 2),
                  "rows_per_s": round(processed / seconds), "index_rebuild_seconds": round(rebuild, 2),
                  "cpu_seconds": round(cpu, 2), "cpu_import_process": round(own.ru_utime + own.ru_stime, 2),
                  "cpu_transform_worker": round(worker.ru_utime + worker.ru_stime, 2),
                  "cpu_database_server": round(server, 2), "rows_per_cpu_s": round(processed / cpu),
                  "peak_rss_mb": round(own.ru_maxrss / 1024), "worker_peak_rss_mb": round(worker.ru_maxrss / 1024),
                  "load_average": [round(x, 2) for x in os.getloadavg()]}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["phase"] = label
    return result


def _sqlite_path() -> Path:
    return WORK / "bench.sqlite3"


def _env(database: str) -> dict[str, str]:
    env = {**os.environ, "RAPPORT_DATA_DIR": str(WORK / "data")}
    env["DATABASE_URL"] = PG_URL if database == "postgres" else f"sqlite:///{_sqlite_path()}"
    return env


def _pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _reset(database: str) -> None:
    if database == "postgres":
        if not PG_NAME.startswith("rapport_"):
            raise SystemExit(
                f"Refusing to drop {PG_NAME!r}: the benchmark database name must start with rapport_."
            )
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}", f"CREATE DATABASE {PG_NAME}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{_sqlite_path()}{suffix}").unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(database), check=True)


def _seed_copy(database: str, rows: int) -> str:
    return f"{PG_NAME}_seed_{rows}" if database == "postgres" else str(WORK / f"seeded-{rows}.sqlite3")


def _keep_seed(database: str, rows: int) -> None:
    """Keep a copy of the seeded database, so that --reuse-seed can measure the import phase again."""
    if database == "postgres":
        _pg_admin(
            f"DROP DATABASE IF EXISTS {_seed_copy(database, rows)}",
            f"CREATE DATABASE {_seed_copy(database, rows)} TEMPLATE {PG_NAME}",
        )
        return
    import sqlite3

    with sqlite3.connect(_sqlite_path()) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(_sqlite_path(), _seed_copy(database, rows))


def _restore_seed(database: str, rows: int) -> None:
    if database == "postgres":
        _pg_admin(
            f"DROP DATABASE IF EXISTS {PG_NAME}",
            f"CREATE DATABASE {PG_NAME} TEMPLATE {_seed_copy(database, rows)}",
        )
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{_sqlite_path()}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(_seed_copy(database, rows), _sqlite_path())


def _line(database: str, rows: int, result: dict[str, Any]) -> str:
    """One line per database and phase: rows/s next to the target, CPU and memory."""
    met = "met" if result["rows_per_s"] >= TARGET_ROWS_PER_SECOND else "NOT met"
    against = f"against {rows:,} existing" if result["phase"] != "seed" else "into an empty database"
    return (
        f"{database} {result['phase']}: {result['rows']:,} rows {against} in {result['seconds']:.1f} s = "
        f"{result['rows_per_s']:,} rows/s (target >= {TARGET_ROWS_PER_SECOND:,} rows/s: {met}); "
        f"CPU {result['cpu_seconds']:.1f} s (import {result['cpu_import_process']:.1f} + worker "
        f"{result['cpu_transform_worker']:.1f} + server {result['cpu_database_server']:.1f}) = "
        f"{result['rows_per_cpu_s']:,} rows/CPU-s; peak RSS {result['peak_rss_mb']} MB (worker "
        f"{result['worker_peak_rss_mb']} MB); load {result['load_average'][0]}; "
        f"{result['created']:,} created + {result['updated']:,} updated + {result['skipped']:,} skipped + "
        f"{result['rejected']:,} rejected"
    )


def run(args: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; return the results (also printed)."""
    parser = argparse.ArgumentParser(prog="import_bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS,
                        help="rows per checkpointed batch (one transaction each)")
    parser.add_argument(
        "--reuse-seed", action="store_true", help="start from the seeded copy of the last run"
    )
    parser.add_argument("--dry-run", action="store_true",
                        help="also time the wizard's dry run of the import file on the seeded database")
    parser.add_argument("--no-import", action="store_true", help="stop after the seed (and the dry run)")
    parser.add_argument("--defer-indexes", action="store_true",
                        help="drop the indexes the import does not read before it, rebuild them after")
    options = parser.parse_args(args or [])
    WORK.mkdir(parents=True, exist_ok=True)
    seed_csv, import_csv = WORK / f"seed-{options.rows}.csv", WORK / f"import-{options.rows}.csv"
    if not seed_csv.exists():
        generate(seed_csv, options.rows, offset=0, seed=1)
    if not import_csv.exists():
        generate(
            import_csv, options.rows, offset=options.rows, overlap=options.rows // 10, invalid=0.01, seed=2
        )
    results: dict[str, Any] = {"rows": options.rows, "file_mb": round(import_csv.stat().st_size / 2**20)}
    for database in ["sqlite", "postgres"] if options.database == "both" else [options.database]:
        started = time.perf_counter()
        results[database] = {}
        if options.reuse_seed:
            _restore_seed(database, options.rows)
        else:
            _reset(database)
            results[database]["seed"] = _phase(database, seed_csv, "seed", options.batch_rows,
                                                options.defer_indexes)
            print(_line(database, options.rows, results[database]["seed"]), flush=True)
            _keep_seed(database, options.rows)
        if options.dry_run:
            results[database]["dry-run"] = _phase(database, import_csv, "dry-run", options.batch_rows, dry=True)
            print(_line(database, options.rows, results[database]["dry-run"]), flush=True)
        if not options.no_import:
            results[database]["import"] = _phase(database, import_csv, "import", options.batch_rows,
                                                  options.defer_indexes)
            print(_line(database, options.rows, results[database]["import"]), flush=True)
        results[database]["total_seconds"] = round(time.perf_counter() - started)
        print(json.dumps({database: results[database]}, indent=1), flush=True)
    return results


if __name__ == "__main__":
    run(sys.argv[1:])
