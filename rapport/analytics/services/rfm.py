"""RFM scores and named segments, computed set-based in SQL from the purchase summaries.

Scores 1-5 by quintiles. Tie rule: a customer's score comes from the share of customers with a
strictly lower value, score = 1 + floor(5 x (RANK - 1) / n), where equal values share the lowest
rank of their group. So equal values always get equal scores, and a value held by many customers
(e.g. one purchase day) takes the score of where its group starts. Recency is reversed: fewer days
since the last purchase scores higher (5 = most recent). Frequency counts purchase days; monetary is
the total spend in the base currency.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from rapport.analytics.models import AnalyticsRun, RfmScore, RunKind, SegmentRule
from rapport.analytics.services.runs import latest_run, run_progress
from rapport.analytics.services.sql import (
    as_float,
    chunks,
    date_param,
    days_between,
    execute,
    fetchall,
    in_ids,
)
from rapport.analytics.services.summary import ensure_convertible, summary_source_sql

UNCLASSIFIED = "Unclassified"
SCORE_COLUMNS = "run_id, contact_id, recency_days, frequency, monetary, r, f, m, segment"

DEFAULT_SEGMENTS: list[tuple[str, int, int, int, int, str, str]] = [
    # name, r_min, r_max, f_min, f_max, action, colour — the classic R x F grid; every cell has one name.
    ("Champions", 5, 5, 4, 5, "Reward them; ask for reviews and referrals.", "#15803d"),
    ("Loyal Customers", 3, 4, 4, 5, "Offer memberships and upsell higher-value products.", "#22c55e"),
    ("Potential Loyalists", 4, 5, 2, 3, "Recommend related products; invite to the loyalty programme.", "#84cc16"),
    ("New Customers", 5, 5, 1, 1, "Welcome them and help them succeed with the first purchase.", "#0ea5e9"),
    ("Promising", 4, 4, 1, 1, "Build the relationship with a free trial or a small offer.", "#38bdf8"),
    ("Need Attention", 3, 3, 3, 3, "Reach out with a limited-time, personal offer.", "#eab308"),
    ("About to Sleep", 3, 3, 1, 2, "Share popular products and a reason to come back.", "#f59e0b"),
    ("At Risk", 1, 2, 3, 4, "Send a personal message; find out what went wrong.", "#f97316"),
    ("Can't Lose Them", 1, 2, 5, 5, "Call them: win them back before a competitor does.", "#dc2626"),
    ("Hibernating", 1, 2, 1, 2, "Offer something relevant; do not over-invest.", "#94a3b8"),
]


def _clamp0(expr: str) -> str:
    return f"CASE WHEN {expr} < 0 THEN 0 ELSE {expr} END"


def segment_case(rules: list[SegmentRule] | None = None) -> tuple[str, list[Any]]:
    """A CASE expression naming the segment of columns r and f (first matching rule wins).

    The rules are resolved here into the 25 (R, F) cells, so the database evaluates r * 10 + f once per
    row and looks the name up (`CASE x WHEN`), instead of re-evaluating r and f for every rule: on
    SQLite, whose planner inlines the score expressions, that is 6x faster.
    """
    names = segment_names(np.repeat(np.arange(1, 6), 5), np.tile(np.arange(1, 6), 5), rules)
    parts, params = [], []
    for index, name in enumerate(names.tolist()):
        if name != UNCLASSIFIED:
            parts.append(f"WHEN {(index // 5 + 1) * 10 + index % 5 + 1} THEN %s")
            params.append(name)
    if not parts:
        return "%s", [UNCLASSIFIED]
    return "CASE (r * 10 + f) " + " ".join(parts) + " ELSE %s END", [*params, UNCLASSIFIED]


def rfm_compute(run: AnalyticsRun) -> dict[str, Any]:
    """Score every customer who bought on or before the run's as-of date; store scores, stats and movement.

    One streamed fetch of three numbers per customer gives the quintile breakpoints (numpy); the scores
    are then written by one INSERT ... SELECT that compares each customer with those breakpoints, so
    no row travels back from Python. Incremental rescoring uses the very same statement.
    """
    ensure_convertible()
    as_of = run.as_of
    source, source_params = summary_source_sql(as_of)
    run_progress(run, 10, "Reading recency, frequency and spend")
    recency = _clamp0(days_between("%s", "s.last_purchase"))
    values = _fetch_array(
        f"SELECT {recency}, s.purchase_days, {as_float('s.total_spend')} FROM {source} WHERE s.first_purchase <= %s",
        [date_param(as_of), date_param(as_of), *source_params, date_param(as_of)],
    )
    n = len(values)
    if n == 0:
        raise ValidationError(f"No customer has bought anything on or before {as_of}; record orders (or import "
                              f"them) and run the segmentation again.")
    r, f, m = rfm_scores_of(values[:, 0], values[:, 1], values[:, 2])
    breakpoints = _breakpoints_of(values[:, 0], values[:, 1], values[:, 2], r, f, m)
    run_progress(run, 40, f"Scoring {n:,} customers")
    with transaction.atomic():
        _insert_scores(run, breakpoints, source, source_params, "s.first_purchase <= %s", [date_param(as_of)])
    run_progress(run, 80, "Comparing with the previous run")
    # Sizes, revenue and grid from the arrays: the stored scores are the same numbers (one rule, exact
    # comparisons with breakpoints taken from the data), so no GROUP BY over the new rows is needed.
    result = rfm_statistics(run, breakpoints, cells=_cells_of(r, f, values[:, 2]))
    result["customers"] = n
    result["thresholds_computed_at"] = timezone.now().isoformat()
    result["rescored"] = 0
    from rapport.analytics.services.segment_tags import rfm_tags_sync

    result["tagged"] = rfm_tags_sync(run)
    return result


def _fetch_array(sql: str, params: list[Any]) -> np.ndarray:
    """Rows of numbers as a float array (n x columns), fetched in batches to keep memory flat."""
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(100_000):
            parts.append(np.array(batch, dtype=float))
    return np.concatenate(parts) if parts else np.empty((0, 3))


def _lower_count(values: np.ndarray) -> np.ndarray:
    """For each value, how many values are strictly lower (RANK() - 1, ties sharing the lowest rank)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return (np.cumsum(counts) - counts)[inverse.reshape(-1)].astype(np.int64)


