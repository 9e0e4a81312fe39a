"""Editable inputs of the analytics: segment rules, acquisition costs and KPI targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.analytics.models import AcquisitionCost, KpiTarget, SegmentRule, ServiceCost
from rapport.analytics.services.runs import ensure_can_recalculate


def _int(value: Any, field: str, low: int, high: int, errors: dict[str, list[str]]) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(f"Enter a whole number from {low} to {high}.")
        return low
    if not low <= number <= high:
        errors.setdefault(field, []).append(f"Enter a whole number from {low} to {high}.")
    return number


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.setdefault(field, []).append("Enter a date as YYYY-MM-DD.")
        return dt.date(2000, 1, 1)


def _decimal(value: Any, field: str, errors: dict[str, list[str]], *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError):
        errors.setdefault(field, []).append("Enter a number, like 1200 or 0.25.")
        return Decimal(0)
    if not number.is_finite() or (minimum is not None and number < minimum) or abs(number) > Decimal("1e12"):
        errors.setdefault(field, []).append("Enter a number that is not negative and not huge.")
        return Decimal(0)
    return number


@transaction.atomic
def segment_rule_save(*, by: Any, name: str, r_min: Any, r_max: Any, f_min: Any, f_max: Any, action: str = "",
                      color: str = "#64748b", position: Any = None, pk: int | None = None) -> SegmentRule:
    """Create or change a segment rule; the next RFM run uses it."""
    ensure_can_recalculate(by)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()[:60]
    if not name:
        errors["name"] = ["Give the segment a name."]
    bounds = {f: _int(v, f, 1, 5, errors) for f, v in (("r_min", r_min), ("r_max", r_max), ("f_min", f_min),
                                                          ("f_max", f_max))}
    if bounds["r_min"] > bounds["r_max"] or bounds["f_min"] > bounds["f_max"]:
        errors.setdefault("r_min", []).append("Each range must go from a lower to a higher score.")
    color = (color or "#64748b").strip()
    if not (len(color) == 7 and color.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in color[1:])):
        errors["color"] = ["Pick a colour like #2563eb."]
    clash = SegmentRule.objects.filter(name=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if name and clash.exists():
        errors.setdefault("name", []).append(f"A segment called {name!r} exists already.")
    if errors:
        raise ValidationError(errors)
    rule = SegmentRule.objects.get(pk=pk) if pk else SegmentRule(position=SegmentRule.objects.count())
    if position not in (None, ""):
        rule.position = _int(position, "position", 0, 1000, errors)
    rule.name, rule.action, rule.color = name, (action or "").strip()[:200], color
    for field, value in bounds.items():
        setattr(rule, field, value)
    rule.save()
    return rule


def segment_rule_delete(*, by: Any, pk: int) -> None:
    ensure_can_recalculate(by)
    SegmentRule.objects.filter(pk=pk).delete()


def cost_add(*, by: Any, period_start: Any, period_end: Any, channel: str, amount: Any, currency: str,
             note: str = "") -> AcquisitionCost:
    """Record money spent to win customers in a period and channel (used by CAC)."""
    ensure_can_recalculate(by)
    errors: dict[str, list[str]] = {}
    start, end = _date(period_start, "period_start", errors), _date(period_end, "period_end", errors)
    if not errors and end < start:
        errors["period_end"] = ["The period must end on or after its start."]
    channel = (channel or "").strip()[:60]
    if not channel:
        errors["channel"] = ["Name the channel, like Ads or Trade fairs."]
    value = _decimal(amount, "amount", errors)
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        errors["currency"] = ["Use a three-letter currency code, like EUR or USD."]
    if errors:
        raise ValidationError(errors)
    return AcquisitionCost.objects.create(period_start=start, period_end=end, channel=channel, amount=value,
                                          currency=code, note=(note or "")[:200], created_by=by)


def target_set(*, by: Any, kpi: str, period_start: Any, period_end: Any, value: Any) -> KpiTarget:
    """Set the target of a KPI for a period (replacing an existing one for the same period)."""
    from rapport.analytics.services.kpis import KPIS

    ensure_can_recalculate(by)
    errors: dict[str, list[str]] = {}
    if kpi not in KPIS:
        errors["kpi"] = [f"Choose one of {', '.join(KPIS)}."]
    start, end = _date(period_start, "period_start", errors), _date(period_end, "period_end", errors)
    if not errors and end < start:
        errors["period_end"] = ["The period must end on or after its start."]
    number = _decimal(value, "value", errors, minimum=None)
    if errors:
        raise ValidationError(errors)
    target, _ = KpiTarget.objects.update_or_create(kpi=kpi, period_start=start, period_end=end,
                                                   defaults={"value": number})
    return target


def parse_activity_costs(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, str]:
    """Validate a cost per activity kind (blank means 0); return {kind: "12.50"} for the kinds with a cost."""
    from rapport.activities.choices import ActivityKind

    unknown = sorted(set(values) - set(ActivityKind.values))
    if unknown:
        errors["activity_costs"] = [f"Unknown activity kind {', '.join(unknown)}; use {', '.join(ActivityKind.values)}."]
    out = {}
    for kind in ActivityKind.values:
        raw = values.get(kind)
        if raw in (None, ""):
            continue
        number = _decimal(raw, f"cost_{kind}", errors)
        if number:
            out[kind] = str(number.quantize(Decimal("0.01")))
    return out


def activity_costs() -> dict[str, Decimal]:
    """The configured cost of one activity per kind (kinds without a cost are left out)."""
    from rapport.analytics.services.segment_tags import analytics_settings

    return {k: Decimal(v) for k, v in analytics_settings().activity_costs.items()}


def service_cost_add(*, by: Any, contact_id: Any, incurred_on: Any, amount: Any, currency: str, note: str = ""
                     ) -> ServiceCost:
    """Record money spent serving one customer (counted in the ABC cost to serve)."""
    from rapport.contacts.models import Contact

    ensure_can_recalculate(by)
    errors: dict[str, list[str]] = {}
    day = _date(incurred_on, "incurred_on", errors)
    value = _decimal(amount, "amount", errors)
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        errors["currency"] = ["Use a three-letter currency code, like EUR or USD."]
    contact = None
    if str(contact_id or "").strip().isdigit():
        contact = Contact.objects.visible_to(by).filter(pk=int(str(contact_id).strip())).first()
    if contact is None:
        errors["contact"] = ["Choose a contact you can see (its number, as in the address of its page)."]
    if errors or contact is None:
        raise ValidationError(errors)
    return ServiceCost.objects.create(contact=contact, incurred_on=day, amount=value, currency=code,
                                      note=(note or "").strip()[:200], created_by=by)


def service_cost_list(*, user: Any) -> list[ServiceCost]:
    """The latest service cost entries of contacts the user may see."""
    from rapport.contacts.models import Contact

    return list(ServiceCost.objects.filter(contact__in=Contact.objects.visible_to(user)).select_related("contact")[:200])


def cost_list() -> list[AcquisitionCost]:
    return list(AcquisitionCost.objects.all()[:200])


def target_list() -> list[KpiTarget]:
    return list(KpiTarget.objects.all()[:200])


def apply_form(data: Any, *, by: Any) -> str:
    """Apply one settings form post; return what was done, in a sentence."""
    action = data.get("action")
    pk = data.get("pk")
    if action == "rule_save":
        rule = segment_rule_save(by=by, pk=int(pk) if pk and str(pk).isdigit() else None, name=data.get("name", ""),
                                 r_min=data.get("r_min"), r_max=data.get("r_max"), f_min=data.get("f_min"),
                                 f_max=data.get("f_max"), action=data.get("rule_action", ""),
                                 color=data.get("color", "#64748b"), position=data.get("position"))
        return f"Saved segment {rule.name}; it applies from the next RFM run."
    if action == "rule_delete" and pk and str(pk).isdigit():
        segment_rule_delete(by=by, pk=int(pk))
        return "Deleted the segment rule."
    if action == "cost_add":
        cost = cost_add(by=by, period_start=data.get("period_start"), period_end=data.get("period_end"),
                        channel=data.get("channel", ""), amount=data.get("amount"), currency=data.get("currency", ""),
                        note=data.get("note", ""))
        return f"Recorded {cost.amount} {cost.currency} for {cost.channel}."
    if action == "cost_delete" and pk and str(pk).isdigit():
        ensure_can_recalculate(by)
        AcquisitionCost.objects.filter(pk=int(pk)).delete()
        return "Deleted the cost entry."
    if action == "target_set":
        target = target_set(by=by, kpi=data.get("kpi", ""), period_start=data.get("period_start"),
                            period_end=data.get("period_end"), value=data.get("value"))
        return f"Target for {target.kpi} set to {target.value}."
    if action == "target_delete" and pk and str(pk).isdigit():
        ensure_can_recalculate(by)
        KpiTarget.objects.filter(pk=int(pk)).delete()
        return "Deleted the target."
    if action == "options_save":
        from rapport.activities.choices import ActivityKind
        from rapport.analytics.services.segment_tags import settings_save

        settings_save(by=by, tag_rfm_segments=data.get("tag_rfm_segments") in ("on", "true", "1"),
                      activity_costs={k: data.get(f"cost_{k}", "") for k in ActivityKind.values})
        return "Saved the analytics options."
    if action == "service_cost_add":
        entry = service_cost_add(by=by, contact_id=data.get("contact"), incurred_on=data.get("incurred_on"),
                                 amount=data.get("amount"), currency=data.get("currency", ""),
                                 note=data.get("note", ""))
        return f"Recorded {entry.amount} {entry.currency} spent serving {entry.contact}."
    if action == "service_cost_delete" and pk and str(pk).isdigit():
        ensure_can_recalculate(by)
        ServiceCost.objects.filter(pk=int(pk)).delete()
        return "Deleted the cost entry."
    raise ValidationError("This form could not be understood; reload the page and try again.")
