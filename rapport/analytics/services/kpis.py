"""KPIs for a period compared with the previous one, the dashboards' chart data and the sales forecast.

All figures are computed set-based in SQL by a background run and stored in the run's result; pages
only read them. Money is in the base currency (dated exchange rates; amounts without a rate are left
out and counted in a warning).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from rapport.analytics.models import AcquisitionCost, AnalyticsRun, KpiTarget, RunKind
from rapport.analytics.services.runs import latest_run, run_progress
from rapport.analytics.services.sql import (
    PURCHASE_WHERE,
    base_currency,
    converted,
    date_param,
    day_of,
    days_between_ts,
    fetchall,
    month_of,
    quarter_of,
    ts_param,
)

# key: (label, formula, unit, higher_is_better, drill-down record type)
KPIS: dict[str, tuple[str, str, str, bool, str]] = {
    "new_customers": ("New customers", "Customers whose first purchase falls in the period", "count", True,
                      "contacts"),
    "lead_conversion": ("Lead conversion rate", "Leads converted in the period ÷ leads created in the period",
                        "percent", True, "leads"),
    "win_rate": ("Win rate", "Deals won in the period ÷ deals closed (won + lost) in the period", "percent", True,
                 "deals"),
    "avg_deal_size": ("Average deal size", "Sum of won deal amounts ÷ number of deals won in the period", "money",
                      True, "deals"),
    "sales_cycle": ("Sales cycle length", "Average days from creating a deal to winning it, for deals won in the "
                    "period", "days", False, "deals"),
    "pipeline_value": ("Pipeline value", "Sum of the amounts of open deals expected to close in the period "
                       "(or without a date)", "money", True, "deals"),
    "cac": ("Customer acquisition cost", "Acquisition costs recorded for the period ÷ new customers", "money",
            False, "contacts"),
    "avg_clv": ("Average CLV", "Mean discounted lifetime value over the latest CLV run's horizon", "money", True,
                "contacts"),
    "arpu": ("ARPU", "Revenue from orders in the period ÷ customers who bought in the period", "money", True,
             "contacts"),
    "churn_rate": ("Churn rate", "Customers who bought in the previous period but not in this one ÷ customers "
                   "who bought in the previous period", "percent", False, "contacts"),
    "retention": ("Retention", "Customers who bought in the previous period and again in this one ÷ customers "
                  "who bought in the previous period", "percent", True, "contacts"),
}


def kpi_period(params: dict[str, Any], as_of: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The period (default: the quarter to the as-of date) and the previous period of the same length."""
    def day(name: str, default: dt.date) -> dt.date:
        value = params.get(name)
        if value in (None, ""):
            return default
        try:
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError({name: ["Enter a date as YYYY-MM-DD."]})

    start = day("period_start", dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1))
    end = day("period_end", as_of)
    if end < start:
        raise ValidationError({"period_end": ["The period must end on or after its start."]})
    if (end - start).days > 3660:
        raise ValidationError({"period_end": ["Choose a period of at most ten years."]})
    prev_end = start - dt.timedelta(days=1)
    return start, end, prev_end - (end - start), prev_end


def _ratio(num: float | None, den: float | None) -> float | None:
    return None if not den or num is None else float(num) / float(den)


