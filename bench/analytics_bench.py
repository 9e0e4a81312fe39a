"""Analytics benchmarks: RFM full and incremental, CLV fit + scoring, KPI dashboard, on SQLite and PostgreSQL.

    python -m bench.analytics_bench                      # both backends, full size (10M lines, 700k customers)
    python -m bench.analytics_bench --backends sqlite --lines 1000000 --customers 70000

`run(args)` takes a list of command-line arguments (or None) and returns the results as a list of dicts.
    python -m bench.analytics_bench --reuse              # measure again on the data generated last time
    python -m bench.analytics_bench --generate-only      # only generate (then measure with --reuse)

Each backend runs in a child process with its own DATABASE_URL (SQLite file under var/bench/, PostgreSQL
database rapport_d_bench), so Django settings stay untouched. Data is generated set-based through the raw
connection (SQLite executemany, PostgreSQL COPY). With --reuse a database generated earlier at the same
size is kept (a table bench_analytics_meta records its size); the orders a run adds are removed again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "RAPPORT_ANALYTICS_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/rapport_d_bench"
)
IN_MEMORY_RFM_S = 0.5  # PERFORMANCE-FACTS.md: polars/DuckDB with the data in memory
TARGETS = {"rfm_full_s": 10.0, "incremental_s": 1.0, "clv_100k_s": 5.0, "dashboard_ms": 300.0}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.analytics_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=700_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--clv-customers", type=int, default=100_000)
    parser.add_argument("--new-orders", type=int, default=10_000)
    parser.add_argument(
        "--sqlite-dir", default=str(ROOT / "var" / "bench"), help="Folder of the SQLite databases."
    )
    parser.add_argument("--clv-all", action="store_true", help="Also fit and score CLV for every customer.")
    parser.add_argument("--reuse", action="store_true", help="Keep data generated earlier at this size.")
    parser.add_argument("--generate-only", action="store_true", help="Generate the data, measure nothing.")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _psql(sql: str, database: str = "postgres") -> str:
    url = PG_URL.rsplit("/", 1)[0] + "/" + database
    done = subprocess.run(["psql", url, "-tAc", sql], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _sqlite_path(opts: argparse.Namespace) -> Path:
    return Path(opts.sqlite_dir) / f"analytics-{opts.lines}-{opts.customers}.sqlite3"


def run(args: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the benchmark on each backend (one child process each) and print a table of results."""
    opts = parse(args)
    results = []
    for backend in [b.strip() for b in opts.backends.split(",") if b.strip()]:
        env = dict(os.environ)
        if backend == "postgres":
            name = PG_URL.rsplit("/", 1)[1]
            exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
            if exists and not opts.reuse:
                _psql(f"DROP DATABASE {name}")
            if not exists or not opts.reuse:
                _psql(f"CREATE DATABASE {name}")
            env["DATABASE_URL"] = PG_URL
        else:
            path = _sqlite_path(opts)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not opts.reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            env["DATABASE_URL"] = f"sqlite:///{path}"
        cmd = [sys.executable, "-m", "bench.analytics_bench", "--worker", "--backend", backend]
        for name in ("lines", "customers", "deals", "clv_customers", "new_orders"):
            cmd += [f"--{name.replace('_', '-')}", str(getattr(opts, name))]
        cmd += ["--generate-only"] if opts.generate_only else []
        cmd += ["--clv-all"] if opts.clv_all else []
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        sys.stderr.write(done.stderr[-4000:])
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            print(f"{backend}: benchmark failed (exit {done.returncode})")
            continue
        result = json.loads(lines[-1])
        results.append(result)
        _print(result)
    return results


