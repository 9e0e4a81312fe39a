"""Customer lifetime value and churn risk: BG/NBD + Gamma-Gamma fitted on a calibration period.

A run's parameters: calibration_start, calibration_end (default: the as-of date), optional
holdout_end (fit diagnostics: predicted vs actual repeat purchases after the calibration), horizon in
weeks and an annual discount rate. Time is measured in weeks; purchases are counted on distinct days;
orders before the calibration start are ignored. Per-customer scores are as of the calibration end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from rapport.analytics.models import AnalyticsRun, ClvScore, RunKind
from rapport.analytics.services.btyd import (
    BgNbd,
    FitError,
    GammaGamma,
    discounted_value,
    fit_bgnbd,
    fit_gamma_gamma,
)
from rapport.analytics.services.runs import latest_run, run_progress
from rapport.analytics.services.sql import (
    PURCHASE_WHERE,
    as_float,
    base_currency,
    bulk_insert,
    converted,
    day_number,
    day_of,
    fetchall,
)
from rapport.analytics.services.summary import ensure_convertible

THIN_CUSTOMERS = 200
THIN_REPEATERS = 50
AT_RISK_P_ALIVE = 0.5
AT_RISK_TOP_SHARE = 0.2  # "valuable": the top 20 % by CLV


@dataclass
class CalibrationData:
    contact_ids: np.ndarray
    first_day: np.ndarray  # day ordinals
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    mean_spend: np.ndarray
    holdout_days: np.ndarray  # ordinals of repeat purchase days after the calibration end (cohort only)
    repeat_days_calibration: np.ndarray  # ordinals of repeat purchase days inside the calibration


def load_purchase_days(start: dt.date, end: dt.date) -> np.ndarray:
    """One row per (contact, purchase day) between start and end: contact id, day ordinal, spend in the base currency.

    Sorted by contact and day. The database only filters and converts (a range scan of the ordered_at
    index, numbers only, fetched in batches); grouping orders into purchase days happens in numpy, which
    spares the database a sort of every order in the window.
    """
    day = day_of("o.ordered_at")
    sql = (
        f"SELECT o.contact_id, {day_number('o.ordered_at')}, {as_float(converted('o.total', 'o.currency', day))} "
        f"FROM sales_order o WHERE {PURCHASE_WHERE} AND o.ordered_at >= %s AND o.ordered_at < %s"
    )
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [base_currency(), _start_of(start), _start_of(end + dt.timedelta(days=1))])
        while batch := cursor.fetchmany(100_000):
            parts.append(np.array(batch, dtype=float))
    if not parts:
        return np.empty((0, 3))
    orders = np.concatenate(parts)
    contacts, days = orders[:, 0].astype(np.int64), orders[:, 1].astype(np.int64)
    key = contacts * (1 << 22) + days  # day ordinals stay below 2**22 until the year 11000
    unique, inverse = np.unique(key, return_inverse=True)  # sorted by contact, then day
    spend = np.bincount(inverse.reshape(-1), weights=np.nan_to_num(orders[:, 2]), minlength=len(unique))
    return np.column_stack([(unique >> 22).astype(float), (unique & ((1 << 22) - 1)).astype(float), spend])


def _start_of(day: dt.date) -> Any:
    moment = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return connection.ops.adapt_datetimefield_value(moment)


def calibration_data(rows: np.ndarray | list[tuple[Any, ...]], calibration_end: dt.date) -> CalibrationData:
    """Turn (contact, day ordinal, spend) rows sorted by contact and day into x, t_x, T and mean repeat spend."""
    rows = np.asarray(rows, dtype=float).reshape(-1, 3)
    if len(rows) == 0:
        empty = np.array([], dtype=float)
        return CalibrationData(np.array([], dtype=np.int64), empty, empty, empty, empty, empty, empty, empty)
    contacts = rows[:, 0].astype(np.int64)
    days = rows[:, 1].astype(np.int64)
    amounts = rows[:, 2]
    end = calibration_end.toordinal()
    ids, starts, counts = np.unique(contacts, return_index=True, return_counts=True)
    first = days[starts]
    cohort = first <= end
    in_cal = days <= end
    cal_counts = np.add.reduceat(in_cal.astype(np.int64), starts)
    cal_sum = np.add.reduceat(np.where(in_cal, amounts, 0.0), starts)
    last_cal = np.maximum.reduceat(np.where(in_cal, days, -1), starts)
    x = (cal_counts - 1).astype(float)
    repeat_sum = cal_sum - amounts[starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(x > 0, repeat_sum / np.maximum(x, 1), 0.0)
    is_first = np.zeros(len(rows), dtype=bool)
    is_first[starts] = True
    member = np.repeat(cohort, counts)
    holdout = days[member & ~in_cal]
    repeat_cal = days[member & in_cal & ~is_first]
    return CalibrationData(
        contact_ids=ids[cohort], first_day=first[cohort].astype(float), x=x[cohort],
        t_x=(last_cal[cohort] - first[cohort]) / 7.0, T=(end - first[cohort]) / 7.0, mean_spend=mean[cohort],
        holdout_days=holdout.astype(float), repeat_days_calibration=repeat_cal.astype(float),
    )


def clv_params(run: AnalyticsRun) -> dict[str, Any]:
    """Validate and complete a CLV run's parameters."""
    p = dict(run.params)
    errors: dict[str, list[str]] = {}

    def day(name: str, default: dt.date | None) -> dt.date | None:
        value = p.get(name)
        if value in (None, ""):
            return default
        try:
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            errors[name] = ["Enter a date as YYYY-MM-DD."]
            return default

    cal_end = day("calibration_end", run.as_of) or run.as_of
    cal_start = day("calibration_start", dt.date(cal_end.year - 3, cal_end.month, 1)) or cal_end
    holdout_end = day("holdout_end", None)
    if cal_start >= cal_end:
        errors["calibration_start"] = ["The calibration must start before it ends."]
    if holdout_end is not None and holdout_end <= cal_end:
        errors["holdout_end"] = ["The holdout must end after the calibration end."]
    try:
        horizon = float(p.get("horizon_weeks", 52))
        discount = float(p.get("annual_discount", 0.10))
    except (TypeError, ValueError):
        raise ValidationError({"horizon_weeks": ["Enter the horizon in weeks and the discount rate as numbers."]})
    if not 1 <= horizon <= 520:
        errors["horizon_weeks"] = ["Choose a horizon between 1 and 520 weeks."]
    if not 0 <= discount < 1:
        errors["annual_discount"] = ["Enter an annual discount rate between 0 and 0.99 (e.g. 0.10 for 10 %)."]
    if errors:
        raise ValidationError(errors)
    return {"calibration_start": cal_start, "calibration_end": cal_end, "holdout_end": holdout_end,
            "horizon_weeks": horizon, "annual_discount": discount}


