"""`rapport analytics rfm|abc|clv|kpis|summary|nightly`: run an analysis now and print its headline figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.analytics.models import AnalyticsRun, RunStatus
from rapport.analytics.services.recalculate import nightly
from rapport.analytics.services.runs import run_now

KINDS = {"rfm": "rfm", "abc": "abc", "clv": "clv", "kpis": "kpi", "summary": "summary"}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date; use YYYY-MM-DD.")


class Command(BaseCommand):
    help = "Compute RFM segments, ABC classes, CLV/churn (BG/NBD + Gamma-Gamma), KPIs, or all of them (nightly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=[*KINDS, "nightly"])
        parser.add_argument("--as-of", type=_date, help="As-of date (default: today).")
        parser.add_argument("--calibration-start", type=_date, help="clv: first day of the calibration period.")
        parser.add_argument("--calibration-end", type=_date, help="clv: last day of the calibration period.")
        parser.add_argument("--holdout-end", type=_date, help="clv: last day of the holdout period (diagnostics).")
        parser.add_argument("--horizon-weeks", type=float, help="clv: horizon of the lifetime value (weeks).")
        parser.add_argument("--discount", type=float, help="clv: annual discount rate, e.g. 0.1.")
        parser.add_argument("--a-share", type=float, help="abc: percent of revenue made by A customers.")
        parser.add_argument("--b-share", type=float, help="abc: percent of revenue made by B customers.")
        parser.add_argument("--period-start", type=_date, help="kpis: first day of the period.")
        parser.add_argument("--period-end", type=_date, help="kpis: last day of the period.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["job"] == "nightly":
            for run in nightly(opts["as_of"]):
                self._report(run)
            return
        names = {"calibration_start": "calibration_start", "calibration_end": "calibration_end",
                 "holdout_end": "holdout_end", "horizon_weeks": "horizon_weeks", "discount": "annual_discount",
                 "a_share": "a_share", "b_share": "b_share", "period_start": "period_start",
                 "period_end": "period_end"}
        params = {key: (v.isoformat() if isinstance(v, dt.date) else v) for opt, key in names.items()
                  if (v := opts.get(opt)) is not None}
        run = run_now(kind=KINDS[opts["job"]], as_of=opts["as_of"], params=params, by=None)
        self._report(run)
        if run.status != RunStatus.DONE:
            raise CommandError(run.message)

    def _report(self, run: AnalyticsRun) -> None:
        r = run.result
        if run.status != RunStatus.DONE:
            self.stderr.write(f"{run.get_kind_display()}: stopped. {run.message}")
            return
        line = f"{run.get_kind_display()} as of {run.as_of}: {run.customers:,} customers"
        if run.kind == "rfm":
            top = sorted(r["segments"].items(), key=lambda kv: -kv[1]["customers"])
            line += "; " + ", ".join(f"{name} {s['customers']:,}" for name, s in top)
        elif run.kind == "abc":
            line += "; " + ", ".join(f"{c}: {v['customers']:,} customers, {v['revenue_share']:.0%} of revenue"
                                     for c, v in sorted(r["classes"].items()))
        elif run.kind == "clv":
            bg, gg = r["bgnbd"], r.get("gamma_gamma")
            line += (f"; BG/NBD r={bg['r']:.3f} alpha={bg['alpha']:.3f} a={bg['a']:.3f} b={bg['b']:.3f} "
                     f"(LL {bg['log_likelihood']:.1f})")
            if gg:
                line += f"; Gamma-Gamma p={gg['p']:.2f} q={gg['q']:.2f} gamma={gg['gamma']:.2f}"
            line += f"; average CLV {r['totals']['average_clv']:,.2f} {r['base_currency']}"
        elif run.kind == "kpi":
            line = f"KPIs {r['period']['start']}..{r['period']['end']}: " + "; ".join(
                f"{k['label']} {k['value'] if k['value'] is not None else '–'}" for k in r["kpis"])
        self.stdout.write(line)
        if run.message:
            self.stdout.write(f"Note: {run.message}")