def _print(r: dict[str, Any]) -> None:
    print(
        f"\n{r['backend']}: {r['lines']:,} order lines, {r['orders']:,} orders, "
        f"{r.get('summarised_customers', r['customers']):,} customers with orders, {r['deals']:,} deals "
        f"(data generated in {r['generate_s']:.0f} s{', reused' if r.get('reused') else ''})"
    )
    if "rfm_full_s" not in r:
        return
    ratio = f"{r['rfm_full_s'] / IN_MEMORY_RFM_S:.1f} x the in-memory limit of {IN_MEMORY_RFM_S} s"
    rows = [
        ("purchase summary rebuild from orders (set-based)", f"{r['summary_rebuild_s']:.2f} s", "—"),
        ("RFM full recompute (from summaries)", f"{r['rfm_full_s']:.2f} s", f"≤ 10 s ({ratio})"),
        (f"incremental after {r['new_orders']:,} new orders", f"{r['incremental_s']:.2f} s", "≤ 1 s"),
        ("  of which RFM rescoring", f"{r['incremental_rfm_s']:.2f} s", "—"),
        (f"CLV fit + scoring, {r['clv_customers']:,} customers", f"{r['clv_100k_s']:.2f} s", "≤ 5 s"),
        ("ABC classes (from summaries)", f"{r['abc_s']:.2f} s", "—"),
        ("KPI computation (background run)", f"{r['kpi_compute_s']:.2f} s", "—"),
        ("KPI dashboard page (stored results), median", f"{r['dashboard_ms']:.0f} ms", "≤ 300 ms"),
        ("KPI page, median", f"{r['kpi_page_ms']:.0f} ms", "≤ 300 ms"),
        ("RFM page, median", f"{r['rfm_page_ms']:.0f} ms", "—"),
    ]
    if "clv_all_s" in r:
        rows.append(
            (f"CLV fit + scoring, all {r['clv_all_customers']:,} customers", f"{r['clv_all_s']:.2f} s", "—")
        )
    for name, value, target in rows:
        print(f"  {name:<52} {value:>10}   target {target}")
    cpu = {k: round(v, 2) for k, v in r.items() if k.endswith("_cpu")}
    print(f"  CPU seconds of the benchmark process (PostgreSQL's own work is not included): {cpu}")
    print(f"  load average before / after: {r.get('load_before')} / {r.get('load_after')}")


# ---------------------------------------------------------------- worker (inside one backend)


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


CPU: dict[str, float] = {}  # CPU seconds of this process per measured step (the last one under "last")


def _timed(fn: Any, *a: Any, **kw: Any) -> tuple[float, Any]:
    """Wall seconds of one call (its CPU seconds in this process go to CPU["last"])."""
    cpu = time.process_time()
    start = time.perf_counter()
    value = fn(*a, **kw)
    CPU["last"] = time.process_time() - cpu
    return time.perf_counter() - start, value


def _ts(seconds: Any, pg: bool) -> list[str]:
    """Timestamps (UTC) as text for the backend, from epoch seconds."""
    import numpy as np

    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    text = np.char.replace(text, "T", " ")
    return list(np.char.add(text, "+00:00") if pg else text)