def fit_diagnostics(model: BgNbd, data: CalibrationData, start: dt.date, cal_end: dt.date,
                    holdout_end: dt.date | None) -> dict[str, Any]:
    """Predicted vs actual repeat purchases per period, from the calibration start to the holdout end."""
    end = holdout_end or cal_end
    span_days = end.toordinal() - start.toordinal() + 1
    period = 7 if span_days <= 7 * 120 else 28
    edges = np.arange(start.toordinal(), end.toordinal() + period + 1, period, dtype=float)
    edges[-1] = min(edges[-1], end.toordinal() + 1)
    edges = np.unique(edges)
    births, weights = np.unique(data.first_day, return_counts=True)
    # Expected cumulative repeat purchases of the cohort by each edge: sum of E[X(t - birth)].
    # A purchase on day d happens during that day, so by the edge day e it had e - birth - 1 days... we use
    # whole-day resolution: repeat purchases strictly before edge e come from (e - 1 - birth) days of life.
    ages = np.clip((edges[:, None] - 1 - births[None, :]) / 7.0, 0, None)
    cumulative = (model.expected_purchases_new(ages) * weights[None, :]).sum(axis=1)
    predicted = np.diff(cumulative)
    all_repeats = np.concatenate([data.repeat_days_calibration, data.holdout_days])
    actual, _ = np.histogram(all_repeats, bins=edges)
    periods = []
    for i in range(len(edges) - 1):
        first_day = dt.date.fromordinal(int(edges[i]))
        periods.append({
            "start": first_day.isoformat(), "actual": int(actual[i]), "predicted": round(float(predicted[i]), 2),
            "cumulative_actual": int(actual[: i + 1].sum()), "cumulative_predicted": round(float(cumulative[i + 1]), 2),
            "holdout": first_day > cal_end,
        })
    holdout_actual = int(len(data.holdout_days))
    cal_end_edge = cal_end.toordinal() + 1
    cum_at = lambda e: float((model.expected_purchases_new(  # noqa: E731
        np.clip((e - 1 - births) / 7.0, 0, None)) * weights).sum())
    holdout_predicted = (cum_at(end.toordinal() + 1) - cum_at(cal_end_edge)) if holdout_end else None
    return {
        "period_days": period, "periods": periods,
        "holdout_actual": holdout_actual if holdout_end else None,
        "holdout_predicted": round(holdout_predicted, 1) if holdout_predicted is not None else None,
        "calibration_actual": int(len(data.repeat_days_calibration)),
        "calibration_predicted": round(cum_at(cal_end_edge), 1),
    }


