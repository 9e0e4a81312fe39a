"""ABC analysis: customers ranked by revenue and classed by cumulative share (A: first 80 %, B: next 15 %, C: rest).

A customer is in A when the revenue of all customers ranked above them is below the A threshold, so
the customer who crosses 80 % is still an A (the customers "making" the first 80 %). Ties in revenue
are ordered by contact id so every run gives the same classes. Thresholds are editable per run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.analytics.models import AnalyticsRun
from rapport.analytics.services.runs import run_progress
from rapport.analytics.services.settings import activity_costs
from rapport.analytics.services.sql import base_currency, converted, date_param, execute, fetchall, ts_param
from rapport.analytics.services.summary import ensure_convertible, summary_source_sql

PARETO_POINTS = 100


def abc_thresholds(params: dict[str, Any]) -> tuple[float, float]:
    """Validate the A and B shares (percent) of a run."""
    try:
        a = float(params.get("a_share", 80))
        b = float(params.get("b_share", 15))
    except (TypeError, ValueError):
        raise ValidationError({"a_share": ["Enter the A and B shares as percentages, like 80 and 15."]})
    if not (0 < a < 100 and b > 0 and a + b <= 100):
        raise ValidationError({"a_share": ["A and B shares must be above 0 and add up to at most 100 %."]})
    return a, b


def abc_compute(run: AnalyticsRun) -> dict[str, Any]:
    """Class every customer with revenue up to the as-of date; store classes, class totals and Pareto points."""
    a_share, b_share = abc_thresholds(run.params)
    ensure_convertible()
    source, source_params = summary_source_sql(run.as_of)
    run_progress(run, 10, "Adding up revenue")
    total, n = fetchall(f"SELECT COALESCE(SUM(s.total_spend), 0), COUNT(*) FROM {source} "
                        f"WHERE s.first_purchase <= %s", [*source_params, date_param(run.as_of)])[0]
    total, n = float(total or 0), int(n or 0)
    if n == 0:
        raise ValidationError(f"No customer has bought anything on or before {run.as_of}; record orders first.")
    if total <= 0:
        raise ValidationError("Every customer's revenue is zero, so there is nothing to divide into A, B and C; "
                              "check that orders carry their amounts.")
    a_cut, b_cut = a_share / 100.0, (a_share + b_share) / 100.0
    run_progress(run, 40, f"Classing {n:,} customers")
    with transaction.atomic():
        execute(
            f"INSERT INTO analytics_abcclass (run_id, contact_id, revenue, cumulative_share, abc) "
            f"SELECT {int(run.pk)}, contact_id, rev, cum / %s, CASE WHEN rev <= 0 THEN 'C' "
            f"WHEN (cum - rev) / %s < %s THEN 'A' WHEN (cum - rev) / %s < %s THEN 'B' ELSE 'C' END FROM ("
            f"SELECT s.contact_id AS contact_id, CAST(s.total_spend AS DOUBLE PRECISION) AS rev, "
            f"SUM(CAST(s.total_spend AS DOUBLE PRECISION)) OVER (ORDER BY s.total_spend DESC, s.contact_id "
            f"ROWS UNBOUNDED PRECEDING) AS cum FROM {source} WHERE s.first_purchase <= %s) w",
            [total, total, a_cut, total, b_cut, *source_params, date_param(run.as_of)],
        )
    run_progress(run, 80, "Drawing the Pareto curve")
    classes = {c: {"customers": int(k), "revenue": float(r or 0)} for c, k, r in fetchall(
        "SELECT abc, COUNT(*), SUM(revenue) FROM analytics_abcclass WHERE run_id = %s GROUP BY abc", [run.pk])}
    for c in "ABC":
        classes.setdefault(c, {"customers": 0, "revenue": 0.0})
        classes[c]["customer_share"] = classes[c]["customers"] / n
        classes[c]["revenue_share"] = classes[c]["revenue"] / total
    step = max(1, n // PARETO_POINTS)
    points = fetchall(
        "SELECT rn, cumulative_share FROM (SELECT ROW_NUMBER() OVER (ORDER BY revenue DESC, contact_id) AS rn, "
        "cumulative_share FROM analytics_abcclass WHERE run_id = %s) t WHERE rn %% %s = 0 OR rn = 1 OR rn = %s "
        "ORDER BY rn", [run.pk, step, n])
    pareto = [[0.0, 0.0]] + [[int(rn) / n, float(share)] for rn, share in points]
    run_progress(run, 90, "Adding up the cost to serve")
    warnings = cost_to_serve(run, classes)
    return {"customers": n, "revenue": total, "a_share": a_share, "b_share": b_share, "classes": classes,
            "pareto": pareto, "activity_costs": {k: str(v) for k, v in activity_costs().items()},
            "warnings": warnings}


def cost_to_serve(run: AnalyticsRun, classes: dict[str, dict[str, Any]]) -> list[str]:
    """Add each class's activities, their cost, recorded service costs, cost to serve and margin after it.

    Cost to serve = activities with the class's customers up to the as-of date x the cost per activity
    kind (analytics settings) + recorded service costs up to that date, in the base currency. Service
    costs that cannot be converted are left out and named in a warning, never added as plain numbers.
    """
    costs = activity_costs()
    end = ts_param(run.as_of + dt.timedelta(days=1))
    for c in classes.values():
        c.update(activities={}, activity_cost=0.0, recorded_cost=0.0)
    for abc, kind, count in fetchall(
        "SELECT a.abc, act.kind, COUNT(*) FROM analytics_abcclass a JOIN activities_activity act "
        "ON act.contact_id = a.contact_id WHERE a.run_id = %s AND act.deleted_at IS NULL AND act.created_at < %s "
        "GROUP BY a.abc, act.kind", [run.pk, end]):
        cls = classes[str(abc)]
        cls["activities"][str(kind)] = int(count)
        cls["activity_cost"] += float(costs.get(str(kind), Decimal(0)) * int(count))
    warnings = []
    for abc, amount, unconverted in fetchall(
        f"SELECT a.abc, SUM(x.amount), SUM(CASE WHEN x.amount IS NULL THEN 1 ELSE 0 END) FROM analytics_abcclass a "
        f"JOIN (SELECT c.contact_id, {converted('c.amount', 'c.currency', 'c.incurred_on')} AS amount "
        f"FROM analytics_servicecost c WHERE c.incurred_on <= %s) x ON x.contact_id = a.contact_id "
        f"WHERE a.run_id = %s GROUP BY a.abc", [base_currency(), date_param(run.as_of), run.pk]):
        classes[str(abc)]["recorded_cost"] = float(amount or 0)
        if unconverted:
            one = int(unconverted) == 1
            warnings.append(f"Class {abc}: {int(unconverted)} service cost {'entry' if one else 'entries'} without an "
                            f"exchange rate to {base_currency()} {'is' if one else 'are'} left out of the cost to "
                            f"serve; add the exchange rates and reclassify.")
    for c in classes.values():
        c["cost_to_serve"] = round(c["activity_cost"] + c["recorded_cost"], 2)
        c["margin"] = round(c["revenue"] - c["cost_to_serve"], 2)
        c["cost_per_customer"] = round(c["cost_to_serve"] / c["customers"], 2) if c["customers"] else 0.0
        c["cost_share_of_revenue"] = c["cost_to_serve"] / c["revenue"] if c["revenue"] > 0 else None
    return warnings
