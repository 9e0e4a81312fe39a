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
from django.db import transaction

from rapport.analytics.models import AnalyticsRun, RfmScore, RunKind, SegmentRule
from rapport.analytics.services.runs import latest_run, run_progress
from rapport.analytics.services.sql import bulk_insert, chunks, date_param, days_between, execute, fetchall
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
    """A CASE expression naming the segment of columns r and f (first matching rule wins)."""
    rules = list(SegmentRule.objects.order_by("position", "id")) if rules is None else rules
    if not rules:
        return "%s", [UNCLASSIFIED]
    parts, params = [], []
    for rule in rules:
        parts.append("WHEN r BETWEEN %s AND %s AND f BETWEEN %s AND %s THEN %s")
        params += [rule.r_min, rule.r_max, rule.f_min, rule.f_max, rule.name]
    return "CASE " + " ".join(parts) + " ELSE %s END", [*params, UNCLASSIFIED]


def rfm_compute(run: AnalyticsRun) -> dict[str, Any]:
    """Score every customer who bought on or before the run's as-of date; store scores, stats and movement."""
    ensure_convertible()
    as_of = run.as_of
    source, source_params = summary_source_sql(as_of)
    run_progress(run, 10, "Counting customers")
    n = int(fetchall(f"SELECT COUNT(*) FROM {source} WHERE s.first_purchase <= %s",
                     [*source_params, date_param(as_of)])[0][0])
    if n == 0:
        raise ValidationError(f"No customer has bought anything on or before {as_of}; record orders (or import "
                              f"them) and run the segmentation again.")
    recency = _clamp0(days_between("%s", "s.last_purchase"))
    run_progress(run, 30, f"Scoring {n:,} customers")
    rows = fetchall(f"SELECT s.contact_id, {recency}, s.purchase_days, s.total_spend FROM {source} "
                    f"WHERE s.first_purchase <= %s", [date_param(as_of), date_param(as_of), *source_params,
                                                     date_param(as_of)])
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    rd = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    fq = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    mon = np.fromiter((float(r[3]) for r in rows), dtype=float, count=len(rows))
    r_score = 5 - (5 * _lower_count(rd)) // n
    f_score = 1 + (5 * _lower_count(fq)) // n
    m_score = 1 + (5 * _lower_count(mon)) // n
    segments = segment_names(r_score, f_score)
    with transaction.atomic():
        bulk_insert(RfmScore._meta.db_table, SCORE_COLUMNS.split(", "), list(zip(
            [run.pk] * n, ids.tolist(), rd.tolist(), fq.tolist(), [f"{v:.2f}" for v in mon.tolist()],
            r_score.tolist(), f_score.tolist(), m_score.tolist(), segments.tolist(), strict=True)))
    run_progress(run, 80, "Comparing with the previous run")
    result = rfm_statistics(run)
    result["customers"] = n
    return result


def _lower_count(values: np.ndarray) -> np.ndarray:
    """For each value, how many values are strictly lower (RANK() - 1, ties sharing the lowest rank)."""
    ordered = np.sort(values, kind="stable")
    return np.searchsorted(ordered, values, side="left").astype(np.int64)


def segment_names(r: np.ndarray, f: np.ndarray, rules: list[SegmentRule] | None = None) -> np.ndarray:
    """The segment name of each (R, F) pair: the first matching rule in the table wins."""
    rules = list(SegmentRule.objects.order_by("position", "id")) if rules is None else rules
    names = np.full(len(r), UNCLASSIFIED, dtype=object)
    for rule in reversed(rules):
        match = (r >= rule.r_min) & (r <= rule.r_max) & (f >= rule.f_min) & (f <= rule.f_max)
        names[match] = rule.name
    return names


def rfm_statistics(run: AnalyticsRun) -> dict[str, Any]:
    """Segment sizes and revenue, the R x F grid, the score breakpoints and movement since the previous run."""
    rows = fetchall("SELECT segment, COUNT(*), SUM(monetary), AVG(r), AVG(f), AVG(m) FROM analytics_rfmscore "
                    "WHERE run_id = %s GROUP BY segment", [run.pk])
    segments = {r[0]: {"customers": int(r[1]), "revenue": float(r[2] or 0), "avg_r": float(r[3]),
                       "avg_f": float(r[4]), "avg_m": float(r[5])} for r in rows}
    grid = [[0] * 5 for _ in range(5)]
    for r, f, count in fetchall("SELECT r, f, COUNT(*) FROM analytics_rfmscore WHERE run_id = %s GROUP BY r, f",
                                [run.pk]):
        grid[int(r) - 1][int(f) - 1] = int(count)
    aggregates = []
    for k in range(2, 6):
        aggregates += [f"MAX(CASE WHEN r >= {k} THEN recency_days END)", f"MIN(CASE WHEN f >= {k} THEN frequency END)",
                       f"MIN(CASE WHEN m >= {k} THEN monetary END)"]
    values = fetchall(f"SELECT {', '.join(aggregates)} FROM analytics_rfmscore WHERE run_id = %s", [run.pk])[0]
    breakpoints: dict[str, list[float | None]] = {"recency_max": [], "frequency_min": [], "monetary_min": []}
    for i in range(4):
        breakpoints["recency_max"].append(_num(values[3 * i]))
        breakpoints["frequency_min"].append(_num(values[3 * i + 1]))
        breakpoints["monetary_min"].append(_num(values[3 * i + 2]))
    previous = latest_run(RunKind.RFM, before=run) if run.finished_at else _previous_done(run)
    movement: list[dict[str, Any]] = []
    if previous is not None:
        moved = fetchall(
            "SELECT p.segment, c.segment, COUNT(*) FROM analytics_rfmscore c JOIN analytics_rfmscore p "
            "ON p.contact_id = c.contact_id AND p.run_id = %s WHERE c.run_id = %s AND p.segment <> c.segment "
            "GROUP BY p.segment, c.segment ORDER BY COUNT(*) DESC", [previous.pk, run.pk])
        movement = [{"from": a, "to": b, "customers": int(c)} for a, b, c in moved]
    return {"segments": segments, "grid": grid, "breakpoints": breakpoints, "movement": movement,
            "previous_run": previous.pk if previous else None,
            "previous_as_of": previous.as_of.isoformat() if previous else None,
            "revenue": sum(s["revenue"] for s in segments.values())}