def _period_values(start: dt.date, end: dt.date, prev_start: dt.date, prev_end: dt.date) -> dict[str, Any]:
    """The raw KPI numbers of one period (numerators and denominators kept for the explanation)."""
    lo, hi = ts_param(start), ts_param(end + dt.timedelta(days=1))
    base = base_currency()
    v: dict[str, Any] = {}
    v["new_customers"] = int(fetchall("SELECT COUNT(*) FROM analytics_purchasesummary WHERE first_purchase >= %s "
                                      "AND first_purchase <= %s", [date_param(start), date_param(end)])[0][0])
    created, converted_leads = fetchall(
        "SELECT SUM(CASE WHEN created_at >= %s AND created_at < %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN converted_at >= %s AND converted_at < %s THEN 1 ELSE 0 END) FROM sales_lead "
        "WHERE deleted_at IS NULL AND ((created_at >= %s AND created_at < %s) OR (converted_at >= %s AND "
        "converted_at < %s))", [lo, hi] * 4)[0]
    v["leads_created"], v["leads_converted"] = int(created or 0), int(converted_leads or 0)
    won_amount = converted("d.amount", "d.currency", day_of("d.closed_at"))
    row = fetchall(
        f"SELECT SUM(CASE WHEN s.kind = 'won' THEN 1 ELSE 0 END), COUNT(*), "
        f"SUM(CASE WHEN s.kind = 'won' THEN {won_amount} END), "
        f"AVG(CASE WHEN s.kind = 'won' THEN {days_between_ts('d.closed_at', 'd.created_at')} END), "
        f"SUM(CASE WHEN s.kind = 'won' AND ({won_amount}) IS NULL THEN 1 ELSE 0 END) "
        f"FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id WHERE d.deleted_at IS NULL "
        f"AND d.closed_at >= %s AND d.closed_at < %s AND s.kind IN ('won', 'lost')",
        [base, base, lo, hi])[0]
    v["deals_won"], v["deals_closed"] = int(row[0] or 0), int(row[1] or 0)
    v["won_amount"], v["cycle_days"], v["won_unconverted"] = float(row[2] or 0), _f(row[3]), int(row[4] or 0)
    open_amount = converted("d.amount", "d.currency", "%s")
    row = fetchall(
        f"SELECT SUM({open_amount}), SUM({open_amount} * s.probability / 100.0), COUNT(*) FROM sales_deal d "
        f"JOIN sales_stage s ON s.id = d.stage_id WHERE d.deleted_at IS NULL AND s.kind = 'open' "
        f"AND (d.expected_close_date IS NULL OR (d.expected_close_date >= %s AND d.expected_close_date <= %s))",
        [base, date_param(end), base, date_param(end), date_param(start), date_param(end)])[0]
    v["pipeline_value"], v["pipeline_weighted"], v["open_deals"] = float(row[0] or 0), float(row[1] or 0), int(
        row[2] or 0)
    day = day_of("o.ordered_at")
    row = fetchall(
        f"SELECT COUNT(DISTINCT o.contact_id), SUM({converted('o.total', 'o.currency', day)}) FROM sales_order o "
        f"WHERE {PURCHASE_WHERE} AND o.ordered_at >= %s AND o.ordered_at < %s", [base, lo, hi])[0]
    v["active_customers"], v["revenue"] = int(row[0] or 0), float(row[1] or 0)
    plo, phi = ts_param(prev_start), ts_param(prev_end + dt.timedelta(days=1))
    row = fetchall(
        f"SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM sales_order o WHERE o.contact_id = p.contact_id "
        f"AND {PURCHASE_WHERE} AND o.ordered_at >= %s AND o.ordered_at < %s) THEN 1 ELSE 0 END) FROM "
        f"(SELECT DISTINCT o.contact_id FROM sales_order o WHERE {PURCHASE_WHERE} AND o.ordered_at >= %s "
        f"AND o.ordered_at < %s) p", [lo, hi, plo, phi])[0]
    v["previous_active"], v["retained"] = int(row[0] or 0), int(row[1] or 0)
    costs = AcquisitionCost.objects.filter(period_start__gte=start, period_end__lte=end)
    v["acquisition_cost"], v["costs_unconverted"] = _costs_in_base(costs)
    return v


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _costs_in_base(costs: Any) -> tuple[float, int]:
    from rapport.sales.models import ExchangeRate

    total, missing = 0.0, 0
    for cost in costs:
        if cost.currency == base_currency():
            total += float(cost.amount)
            continue
        rate = (ExchangeRate.objects.filter(currency=cost.currency, date__lte=cost.period_end)
                .order_by("-date").values_list("rate", flat=True).first())
        if rate is None:
            missing += 1
        else:
            total += float(cost.amount * rate)
    return total, missing


