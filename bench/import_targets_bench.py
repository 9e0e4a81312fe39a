"""Import benchmark of the other targets: companies, deals, order lines and activities, and an undo.

Into a database seeded with contacts (through the contacts import) and a product catalogue, it imports
generated files the way exports from other CRMs and shops look (names and domains, "Closed Won",
amounts like "1.234,56", several lines per order, dates in two formats, ~1 % bad rows), each in its
own process, and reports per phase: rows/s end to end (read, validate, resolve related records by key,
match, write with search entries, timeline events, board totals and purchase summaries), CPU seconds
(the importing process plus, on PostgreSQL, the server backend that did the writes), rows per
CPU-second and peak RSS.

Usage: python -m bench.import_targets_bench [--database sqlite|postgres|both] [--contacts 100000]
       [--companies 20000] [--deals 100000] [--lines 300000] [--activities 100000]
Environment: RAPPORT_BENCH_DIR (files, default /tmp/rapport-targets-bench), RAPPORT_BENCH_PG (database URL,
default postgres://postgres@127.0.0.1:5432/rapport_targets_bench; dropped and re-created, so its name
must start with rapport_).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("RAPPORT_BENCH_DIR", "/tmp/rapport-targets-bench"))
PG_URL = os.environ.get("RAPPORT_BENCH_PG", "postgres://postgres@127.0.0.1:5432/rapport_targets_bench")
PG_NAME = urlparse(PG_URL).path.lstrip("/")
PG_ADMIN_URL = PG_URL.rsplit("/", 1)[0] + "/postgres"
STAGES = ["Qualification", "Needs analysis", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
KINDS = ["Call", "Meeting", "Task", "Note", "Email"]


def _email(n: int) -> str:
    return f"person{n}@example{n % 97}.com"


def generate(sizes: dict[str, int]) -> dict[str, Path]:
    """Write the files of every phase; about 1 % of the rows of each file is bad on purpose."""
    WORK.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261201)
    files = {name: WORK / f"{name}-{size}.csv" for name, size in sizes.items()}
    with files["contacts"].open("w", encoding="utf-8") as f:
        f.write("First Name,Last Name,Email\n")
        for n in range(sizes["contacts"]):
            f.write(f"P{n},L{n},{_email(n)}\n")
    with files["companies"].open("w", encoding="utf-8") as f:
        f.write("Account Name,Website,Industry,Employees,Billing City,Billing Country,Account ID\n")
        for n in range(sizes["companies"]):
            website = "not a domain" if n % 100 == 99 else f"https://www.company{n}.example/"
            f.write(
                f"Company {n},{website},Industry {n % 20},{rng.randint(1, 5000)},City {n % 300},DE,ACC-{n}\n"
            )
    with files["deals"].open("w", encoding="utf-8") as f:
        f.write(
            "Opportunity Name,Account Name,Contact Email,Stage,Amount,Currency,Close Date,Opportunity ID\n"
        )
        for n in range(sizes["deals"]):
            stage = "Dreaming" if n % 100 == 99 else rng.choice(STAGES)
            amount = f'"{rng.randint(100, 999_999)},{rng.randint(0, 99):02d}"'
            close = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.choice([2023, 2024, 2025])}"
            company = f"Company {rng.randrange(sizes['companies'])}"
            f.write(
                f"Deal {n},{company},{_email(rng.randrange(sizes['contacts']))},{stage},{amount},EUR,{close},"
                f"OPP-{n}\n"
            )
    with files["lines"].open("w", encoding="utf-8") as f:
        f.write("Order Number,Email,Order Date,SKU,Quantity,Unit Price,Currency\n")
        written, order = 0, 0
        while written < sizes["lines"]:
            order += 1
            email = _email(rng.randrange(sizes["contacts"]))
            day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}"
            for _ in range(min(rng.randint(1, 6), sizes["lines"] - written)):
                sku = "NOPE" if written % 100 == 99 else f"SKU-{rng.randrange(1000)}"
                price = "" if rng.random() < 0.5 else f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}"
                f.write(f"SO-{order},{email},{day},{sku},{rng.randint(1, 5)},{price},EUR\n")
                written += 1
    with files["activities"].open("w", encoding="utf-8") as f:
        f.write("Activity Type,Subject,Contact Email,Due Date,Start,Status,Priority,Duration,Activity ID\n")
        for n in range(sizes["activities"]):
            kind = rng.choice(KINDS)
            email = "nobody@example.com" if n % 100 == 99 else _email(rng.randrange(sizes["contacts"]))
            due = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if kind == "Task" else ""
            start = ""
            if kind == "Meeting":
                due = ""
                start = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:00"
            status = rng.choice(["Completed", "Not Started"])
            duration = str(rng.randint(1, 60)) if kind == "Call" else ""
            f.write(f"{kind},Subject {n},{email},{due},{start},{status},Normal,{duration},ACT-{n}\n")
    return files


PHASE = """
import json, os, resource, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.files import File
from django.db import connection
from rapport.accounts.models import User
from rapport.imports.models import ImportJob
from rapport.imports.services.jobs import import_job_configure, import_job_create, import_run, import_undo

