"""Benchmarks: demo data generation (rows/s) and p50/p95 latency of the busiest reads on SQLite and PostgreSQL.

    python -m bench.run                        # full size: 1,000,000 contacts, both databases (make bench)
    python -m bench.run --contacts 50000       # a quick run
    python -m bench.run --databases sqlite --reuse   # measure requests on the data loaded last time

Each database is measured in its own process (settings are read once per process). Requests go to a
real gunicorn server (WSGI sync workers, persistent database connections) on 127.0.0.1 only, one at a
time, after a warm-up; the latency is the client's wall time per request. Results are written to
bench/results/<database>-<contacts>.json (git-ignored); bench/README.md records the measured figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_P95_MS = 50.0
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/rapport_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000, help="Demo contacts (default 1,000,000).")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="sqlite, postgres or both (comma-separated)."
    )
    parser.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "bench-{contacts}.sqlite3"))
    parser.add_argument("--postgres-url", default=os.environ.get("RAPPORT_BENCH_POSTGRES", DEFAULT_POSTGRES))
    parser.add_argument("--requests", type=int, default=200, help="Measured requests per endpoint and user.")
    parser.add_argument("--warmup", type=int, default=20, help="Unmeasured requests before measuring.")
    parser.add_argument(
        "--users", default="admin,rep1", help="Demo users to measure as (admin sees everything)."
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=90.0,
        help="Seconds at most per endpoint and user (then fewer requests).",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep data already loaded at this size; skip generation."
    )
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def database_url(kind: str, args: argparse.Namespace) -> str:
    if kind == "sqlite":
        path = Path(args.sqlite_path.format(contacts=args.contacts))
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    return str(args.postgres_url)


# ---------------------------------------------------------------------------------------------- parent


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ("sqlite", "postgres")]
    if unknown or not kinds:
        print(
            f"--databases takes sqlite and/or postgres, not {', '.join(unknown) or 'nothing'}.",
            file=sys.stderr,
        )
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in kinds:
        print(f"\n=== {kind}: {args.contacts:,} contacts ===", flush=True)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(kind, args),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        passthrough = [a for a in (argv if argv is not None else sys.argv[1:])]
        code = subprocess.call(
            [sys.executable, "-m", "bench.run", *passthrough, "--worker", kind], env=env, cwd=ROOT
        )
        path = RESULTS / f"{kind}-{args.contacts}.json"
        if code != 0 or not path.exists():
            print(f"{kind}: the benchmark failed (exit code {code}).", file=sys.stderr)
            continue
        results.append(json.loads(path.read_text()))
    if results:
        print("\n" + results_markdown(results))
    return 0 if len(results) == len(kinds) else 1


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def results_markdown(results: list[dict[str, Any]]) -> str:
    """Tables of generation speed and request latency, each next to its target."""
    lines = [
        "| database | contacts | rows written | wall s | rows/s | search index s | process CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        g = r.get("generation")
        if g:
            lines.append(
                f"| {r['database']} | {r['contacts']:,} | {g['rows']:,} | {g['seconds']:.0f} | {g['rows_per_second']:,.0f} "
                f"| {g.get('search_seconds') or ''} | {g.get('process_cpu_seconds', '')} |"
            )
        else:
            lines.append(f"| {r['database']} | {r['contacts']:,} | (reused) | | | | |")
    lines += [
        "",
        "| database | user | request | requests | p50 ms | p95 ms | target p95 | ok | errors |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in results:
        for m in r["requests"]:
            ok = "yes" if m["p95_ms"] <= TARGET_P95_MS and not m["errors"] else "NO"
            lines.append(
                f"| {r['database']} | {m['user']} | {m['name']} | {m['requests']} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | ≤ {TARGET_P95_MS:.0f} "
                f"| {ok} | {m['errors']} |"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- worker


def worker(args: argparse.Namespace) -> int:
    """Load (or reuse) the data in this process's DATABASE_URL, then measure requests against gunicorn."""
    sys.path.insert(0, str(ROOT))
    kind = args.worker
    started_machine = machine()
    generation_file = RESULTS / f"{kind}-{args.contacts}-generation.json"
    if not args.reuse or not _has_contacts(kind, args):
        _reset_database(kind, args)
        generation = _generate(args)
        generation_file.write_text(json.dumps(generation, indent=2))
    else:
        # Reusing data: report how long it took to generate it, when that run was recorded.
        generation = json.loads(generation_file.read_text()) if generation_file.exists() else None
    import django

    django.setup()
    from django.db import connections

    plan = _request_plan(args)
    connections.close_all()
    measurements = _measure(args, plan)
    result = {
        "database": kind,
        "contacts": args.contacts,
        "machine": started_machine,
        "generation": generation,
        "requests": measurements,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_end": os.getloadavg(),
    }
    (RESULTS / f"{kind}-{args.contacts}.json").write_text(json.dumps(result, indent=2))
    print(results_markdown([result]), flush=True)
    return 0


def _has_contacts(kind: str, args: argparse.Namespace) -> bool:
    import django

    django.setup()
    from django.db import DatabaseError, connections

    try:
        from rapport.contacts.models import Contact

        return bool(Contact.all_objects.count() >= args.contacts > 0)
    except DatabaseError:
        return False
    finally:
        connections.close_all()


