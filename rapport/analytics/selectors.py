"""Permission-scoped reads of stored analytics results (customer lists only show contacts the user may see)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from rapport.analytics.models import (
    AbcClass,
    AnalyticsRun,
    ClvScore,
    RfmScore,
    RunKind,
    RunStatus,
    SegmentRule,
)
from rapport.analytics.services.runs import latest_run
from rapport.contacts.models import Contact
from rapport.sales.models import Deal, Lead


def latest_runs() -> dict[str, AnalyticsRun | None]:
    """The most recent finished run of every kind (as `latest_run` gives each), in one query.

    Every contact page shows them: one statement with an indexed `LIMIT 1` subquery per kind instead of
    one ORM query per kind (the ORM's compile cost per query is most of what each one costs).
    """
    table = AnalyticsRun._meta.db_table
    kinds = list(RunKind.values)
    latest = f"(SELECT id FROM {table} WHERE kind = %s AND status = %s ORDER BY finished_at DESC, id DESC LIMIT 1)"
    sql = f"SELECT * FROM {table} WHERE id IN ({', '.join([latest] * len(kinds))})"
    found = {run.kind: run for run in AnalyticsRun.objects.raw(sql, [v for k in kinds for v in (k, RunStatus.DONE)])}
    return {kind: found.get(kind) for kind in kinds}


def active_run(kind: str) -> AnalyticsRun | None:
    return AnalyticsRun.objects.filter(kind=kind, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()


def last_failed(kind: str) -> AnalyticsRun | None:
    """The latest run of a kind if it failed (so the page can say why), else None."""
    last = AnalyticsRun.objects.filter(kind=kind).exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
    return last if last is not None and last.status == RunStatus.FAILED else None


def segment_rules() -> list[SegmentRule]:
    return list(SegmentRule.objects.order_by("position", "id"))


def segment_members(*, user: Any, run: AnalyticsRun, segment: str) -> QuerySet[RfmScore]:
    return (RfmScore.objects.filter(run=run, segment=segment, contact__in=Contact.objects.visible_to(user))
            .select_related("contact").order_by("-monetary", "contact_id"))


def abc_members(*, user: Any, run: AnalyticsRun, abc: str) -> QuerySet[AbcClass]:
    return (AbcClass.objects.filter(run=run, abc=abc, contact__in=Contact.objects.visible_to(user))
            .select_related("contact").order_by("-revenue", "contact_id"))


def at_risk(*, user: Any, run: AnalyticsRun, p_alive_below: float = 0.5) -> QuerySet[ClvScore]:
    """Valuable customers (top CLV share of the run) whose chance of still being active is low."""
    threshold = float(run.result.get("at_risk_clv_threshold", 0))
    return (ClvScore.objects.filter(run=run, clv__gte=threshold, p_alive__lt=p_alive_below,
                                    contact__in=Contact.objects.visible_to(user))
            .select_related("contact").order_by("-clv", "contact_id"))


def top_customers(*, user: Any, run: AnalyticsRun) -> QuerySet[ClvScore]:
    return (ClvScore.objects.filter(run=run, contact__in=Contact.objects.visible_to(user))
            .select_related("contact").order_by("-clv", "contact_id"))


def contact_analytics(contact: Contact) -> dict[str, Any]:
    """The contact's latest RFM score, ABC class and CLV score (three indexed lookups and the runs)."""
    runs = latest_runs()
    out: dict[str, Any] = {"runs": runs, "rfm": None, "abc": None, "clv": None}
    if runs[RunKind.RFM]:
        out["rfm"] = RfmScore.objects.filter(run=runs[RunKind.RFM], contact_id=contact.pk).first()
    if runs[RunKind.ABC]:
        out["abc"] = AbcClass.objects.filter(run=runs[RunKind.ABC], contact_id=contact.pk).first()
    if runs[RunKind.CLV]:
        out["clv"] = ClvScore.objects.filter(run=runs[RunKind.CLV], contact_id=contact.pk).first()
    return out


def _span(run: AnalyticsRun, previous: bool) -> tuple[dt.datetime, dt.datetime, dt.date, dt.date]:
    period = run.result["period"]
    start = dt.date.fromisoformat(period["previous_start" if previous else "start"])
    end = dt.date.fromisoformat(period["previous_end" if previous else "end"])
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return lo, hi, start, end


DRILLS = {
    "new_customers": "contacts", "cac": "contacts", "arpu": "contacts", "avg_clv": "contacts",
    "churn_rate": "contacts", "retention": "contacts", "lead_conversion": "leads", "leads_created": "leads",
    "leads_converted": "leads", "win_rate": "deals", "avg_deal_size": "deals", "sales_cycle": "deals",
    "pipeline_value": "deals", "deals_created": "deals", "deals_won": "deals",
}


def kpi_records(*, user: Any, run: AnalyticsRun, key: str, previous: bool = False) -> QuerySet[Any]:
    """The records behind a KPI or funnel step in the run's period, limited to what the user may see."""
    from rapport.sales.choices import StageKind

    lo, hi, start, end = _span(run, previous)
    purchases = {"orders__deleted_at__isnull": True, "orders__total__gte": 0}
    contacts = Contact.objects.visible_to(user).select_related("owner")
    deals = Deal.objects.visible_to(user).select_related("stage", "owner", "contact")
    leads = Lead.objects.visible_to(user).select_related("contact", "owner")
    if key in ("new_customers", "cac"):
        return contacts.filter(purchase_summary__first_purchase__gte=start,
                               purchase_summary__first_purchase__lte=end).order_by("last_name", "id")
    if key in ("arpu", "retention", "churn_rate"):
        bought_now = contacts.filter(orders__ordered_at__gte=lo, orders__ordered_at__lt=hi, **purchases).exclude(
            orders__status__in=["cancelled", "refunded"]).values("pk")
        if key == "arpu":
            return contacts.filter(pk__in=bought_now).order_by("last_name", "id")
        p_lo = dt.datetime.combine(dt.date.fromisoformat(run.result["period"]["previous_start"]), dt.time.min,
                                   tzinfo=dt.UTC)
        bought_before = contacts.filter(orders__ordered_at__gte=p_lo, orders__ordered_at__lt=lo, **purchases).values(
            "pk")
        base = contacts.filter(pk__in=bought_before)
        chosen = base.filter(pk__in=bought_now) if key == "retention" else base.exclude(pk__in=bought_now)
        return chosen.order_by("last_name", "id")
    if key == "avg_clv":
        clv = latest_run(RunKind.CLV)
        ids = ClvScore.objects.filter(run=clv).order_by("-clv").values("contact_id")[:500] if clv else []
        return contacts.filter(pk__in=ids).order_by("last_name", "id")
    if key in ("lead_conversion", "leads_created"):
        return leads.filter(created_at__gte=lo, created_at__lt=hi).order_by("-created_at", "-id")
    if key == "leads_converted":
        return leads.filter(converted_at__gte=lo, converted_at__lt=hi).order_by("-converted_at", "-id")
    if key == "win_rate":
        return deals.filter(closed_at__gte=lo, closed_at__lt=hi,
                            stage__kind__in=[StageKind.WON, StageKind.LOST]).order_by("-closed_at", "-id")
    if key in ("avg_deal_size", "sales_cycle", "deals_won"):
        return deals.filter(closed_at__gte=lo, closed_at__lt=hi, stage__kind=StageKind.WON).order_by("-closed_at",
                                                                                                      "-id")
    if key == "deals_created":
        return deals.filter(created_at__gte=lo, created_at__lt=hi).order_by("-created_at", "-id")
    if key == "pipeline_value":
        from django.db.models import Q

        return deals.filter(stage__kind=StageKind.OPEN).filter(
            Q(expected_close_date__isnull=True) | Q(expected_close_date__gte=start, expected_close_date__lte=end)
        ).order_by("-amount", "-id")
    from django.http import Http404

    raise Http404("No such KPI.")


# Churn risk bands of the contact-list filter: probability of having churned = 1 - P(alive).
CHURN_RISK_BANDS = {
    "high": (None, 0.5, "High (50 % or more likely to have churned)"),
    "medium": (0.5, 0.8, "Medium (20-50 %)"),
    "low": (0.8, None, "Low (under 20 %)"),
}


def _number(value: Any, name: str, errors: dict[str, list[str]]) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        errors[name] = ["Enter a number, like 500 or 1200.50."]
        return None
    if number != number or number in (float("inf"), float("-inf")):
        errors[name] = ["Enter a finite number, like 500."]
        return None
    return number


def contacts_by_analytics(qs: QuerySet[Contact], *, rfm_segment: str = "", clv_min: Any = None, clv_max: Any = None,
                          churn_risk: str = "") -> QuerySet[Contact]:
    """Narrow a contact queryset to an RFM segment, a CLV range and a churn-risk band of the latest runs.

    Each condition is one indexed subquery on the latest run's scores (contact id IN ...), so the list
    page and the API keep their query count; bad input raises ValidationError with what to enter.
    """
    from django.core.exceptions import ValidationError

    errors: dict[str, list[str]] = {}
    low, high = _number(clv_min, "clv_min", errors), _number(clv_max, "clv_max", errors)
    if low is not None and high is not None and low > high:
        errors["clv_max"] = ["The highest CLV must be at least the lowest."]
    if churn_risk and churn_risk not in CHURN_RISK_BANDS:
        errors["churn_risk"] = [f"Use one of {', '.join(CHURN_RISK_BANDS)}."]
    if rfm_segment:
        rfm = latest_run(RunKind.RFM)
        if rfm is None:
            errors["rfm_segment"] = ["No RFM segments have been computed yet; a manager can start the calculation "
                                     "on the Analytics page."]
        else:
            known = set(rfm.result.get("segments", {})) | {r.name for r in segment_rules()}
            if rfm_segment not in known:
                errors["rfm_segment"] = [f"Unknown RFM segment {rfm_segment!r}; use one of {', '.join(sorted(known))}."]
    wants_clv = low is not None or high is not None or bool(churn_risk)
    clv_run = latest_run(RunKind.CLV) if wants_clv else None
    if wants_clv and clv_run is None and not errors:
        errors.setdefault("churn_risk" if churn_risk else "clv_min", []).append(
            "No lifetime values have been computed yet; a manager can start the calculation on the Analytics page.")
    if errors:
        raise ValidationError(errors)
    if rfm_segment:
        qs = qs.filter(pk__in=RfmScore.objects.filter(run=rfm, segment=rfm_segment).values("contact_id"))
    if clv_run is not None:
        scores = ClvScore.objects.filter(run=clv_run)
        if low is not None:
            scores = scores.filter(clv__gte=low)
        if high is not None:
            scores = scores.filter(clv__lte=high)
        if churn_risk:
            p_low, p_high, _ = CHURN_RISK_BANDS[churn_risk]
            if p_low is not None:
                scores = scores.filter(p_alive__gte=p_low)
            if p_high is not None:
                scores = scores.filter(p_alive__lt=p_high)
        qs = qs.filter(pk__in=scores.values("contact_id"))
    return qs


def segment_choices() -> list[tuple[str, str]]:
    """RFM segment names for the contact-list filter (the rules, in their order)."""
    return [(r.name, r.name) for r in segment_rules()]