def _kpi_values(v: dict[str, Any], avg_clv: float | None) -> dict[str, float | None]:
    churn = _ratio(v["previous_active"] - v["retained"], v["previous_active"])
    return {
        "new_customers": float(v["new_customers"]),
        "lead_conversion": _ratio(v["leads_converted"], v["leads_created"]),
        "win_rate": _ratio(v["deals_won"], v["deals_closed"]),
        "avg_deal_size": _ratio(v["won_amount"], v["deals_won"]),
        "sales_cycle": v["cycle_days"],
        "pipeline_value": v["pipeline_value"],
        "cac": _ratio(v["acquisition_cost"], v["new_customers"]) if v["acquisition_cost"] else None,
        "avg_clv": avg_clv,
        "arpu": _ratio(v["revenue"], v["active_customers"]),
        "churn_rate": churn,
        "retention": None if churn is None else 1 - churn,
    }


def _explain(key: str, v: dict[str, Any]) -> str:
    """The KPI's numbers in words (numerator and denominator)."""
    money = base_currency()
    return {
        "new_customers": f"{v['new_customers']} first purchases",
        "lead_conversion": f"{v['leads_converted']} converted of {v['leads_created']} new leads",
        "win_rate": f"{v['deals_won']} won of {v['deals_closed']} closed deals",
        "avg_deal_size": f"{v['won_amount']:,.2f} {money} over {v['deals_won']} won deals",
        "sales_cycle": f"over {v['deals_won']} won deals",
        "pipeline_value": f"{v['open_deals']} open deals; weighted by stage probability {v['pipeline_weighted']:,.2f}"
                          f" {money}",
        "cac": f"{v['acquisition_cost']:,.2f} {money} of costs for {v['new_customers']} new customers",
        "avg_clv": "from the latest lifetime-value run",
        "arpu": f"{v['revenue']:,.2f} {money} from {v['active_customers']} buying customers",
        "churn_rate": f"{v['previous_active'] - v['retained']} of {v['previous_active']} did not buy again",
        "retention": f"{v['retained']} of {v['previous_active']} bought again",
    }[key]


def _target_for(key: str, start: dt.date, end: dt.date) -> float | None:
    target = (KpiTarget.objects.filter(kpi=key, period_start__lte=end, period_end__gte=start)
              .order_by("-period_start").values_list("value", flat=True).first())
    return None if target is None else float(target)


def kpi_table(start: dt.date, end: dt.date, prev_start: dt.date, prev_end: dt.date) -> tuple[list[dict[str, Any]],
                                                                                              list[str]]:
    """Every KPI with value, previous value, target, status, formula and explanation."""
    clv_run = latest_run(RunKind.CLV)
    avg_clv = clv_run.result.get("totals", {}).get("average_clv") if clv_run else None
    prev_clv_run = latest_run(RunKind.CLV, before=clv_run) if clv_run else None
    prev_avg = prev_clv_run.result.get("totals", {}).get("average_clv") if prev_clv_run else None
    now_v = _period_values(start, end, prev_start, prev_end)
    prev_len = prev_end - prev_start
    before_v = _period_values(prev_start, prev_end, prev_start - dt.timedelta(days=1) - prev_len,
                              prev_start - dt.timedelta(days=1))
    current, previous = _kpi_values(now_v, avg_clv), _kpi_values(before_v, prev_avg)
    rows = []
    for key, (label, formula, unit, higher, drill) in KPIS.items():
        value, prev = current[key], previous[key]
        target = _target_for(key, start, end)
        status = None
        if target is not None and value is not None:
            status = "achieved" if (value >= target if higher else value <= target) else "below target"
        change = None if value is None or prev in (None, 0) else (value - prev) / abs(prev)  # type: ignore[operator]
        rows.append({"key": key, "label": label, "formula": formula, "unit": unit, "higher_is_better": higher,
                     "value": value, "previous": prev, "change": change, "target": target, "status": status,
                     "explanation": _explain(key, now_v), "drill": drill})
    warnings = []
    if now_v["won_unconverted"]:
        warnings.append(f"{now_v['won_unconverted']} won deal(s) in another currency have no exchange rate and are "
                        f"left out of the amounts; add the missing rates.")
    if now_v["costs_unconverted"]:
        warnings.append(f"{now_v['costs_unconverted']} cost entr(ies) have no exchange rate and are left out of CAC.")
    return rows, warnings