def rfm_scores_of(recency_days: np.ndarray, frequency: np.ndarray, monetary: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quintile scores 1-5 by the tie rule of this module (recency reversed: fewer days score higher)."""
    n = len(recency_days)
    r = 5 - (5 * _lower_count(recency_days)) // n
    f = 1 + (5 * _lower_count(frequency)) // n
    m = 1 + (5 * _lower_count(monetary)) // n
    return r, f, m


def rfm_breakpoints(recency_days: np.ndarray, frequency: np.ndarray, monetary: np.ndarray
                    ) -> dict[str, list[float | None]]:
    """Where each score starts: for k = 2..5 the most days still scoring R >= k, the least F and M scoring >= k.

    Scores are a step function of the value, so comparing a value with these four numbers gives exactly
    its quintile score; new or changed customers are scored the same way until the next full run.
    """
    r, f, m = rfm_scores_of(recency_days, frequency, monetary)
    return _breakpoints_of(recency_days, frequency, monetary, r, f, m)


def _breakpoints_of(recency_days: np.ndarray, frequency: np.ndarray, monetary: np.ndarray, r: np.ndarray,
                    f: np.ndarray, m: np.ndarray) -> dict[str, list[float | None]]:
    out: dict[str, list[float | None]] = {"recency_max": [], "frequency_min": [], "monetary_min": []}
    for k in range(2, 6):
        out["recency_max"].append(float(recency_days[r >= k].max()) if np.any(r >= k) else None)
        out["frequency_min"].append(float(frequency[f >= k].min()) if np.any(f >= k) else None)
        out["monetary_min"].append(float(monetary[m >= k].min()) if np.any(m >= k) else None)
    return out


def _insert_scores(run: AnalyticsRun, breakpoints: dict[str, list[float | None]], source: str,
                   source_params: list[Any], where: str, where_params: list[Any], *, returning: str = ""
                   ) -> Any:
    """INSERT ... SELECT the scores and segment of the summaries matching `where`, against the breakpoints.

    Returns the number of rows, or with `returning` (columns) the rows written.
    """
    r_expr, r_params = _score_expr("rd", breakpoints["recency_max"], reverse=True)
    f_expr, f_params = _score_expr("fq", breakpoints["frequency_min"], reverse=False)
    m_expr, m_params = _score_expr(as_float("mon"), breakpoints["monetary_min"], reverse=False)
    case, case_params = segment_case()
    recency = _clamp0(days_between("%s", "s.last_purchase"))
    sql = (
        f"INSERT INTO analytics_rfmscore ({SCORE_COLUMNS}) SELECT {int(run.pk)}, contact_id, rd, fq, mon, "
        f"r, f, m, {case} FROM (SELECT contact_id, rd, fq, mon, {r_expr} AS r, {f_expr} AS f, "
        f"{m_expr} AS m FROM (SELECT s.contact_id AS contact_id, {recency} AS rd, s.purchase_days AS fq, "
        f"s.total_spend AS mon FROM {source} WHERE {where}) b) w"
    )
    params = [*case_params, *r_params, *f_params, *m_params, date_param(run.as_of), date_param(run.as_of),
              *source_params, *where_params]
    if returning:
        return fetchall(f"{sql} RETURNING {returning}", params)
    return execute(sql, params)


def segment_names(r: np.ndarray, f: np.ndarray, rules: list[SegmentRule] | None = None) -> np.ndarray:
    """The segment name of each (R, F) pair: the first matching rule in the table wins."""
    rules = list(SegmentRule.objects.order_by("position", "id")) if rules is None else rules
    names = np.full(len(r), UNCLASSIFIED, dtype=object)
    for rule in reversed(rules):
        match = (r >= rule.r_min) & (r <= rule.r_max) & (f >= rule.f_min) & (f <= rule.f_max)
        names[match] = rule.name
    return names


def _cells(run_id: int, where: str = "", params: list[Any] | None = None) -> list[tuple[str, int, int, int, float]]:
    """(segment, r, f, customers, revenue) of a run's scores, optionally of some contacts only."""
    rows = fetchall(f"SELECT segment, r, f, COUNT(*), SUM({as_float('monetary')}) FROM analytics_rfmscore "
                    f"WHERE run_id = %s{where} GROUP BY segment, r, f", [run_id, *(params or [])])
    return [(str(a), int(b), int(c), int(d), float(e or 0)) for a, b, c, d, e in rows]


def _cells_of(r: np.ndarray, f: np.ndarray, monetary: np.ndarray) -> list[tuple[str, int, int, int, float]]:
    """(segment, r, f, customers, revenue) per occupied R x F cell, from score arrays."""
    cell = (r - 1) * 5 + (f - 1)
    counts = np.bincount(cell, minlength=25)
    revenue = np.bincount(cell, weights=monetary, minlength=25)
    names = segment_names(np.repeat(np.arange(1, 6), 5), np.tile(np.arange(1, 6), 5))
    return [(str(names[i]), i // 5 + 1, i % 5 + 1, int(counts[i]), float(revenue[i])) for i in range(25) if counts[i]]


def _cells_from_rows(rows: list[tuple[Any, ...]]) -> list[tuple[str, int, int, int, float]]:
    """(segment, r, f, customers, revenue) from (segment, r, f, monetary) score rows."""
    cells: dict[tuple[str, int, int], list[float]] = {}
    for segment, r, f, monetary in rows:
        cell = cells.setdefault((str(segment), int(r), int(f)), [0, 0.0])
        cell[0] += 1
        cell[1] += float(monetary or 0)
    return [(s, r, f, int(n), revenue) for (s, r, f), (n, revenue) in cells.items()]


def _add_cells(result: dict[str, Any], cells: list[tuple[str, int, int, int, float]], sign: int) -> None:
    """Add (or with sign -1 take away) cells to a run's segment sizes, revenue and R x F grid."""
    segments: dict[str, dict[str, Any]] = result.setdefault("segments", {})
    grid: list[list[int]] = result.setdefault("grid", [[0] * 5 for _ in range(5)])
    for name, r, f, count, revenue in cells:
        seg = segments.setdefault(name, {"customers": 0, "revenue": 0.0})
        seg["customers"] += sign * count
        seg["revenue"] += sign * revenue
        grid[r - 1][f - 1] += sign * count
    result["segments"] = {k: v for k, v in segments.items() if v["customers"] > 0}
    result["revenue"] = sum(s["revenue"] for s in result["segments"].values())


def rfm_statistics(run: AnalyticsRun, breakpoints: dict[str, list[float | None]],
                   cells: list[tuple[str, int, int, int, float]] | None = None) -> dict[str, Any]:
    """Segment sizes and revenue, the R x F grid, the score breakpoints and movement since the previous run."""
    result: dict[str, Any] = {"breakpoints": breakpoints}
    _add_cells(result, _cells(run.pk) if cells is None else cells, 1)
    previous = latest_run(RunKind.RFM, before=run) if run.finished_at else _previous_done(run)
    movement: list[dict[str, Any]] = []
    if previous is not None:
        moved = fetchall(
            "SELECT p.segment, c.segment, COUNT(*) FROM analytics_rfmscore c JOIN analytics_rfmscore p "
            "ON p.contact_id = c.contact_id AND p.run_id = %s WHERE c.run_id = %s AND p.segment <> c.segment "
            "GROUP BY p.segment, c.segment ORDER BY COUNT(*) DESC", [previous.pk, run.pk])
        movement = [{"from": a, "to": b, "customers": int(c)} for a, b, c in moved]
    result.update(movement=movement, previous_run=previous.pk if previous else None,
                  previous_as_of=previous.as_of.isoformat() if previous else None)
    return result


def _previous_done(run: AnalyticsRun) -> AnalyticsRun | None:
    from rapport.analytics.models import RunStatus

    return (AnalyticsRun.objects.filter(kind=RunKind.RFM, status=RunStatus.DONE).exclude(pk=run.pk)
            .order_by("-finished_at", "-id").first())


def _score_expr(column: str, thresholds: list[float | None], *, reverse: bool) -> tuple[str, list[Any]]:
    """A score 1-5 of `column` against a run's breakpoints: 1 plus the number of breakpoints it reaches."""
    parts, params = [], []
    for t in thresholds:
        if t is None:
            continue
        parts.append(f"CASE WHEN {column} {'<=' if reverse else '>='} %s THEN 1 ELSE 0 END")
        params.append(t)
    return "(1 + " + (" + ".join(parts) if parts else "0") + ")", params


def rfm_rescore_contacts(contact_ids: list[int]) -> int:
    """Rescore changed customers in the latest RFM run against that run's breakpoints (no full recompute).

    Set-based and indexed: per batch of contacts one DELETE and one INSERT ... SELECT from their
    summaries; both return the rows they remove and write (RETURNING), which adjust the run's segment
    sizes, revenue and grid, so pages stay right without a rescan. Recency is measured at the run's
    as-of date (a purchase after it counts as 0 days). The quintiles are re-balanced only by the next
    full run.
    """
    run = latest_run(RunKind.RFM)
    if run is None or not contact_ids or "breakpoints" not in run.result:
        return 0
    result = run.result
    written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            execute("SET LOCAL jit = off")  # indexed statements on a few thousand rows: compiling costs more
        from rapport.analytics.services.segment_tags import rfm_tags_sync

        cell_columns = f"segment, r, f, {as_float('monetary')}"
        for part in chunks(sorted(set(contact_ids))):
            scores_of, part_params = in_ids("contact_id", part)
            removed = fetchall(f"DELETE FROM analytics_rfmscore WHERE run_id = %s AND {scores_of} "
                               f"RETURNING {cell_columns}", [run.pk, *part_params])
            _add_cells(result, _cells_from_rows(removed), -1)
            summaries_of, _ = in_ids("s.contact_id", part)
            added = _insert_scores(run, result["breakpoints"], "analytics_purchasesummary s", [], summaries_of,
                                   part_params, returning=cell_columns)
            _add_cells(result, _cells_from_rows(added), 1)
            written += len(added)
            rfm_tags_sync(run, contact_ids=part)
        result["rescored"] = int(result.get("rescored", 0)) + written
        result["rescored_at"] = timezone.now().isoformat()
        run.customers = sum(s["customers"] for s in result["segments"].values())
        AnalyticsRun.objects.filter(pk=run.pk).update(result=result, customers=run.customers)
    return written


def rfm_score_of(contact_id: int) -> RfmScore | None:
    """The contact's scores in the latest RFM run."""
    run = latest_run(RunKind.RFM)
    if run is None:
        return None
    return RfmScore.objects.filter(run=run, contact_id=contact_id).first()