def _insert(table: str, columns: list[str], rows: Any, pg: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if pg:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(columns))
            cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def generate(opts: argparse.Namespace, pg: bool) -> dict[str, int]:
    """Customers, orders and lines over three years; deals with stage history. Set-based, raw connection."""
    import numpy as np
    from django.db import connection, transaction

    rng = np.random.default_rng(42)
    now = time.time()
    span = 3 * 365 * 86400
    if not pg:
        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=OFF")
    created = _ts(np.full(1, now - span), pg)[0]
    contact_cols = [
        "id",
        "created_at",
        "updated_at",
        "version",
        "first_name",
        "last_name",
        "title",
        "lifecycle_stage",
        "preferred_channel",
        "city",
        "country",
        "email",
        "phone",
        "custom",
    ]
    with transaction.atomic():
        _insert(
            "contacts_contact",
            contact_cols,
            (
                (
                    i,
                    created,
                    created,
                    1,
                    "Bench",
                    f"Customer {i}",
                    "",
                    "customer",
                    "",
                    "",
                    "",
                    f"c{i}@bench.test",
                    "",
                    "{}",
                )
                for i in range(1, opts.customers + 1)
            ),
            pg,
        )
    orders = opts.lines // 3
    order_cols = [
        "id",
        "created_at",
        "updated_at",
        "version",
        "number",
        "ordered_at",
        "channel",
        "status",
        "currency",
        "total",
        "contact_id",
    ]
    line_cols = ["order_id", "description", "quantity", "unit_price"]
    chunk = 500_000
    next_line = 0
    spend_level = rng.gamma(4.0, 0.25, opts.customers + 1)  # customers differ in how much they spend
    for first in range(0, orders, chunk):
        n = min(chunk, orders - first)
        ids = np.arange(first + 1, first + n + 1)
        # Skewed customers: some buy often, most rarely.
        contacts = np.minimum(
            (rng.pareto(1.2, n) * opts.customers / 8).astype(np.int64) % opts.customers + 1, opts.customers
        )
        when = _ts(now - rng.random(n) * span, pg)
        per_order = rng.integers(1, 6, n)  # 1..5 lines, mean 3
        if first + n >= orders:  # make the total exactly the requested number of lines
            per_order[-1] += opts.lines - next_line - int(per_order.sum())
            per_order[-1] = max(per_order[-1], 1)
        line_order = np.repeat(ids, per_order)
        prices = np.round(
            (rng.gamma(2.0, 15.0, len(line_order)) + 1) * np.repeat(spend_level[contacts], per_order), 2
        )
        quantity = rng.integers(1, 4, len(line_order))
        starts = np.concatenate([[0], np.cumsum(per_order)[:-1]])
        totals = np.round(np.add.reduceat(prices * quantity, starts), 2)
        with transaction.atomic():
            _insert(
                "sales_order",
                order_cols,
                zip(
                    ids.tolist(),
                    when,
                    when,
                    [1] * n,
                    [f"B{i}" for i in ids.tolist()],
                    when,
                    ["web"] * n,
                    ["paid"] * n,
                    ["EUR"] * n,
                    [f"{t:.2f}" for t in totals.tolist()],
                    contacts.tolist(),
                    strict=True,
                ),
                pg,
            )
            _insert(
                "sales_orderline",
                line_cols,
                zip(
                    line_order.tolist(),
                    ["Item"] * len(line_order),
                    quantity.tolist(),
                    [f"{p:.2f}" for p in prices.tolist()],
                    strict=True,
                ),
                pg,
            )
        next_line += int(per_order.sum())
    _deals(opts, pg, rng, now)
    if pg:
        with connection.cursor() as c:
            for table in ("contacts_contact", "sales_order", "sales_deal", "sales_dealstagechange"):
                c.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    return {"orders": orders, "lines": next_line}


def _deals(opts: argparse.Namespace, pg: bool, rng: Any, now: float) -> None:
    import numpy as np
    from django.db import transaction

    from rapport.accounts.models import User
    from rapport.sales.models import Stage
    from rapport.sales.services.pipelines import pipeline_create

    admin = User.objects.create_user(username="bench-admin", password="bench-pass-123", role="admin")
    owners = [
        User.objects.create_user(username=f"rep{i}", password="bench-pass-123", role="rep").pk
        for i in range(20)
    ]
    pipeline = pipeline_create(name="Bench", by=admin)
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
    n = opts.deals
    kinds = np.array([s.kind for s in stages])
    stage_idx = rng.choice(len(stages), n, p=[0.12, 0.1, 0.08, 0.05, 0.35, 0.30])
    created_s = now - rng.random(n) * 2 * 365 * 86400
    cycle = rng.gamma(2.0, 20.0, n) * 86400
    closed = np.where(kinds[stage_idx] != "open", np.minimum(created_s + cycle, now), np.nan)
    created = _ts(created_s, pg)
    closed_txt = [
        None if np.isnan(c) else t
        for c, t in zip(closed, _ts(np.nan_to_num(closed, nan=now), pg), strict=True)
    ]
    expected = [(dt.date.today() + dt.timedelta(days=int(d))).isoformat() for d in rng.integers(-30, 180, n)]
    amounts = [f"{a:.2f}" for a in np.round(rng.gamma(2.0, 5000.0, n), 2).tolist()]
    owner = rng.choice(owners, n).tolist()
    stage_ids = [stages[i].pk for i in stage_idx.tolist()]
    cols = [
        "id",
        "created_at",
        "updated_at",
        "version",
        "name",
        "amount",
        "currency",
        "expected_close_date",
        "lost_reason",
        "stage_changed_at",
        "closed_at",
        "custom",
        "owner_id",
        "pipeline_id",
        "stage_id",
    ]
    ids = list(range(1, n + 1))
    with transaction.atomic():
        _insert(
            "sales_deal",
            cols,
            zip(
                ids,
                created,
                created,
                [1] * n,
                [f"Deal {i}" for i in ids],
                amounts,
                ["EUR"] * n,
                [
                    e if k == "open" else None
                    for e, k in zip(expected, kinds[stage_idx].tolist(), strict=True)
                ],
                [""] * n,
                [c or t for c, t in zip(closed_txt, created, strict=True)],
                closed_txt,
                ["{}"] * n,
                owner,
                [pipeline.pk] * n,
                stage_ids,
                strict=True,
            ),
            pg,
        )
        first_stage = stages[0].pk
        _insert(
            "sales_dealstagechange",
            ["deal_id", "from_stage_id", "to_stage_id", "changed_at"],
            zip(ids, [None] * n, [first_stage] * n, created, strict=True),
            pg,
        )
        moved = [
            (i, first_stage, s, c or t)
            for i, s, c, t in zip(ids, stage_ids, closed_txt, created, strict=True)
            if s != first_stage
        ]
        _insert("sales_dealstagechange", ["deal_id", "from_stage_id", "to_stage_id", "changed_at"], moved, pg)