def dashboard_charts(as_of: dt.date, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Chart data: pipeline by stage, funnel, won revenue by month, churn by quarter, cohort retention."""
    base = base_currency()
    open_amount = converted("d.amount", "d.currency", "%s")
    stages = fetchall(
        f"SELECT p.id, p.name, s.id, s.name, s.position, s.kind, s.probability, COUNT(d.id), "
        f"COALESCE(SUM({open_amount}), 0) FROM sales_stage s JOIN sales_pipeline p ON p.id = s.pipeline_id "
        f"LEFT JOIN sales_deal d ON d.stage_id = s.id AND d.deleted_at IS NULL "
        f"GROUP BY p.id, p.name, s.id, s.name, s.position, s.kind, s.probability "
        f"ORDER BY p.is_default DESC, p.position, p.id, s.position, s.id", [base, date_param(as_of)])
    pipelines: dict[int, dict[str, Any]] = {}
    for pid, pname, sid, sname, _pos, kind, prob, count, amount in stages:
        pipe = pipelines.setdefault(pid, {"id": pid, "name": pname, "stages": []})
        pipe["stages"].append({"id": sid, "name": sname, "kind": kind, "probability": prob, "deals": int(count),
                               "amount": float(amount)})
    lo, hi = ts_param(start), ts_param(end + dt.timedelta(days=1))
    funnel_row = fetchall(
        "SELECT (SELECT COUNT(*) FROM sales_lead WHERE deleted_at IS NULL AND created_at >= %s AND created_at < %s), "
        "(SELECT COUNT(*) FROM sales_lead WHERE deleted_at IS NULL AND converted_at >= %s AND converted_at < %s), "
        "(SELECT COUNT(*) FROM sales_deal WHERE deleted_at IS NULL AND created_at >= %s AND created_at < %s), "
        "(SELECT COUNT(*) FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id WHERE d.deleted_at IS NULL "
        "AND s.kind = 'won' AND d.closed_at >= %s AND d.closed_at < %s)", [lo, hi] * 4)[0]
    funnel = [{"label": label, "count": int(n or 0), "drill": drill} for label, n, drill in zip(
        ["New leads", "Converted leads", "New deals", "Won deals"], funnel_row,
        ["leads_created", "leads_converted", "deals_created", "deals_won"], strict=True)]
    first_month = _add_months(dt.date(as_of.year, as_of.month, 1), -11)
    won = dict(fetchall(
        f"SELECT {month_of('d.closed_at')}, SUM({converted('d.amount', 'd.currency', day_of('d.closed_at'))}) "
        f"FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id WHERE d.deleted_at IS NULL AND s.kind = 'won' "
        f"AND d.closed_at >= %s AND d.closed_at < %s GROUP BY 1",
        [base, ts_param(first_month), ts_param(_add_months(dt.date(as_of.year, as_of.month, 1), 1))]))
    won_by_month = []
    for i in range(12):
        month = _add_months(first_month, i)
        won_by_month.append({"month": month.isoformat(), "amount": float(won.get(month.year * 12 + month.month - 1)
                                                                          or 0)})
    quarters = _quarter_activity(as_of)
    return {"pipelines": list(pipelines.values()), "funnel": funnel, "won_by_month": won_by_month, **quarters}


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _quarter_label(q: int) -> str:
    return f"{q // 4} Q{q % 4 + 1}"


def _quarter_activity(as_of: dt.date, quarters: int = 8) -> dict[str, Any]:
    """Churn by quarter and cohort retention, from who bought in which quarter (last `quarters` quarters)."""
    current = as_of.year * 4 + (as_of.month - 1) // 3
    first = current - quarters  # one extra quarter, the base of the first churn figure
    start = dt.date(first // 4, (first % 4) * 3 + 1, 1)
    q = quarter_of("o.ordered_at")
    active = (f"SELECT DISTINCT o.contact_id AS contact_id, {q} AS q FROM sales_order o WHERE {PURCHASE_WHERE} "
              f"AND o.ordered_at >= %s AND o.ordered_at < %s")
    until = ts_param(as_of + dt.timedelta(days=1))
    rows = fetchall(
        f"WITH a AS ({active}) SELECT a.q, COUNT(*), SUM(CASE WHEN b.contact_id IS NULL THEN 1 ELSE 0 END) "
        f"FROM a LEFT JOIN a b ON b.contact_id = a.contact_id AND b.q = a.q + 1 WHERE a.q < %s GROUP BY a.q "
        f"ORDER BY a.q", [ts_param(start), until, current])
    churn = [{"quarter": _quarter_label(int(qq) + 1), "base": int(n), "churned": int(lost),
              "rate": int(lost) / int(n) if n else None} for qq, n, lost in rows]
    cohort_q = quarter_of("s.first_purchase")
    cells = fetchall(
        f"WITH a AS ({active}) SELECT {cohort_q} AS cq, a.q - {cohort_q}, COUNT(*) FROM a "
        f"JOIN analytics_purchasesummary s ON s.contact_id = a.contact_id WHERE s.first_purchase >= %s "
        f"GROUP BY {cohort_q}, a.q - {cohort_q} ORDER BY 1, 2",
        [ts_param(start), until, date_param(dt.date((first + 1) // 4, ((first + 1) % 4) * 3 + 1, 1))])
    cohorts: dict[int, dict[str, Any]] = {}
    for cq, offset, n in cells:
        cohort = cohorts.setdefault(int(cq), {"quarter": _quarter_label(int(cq)), "size": 0, "shares": []})
        if int(offset) == 0:
            cohort["size"] = int(n)
        cohort["shares"].append((int(offset), int(n)))
    retention = []
    for cq in sorted(cohorts):
        cohort = cohorts[cq]
        size = cohort["size"] or 1
        shares = dict(cohort["shares"])
        retention.append({"quarter": cohort["quarter"], "size": cohort["size"],
                          "shares": [shares.get(k, 0) / size for k in range(0, current - cq + 1)]})
    return {"churn_by_quarter": churn, "cohort_retention": retention}


def forecast(as_of: dt.date, months_ahead: int = 6) -> dict[str, Any]:
    """Won, weighted pipeline, best case and history-based forecast per owner and month, with targets."""
    base = base_currency()
    first = _add_months(dt.date(as_of.year, as_of.month, 1), -2)
    last = _add_months(dt.date(as_of.year, as_of.month, 1), months_ahead)
    history = {int(stage): (int(n), int(w), _f(days)) for stage, n, w, days in fetchall(
        f"SELECT c.to_stage_id, COUNT(DISTINCT d.id), COUNT(DISTINCT CASE WHEN s.kind = 'won' THEN d.id END), "
        f"AVG(CASE WHEN s.kind = 'won' THEN {days_between_ts('d.closed_at', 'c.changed_at')} END) "
        f"FROM sales_dealstagechange c JOIN sales_deal d ON d.id = c.deal_id JOIN sales_stage s ON s.id = d.stage_id "
        f"WHERE d.deleted_at IS NULL AND s.kind IN ('won', 'lost') GROUP BY c.to_stage_id")}
    won = fetchall(
        f"SELECT d.owner_id, {month_of('d.closed_at')}, SUM({converted('d.amount', 'd.currency', day_of('d.closed_at'))})"
        f" FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id WHERE d.deleted_at IS NULL AND s.kind = 'won' "
        f"AND d.closed_at >= %s AND d.closed_at < %s GROUP BY d.owner_id, 2", [base, ts_param(first), ts_param(last)])
    open_rows = fetchall(
        f"SELECT d.owner_id, d.stage_id, s.probability, {month_of('d.expected_close_date')}, "
        f"{month_of('d.stage_changed_at')}, SUM({converted('d.amount', 'd.currency', '%s')}) FROM sales_deal d "
        f"JOIN sales_stage s ON s.id = d.stage_id WHERE d.deleted_at IS NULL AND s.kind = 'open' "
        f"GROUP BY d.owner_id, d.stage_id, s.probability, 4, 5", [base, date_param(as_of)])
    now_month = as_of.year * 12 + as_of.month - 1
    cells: dict[tuple[Any, int], dict[str, float]] = {}

    def cell(owner: Any, month: int) -> dict[str, float]:
        return cells.setdefault((owner, month), {"won": 0.0, "weighted": 0.0, "best_case": 0.0, "historical": 0.0})

    for owner, month, amount in won:
        c = cell(owner, int(month))
        c["won"] += float(amount or 0)
        c["best_case"] += float(amount or 0)
    no_history = set()
    for owner, stage, probability, close_month, changed_month, amount in open_rows:
        amount = float(amount or 0)
        month = int(close_month) if close_month is not None else None
        n, w, days = history.get(int(stage), (0, 0, None))
        if month is None:
            month = int(changed_month) + int(round((days or 30) / 30.4)) if changed_month is not None else now_month
        month = max(month, now_month)  # overdue deals are expected this month
        c = cell(owner, month)
        c["weighted"] += amount * probability / 100.0
        c["best_case"] += amount
        if n:
            c["historical"] += amount * w / n
        else:
            no_history.add(int(stage))
            c["historical"] += amount * probability / 100.0
    return {"first_month": first.isoformat(), "months": months_ahead + 3,
            "cells": [{"owner": owner, "month": month, **values} for (owner, month), values in sorted(
                cells.items(), key=lambda kv: (kv[0][1], kv[0][0] or 0))],
            "stage_history": {str(k): {"closed": v[0], "won": v[1], "win_rate": v[1] / v[0] if v[0] else None,
                                       "days_to_close": v[2]} for k, v in history.items()},
            "stages_without_history": sorted(no_history), "targets": _targets(first, last)}


def _targets(first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Targets overlapping the forecast window with the owner's won amount in the target period."""
    from rapport.sales.models import Target

    out = []
    base = base_currency()
    for target in Target.objects.filter(period_end__gte=first, period_start__lt=last).select_related("user"):
        won = fetchall(
            f"SELECT SUM({converted('d.amount', 'd.currency', day_of('d.closed_at'))}) FROM sales_deal d "
            f"JOIN sales_stage s ON s.id = d.stage_id WHERE d.deleted_at IS NULL AND s.kind = 'won' AND d.owner_id = %s "
            f"AND d.closed_at >= %s AND d.closed_at < %s",
            [base, target.user_id, ts_param(target.period_start), ts_param(target.period_end + dt.timedelta(days=1))])
        amount = float(won[0][0] or 0)
        out.append({"user": target.user_id, "name": str(target.user), "team": target.user.team_id,
                    "start": target.period_start.isoformat(), "end": target.period_end.isoformat(),
                    "target": float(target.amount), "won": amount,
                    "attainment": amount / float(target.amount) if target.amount > Decimal(0) else None})
    return out


def kpi_compute(run: AnalyticsRun) -> dict[str, Any]:
    """Compute KPIs, dashboard charts and the forecast for the run's period; store everything in the result."""
    start, end, prev_start, prev_end = kpi_period(run.params, run.as_of)
    run_progress(run, 10, "Computing KPIs")
    rows, warnings = kpi_table(start, end, prev_start, prev_end)
    run_progress(run, 50, "Drawing dashboards")
    charts = dashboard_charts(run.as_of, start, end)
    run_progress(run, 80, "Forecasting")
    outlook = forecast(run.as_of)
    return {"period": {"start": start.isoformat(), "end": end.isoformat(), "previous_start": prev_start.isoformat(),
                       "previous_end": prev_end.isoformat()},
            "kpis": rows, "charts": charts, "forecast": outlook, "warnings": warnings, "base_currency": base_currency()}