def _reset_database(kind: str, args: argparse.Namespace) -> None:
    """Start from an empty database of the benchmark's own (never the user's)."""
    url = os.environ["DATABASE_URL"]
    if kind == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("rapport_bench"):
        raise SystemExit(
            f"Refusing to drop {name!r}: the benchmark database name must start with rapport_bench."
        )
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _generate(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from rapport.core.demo import demo_load

    call_command("migrate", interactive=False, verbosity=0)
    print(f"Generating {args.contacts:,} contacts…", flush=True)
    cpu_started = time.process_time()
    result = demo_load(
        contacts=args.contacts, seed=args.seed, progress=lambda line: print("  " + line, flush=True)
    )
    connections.close_all()
    print(
        f"  {result.rows:,} rows in {result.seconds:.0f} s ({result.rows / result.seconds:,.0f} rows/s)",
        flush=True,
    )
    return {
        "rows": result.rows,
        "seconds": round(result.seconds, 1),
        "load_seconds": round(result.load_seconds, 1),
        "search_seconds": round(result.search_seconds, 1),
        "rows_per_second": round(result.rows / result.seconds),
        # CPU time of this process (generation and, on SQLite, the database work; PostgreSQL's own CPU is
        # not included): on a busy machine wall time says more about the neighbours than about the code.
        "process_cpu_seconds": round(time.process_time() - cpu_started, 1),
        "counts": result.counts,
    }


def _request_plan(args: argparse.Namespace) -> dict[str, Any]:
    """Session cookies of the users and the request paths, sampled from the data with a fixed seed."""
    from django.conf import settings
    from django.test import Client

    from rapport.accounts.models import User
    from rapport.contacts.models import Contact
    from rapport.core.demo import demo_users_ensure

    demo_users_ensure()
    rng = random.Random(7)
    cookies = {}
    for username in args.users.split(","):
        client = Client()
        client.force_login(User.objects.get(username=username.strip()))
        cookies[username.strip()] = client.cookies[settings.SESSION_COOKIE_NAME].value
    low, high = (
        Contact.objects.order_by("id").values_list("id", flat=True)[:1][0],
        Contact.objects.order_by("-id").values_list("id", flat=True)[:1][0],
    )
    picks = [rng.randint(low, high) for _ in range(args.requests * 2)]
    sample = list(
        Contact.objects.filter(id__in=picks).values("id", "owner__username", "last_name", "email", "phone")
    )
    rng.shuffle(sample)
    terms = []
    for row in sample[: args.requests]:
        roll = rng.random()
        if roll < 0.5 and row["last_name"]:
            terms.append(row["last_name"][:5])
        elif roll < 0.8 and row["email"]:
            local = row["email"].split("@")[0]
            terms.append(local[: max(3, min(len(local), 7))])
        elif row["phone"]:
            terms.append(row["phone"][-6:])
    countries = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "PL"]
    plan: dict[str, Any] = {"cookies": cookies, "endpoints": {}}
    for username in cookies:
        mine = [r["id"] for r in sample if username == "admin" or r["owner__username"] == username]
        if not mine:
            mine = list(
                Contact.objects.filter(owner__username=username).values_list("id", flat=True)[: args.requests]
            )
        plan["endpoints"][username] = {
            "contacts API, country filter (limit 50)": [
                f"/api/v1/contacts?country={countries[i % len(countries)]}&limit=50"
                for i in range(args.requests)
            ],
            "search API": [f"/api/v1/search?q={_quote(t)}" for t in terms] or ["/api/v1/search?q=Mueller"],
            "contact detail page": [f"/contacts/{pk}/" for pk in mine],
            "deal board": ["/deals/board/"],
        }
    return plan


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"The server did not start on 127.0.0.1:{port} within {seconds:.0f} s.")


def _get(port: int, path: str, cookie: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        status = response.status
    finally:
        conn.close()
    return status, (time.perf_counter() - started) * 1000


def _measure(args: argparse.Namespace, plan: dict[str, Any]) -> list[dict[str, Any]]:
    server = subprocess.Popen(  # noqa: S603 - our own command, loopback only
        [
            sys.executable,
            "-m",
            "rapport.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env={**os.environ, "RAPPORT_LOG_LEVEL": "ERROR"},
        stdout=subprocess.DEVNULL,
        stderr=(RESULTS / f"server-{args.worker}.log").open("w"),
    )
    out = []
    try:
        _wait_for_port(args.port, 120)
        for username, endpoints in plan["endpoints"].items():
            cookie = plan["cookies"][username]
            for name, paths in endpoints.items():
                # Bounded loops: a slow page must not hold the benchmark for hours.
                deadline = time.monotonic() + args.budget / 4
                for i in range(args.warmup):
                    _get(args.port, paths[i % len(paths)], cookie)
                    if time.monotonic() > deadline:
                        break
                times, errors, statuses = [], 0, {}
                deadline = time.monotonic() + args.budget
                for i in range(args.requests):
                    if i >= 10 and time.monotonic() > deadline:
                        break
                    status, ms = _get(args.port, paths[i % len(paths)], cookie)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status != 200:
                        errors += 1
                    times.append(ms)
                times.sort()
                p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
                row = {
                    "user": username,
                    "name": name,
                    "example": paths[0],
                    "requests": len(times),
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(p95, 1),
                    "mean_ms": round(statistics.fmean(times), 1),
                    "errors": errors,
                    "statuses": statuses,
                }
                print(
                    f"  {username:<6} {name:<42} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
                    f"(target ≤ {TARGET_P95_MS:.0f})  errors {errors}",
                    flush=True,
                )
                out.append(row)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return out


if __name__ == "__main__":
    sys.exit(main())
