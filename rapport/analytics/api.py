"""Analytics API (/api/v1/analytics/): runs, RFM, ABC, CLV and churn, KPIs, dashboards, forecast, settings.

Aggregate results are shown to every signed-in user; per-customer rows only for contacts the caller
may see. Runs are started by managers and administrators and execute in the background.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from rapport.analytics import selectors as sel
from rapport.analytics.models import (
    AbcClass,
    AnalyticsRun,
    ClvScore,
    KpiTarget,
    RfmScore,
    RunKind,
    SegmentRule,
)
from rapport.analytics.schemas import (
    AbcOut,
    AnalyticsOptionsIn,
    AnalyticsOptionsOut,
    ClvOut,
    CompanySummaryOut,
    ContactAnalyticsOut,
    CostIn,
    CostOut,
    RfmScoreOut,
    RunDetailOut,
    RunIn,
    RunOut,
    SegmentRuleIn,
    SegmentRuleOut,
    ServiceCostIn,
    ServiceCostOut,
    TargetIn,
    TargetOut,
)
from rapport.analytics.services import settings as analytics_settings
from rapport.analytics.services.clv import at_risk_reason
from rapport.analytics.services.recalculate import recalculate
from rapport.analytics.services.runs import latest_run
from rapport.analytics.services.sql import base_currency
from rapport.analytics.services.summary import company_purchase_summary
from rapport.contacts.selectors import company_get, contact_get
from rapport.core.api_types import ERRORS
from rapport.core.pagination import DEFAULT_LIMIT, page_schema, paginate

router = Router(tags=["analytics"])


def _latest_or_404(kind: str) -> AnalyticsRun:
    run = latest_run(kind)
    if run is None:
        raise Http404(f"No {kind} results have been computed yet.")
    return run


def rfm_out(s: RfmScore) -> dict[str, Any]:
    return {"contact_id": s.contact_id, "contact": str(s.contact), "recency_days": s.recency_days,
            "frequency": s.frequency, "monetary": float(s.monetary), "r": s.r, "f": s.f, "m": s.m,
            "segment": s.segment}


def abc_out(a: AbcClass) -> dict[str, Any]:
    return {"contact_id": a.contact_id, "contact": str(a.contact), "revenue": float(a.revenue),
            "cumulative_share": a.cumulative_share, "abc": a.abc}


def clv_out(c: ClvScore, reason: str | None = None) -> dict[str, Any]:
    return {"contact_id": c.contact_id, "contact": str(c.contact), "repeat_purchases": c.repeat_purchases,
            "recency_weeks": c.recency_weeks, "age_weeks": c.age_weeks, "p_alive": c.p_alive,
            "churn_risk": 1 - c.p_alive, "expected_purchases": c.expected_purchases,
            "expected_spend": c.expected_spend, "clv": c.clv, "previous_p_alive": c.previous_p_alive, "reason": reason}


@router.get("/runs", response={200: list[RunOut], **ERRORS}, summary="Recent analytics runs")
def list_runs(request: HttpRequest, kind: str | None = None) -> Any:
    runs = AnalyticsRun.objects.all()
    if kind:
        runs = runs.filter(kind=kind)
    return list(runs[:50])


@router.post("/runs", response={202: RunOut, **ERRORS}, summary="Start a calculation in the background")
def start_run(request: HttpRequest, payload: RunIn) -> Any:
    """Queue a run (managers and administrators); poll GET /runs/{id} for progress."""
    return 202, recalculate(kind=payload.kind, by=request.user, as_of=payload.as_of, params=payload.params)


@router.get("/runs/{run_id}", response={200: RunDetailOut, **ERRORS}, summary="A run with its progress and result")
def get_run(request: HttpRequest, run_id: int) -> Any:
    return get_object_or_404(AnalyticsRun, pk=run_id)


@router.get("/rfm", response={200: RunDetailOut, **ERRORS}, summary="Latest RFM run: segments, grid, movement")
def rfm_latest(request: HttpRequest) -> Any:
    return _latest_or_404(RunKind.RFM)


@router.get("/rfm/scores", response={200: page_schema(RfmScoreOut), **ERRORS}, summary="RFM scores per customer")
def rfm_scores(request: HttpRequest, segment: str | None = None, limit: int = DEFAULT_LIMIT,
               cursor: str | None = None) -> Any:
    run = _latest_or_404(RunKind.RFM)
    rows = (RfmScore.objects.filter(run=run, contact__in=sel.Contact.objects.visible_to(request.user))
            .select_related("contact").order_by("contact_id"))
    if segment:
        rows = rows.filter(segment=segment)
    page = paginate(rows, cursor=cursor, limit=limit)
    return {"results": [rfm_out(s) for s in page.items], "next": page.next}


@router.get("/abc", response={200: RunDetailOut, **ERRORS}, summary="Latest ABC run: classes and Pareto points")
def abc_latest(request: HttpRequest) -> Any:
    return _latest_or_404(RunKind.ABC)


@router.get("/abc/classes", response={200: page_schema(AbcOut), **ERRORS}, summary="ABC class per customer")
def abc_classes(request: HttpRequest, abc: str | None = None, limit: int = DEFAULT_LIMIT,
                cursor: str | None = None) -> Any:
    run = _latest_or_404(RunKind.ABC)
    rows = (AbcClass.objects.filter(run=run, contact__in=sel.Contact.objects.visible_to(request.user))
            .select_related("contact").order_by("contact_id"))
    if abc:
        rows = rows.filter(abc=abc.upper())
    page = paginate(rows, cursor=cursor, limit=limit)
    return {"results": [abc_out(a) for a in page.items], "next": page.next}


@router.get("/clv", response={200: RunDetailOut, **ERRORS}, summary="Latest CLV run: parameters, fit, totals")
def clv_latest(request: HttpRequest) -> Any:
    return _latest_or_404(RunKind.CLV)


@router.get("/clv/scores", response={200: page_schema(ClvOut), **ERRORS},
            summary="CLV, P(alive) and churn risk per customer")
def clv_scores(request: HttpRequest, at_risk: bool = False, limit: int = DEFAULT_LIMIT,
               cursor: str | None = None) -> Any:
    """With at_risk=true: valuable customers (top 20 % CLV) with P(alive) below 50 %, with the reason."""
    run = _latest_or_404(RunKind.CLV)
    rows = (sel.at_risk(user=request.user, run=run) if at_risk else
            ClvScore.objects.filter(run=run, contact__in=sel.Contact.objects.visible_to(request.user))
            .select_related("contact").order_by("contact_id"))
    page = paginate(rows, cursor=cursor, limit=limit)
    as_of = dt.date.fromisoformat(run.result.get("calibration_end", run.as_of.isoformat()))
    return {"results": [clv_out(c, at_risk_reason(c, as_of=as_of)) for c in page.items], "next": page.next}


@router.get("/kpis", response={200: RunDetailOut, **ERRORS}, summary="Latest KPIs, dashboard charts and forecast")
def kpis_latest(request: HttpRequest) -> Any:
    return _latest_or_404(RunKind.KPI)


@router.get("/forecast", response={200: dict[str, Any], **ERRORS}, summary="Forecast cells, stage history, targets")
def forecast_latest(request: HttpRequest) -> Any:
    return _latest_or_404(RunKind.KPI).result.get("forecast", {})


@router.get("/dashboards", response={200: dict[str, Any], **ERRORS}, summary="Dashboard chart data")
def dashboards_latest(request: HttpRequest) -> Any:
    return _latest_or_404(RunKind.KPI).result.get("charts", {})


@router.get("/contacts/{contact_id}", response={200: ContactAnalyticsOut, **ERRORS},
            summary="A contact's purchase summary, RFM segment, ABC class and CLV")
def contact_analytics(request: HttpRequest, contact_id: int) -> Any:
    contact = contact_get(user=request.user, pk=contact_id)
    data = sel.contact_analytics(contact)
    summary = getattr(contact, "purchase_summary", None) if hasattr(contact, "purchase_summary") else None
    return {"contact_id": contact.pk, "first_purchase": summary.first_purchase if summary else None,
            "last_purchase": summary.last_purchase if summary else None,
            "purchase_days": summary.purchase_days if summary else 0, "orders": summary.orders if summary else 0,
            "total_spend": float(summary.total_spend) if summary else 0.0,
            "average_spend": float(summary.average_spend) if summary else 0.0, "base_currency": base_currency(),
            "rfm": rfm_out(data["rfm"]) if data["rfm"] else None, "abc": abc_out(data["abc"]) if data["abc"] else None,
            "clv": clv_out(data["clv"]) if data["clv"] else None}


@router.get("/companies/{company_id}", response={200: CompanySummaryOut, **ERRORS},
            summary="A company's purchase summary over all its orders")
def company_summary(request: HttpRequest, company_id: int) -> Any:
    company = company_get(user=request.user, pk=company_id)
    s = company_purchase_summary(company.pk)
    return {"company_id": company.pk, "first_purchase": s.first_purchase, "last_purchase": s.last_purchase,
            "purchase_days": s.purchase_days, "orders": s.orders, "total_spend": float(s.total_spend),
            "average_spend": float(s.average_spend), "unconverted_orders": s.unconverted_orders,
            "base_currency": base_currency()}


@router.get("/segment-rules", response={200: list[SegmentRuleOut], **ERRORS}, summary="Segment rules")
def list_rules(request: HttpRequest) -> Any:
    return sel.segment_rules()


@router.post("/segment-rules", response={201: SegmentRuleOut, **ERRORS}, summary="Add a segment rule")
def add_rule(request: HttpRequest, payload: SegmentRuleIn) -> Any:
    return 201, analytics_settings.segment_rule_save(by=request.user, **payload.dict())


@router.put("/segment-rules/{rule_id}", response={200: SegmentRuleOut, **ERRORS}, summary="Change a segment rule")
def change_rule(request: HttpRequest, rule_id: int, payload: SegmentRuleIn) -> Any:
    get_object_or_404(SegmentRule, pk=rule_id)
    return analytics_settings.segment_rule_save(by=request.user, pk=rule_id, **payload.dict())


@router.delete("/segment-rules/{rule_id}", response={204: None, **ERRORS}, summary="Delete a segment rule")
def delete_rule(request: HttpRequest, rule_id: int) -> Any:
    get_object_or_404(SegmentRule, pk=rule_id)
    analytics_settings.segment_rule_delete(by=request.user, pk=rule_id)
    return 204, None


@router.get("/costs", response={200: list[CostOut], **ERRORS}, summary="Acquisition cost entries")
def list_costs(request: HttpRequest) -> Any:
    return [_cost(c) for c in analytics_settings.cost_list()]


def _cost(c: Any) -> dict[str, Any]:
    return {"id": c.pk, "period_start": c.period_start, "period_end": c.period_end, "channel": c.channel,
            "amount": str(c.amount), "currency": c.currency}


@router.post("/costs", response={201: CostOut, **ERRORS}, summary="Record an acquisition cost")
def add_cost(request: HttpRequest, payload: CostIn) -> Any:
    return 201, _cost(analytics_settings.cost_add(by=request.user, **payload.dict()))


@router.get("/targets", response={200: list[TargetOut], **ERRORS}, summary="KPI targets")
def list_targets(request: HttpRequest) -> Any:
    return [_target(t) for t in KpiTarget.objects.all()[:500]]


def _target(t: KpiTarget) -> dict[str, Any]:
    return {"id": t.pk, "kpi": t.kpi, "period_start": t.period_start, "period_end": t.period_end,
            "value": str(t.value)}


@router.post("/targets", response={201: TargetOut, **ERRORS}, summary="Set a KPI target for a period")
def set_target(request: HttpRequest, payload: TargetIn) -> Any:
    return 201, _target(analytics_settings.target_set(by=request.user, **payload.dict()))


def _options(o: Any) -> dict[str, Any]:
    return {"tag_rfm_segments": o.tag_rfm_segments, "activity_costs": dict(o.activity_costs),
            "base_currency": base_currency()}


@router.get("/options", response={200: AnalyticsOptionsOut, **ERRORS}, summary="Segment tags and activity costs")
def get_options(request: HttpRequest) -> Any:
    from rapport.analytics.services.segment_tags import analytics_settings as options

    return _options(options())


@router.put("/options", response={200: AnalyticsOptionsOut, **ERRORS}, summary="Change segment tags or activity costs")
def change_options(request: HttpRequest, payload: AnalyticsOptionsIn) -> Any:
    """Managers and administrators; fields left out stay as they are."""
    from rapport.analytics.services.segment_tags import settings_save

    return _options(settings_save(by=request.user, tag_rfm_segments=payload.tag_rfm_segments,
                                  activity_costs=payload.activity_costs))


def _service_cost(c: Any) -> dict[str, Any]:
    return {"id": c.pk, "contact_id": c.contact_id, "incurred_on": c.incurred_on, "amount": str(c.amount),
            "currency": c.currency, "note": c.note}


@router.get("/service-costs", response={200: list[ServiceCostOut], **ERRORS}, summary="Service cost entries")
def list_service_costs(request: HttpRequest) -> Any:
    return [_service_cost(c) for c in analytics_settings.service_cost_list(user=request.user)]


@router.post("/service-costs", response={201: ServiceCostOut, **ERRORS},
             summary="Record money spent serving a customer (counted in the ABC cost to serve)")
def add_service_cost(request: HttpRequest, payload: ServiceCostIn) -> Any:
    return 201, _service_cost(analytics_settings.service_cost_add(
        by=request.user, contact_id=payload.contact_id, incurred_on=payload.incurred_on, amount=payload.amount,
        currency=payload.currency, note=payload.note))
