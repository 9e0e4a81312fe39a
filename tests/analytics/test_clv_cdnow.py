"""The CLV models reproduce the published CDNOW results (Fader, Hardie & Lee 2005; Fader & Hardie 2013)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from rapport.analytics.models import ClvScore, RunStatus
from rapport.analytics.services.btyd import BgNbd
from rapport.analytics.services.runs import run_now
from rapport.analytics.services.summary import purchase_summary_rebuild
from tests.analytics.cdnow import load_cdnow

pytestmark = pytest.mark.django_db

PARAMS = {"calibration_start": "1997-01-01", "calibration_end": "1997-09-30", "holdout_end": "1998-06-30",
          "horizon_weeks": 39, "annual_discount": 0.1}


@pytest.fixture
def cdnow_run(admin):
    load_cdnow(admin)
    purchase_summary_rebuild()
    return run_now(kind="clv", as_of=dt.date(1998, 6, 30), params=PARAMS, by=admin)


def test_cdnow_bgnbd_and_gamma_gamma_match_the_published_estimates(cdnow_run):
    assert cdnow_run.status == RunStatus.DONE, cdnow_run.message
    result = cdnow_run.result
    assert result["customers"] == 2357
    assert result["repeat_buyers"] == 946
    bg = result["bgnbd"]
    assert (round(bg["r"], 3), round(bg["alpha"], 3), round(bg["a"], 3), round(bg["b"], 3)) == (
        0.243, 4.414, 0.793, 2.426)
    assert round(bg["log_likelihood"], 1) == -9582.4
    gg = result["gamma_gamma"]
    assert (round(gg["p"], 2), round(gg["q"], 2), round(gg["gamma"], 2)) == (6.25, 3.74, 15.44)
    assert gg["customers"] == 946
    assert round(gg["log_likelihood"], 1) == -4055.9


def test_cdnow_conditional_expectation_and_population_curve_match_hardies_notes(cdnow_run):
    bg = cdnow_run.result["bgnbd"]
    model = BgNbd(bg["r"], bg["alpha"], bg["a"], bg["b"], bg["log_likelihood"])
    assert round(float(model.conditional_expected(39, np.array([2]), np.array([30.43]), np.array([38.86]))[0]),
                 3) == 1.226
    expected = model.expected_purchases_new(np.array([1.0, 3.0, 32.0, 78.0]))
    assert np.allclose(expected, [0.0532, 0.1506, 1.0437, 1.8576], atol=5e-4)


def test_cdnow_holdout_counts_the_1882_actual_repeat_purchases(cdnow_run):
    diagnostics = cdnow_run.result["diagnostics"]
    assert diagnostics["holdout_actual"] == 1882
    assert diagnostics["period_days"] == 7
    assert sum(p["actual"] for p in diagnostics["periods"] if p["holdout"]) == 1882
    # The forecast is the cohort's E[X(T + 39)] - E[X(T)], summed over customers (each from their own first day).
    bg = cdnow_run.result["bgnbd"]
    model = BgNbd(bg["r"], bg["alpha"], bg["a"], bg["b"], bg["log_likelihood"])
    ages = np.array(list(ClvScore.objects.filter(run=cdnow_run).values_list("age_weeks", flat=True)))
    ages = np.round(ages * 7) / 7
    expected = float((model.expected_purchases_new(ages + 39) - model.expected_purchases_new(ages)).sum())
    assert diagnostics["holdout_predicted"] == round(expected, 1)
    assert round(diagnostics["holdout_predicted"]) == 1667


def test_cdnow_scores_are_stored_per_customer_with_their_as_of_date(cdnow_run):
    scores = ClvScore.objects.filter(run=cdnow_run)
    assert scores.count() == 2357
    assert cdnow_run.result["calibration_end"] == "1997-09-30"
    first = scores.order_by("contact_id").first()
    # Sample customer 0001 is Hardie's example: 3 purchase days in the calibration period.
    assert (first.repeat_purchases, round(first.recency_weeks, 2), round(first.age_weeks, 2)) == (2, 30.43, 38.86)
    assert round(first.expected_purchases, 3) == 1.226  # horizon 39 weeks
    assert 0 < first.p_alive <= 1 and first.clv > 0
    assert all(np.isfinite([s.clv for s in scores]))
