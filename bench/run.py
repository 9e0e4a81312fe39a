"""Benchmarks of Rapport: every suite, each figure next to its target (`make bench`).

    python -m bench.run                        # every suite at full size (make bench)
    python -m bench.run --suite core           # one suite (make bench SUITE=core): core, import, dedup, analytics
    python -m bench.run --quick                # every suite at a small size (minutes, not hours)
    python -m bench.run --suite core --contacts 50000 --databases sqlite
    python -m bench.run --suite core --reuse   # measure requests again on the data loaded last time

The core suite loads demo data (rows/s) and measures p50/p95 latency of the busiest reads and the
mixed read throughput on SQLite and PostgreSQL. Each database is measured in its own process (settings
are read once per process). Requests go to a real gunicorn server (WSGI sync workers, persistent
database connections) on 127.0.0.1 only; latency is the client's wall time per request, one request at
a time after a warm-up; throughput is measured with several connections at once (wrk when installed,
else a threaded Python client). Results are written to bench/results/<database>-<contacts>.json
(git-ignored); bench/README.md records the measured figures. The other suites are the modules
bench/import_bench.py, bench/insert_floor.py (the raw-driver floor under the import), bench/dedup_bench.py
and bench/analytics_bench.py, run as they are.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import resource
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
TARGET_REQUESTS_PER_SECOND = 800
# "1,000,000 contacts in minutes" (issue 2): at most 15 minutes per database at full size, in proportion below.
TARGET_GENERATION_SECONDS_PER_MILLION = 900.0

# The suites besides the core one: modules of their own, run as they are, at full size or quick size.
# Their options are their own (see each module's --help); only the sizes and databases are set here.
OTHER_SUITES: dict[str, dict[str, Any]] = {
    "import": {
        "module": "bench.import_bench",
        "quick": ["--rows", "20000"],
        "databases": lambda kinds: ["--database", "both" if len(kinds) == 2 else kinds[0]],
    },
    "import-floor": {
        "module": "bench.insert_floor",
        "quick": ["--rows", "20000"],
        "databases": lambda kinds: ["--database", "both" if len(kinds) == 2 else kinds[0]],
    },
    "dedup": {
        "module": "bench.dedup_bench",
        "full": ["--contacts", "1000000"],
        "quick": ["--contacts", "20000"],
    },
    "company-dedup": {
        "module": "bench.company_dedup_bench",
        "quick": ["--companies", "20000"],
    },
    "import-targets": {
        "module": "bench.import_targets_bench",
        "quick": [
            "--contacts",
            "10000",
            "--companies",
            "2000",
            "--deals",
            "10000",
            "--lines",
            "30000",
            "--activities",
            "10000",
        ],
        "databases": lambda kinds: ["--database", "both" if len(kinds) == 2 else kinds[0]],
    },
    "analytics": {
        "module": "bench.analytics_bench",
        "quick": ["--lines", "200000", "--customers", "14000", "--deals", "20000", "--clv-customers", "5000"],
        "databases": lambda kinds: ["--backends", ",".join(kinds)],
    },
}
SUITES = ("core", *OTHER_SUITES)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite",
        default="all",
        help=f"all, or one or more of {', '.join(SUITES)} (comma-separated).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Small sizes for a run of minutes (20,000 contacts, 50 requests).",
    )
    parser.add_argument(
        "--contacts", type=int, default=None, help="Demo contacts (default 1,000,000; 20,000 with --quick)."
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="sqlite, postgres or both (comma-separated)."
    )
    parser.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "bench-{contacts}.sqlite3"))
    parser.add_argument("--postgres-url", default=os.environ.get("RAPPORT_BENCH_POSTGRES", DEFAULT_POSTGRES))
    parser.add_argument(
        "--requests", type=int, default=None, help="Measured requests per endpoint and user (200; 50 quick)."
    )
    parser.add_argument("--warmup", type=int, default=None, help="Unmeasured requests before measuring (20).")
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
    parser.add_argument(
        "--throughput-seconds",
        type=float,
        default=None,
        help="Length of the mixed read throughput run (20 s; 8 s quick; 0 skips it).",
    )
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections for throughput.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep data already loaded at this size; skip generation."
    )
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.contacts is None:
        args.contacts = 20_000 if args.quick else 1_000_000
    if args.requests is None:
        args.requests = 50 if args.quick else 200
    if args.warmup is None:
        args.warmup = 5 if args.quick else 20
    if args.throughput_seconds is None:
        args.throughput_seconds = 8.0 if args.quick else 20.0
    return args


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
    suites = list(SUITES) if args.suite == "all" else [x.strip() for x in args.suite.split(",") if x.strip()]
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    unknown_suites = [x for x in suites if x not in SUITES]
    unknown = [k for k in kinds if k not in ("sqlite", "postgres")]
    if unknown_suites or not suites:
        print(
            f"--suite takes all or {', '.join(SUITES)}, not {', '.join(unknown_suites) or 'nothing'}.",
            file=sys.stderr,
        )
        return 2
    if unknown or not kinds:
        print(
            f"--databases takes sqlite and/or postgres, not {', '.join(unknown) or 'nothing'}.",
            file=sys.stderr,
        )
        return 2
    failed = []
    for suite in suites:
        print(f"\n##### suite {suite} ({'quick' if args.quick else 'full size'}) #####", flush=True)
        code = core_suite(args, argv, kinds) if suite == "core" else other_suite(suite, args, kinds)
        if code != 0:
            failed.append(suite)
    if failed:
        print(f"\nThese suites failed: {', '.join(failed)}.", file=sys.stderr)
    return 1 if failed else 0


def other_suite(suite: str, args: argparse.Namespace, kinds: list[str]) -> int:
    """Run one of the other benchmark modules with the sizes of this run; it prints its own figures."""
    spec = OTHER_SUITES[suite]
    import importlib.util

    if importlib.util.find_spec(spec["module"]) is None:
        print(f"{suite}: skipped, {spec['module']} is not in this version.", flush=True)
        return 0
    options = list(spec.get("quick" if args.quick else "full", []))
    if "databases" in spec:
        options += spec["databases"](kinds)
    command = [sys.executable, "-m", spec["module"], *options]
    print("$ " + " ".join(command[1:]), flush=True)
    return subprocess.call(command, cwd=ROOT)


def core_suite(args: argparse.Namespace, argv: list[str] | None, kinds: list[str]) -> int:
    """Demo data generation, request latency and throughput, each database in a process of its own."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    passthrough = [a for a in (argv if argv is not None else sys.argv[1:])]
    for kind in kinds:
        print(f"\n=== {kind}: {args.contacts:,} contacts ===", flush=True)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(kind, args),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
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
        print("\n" + "\n".join(line for r in results for line in figure_lines(r)))
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
    throughput = [r for r in results if r.get("throughput")]
    if throughput:
        lines += [
            "",
            "| database | mixed reads | connections | requests | requests/s | p50 ms | p99 ms | errors | target |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in throughput:
            t = r["throughput"]
            lines.append(
                f"| {r['database']} | {t['tool']}, {len(t['paths'])} paths | {t['connections']} | {t['requests']:,} "
                f"| {t['requests_per_second']:,.0f} | {t.get('p50_ms', '')} | {t.get('p99_ms', '')} | {t['errors']} "
                f"| ≥ {TARGET_REQUESTS_PER_SECOND} |"
            )
    return "\n".join(lines)


def _meets(ok: bool) -> str:
    return "meets yes" if ok else "meets NO"


def generation_target_seconds(contacts: int) -> float:
    return TARGET_GENERATION_SECONDS_PER_MILLION * max(contacts, 1) / 1_000_000


def figure_lines(r: dict[str, Any]) -> list[str]:
    """Every figure of one database as a line "<what> <database> <figure> target <target> meets <yes/NO>"."""
    db = r["database"]
    lines = []
    g = r.get("generation")
    if g:
        target = generation_target_seconds(r["contacts"])
        server = g.get("database_server_cpu_seconds")
        lines.append(
            f"demo data {db} rows/s {g['rows_per_second']:,} ({g['rows']:,} rows for {r['contacts']:,} contacts "
            f"in {g['seconds']:,.0f} s wall, CPU {g.get('process_cpu_seconds')} s"
            + (f" + database server {server} s" if server is not None else "")
            + f", peak RSS {g.get('peak_rss_mb', '?')} MB) target ≤ {target:,.0f} s {_meets(g['seconds'] <= target)}"
        )
    for m in r["requests"]:
        lines.append(
            f"{m['name']} {db} {m['user']} p50 {m['p50_ms']:.1f} ms p95 {m['p95_ms']:.1f} ms "
            f"target p95 ≤ {TARGET_P95_MS:.0f} ms {_meets(m['p95_ms'] <= TARGET_P95_MS and not m['errors'])}"
            + (f" ({m['errors']} errors)" if m["errors"] else "")
            + (f" (server CPU {m['server_cpu_ms']} ms/request)" if m.get("server_cpu_ms") is not None else "")
        )
    t = r.get("throughput")
    if t:
        lines.append(
            f"mixed read throughput {db} requests/s {t['requests_per_second']:,.0f} errors {t['errors']} "
            f"({t['connections']} connections, {t['workers']} workers, {t['tool']}) "
            f"target ≥ {TARGET_REQUESTS_PER_SECOND} requests/s, no errors "
            f"{_meets(t['requests_per_second'] >= TARGET_REQUESTS_PER_SECOND and not t['errors'])}"
            + (
                f" (server CPU {t['server_cpu_ms']} ms/request: at most "
                f"{t['requests_per_second_if_cores_were_free']:,} requests/s with every core free)"
                if t.get("server_cpu_ms") is not None
                else ""
            )
        )
    return lines


# ---------------------------------------------------------------------------------------------- worker


def worker(args: argparse.Namespace) -> int:
    """Load (or reuse) the data in this process's DATABASE_URL, then measure requests against gunicorn."""
    sys.path.insert(0, str(ROOT))
    kind = args.worker
    started_machine = machine()
    generation_file = RESULTS / f"{kind}-{args.contacts}-generation.json"
    generation: dict[str, Any] | None
    if not args.reuse or not _has_contacts(kind, args):
        _reset_database(kind, args)
        generation = _generate(args)
        generation_file.write_text(json.dumps(generation, indent=2))
    else:
        # Reusing data: bring the schema and derived tables up to date with the code (new indexes,
        # the board's totals), then report how long the data took to generate when that was recorded.
        _update_reused(args)
        generation = json.loads(generation_file.read_text()) if generation_file.exists() else None
    import django

    django.setup()
    from django.db import connections

    plan = _request_plan(args)
    connections.close_all()
    measurements, throughput = _measure(args, plan)
    result = {
        "database": kind,
        "contacts": args.contacts,
        "machine": started_machine,
        "generation": generation,
        "requests": measurements,
        "throughput": throughput,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_end": os.getloadavg(),
    }
    (RESULTS / f"{kind}-{args.contacts}.json").write_text(json.dumps(result, indent=2))
    print(results_markdown([result]), flush=True)
    return 0


def _update_reused(args: argparse.Namespace) -> None:
    """Migrate a reused database and rebuild what a migration cannot (derived tables), then ANALYZE."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from rapport.core.demo import database_analyze
    from rapport.sales.services.totals import stage_totals_rebuild

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    # The deal board's per-stage totals: data loaded before they existed has none.
    rebuilt = stage_totals_rebuild()
    database_analyze()
    connections.close_all()
    print(
        f"  reused data: migrated, {rebuilt:,} board totals rebuilt, analysed in {time.monotonic() - started:.0f} s",
        flush=True,
    )


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
    if not (name.startswith("rapport_bench") or name.endswith("_bench")):
        raise SystemExit(
            f"Refusing to drop {name!r}: the benchmark database name must start with rapport_bench "
            "or end with _bench."
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
    server_cpu_started = _database_server_cpu_seconds()
    result = demo_load(
        contacts=args.contacts, seed=args.seed, progress=lambda line: print("  " + line, flush=True)
    )
    server_cpu = _database_server_cpu_seconds()
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
        # PostgreSQL's backend of this connection does the parsing and index builds: its CPU too.
        "database_server_cpu_seconds": (
            round(server_cpu - server_cpu_started, 1)
            if server_cpu is not None and server_cpu_started is not None
            else None
        ),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "counts": result.counts,
    }


def _database_server_cpu_seconds() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of /proc/<pid>/stat (12 and 13 after the command name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    # Mixed reads for the throughput run: list pages and list endpoints with and without filters.
    plan["throughput_paths"] = [
        *(f"/api/v1/contacts?country={c}&limit=50" for c in countries[:4]),
        "/api/v1/contacts?limit=50",
        "/api/v1/companies?limit=50",
        "/api/v1/deals?limit=50",
        "/contacts/?country=DE",
        "/contacts/",
        "/companies/",
        "/deals/",
        "/leads/",
    ]
    return plan


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def _wait_for_port(port: int, seconds: float, server: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(
                f"The server stopped at start (exit code {server.returncode}): see {RESULTS}/server-*.log."
            )
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


def _measure(args: argparse.Namespace, plan: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
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
        # No background-task worker next to the server: nothing is queued, and its polling is noise.
        env={**os.environ, "RAPPORT_LOG_LEVEL": "ERROR", "RAPPORT_START_WORKER": "false"},
        stdout=subprocess.DEVNULL,
        stderr=(RESULTS / f"server-{args.worker}.log").open("w"),
    )
    out = []
    try:
        _wait_for_port(args.port, 120, server)
        for username, endpoints in plan["endpoints"].items():
            cookie = plan["cookies"][username]
            for name, paths in endpoints.items():
                # Bounded loops: a slow page must not hold the benchmark for hours.
                deadline = time.monotonic() + args.budget / 4
                for i in range(args.warmup):
                    _get(args.port, paths[i % len(paths)], cookie)
                    if time.monotonic() > deadline:
                        break
                times: list[float] = []
                errors = 0
                statuses: dict[int, int] = {}
                cpu_started = _server_cpu_seconds(server.pid)
                deadline = time.monotonic() + args.budget
                for i in range(args.requests):
                    if i >= 10 and time.monotonic() > deadline:
                        break
                    status, ms = _get(args.port, paths[i % len(paths)], cookie)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status != 200:
                        errors += 1
                    times.append(ms)
                server_cpu_ms = (_server_cpu_seconds(server.pid) - cpu_started) * 1000 / max(len(times), 1)
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
                    # CPU the server spent per request (gunicorn workers and, on PostgreSQL, their
                    # backends): what the request costs, whatever else shares the cores meanwhile.
                    "server_cpu_ms": round(server_cpu_ms, 1),
                }
                ok = row["p95_ms"] <= TARGET_P95_MS and not errors
                print(
                    f"  {name} {args.worker} {username} p50 {row['p50_ms']:.1f} ms p95 {row['p95_ms']:.1f} ms "
                    f"target p95 ≤ {TARGET_P95_MS:.0f} ms {_meets(ok)}"
                    + (f" ({errors} errors)" if errors else "")
                    + f" (server CPU {row['server_cpu_ms']:.1f} ms/request)",
                    flush=True,
                )
                out.append(row)
        throughput = None
        if args.throughput_seconds > 0:
            cookie = next(iter(plan["cookies"].values()))
            cpu_started = _server_cpu_seconds(server.pid)
            throughput = _throughput(args, plan["throughput_paths"], cookie)
            throughput["workers"] = args.workers
            cpu_ms = (_server_cpu_seconds(server.pid) - cpu_started) * 1000 / max(throughput["requests"], 1)
            throughput["server_cpu_ms"] = round(cpu_ms, 1)
            # What the server could serve if it had every core to itself (the load generator excluded).
            throughput["requests_per_second_if_cores_were_free"] = round(
                (os.cpu_count() or 1) * 1000 / max(cpu_ms, 0.01)
            )
            ok = throughput["requests_per_second"] >= TARGET_REQUESTS_PER_SECOND and not throughput["errors"]
            print(
                f"  mixed read throughput {args.worker} requests/s {throughput['requests_per_second']:,.0f} "
                f"errors {throughput['errors']} target ≥ {TARGET_REQUESTS_PER_SECOND} requests/s, no errors "
                f"{_meets(ok)}",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return out, throughput


def _process_cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes, from /proc (Linux); processes gone meanwhile count 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _server_cpu_seconds(root: int) -> float:
    """CPU used so far by the server's process tree and, on PostgreSQL, by the backends of its connections."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    pids = sorted(tree)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            pids += [row[0] for row in cursor.fetchall()]
    return _process_cpu_seconds(pids)


WRK_SCRIPT = """
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Cookie"] = "sessionid=%(cookie)s", ["Host"] = "127.0.0.1"})
end
"""


def _throughput(args: argparse.Namespace, paths: list[str], cookie: str) -> dict[str, Any]:
    """Requests/s of mixed reads over several connections at once: wrk if installed, else Python threads."""
    import shutil

    if shutil.which("wrk"):
        return _throughput_wrk(args, paths, cookie)
    return _throughput_threads(args, paths, cookie)


def _throughput_wrk(args: argparse.Namespace, paths: list[str], cookie: str) -> dict[str, Any]:
    import re
    import tempfile

    script = WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "cookie": cookie}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argv, loopback only
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(args.connections),
                "-d",
                f"{args.throughput_seconds:.0f}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                handle.name,
                f"http://127.0.0.1:{args.port}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(handle.name).unlink(missing_ok=True)
    text = completed.stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)

    def latency(label: str) -> float | None:
        found = re.search(rf"\b{label}%\s+([\d.]+)(us|ms|s)\b", text)
        if not found:
            return None
        value, unit = float(found.group(1)), found.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    socket_errors = sum(int(x) for x in sockets.groups()) if sockets else 0
    return {
        "tool": "wrk",
        "connections": args.connections,
        "seconds": args.throughput_seconds,
        "paths": paths,
        "requests": int(total.group(1)) if total else 0,
        "requests_per_second": float(rate.group(1)) if rate else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + socket_errors,
        "socket_errors": socket_errors,
        "output": text,
    }


def _throughput_threads(args: argparse.Namespace, paths: list[str], cookie: str) -> dict[str, Any]:
    import threading

    deadline = time.monotonic() + args.throughput_seconds
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]

    def client(offset: int) -> None:
        i = offset
        while time.monotonic() < deadline:
            try:
                status, ms = _get(args.port, paths[i % len(paths)], cookie)
            except OSError:
                status, ms = 0, 0.0
            with lock:
                times.append(ms)
                if status != 200:
                    errors[0] += 1
            i += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    times.sort()
    return {
        "tool": "Python threads",
        "connections": args.connections,
        "seconds": round(elapsed, 1),
        "paths": paths,
        "requests": len(times),
        "requests_per_second": round(len(times) / elapsed, 1),
        "p50_ms": round(times[len(times) // 2], 1) if times else None,
        "p99_ms": round(times[int(len(times) * 0.99)], 1) if times else None,
        "errors": errors[0],
    }


if __name__ == "__main__":
    sys.exit(main())
