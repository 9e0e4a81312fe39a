"""Buy-till-you-die models, written from the published formulas with numpy/scipy.

- BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2):
  log-likelihood (eq. 6), E[X(t)] (eq. 7), conditional expectation (eq. 10) and P(alive) (Fader,
  Hardie & Lee note "Computing P(alive) using the BG/NBD model").
- Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".

Inputs per customer: x = repeat purchases (purchase days after the first), t_x = time of the last
purchase and T = time since the first purchase (both from the first purchase, in weeks), and for
Gamma-Gamma the mean spend of the repeat purchases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp1f1, hyp2f1


class FitError(ValueError):
    """The data cannot support the model (no repeat buyers, too few customers, no convergence)."""


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    at_limit: bool = False

    def expected_purchases_new(self, t: np.ndarray | float) -> np.ndarray:
        """E[X(t)]: expected purchases in (0, t] of a customer who just made a first purchase."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = np.asarray(t, dtype=float)
        term = _power_times_hyp2f1(alpha / (alpha + t), r, r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - term)

    def _odds_dead(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        safe = np.maximum(b + x - 1, 1e-12)
        odds = a / safe * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
        return np.where(x > 0, odds, 0.0)

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive | x, t_x, T)."""
        return 1.0 / (1.0 + self._odds_dead(np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float)))

    def conditional_expected(self, t: float | np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
                             ) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next t weeks of a customer with this history."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        t = np.asarray(t, dtype=float)
        ratio = (alpha + T) / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - _power_times_hyp2f1(ratio, r + x, r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        return head * tail / (1 + self._odds_dead(x, t_x, T))


def _power_times_hyp2f1(base: np.ndarray, power: np.ndarray | float, p: np.ndarray | float, q: np.ndarray | float,
                        c: np.ndarray | float, z: np.ndarray) -> np.ndarray:
    """base**power * 2F1(p, q; c; z) where base = 1 - z, computed stably.

    Near z = 1 the series can overflow while the power underflows; Euler's transformation
    2F1(p, q; c; z) = (1 - z)**(c - p - q) 2F1(c - p, c - q; c; z) gives the same value without that.

    When the fit runs r and alpha off to their bounds (a Poisson purchase rate shared by everyone, seen on
    thin data) both forms fail; then p is huge, z tiny and p z finite, and (1 - z)**p 2F1(p, q; c; z)
    tends to exp(-p z) 1F1(q; c; p z) = 1F1(c - q; c; -p z) (Kummer), which is used instead.
    """
    with np.errstate(all="ignore"):
        direct = base ** power * hyp2f1(p, q, c, z)
        euler = base ** (power + c - p - q) * hyp2f1(c - p, c - q, c, z)
        value = np.where(np.isfinite(direct), direct, euler)
        if np.all(np.isfinite(value)):
            return value
        limit = hyp1f1(np.subtract(c, q), c, -np.multiply(p, z))
    return np.where(np.isfinite(value), value, limit)


def bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                         weights: np.ndarray) -> float:
    """Total BG/NBD log-likelihood for (r, alpha, a, b) (eq. 6 of Fader, Hardie & Lee 2005)."""
    return _BgNbdData(x, t_x, T, weights).log_likelihood(params)


class _BgNbdData:
    """Customer data prepared once for many likelihood evaluations: terms in x alone use the distinct x values."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray) -> None:
        self.xu, self.inv = np.unique(x, return_inverse=True)
        self.x, self.t_x, self.T, self.w = x, t_x, T, weights
        self.repeat = x > 0

    def log_likelihood(self, params: np.ndarray) -> float:
        r, alpha, a, b = params
        xu = self.xu
        per_x = gammaln(r + xu) - gammaln(r) + gammaln(a + b) + gammaln(b + xu) - gammaln(b) - gammaln(a + b + xu)
        with np.errstate(divide="ignore", invalid="ignore"):
            drop = np.where(xu > 0, np.log(a) - np.log(np.maximum(b + xu - 1, 1e-300)), -np.inf)
        rx = r + self.x
        a3 = -rx * np.log(alpha + self.T)
        a4 = np.where(self.repeat, drop[self.inv] - rx * np.log(alpha + self.t_x), -np.inf)
        return float(np.sum(self.w * (per_x[self.inv] + r * np.log(alpha) + np.logaddexp(a3, a4))))


POLISH_ROWS = 5_000  # below this many distinct customer rows, polish the optimum with Nelder-Mead


