"""Analytics pages: thin views that read stored results (selectors) and start runs (services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from rapport.analytics import charts
from rapport.analytics import selectors as sel
from rapport.analytics.models import AnalyticsRun, RunKind
from rapport.analytics.services import settings as analytics_settings
from rapport.analytics.services.clv import at_risk_reason
from rapport.analytics.services.kpis import KPIS
from rapport.analytics.services.recalculate import recalculate
from rapport.analytics.services.runs import latest_run
from rapport.core.errors import NotAllowed

PAGE = 50


def _context(request: HttpRequest, kind: str, **extra: Any) -> dict[str, Any]:
    """What every analytics page shows: the stored run, a running one and the last failure."""
    from rapport.accounts.choices import Role

    user = request.user
    return {"run": latest_run(kind), "active": sel.active_run(kind), "failed": sel.last_failed(kind),
            "kind": kind, "can_recalculate": user.is_admin or user.role == Role.MANAGER,  # type: ignore[union-attr]
            **extra}


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE).get_page(request.GET.get("page"))


def _activity_text(counts: dict[str, int]) -> str:
    """"17 calls, 5 meetings" from activity counts per kind."""
    from rapport.activities.choices import ActivityKind

    labels = dict(ActivityKind.choices)
    return ", ".join(f"{n:,} {str(labels.get(k, k)).lower()}{'' if n == 1 else 's'}" for k, n in sorted(counts.items()))


def _moment(value: Any) -> dt.datetime | None:
    """A datetime stored as ISO text in a run's result (None when missing or malformed)."""
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _segment_url(name: str) -> str:
    return reverse("analytics-segment", args=[name])


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Segment overview: sizes, revenue share, R x F grid and movement since the previous run."""
    ctx = _context(request, RunKind.RFM)
    run = ctx["run"]
    rules = sel.segment_rules()
    if run is not None:
        segments = run.result.get("segments", {})
        revenue = run.result.get("revenue") or 0
        total = sum(s["customers"] for s in segments.values()) or 1
        color = {r.name: r.color for r in rules}
        action = {r.name: r.action for r in rules}
        rows = [{"name": name, "customers": s["customers"], "share": s["customers"] / total,
                 "revenue": s["revenue"], "revenue_share": (s["revenue"] / revenue) if revenue else 0,
                 "color": color.get(name, "#64748b"), "action": action.get(name, ""), "url": _segment_url(name)}
                for name, s in sorted(segments.items(), key=lambda kv: -kv[1]["customers"])]
        names: dict[tuple[int, int], str] = {}
        links: dict[tuple[int, int], str] = {}
        for rule in rules:
            for r in range(rule.r_min, rule.r_max + 1):
                for f in range(rule.f_min, rule.f_max + 1):
                    names.setdefault((r, f), rule.name)
                    links.setdefault((r, f), _segment_url(rule.name))
        ctx.update(rows=rows, grid=charts.heat_grid(run.result.get("grid", [[0] * 5] * 5), title="Customers by "
                   "recency (R) and frequency (F) score", names=names, links=links),
                   sizes=charts.bar_chart([r["name"] for r in rows], [r["customers"] for r in rows],
                                          title="Customers per segment", links=[r["url"] for r in rows],
                                          colors=[r["color"] for r in rows]),
                   movement=run.result.get("movement", [])[:12], bp=run.result.get("breakpoints", {}),
                   thresholds_computed_at=_moment(run.result.get("thresholds_computed_at")) or run.finished_at,
                   rescored_at=_moment(run.result.get("rescored_at")))
    return render(request, "analytics/home.html", ctx)


@login_required
@require_GET
def segment(request: HttpRequest, name: str) -> HttpResponse:
    ctx = _context(request, RunKind.RFM, segment=name)
    if ctx["run"] is None:
        raise Http404("No segmentation has been computed yet.")
    ctx["page"] = _page(request, sel.segment_members(user=request.user, run=ctx["run"], segment=name))
    ctx["rule"] = next((r for r in sel.segment_rules() if r.name == name), None)
    return render(request, "analytics/segment.html", ctx)


@login_required
@require_GET
def abc(request: HttpRequest) -> HttpResponse:
    ctx = _context(request, RunKind.ABC)
    run = ctx["run"]
    if run is not None:
        chosen = request.GET.get("class", "")
        ctx["classes"] = [{"name": c, **run.result["classes"][c], "url": f"?{urlencode({'class': c})}#customers",
                           "activity_text": _activity_text(run.result["classes"][c].get("activities", {}))}
                          for c in "ABC"]
        ctx["pareto"] = charts.pareto_chart(run.result.get("pareto", []), title="Pareto curve of revenue",
                                            a_share=run.result.get("a_share", 80), b_share=run.result.get("b_share",
                                                                                                          15))
        if chosen in ("A", "B", "C"):
            ctx["chosen"] = chosen
            ctx["page"] = _page(request, sel.abc_members(user=request.user, run=run, abc=chosen))
    return render(request, "analytics/abc.html", ctx)


@login_required
@require_GET
def clv(request: HttpRequest) -> HttpResponse:
    """Valuable customers at risk (with the reason), top customers by CLV and churn by quarter."""
    ctx = _context(request, RunKind.CLV)
    run = ctx["run"]
    if run is not None:
        as_of = dt.date.fromisoformat(run.result.get("calibration_end", run.as_of.isoformat()))
        page = _page(request, sel.at_risk(user=request.user, run=run))
        for score in page:
            score.reason = at_risk_reason(score, as_of=as_of)
            score.churn = 1 - score.p_alive
        ctx.update(page=page, top=list(sel.top_customers(user=request.user, run=run)[:10]))
    kpi = latest_run(RunKind.KPI)
    if kpi is not None:
        churn = kpi.result.get("charts", {}).get("churn_by_quarter", [])
        ctx["churn_chart"] = charts.bar_chart([c["quarter"] for c in churn], [c["rate"] for c in churn],
                                              title="Churn rate by quarter", percent=True, color="#dc2626")
    return render(request, "analytics/clv.html", ctx)


@login_required
def model_fit(request: HttpRequest) -> HttpResponse:
    """Model parameters, predicted vs actual repeat purchases, and a form to refit on chosen periods."""
    ctx = _context(request, RunKind.CLV)
    run = ctx["run"]
    if run is not None:
        diag = run.result.get("diagnostics", {})
        periods = diag.get("periods", [])
        ctx["fit_chart"] = charts.line_chart(
            [p["start"][5:] if len(periods) < 60 else p["start"][2:7] for p in periods],
            {"Actual": [p["cumulative_actual"] for p in periods],
             "Predicted": [p["cumulative_predicted"] for p in periods]},
            title="Cumulative repeat purchases: actual vs predicted")
        ctx["weekly_chart"] = charts.line_chart(
            [p["start"][5:] for p in periods], {"Actual": [p["actual"] for p in periods],
                                                "Predicted": [p["predicted"] for p in periods]},
            title="Repeat purchases per period: actual vs predicted")
        ctx["diag"] = diag
    return render(request, "analytics/model.html", ctx)


@login_required
@require_GET
def kpis(request: HttpRequest) -> HttpResponse:
    ctx = _context(request, RunKind.KPI)
    return render(request, "analytics/kpis.html", ctx)


@login_required
@require_GET
def kpi_drill(request: HttpRequest, key: str) -> HttpResponse:
    ctx = _context(request, RunKind.KPI, key=key)
    if ctx["run"] is None:
        raise Http404("No KPIs have been computed yet.")
    previous = request.GET.get("previous") == "1"
    rows = sel.kpi_records(user=request.user, run=ctx["run"], key=key, previous=previous)
    ctx.update(page=_page(request, rows), record_type=sel.DRILLS.get(key, "contacts"), previous=previous,
               label=KPIS[key][0] if key in KPIS else key.replace("_", " ").capitalize(),
               formula=KPIS[key][1] if key in KPIS else "")
    return render(request, "analytics/kpi_drill.html", ctx)


@login_required
@require_GET
def dashboard(request: HttpRequest, board: str) -> HttpResponse:
    """Sales or executive dashboard: server-drawn charts of the stored KPI run, each linking to its records."""
    if board not in ("sales", "executive"):
        raise Http404("No such dashboard.")
    ctx = _context(request, RunKind.KPI, board=board)
    run = ctx["run"]
    if run is not None:
        c = run.result.get("charts", {})
        drill = lambda key: reverse("analytics-kpi-drill", args=[key])  # noqa: E731
        pipes = c.get("pipelines", [])
        if pipes:
            stages = [s for s in pipes[0]["stages"] if s["kind"] == "open"]
            ctx["pipeline_name"] = pipes[0]["name"]
            ctx["pipeline_chart"] = charts.bar_chart(
                [s["name"] for s in stages], [s["amount"] for s in stages], title="Open pipeline by stage",
                links=[reverse("deal-board", args=[pipes[0]["id"]]) if _has("deal-board") else None] * len(stages))
        funnel = c.get("funnel", [])
        ctx["funnel_chart"] = charts.funnel_chart([f["label"] for f in funnel], [f["count"] for f in funnel],
                                                  title="Sales funnel in the period",
                                                  links=[drill(f["drill"]) for f in funnel])
        months = c.get("won_by_month", [])
        ctx["won_chart"] = charts.line_chart([m["month"][:7] for m in months], {"Won": [m["amount"] for m in months]},
                                             title="Won revenue by month", links=[drill("deals_won")] * len(months))
        churn = c.get("churn_by_quarter", [])
        ctx["churn_chart"] = charts.bar_chart([q["quarter"] for q in churn], [q["rate"] for q in churn],
                                              title="Churn rate by quarter", percent=True, color="#dc2626",
                                              links=[drill("churn_rate")] * len(churn))
        ctx["cohorts"] = c.get("cohort_retention", [])
        ctx["cohort_offsets"] = range(max((len(r["shares"]) for r in ctx["cohorts"]), default=0))
        ctx["kpi_rows"] = [k for k in run.result.get("kpis", []) if board == "executive" or k["drill"] != "contacts"]
        rfm, abc_run = latest_run(RunKind.RFM), latest_run(RunKind.ABC)
        if rfm is not None:
            seg = sorted(rfm.result.get("segments", {}).items(), key=lambda kv: -kv[1]["customers"])
            ctx["segment_chart"] = charts.bar_chart([n for n, _ in seg], [s["customers"] for _, s in seg],
                                                    title="RFM segment sizes", links=[_segment_url(n) for n, _ in seg])
        if abc_run is not None:
            ctx["pareto_chart"] = charts.pareto_chart(abc_run.result.get("pareto", []), title="ABC Pareto curve",
                                                      link=reverse("analytics-abc"))
    return render(request, "analytics/dashboard.html", ctx)


def _has(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name, args=[1])
    except NoReverseMatch:
        return False
    return True


@login_required
@require_GET
def forecast(request: HttpRequest) -> HttpResponse:
    """Forecast by month or quarter, per owner or team, with targets and attainment."""
    from rapport.accounts.models import User

    ctx = _context(request, RunKind.KPI)
    run = ctx["run"]
    by = "quarter" if request.GET.get("by") == "quarter" else "month"
    group = "team" if request.GET.get("group") == "team" else "owner"
    if run is not None:
        fc = run.result.get("forecast", {})
        users = {u.pk: u for u in User.objects.select_related("team")}
        columns: dict[int, str] = {}
        table: dict[str, dict[int, dict[str, float]]] = {}
        for cell in fc.get("cells", []):
            month = int(cell["month"])
            key = month // 3 if by == "quarter" else month
            columns[key] = (f"{key // 4} Q{key % 4 + 1}" if by == "quarter"
                            else dt.date(month // 12, month % 12 + 1, 1).strftime("%b %Y"))
            user = users.get(cell["owner"])
            if group == "team":
                name = str(user.team) if user and user.team else "No team"
            else:
                name = (user.get_full_name() or user.username) if user else "Unassigned"
            slot = table.setdefault(name, {}).setdefault(key, {"won": 0.0, "weighted": 0.0, "best_case": 0.0,
                                                               "historical": 0.0})
            for measure in slot:
                slot[measure] += float(cell[measure])
        keys = sorted(columns)
        totals = {k: {m: sum(table[n].get(k, {}).get(m, 0.0) for n in table) for m in
                      ("won", "weighted", "best_case", "historical")} for k in keys}
        ctx.update(by=by, group=group, columns=[(k, columns[k]) for k in keys], table=sorted(table.items()),
                   totals=totals, targets=fc.get("targets", []), no_history=fc.get("stages_without_history", []),
                   chart=charts.bar_chart([columns[k] for k in keys], [totals[k]["historical"] for k in keys],
                                          title="Forecast from historical win rates"))
    return render(request, "analytics/forecast.html", ctx)


@login_required
@require_POST
def recalc(request: HttpRequest, kind: str) -> HttpResponse:
    """Start a background run; htmx gets the progress panel, a plain form post is redirected back."""
    if kind not in RunKind.values:
        raise Http404("No such analysis.")
    params = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "as_of", "next") and v}
    as_of = None
    try:
        if request.POST.get("as_of"):
            as_of = dt.date.fromisoformat(request.POST["as_of"])
        run = recalculate(kind=kind, by=request.user, as_of=as_of, params=params)
    except ValueError:
        return _refuse(request, "Enter the as-of date as YYYY-MM-DD.")
    except ValidationError as exc:
        return _refuse(request, " ".join(exc.messages))
    except NotAllowed as exc:
        return _refuse(request, str(exc), status=403)
    if request.headers.get("HX-Request"):
        return render(request, "analytics/partials/run_status.html", {"active": run})
    messages.info(request, "The calculation has started; this page shows its progress.")
    return redirect(_safe_next(request))


def _safe_next(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or reverse("analytics-home")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else reverse(
        "analytics-home")


def _refuse(request: HttpRequest, text: str, status: int = 422) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return render(request, "analytics/partials/run_status.html", {"error": text}, status=status)
    messages.error(request, text)
    response = redirect(_safe_next(request))
    if status == 403:
        return render(request, "analytics/partials/run_status.html", {"error": text, "standalone": True},
                      status=403)
    return response


@login_required
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel of a run (polled by htmx every second until it finishes)."""
    run = get_object_or_404(AnalyticsRun, pk=pk)
    response = render(request, "analytics/partials/run_status.html", {"active": run, "polling": True})
    if run.status in ("done", "failed") and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """Segment rules, acquisition costs and KPI targets (changed by managers and administrators)."""
    if request.method == "POST":
        try:
            text = analytics_settings.apply_form(request.POST, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except NotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, text)
        return redirect("analytics-settings")
    from rapport.activities.choices import ActivityKind
    from rapport.analytics.services.segment_tags import analytics_settings as options

    current = options()
    ctx = _context(request, RunKind.RFM, rules=sel.segment_rules(), costs=analytics_settings.cost_list()[:50],
                   targets=analytics_settings.target_list()[:50], kpi_choices=[(k, v[0]) for k, v in KPIS.items()],
                   options=current, service_costs=analytics_settings.service_cost_list(user=request.user)[:50],
                   activity_cost_rows=[(k, label, current.activity_costs.get(k, ""))
                                       for k, label in ActivityKind.choices])
    return render(request, "analytics/settings.html", ctx)