ORDER_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "number",
    "ordered_at",
    "channel",
    "status",
    "currency",
    "total",
    "contact_id",
]


def _generated(opts: argparse.Namespace) -> dict[str, Any] | None:
    """The size of the data generated earlier in this database, if it matches the options."""
    from django.db import connection

    with connection.cursor() as c:
        if "bench_analytics_meta" not in connection.introspection.table_names(c):
            return None
        c.execute("SELECT data FROM bench_analytics_meta")
        row = c.fetchone()
    meta = json.loads(row[0]) if row else None
    wanted = {"lines": opts.lines, "customers": opts.customers, "deals": opts.deals}
    return meta if meta and all(meta.get(k) == v for k, v in wanted.items()) else None


def _remember(opts: argparse.Namespace, meta: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_analytics_meta (data TEXT)")
        c.execute("DELETE FROM bench_analytics_meta")
        c.execute("INSERT INTO bench_analytics_meta (data) VALUES (%s)", [json.dumps(meta)])


def _remove_added_orders() -> list[int]:
    """Delete the orders an earlier measurement added (numbers N…); return their contacts."""
    from rapport.analytics.services.sql import execute, fetchall

    contacts = [
        int(r[0]) for r in fetchall("SELECT DISTINCT contact_id FROM sales_order WHERE number LIKE 'N%%'")
    ]
    execute("DELETE FROM sales_order WHERE number LIKE 'N%%'")
    return contacts


def worker(opts: argparse.Namespace) -> dict[str, Any]:
    _setup()
    import numpy as np
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from rapport.accounts.models import User
    from rapport.analytics.models import RunStatus
    from rapport.analytics.services.rfm import rfm_rescore_contacts
    from rapport.analytics.services.runs import run_now
    from rapport.analytics.services.summary import purchase_summary_apply, purchase_summary_rebuild

    pg = connection.vendor == "postgresql"
    meta = _generated(opts)
    reused = meta is not None
    if meta is None:
        gen_s, counts = _timed(generate, opts, pg)
        meta = {
            "lines": opts.lines,
            "customers": opts.customers,
            "deals": opts.deals,
            "generate_s": gen_s,
            **counts,
        }
        _remember(opts, meta)
    out: dict[str, Any] = {
        "backend": "PostgreSQL" if pg else "SQLite",
        "new_orders": opts.new_orders,
        "reused": reused,
        **meta,
    }
    if opts.generate_only:
        return out
    out["load_before"] = os.getloadavg()
    _remove_added_orders()
    out["summary_rebuild_s"], summarised = _timed(purchase_summary_rebuild)
    out["summary_rebuild_cpu"] = CPU["last"]
    out["summarised_customers"] = summarised
    samples = []
    for _ in range(3):
        seconds, rfm = _timed(run_now, kind="rfm", by=None)
        assert rfm.status == RunStatus.DONE, rfm.message
        samples.append(seconds)
        out.setdefault("rfm_full_cpu_samples", []).append(CPU["last"])
    out["rfm_full_s"], out["rfm_full_samples"] = statistics.median(samples), samples
    out["rfm_full_cpu"] = statistics.median(out["rfm_full_cpu_samples"])
    # Incremental: 10,000 new orders arrive (raw insert, like an import), then summaries and RFM scores follow.
    rng = np.random.default_rng(7)
    contacts = rng.integers(1, opts.customers + 1, opts.new_orders).tolist()
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M:%S") + ("+00:00" if pg else "")
    with connection.cursor() as c:
        c.execute("SELECT MAX(id) FROM sales_order")
        base = c.fetchone()[0]
    _insert(
        "sales_order",
        ORDER_COLUMNS,
        [
            (base + i + 1, stamp, stamp, 1, f"N{i}", stamp, "web", "paid", "EUR", "42.00", cid)
            for i, cid in enumerate(contacts)
        ],
        pg,
    )
    out["incremental_s"], _ = _timed(purchase_summary_apply, contact_ids=contacts)
    out["incremental_cpu"] = CPU["last"]
    out["incremental_rfm_s"], _ = _timed(rfm_rescore_contacts, contacts)
    _remove_added_orders()
    purchase_summary_apply(contact_ids=contacts)
    out["abc_s"], abc = _timed(run_now, kind="abc", by=None)
    out["abc_cpu"] = CPU["last"]
    assert abc.status == RunStatus.DONE, abc.message
    # CLV: a calibration window holding about 100k active customers, then all customers.
    start_100k = _calibration_start_for(opts.clv_customers)
    out["clv_100k_s"], clv = _timed(
        run_now, kind="clv", by=None, params={"calibration_start": start_100k.isoformat()}
    )
    assert clv.status == RunStatus.DONE, clv.message
    out["clv_100k_cpu"] = CPU["last"]
    out["clv_customers"] = clv.customers
    if opts.clv_all:
        out["clv_all_s"], clv_all = _timed(
            run_now,
            kind="clv",
            by=None,
            params={"calibration_start": (dt.date.today() - dt.timedelta(days=3 * 366)).isoformat()},
        )
        assert clv_all.status == RunStatus.DONE, clv_all.message
        out["clv_all_customers"] = clv_all.customers
    out["kpi_compute_s"], kpi = _timed(run_now, kind="kpi", by=None)
    assert kpi.status == RunStatus.DONE, kpi.message
    with override_settings(ALLOWED_HOSTS=["*"]):
        client = Client()
        client.force_login(User.objects.get(username="bench-admin"))
        out["dashboard_ms"] = _median_ms(lambda: client.get("/analytics/dashboards/sales/"))
        out["kpi_page_ms"] = _median_ms(lambda: client.get("/analytics/kpis/"))
        out["rfm_page_ms"] = _median_ms(lambda: client.get("/analytics/"))
    out["load_after"] = os.getloadavg()
    return out


def _calibration_start_for(customers: int) -> dt.date:
    """The calibration start that puts about `customers` customers in the cohort (a purchase on or after it)."""
    from rapport.analytics.services.sql import fetchall

    rows = fetchall(
        "SELECT last_purchase FROM analytics_purchasesummary ORDER BY last_purchase DESC LIMIT 1 OFFSET %s",
        [customers],
    )
    if not rows:
        return dt.date.today() - dt.timedelta(days=3 * 366)
    value = rows[0][0]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _median_ms(fn: Any, repeat: int = 7) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = fn()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(samples)


if __name__ == "__main__":
    options = parse(sys.argv[1:])
    if options.worker:
        print(json.dumps(worker(options), default=str))
    else:
        run(sys.argv[1:])