def clv_compute(run: AnalyticsRun) -> dict[str, Any]:
    """Fit both models, score every customer of the calibration cohort and store the scores."""
    params = clv_params(run)
    ensure_convertible()
    cal_start, cal_end, holdout_end = params["calibration_start"], params["calibration_end"], params["holdout_end"]
    run_progress(run, 5, "Reading purchase days")
    rows = load_purchase_days(cal_start, holdout_end or cal_end)
    data = calibration_data(rows, cal_end)
    if len(data.x) == 0:
        raise ValidationError(f"No purchases between {cal_start} and {cal_end}; choose a calibration period "
                              f"that contains orders.")
    warnings: list[str] = []
    repeaters = int((data.x > 0).sum())
    if len(data.x) < THIN_CUSTOMERS or repeaters < THIN_REPEATERS:
        warnings.append(
            f"Thin data: {len(data.x)} customers, {repeaters} with a repeat purchase. The model needs a few hundred "
            f"customers and at least {THIN_REPEATERS} repeat buyers to be reliable; treat these figures as rough.")
    run_progress(run, 25, "Fitting the purchase model (BG/NBD)")
    model = fit_bgnbd(data.x, data.t_x, data.T)
    if model.at_limit:
        warnings.append("The purchase model could not pin down every parameter (one ran off to its limit): the data "
                        "is too thin or too regular. Predictions are shown but are not reliable.")
    run_progress(run, 45, "Fitting the spend model (Gamma-Gamma)")
    spend_model: GammaGamma | None
    try:
        spend_model = fit_gamma_gamma(data.x, data.mean_spend)
        spend = spend_model.expected_spend(data.x, data.mean_spend)
        if spend_model.at_limit:
            warnings.append("The spend model could not pin down every parameter: customers' spend per purchase "
                            "hardly differs, so expected spend is close to each customer's own average.")
    except FitError as exc:
        spend_model = None
        paid = data.mean_spend[data.x > 0]
        fallback = float(paid.mean()) if len(paid) else 0.0
        spend = np.where(data.x > 0, data.mean_spend, fallback)
        warnings.append(f"{exc} Expected spend uses each customer's own average instead.")
    run_progress(run, 60, "Scoring customers")
    p_alive, expected, clv = score_customers(model, spend, data, horizon_weeks=params["horizon_weeks"],
                                             annual_discount=params["annual_discount"])
    for name, values in (("P(alive)", p_alive), ("expected purchases", expected), ("CLV", clv)):
        if not np.all(np.isfinite(values)):
            raise FitError(f"The fitted model gives no finite {name} on this data; widen the calibration period.")
    diagnostics = fit_diagnostics(model, data, cal_start, cal_end, holdout_end)
    run_progress(run, 75, "Saving scores")
    previous = latest_run(RunKind.CLV)
    before = previous_p_alive(previous, data.contact_ids)
    columns = [
        [run.pk] * len(data.x), data.contact_ids.tolist(), data.x.astype(np.int64).tolist(),
        np.round(data.t_x, 4).tolist(), np.round(data.T, 4).tolist(), np.round(data.mean_spend, 2).tolist(),
        p_alive.tolist(), expected.tolist(), np.asarray(spend, dtype=float).tolist(), np.round(clv, 2).tolist(),
        [None if np.isnan(v) else v for v in before.tolist()],
    ]
    with transaction.atomic():
        bulk_insert(ClvScore._meta.db_table,
                    ["run_id", "contact_id", "repeat_purchases", "recency_weeks", "age_weeks", "average_spend",
                     "p_alive", "expected_purchases", "expected_spend", "clv", "previous_p_alive"],
                    list(zip(*columns, strict=True)))
    threshold = float(np.quantile(clv, 1 - AT_RISK_TOP_SHARE)) if len(clv) else 0.0
    return {
        "customers": len(data.x), "repeat_buyers": repeaters,
        "calibration_start": cal_start.isoformat(), "calibration_end": cal_end.isoformat(),
        "holdout_end": holdout_end.isoformat() if holdout_end else None,
        "horizon_weeks": params["horizon_weeks"], "annual_discount": params["annual_discount"],
        "bgnbd": {"r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b,
                  "log_likelihood": model.log_likelihood},
        "gamma_gamma": ({"p": spend_model.p, "q": spend_model.q, "gamma": spend_model.gamma,
                         "log_likelihood": spend_model.log_likelihood, "customers": spend_model.customers,
                         "population_mean": spend_model.population_mean} if spend_model else None),
        "totals": {"clv": round(float(clv.sum()), 2), "average_clv": round(float(clv.mean()), 2),
                   "average_p_alive": round(float(p_alive.mean()), 4),
                   "expected_purchases": round(float(expected.sum()), 1)},
        "at_risk_clv_threshold": round(threshold, 2),
        "diagnostics": diagnostics, "warnings": warnings, "base_currency": base_currency(),
        "previous_run": previous.pk if previous else None,
    }