user = User.objects.filter(username="bench").first() or User.objects.create_user(
    "bench", "bench@example.com", "x" * 12, role="admin")
phase, target, path = {phase!r}, {target!r}, {path!r}
if phase == "seed-catalogue":
    from rapport.sales.models import Product
    from rapport.sales.services.pipelines import pipeline_create
    Product.objects.bulk_create([Product(sku=f"SKU-{{n}}", name=f"Product {{n}}", unit_price=n % 300 + 1)
                                 for n in range(1000)])
    pipeline_create(name="New business", by=user)
    print(json.dumps({{"phase": phase}}))
    raise SystemExit


def server_cpu():
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


server_before = server_cpu()
start = time.perf_counter()
if phase == "undo":
    job = ImportJob.objects.filter(target=target).order_by("-id").first()
    summary = import_undo(job=job, by=user)
    rows = summary["deleted"] + summary["trashed"] + summary["restored"]
    result = {{"undo": summary}}
else:
    with open(path, "rb") as f:
        job = import_job_create(by=user, file=File(f, name=os.path.basename(path)), name=os.path.basename(path),
                                target=target, options={{"default_country": "DE", "decimal_comma": True}})
    job = import_job_configure(job=job, by=user, mode="create_or_update")
    job = import_run(job.pk)
    rows = job.processed_count
    result = {{"created": job.created_count, "updated": job.updated_count, "skipped": job.skipped_count,
               "rejected": job.rejected_count, "status": job.status}}
seconds = time.perf_counter() - start
server = server_cpu() - server_before
own = resource.getrusage(resource.RUSAGE_SELF)
cpu = own.ru_utime + own.ru_stime + server
print(json.dumps({{"phase": phase, "target": target, "rows": rows, **result, "seconds": round(seconds, 2),
                  "rows_per_s": round(rows / seconds), "cpu_seconds": round(cpu, 2),
                  "cpu_import_process": round(own.ru_utime + own.ru_stime, 2), "cpu_database_server": round(server, 2),
                  "rows_per_cpu_s": round(rows / cpu) if cpu else None, "peak_rss_mb": round(own.ru_maxrss / 1024),
                  "load_average": [round(x, 2) for x in os.getloadavg()]}}))
"""


def _env(database: str) -> dict[str, str]:
    env = {**os.environ, "RAPPORT_DATA_DIR": str(WORK / "data")}
    env["DATABASE_URL"] = PG_URL if database == "postgres" else f"sqlite:///{WORK / 'bench.sqlite3'}"
    return env


def _reset(database: str) -> None:
    if database == "postgres":
        if not PG_NAME.startswith("rapport_"):
            raise SystemExit(
                f"Refusing to drop {PG_NAME!r}: the benchmark database name must start with rapport_."
            )
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(database), check=True)


def _phase(database: str, phase: str, target: str = "", path: Path | None = None) -> dict[str, Any]:
    code = PHASE.format(phase=phase, target=target, path=str(path or ""))
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{phase} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--activities", type=int, default=100_000)
    options = parser.parse_args(args)
    sizes = {
        name: getattr(options, name) for name in ("contacts", "companies", "deals", "lines", "activities")
    }
    files = generate(sizes)
    databases = ["sqlite", "postgres"] if options.database == "both" else [options.database]
    results: dict[str, Any] = {}
    for database in databases:
        _reset(database)
        _phase(database, "seed-catalogue")
        results[database] = []
        for phase, target in (
            ("seed", "contacts"),
            ("import", "companies"),
            ("import", "deals"),
            ("import", "orders"),
            ("import", "activities"),
            ("undo", "orders"),
        ):
            name = {
                "contacts": "contacts",
                "companies": "companies",
                "deals": "deals",
                "orders": "lines",
                "activities": "activities",
            }[target]
            result = _phase(database, phase, target, files[name])
            results[database].append(result)
            print(
                f"{database:8} {phase:6} {target:10} {result['rows']:>9,} rows in {result['seconds']:7.1f} s = "
                f"{result['rows_per_s']:>7,} rows/s, {result['cpu_seconds']:.1f} CPU s, "
                f"peak RSS {result['peak_rss_mb']} MB, load {result['load_average'][0]}",
                flush=True,
            )
    print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    run()