def _maximise(nll, start: np.ndarray, rows: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Minimise a negative log-likelihood over log-parameters with L-BFGS-B.

    On small data (where each evaluation is cheap) the optimum is polished with Nelder-Mead and
    L-BFGS-B again, which pins published estimates to every printed decimal; on large data the
    first optimum is already far inside the parameters' sampling error.
    """
    bounds = [(-20.0, 20.0)] * len(start)
    with np.errstate(all="ignore"):
        results = [minimize(nll, start, method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-13, "gtol": 1e-8})]
        if rows <= POLISH_ROWS:
            results.append(minimize(nll, results[0].x, method="Nelder-Mead",
                                    options={"maxfev": 3000, "xatol": 1e-9, "fatol": 1e-9}))
            results.append(minimize(nll, results[-1].x, method="L-BFGS-B", bounds=bounds,
                                    options={"ftol": 1e-15, "gtol": 1e-10}))
    best = min(results, key=lambda res: res.fun if np.isfinite(res.fun) else np.inf)
    if not np.all(np.isfinite(best.x)) or not np.isfinite(best.fun):
        raise FitError("The model did not converge on this data; widen the calibration period or check the orders.")
    return np.exp(best.x)


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Collapse identical customer rows into (unique rows, counts): many customers share a history."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BgNbd:
    """Fit BG/NBD by maximum likelihood."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if len(x) < 2:
        raise FitError("At least two customers are needed to fit the purchase model.")
    if not np.any(x > 0):
        raise FitError("No customer bought a second time in the calibration period, so how often customers "
                       "come back cannot be estimated; choose a longer calibration period.")
    if not np.any(T > 0):
        raise FitError("Every customer's first purchase is on the last day of the calibration period.")
    (ux, utx, uT), w = _compress(x, t_x, T)
    data = _BgNbdData(ux, utx, uT, w)

    def nll(log_params: np.ndarray) -> float:
        value = -data.log_likelihood(np.exp(log_params))
        return value if np.isfinite(value) else 1e300

    r, alpha, a, b = _maximise(nll, np.log([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0]), len(ux))
    params = np.array([r, alpha, a, b])
    return BgNbd(r, alpha, a, b, data.log_likelihood(params), at_limit=_at_limit(params))


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int
    at_limit: bool = False

    def expected_spend(self, x: np.ndarray, mean_spend: np.ndarray) -> np.ndarray:
        """E[M | x, m_x]: expected spend per purchase (the population mean for customers without repeats)."""
        x = np.asarray(x, dtype=float)
        m = np.where(x > 0, np.asarray(mean_spend, dtype=float), 0.0)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1)

    @property
    def population_mean(self) -> float:
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")


def gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray, weights: np.ndarray) -> float:
    """Total Gamma-Gamma log-likelihood for (p, q, gamma) (Fader & Hardie 2013)."""
    return _GammaGammaData(x, m, weights).log_likelihood(params)


class _GammaGammaData:
    """Spend data prepared once: the gamma functions depend on x alone, so they use the distinct x values."""

    def __init__(self, x: np.ndarray, m: np.ndarray, weights: np.ndarray) -> None:
        self.xu, self.inv = np.unique(x, return_inverse=True)
        self.x, self.m, self.w = x, m, weights
        self.log_m = np.log(m)
        self.log_xm = np.log(x) + self.log_m  # log(x * m)
        self.xm = x * m

    def log_likelihood(self, params: np.ndarray) -> float:
        p, q, g = params
        pxu = p * self.xu
        per_x = gammaln(pxu + q) - gammaln(pxu) - gammaln(q)
        px = p * self.x
        ll = per_x[self.inv] + q * np.log(g) + px * self.log_xm - self.log_m - (px + q) * np.log(g + self.xm)
        return float(np.sum(self.w * ll))


def fit_gamma_gamma(x: np.ndarray, mean_spend: np.ndarray) -> GammaGamma:
    """Fit Gamma-Gamma on customers with repeat purchases and a positive mean spend."""
    x, m = np.asarray(x, dtype=float), np.asarray(mean_spend, dtype=float)
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    if keep.sum() < 2:
        raise FitError("Fewer than two customers made a paid repeat purchase, so spend per purchase cannot be "
                       "modelled; choose a longer calibration period.")
    (ux, um), w = _compress(x[keep], m[keep])
    data = _GammaGammaData(ux, um, w)

    def nll(log_params: np.ndarray) -> float:
        value = -data.log_likelihood(np.exp(log_params))
        return value if np.isfinite(value) else 1e300

    p, q, g = _maximise(nll, np.log([1.0, 2.0, max(float(np.mean(m[keep])), 1.0)]), len(ux))
    model = GammaGamma(p, q, g, data.log_likelihood(np.array([p, q, g])), int(keep.sum()),
                       at_limit=_at_limit(np.array([p, q, g])))
    if q <= 1:
        raise FitError("The spend model has no finite mean on this data (q ≤ 1); use more customers.")
    return model


def _at_limit(params: np.ndarray) -> bool:
    """True when a parameter sits at the optimiser's bound: the data cannot pin it down (too thin)."""
    return bool(np.any(np.abs(np.log(params)) >= 19.9))


def discounted_value(model: BgNbd, spend: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *,
                     horizon_weeks: float, annual_discount: float, steps_per_year: int = 12) -> np.ndarray:
    """CLV: expected purchases per period x expected spend, discounted per period, summed over the horizon."""
    periods = max(1, int(round(horizon_weeks / 52.0 * steps_per_year)))
    step_weeks = horizon_weeks / periods
    rate = (1 + annual_discount) ** (1 / steps_per_year) - 1
    total = np.zeros(len(x))
    previous = np.zeros(len(x))
    for i in range(1, periods + 1):
        cumulative = model.conditional_expected(i * step_weeks, x, t_x, T)
        total += (cumulative - previous) / (1 + rate) ** i
        previous = cumulative
    return np.asarray(spend) * total