def score_customers(model: BgNbd, spend: np.ndarray, data: CalibrationData, *, horizon_weeks: float,
                    annual_discount: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(alive), expected purchases over the horizon and CLV of every customer.

    The hypergeometric functions are evaluated once per distinct (x, t_x, T): with day resolution many
    customers share a history, so this is a fraction of the customers; spend is per customer.
    """
    (ux, utx, uT), inverse = _distinct_histories(data.x, data.t_x, data.T)
    p_alive = model.p_alive(ux, utx, uT)[inverse]
    expected = model.conditional_expected(horizon_weeks, ux, utx, uT)[inverse]
    per_unit_spend = discounted_value(model, np.ones(len(ux)), ux, utx, uT, horizon_weeks=horizon_weeks,
                                      annual_discount=annual_discount)[inverse]
    return p_alive, expected, np.asarray(spend, dtype=float) * per_unit_spend


def _distinct_histories(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    stacked = np.column_stack([x, t_x, T])
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return [unique[:, i] for i in range(3)], inverse.reshape(-1)


def previous_p_alive(previous: AnalyticsRun | None, contact_ids: np.ndarray) -> np.ndarray:
    """Each contact's P(alive) in the previous run (NaN when it was not scored there), by one raw fetch."""
    out = np.full(len(contact_ids), np.nan)
    if previous is None or len(contact_ids) == 0:
        return out
    rows = np.array(fetchall("SELECT contact_id, p_alive FROM analytics_clvscore WHERE run_id = %s "
                             "ORDER BY contact_id", [previous.pk]), dtype=float).reshape(-1, 2)
    if len(rows) == 0:
        return out
    ids, values = rows[:, 0].astype(np.int64), rows[:, 1]
    at = np.clip(np.searchsorted(ids, contact_ids), 0, len(ids) - 1)
    found = ids[at] == contact_ids
    out[found] = values[at[found]]
    return out


def at_risk_reason(score: ClvScore, *, as_of: dt.date) -> str:
    """Explain in a sentence why a customer is at risk."""
    weeks_silent = score.age_weeks - score.recency_weeks
    parts = []
    if score.repeat_purchases > 0 and score.recency_weeks > 0:
        pace = score.recency_weeks / score.repeat_purchases
        parts.append(f"bought on {score.repeat_purchases + 1} days, about every {pace:.0f} weeks, "
                     f"but not for {weeks_silent:.0f} weeks")
    else:
        parts.append(f"bought once, {score.age_weeks:.0f} weeks before {as_of}")
    if score.previous_p_alive is not None and score.previous_p_alive - score.p_alive > 0.05:
        parts.append(f"chance still active fell from {score.previous_p_alive:.0%} to {score.p_alive:.0%}")
    else:
        parts.append(f"chance still active is {score.p_alive:.0%}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."