def _previous_done(run: AnalyticsRun) -> AnalyticsRun | None:
    from rapport.analytics.models import RunStatus

    return (AnalyticsRun.objects.filter(kind=RunKind.RFM, status=RunStatus.DONE).exclude(pk=run.pk)
            .order_by("-finished_at", "-id").first())


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _score_expr(column: str, thresholds: list[float | None], *, reverse: bool) -> tuple[str, list[Any]]:
    """A score 1-5 of `column` against a run's breakpoints (for customers changed since the run)."""
    parts, params = [], []
    for t in thresholds:
        if t is None:
            continue
        parts.append(f"CASE WHEN {column} {'<=' if reverse else '>='} %s THEN 1 ELSE 0 END")
        params.append(t)
    return "(1 + " + (" + ".join(parts) if parts else "0") + ")", params


def rfm_rescore_contacts(contact_ids: list[int]) -> int:
    """Rescore changed customers in the latest RFM run with that run's breakpoints (no full recompute).

    Recency is measured at the run's as-of date (a purchase after it counts as 0 days). Segment sizes
    and revenue of the run are adjusted by the difference, so pages stay right without a rescan.
    """
    run = latest_run(RunKind.RFM)
    if run is None or not contact_ids or "breakpoints" not in run.result:
        return 0
    bp = run.result["breakpoints"]
    r_expr, r_params = _score_expr("rd", bp["recency_max"], reverse=True)
    f_expr, f_params = _score_expr("fq", bp["frequency_min"], reverse=False)
    m_expr, m_params = _score_expr("mon", bp["monetary_min"], reverse=False)
    case, case_params = segment_case()
    recency = _clamp0(days_between("%s", "s.last_purchase"))
    segments: dict[str, dict[str, Any]] = run.result.get("segments", {})
    written = 0
    with transaction.atomic():
        for part in chunks(sorted(set(contact_ids))):
            marks = ", ".join(["%s"] * len(part))
            before = fetchall(f"SELECT segment, COUNT(*), SUM(monetary) FROM analytics_rfmscore WHERE run_id = %s "
                              f"AND contact_id IN ({marks}) GROUP BY segment", [run.pk, *part])
            execute(f"DELETE FROM analytics_rfmscore WHERE run_id = %s AND contact_id IN ({marks})", [run.pk, *part])
            written += execute(
                f"INSERT INTO analytics_rfmscore ({SCORE_COLUMNS}) SELECT {int(run.pk)}, contact_id, rd, fq, mon, "
                f"r, f, m, {case} FROM (SELECT contact_id, rd, fq, mon, {r_expr} AS r, {f_expr} AS f, "
                f"{m_expr} AS m FROM (SELECT s.contact_id AS contact_id, {recency} AS rd, s.purchase_days AS fq, "
                f"s.total_spend AS mon FROM analytics_purchasesummary s WHERE s.contact_id IN ({marks})) b) w",
                [*case_params, *r_params, *f_params, *m_params, date_param(run.as_of), date_param(run.as_of), *part],
            )
            after = fetchall(f"SELECT segment, COUNT(*), SUM(monetary) FROM analytics_rfmscore WHERE run_id = %s "
                             f"AND contact_id IN ({marks}) GROUP BY segment", [run.pk, *part])
            for rows, sign in ((before, -1), (after, 1)):
                for name, count, revenue in rows:
                    seg = segments.setdefault(name, {"customers": 0, "revenue": 0.0, "avg_r": 0, "avg_f": 0,
                                                     "avg_m": 0})
                    seg["customers"] += sign * int(count)
                    seg["revenue"] += sign * float(revenue or 0)
        run.result["segments"] = {k: v for k, v in segments.items() if v["customers"] > 0}
        run.result["revenue"] = sum(s["revenue"] for s in run.result["segments"].values())
        run.result["rescored"] = int(run.result.get("rescored", 0)) + written
        run.customers = sum(s["customers"] for s in run.result["segments"].values())
        AnalyticsRun.objects.filter(pk=run.pk).update(result=run.result, customers=run.customers)
    return written


def rfm_score_of(contact_id: int) -> RfmScore | None:
    """The contact's scores in the latest RFM run."""
    run = latest_run(RunKind.RFM)
    if run is None:
        return None
    return RfmScore.objects.filter(run=run, contact_id=contact_id).first()
