"""Deals: create, edit, move between stages (recorded), lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.activities.timeline import links_of, timeline_record
from rapport.contacts.choices import LifecycleStage
from rapport.contacts.models import Contact
from rapport.core.errors import EditConflict
from rapport.core.records import ensure_assignable, ensure_can_create, ensure_editable, record_update
from rapport.customization.services import custom_values_clean
from rapport.customization.validation import rules_check
from rapport.sales.choices import StageKind
from rapport.sales.models import Deal, DealLine, DealStageChange, Pipeline, Product, Stage
from rapport.sales.services.pipelines import pipeline_default
from rapport.sales.services.totals import deal_change_deltas, deal_delta, stage_totals_apply
from rapport.search.services import search_index_put

MAX_AMOUNT = Decimal("999999999999.99")


def money_clean(value: Any, field: str, errors: dict[str, list[str]], *, allow_zero: bool = True) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        errors.setdefault(field, []).append("Enter an amount as a number, like 12500 or 99.90.")
        return Decimal("0")
    if not amount.is_finite() or amount < 0:
        errors.setdefault(field, []).append("The amount cannot be negative.")
    elif amount > MAX_AMOUNT:
        errors.setdefault(field, []).append("The amount is too large.")
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else Decimal("0")


def currency_clean(value: Any, errors: dict[str, list[str]], field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        errors.setdefault(field, []).append("Use a three-letter currency code, like EUR or USD.")
    return code


def date_clean(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            errors.setdefault(field, []).append("Enter a date as YYYY-MM-DD.")
            return None
    if not dt.date(1900, 1, 1) <= value <= dt.date(2200, 12, 31):
        errors.setdefault(field, []).append("This date is out of range (1900–2200).")
    return value


def _deal_values(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors.setdefault("name", []).append("Enter a name for the deal.")
        elif len(values["name"]) > 200:
            errors.setdefault("name", []).append("The name is too long: at most 200 characters.")
    if "amount" in values:
        values["amount"] = money_clean(values["amount"], "amount", errors)
    if "currency" in values:
        values["currency"] = currency_clean(values["currency"], errors)
    if "expected_close_date" in values:
        values["expected_close_date"] = date_clean(values["expected_close_date"], "expected_close_date", errors)
    return values


def _record_stage_change(deal: Deal, old: Stage | None, new: Stage, by: Any) -> None:
    now = timezone.now()
    DealStageChange.objects.create(deal=deal, from_stage=old, to_stage=new, changed_at=now, changed_by=by)
    summary = f"Stage: {old.name} → {new.name}" if old else f"Stage: {new.name}"
    timeline_record(
        kind="stage_changed",
        summary=summary,
        actor=by,
        data={"from": old.name if old else None, "to": new.name, "kind": new.kind, "amount": deal.amount,
              "currency": deal.currency},
        occurred_at=now,
        **links_of(deal),
    )
    if new.kind == StageKind.WON and deal.contact_id:
        Contact.objects.filter(
            pk=deal.contact_id,
            lifecycle_stage__in=[LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.OPPORTUNITY],
        ).update(lifecycle_stage=LifecycleStage.CUSTOMER)


@transaction.atomic
def deal_create(
    *,
    by: Any,
    name: str,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    custom: dict[str, Any] | None = None,
    **values: Any,
) -> Deal:
    """Create a deal in the first open stage of its pipeline (or the given stage)."""
    ensure_can_create(by)
    errors: dict[str, list[str]] = {}
    values.setdefault("currency", _base_currency())
    values = _deal_values({"name": name, **values}, errors)
    pipeline = pipeline or (stage.pipeline if stage else pipeline_default())
    if stage is None:
        stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
        if stage is None:
            errors.setdefault("stage", []).append("This pipeline has no open stage.")
    elif stage.pipeline_id != pipeline.pk:
        errors.setdefault("stage", []).append("The stage belongs to another pipeline.")
    try:
        custom_clean = custom_values_clean("deal", custom)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        custom_clean = {}
    if errors or stage is None:
        raise ValidationError(errors)
    values.setdefault("owner", by)
    ensure_assignable(values["owner"], by)
    if values.get("contact") is not None and values.get("company") is None and values["contact"].company_id:
        values["company"] = values["contact"].company
    rules_check("deal", Deal(pipeline=pipeline, stage=stage, custom=custom_clean, **values))
    now = timezone.now()
    deal = Deal.objects.create(
        pipeline=pipeline, stage=stage, custom=custom_clean, stage_changed_at=now,
        closed_at=now if stage.kind != StageKind.OPEN else None, **values,
    )
    stage_totals_apply([deal_delta(deal, 1)])
    timeline_record(kind="created", summary=f"Deal {deal.name} created", actor=by, **links_of(deal))
    _record_stage_change(deal, None, stage, by)
    search_index_put("deal", deal)
    return deal


def _base_currency() -> str:
    from django.conf import settings

    return str(settings.RAPPORT_BASE_CURRENCY)


@transaction.atomic
def deal_update(*, deal: Deal, by: Any, expected_version: int | None = None, custom: dict[str, Any] | None = None,
                **values: Any) -> Deal:
    """Change a deal's fields (not its stage: use deal_move_to_stage)."""
    ensure_editable(deal, by)
    errors: dict[str, list[str]] = {}
    values = _deal_values(dict(values), errors)
    values.pop("stage", None)
    values.pop("pipeline", None)
    if custom is not None:
        try:
            values["custom"] = custom_values_clean("deal", custom, current=deal.custom, partial=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if "owner" in values and values["owner"] != deal.owner:
        ensure_assignable(values["owner"], by)
    rules_check("deal", deal, values)
    deal, changes = record_update(deal, values, by=by, expected_version=expected_version)
    stage_totals_apply(deal_change_deltas(deal, changes))
    search_index_put("deal", deal)
    return deal


@transaction.atomic
def deal_move_to_stage(*, deal: Deal, stage: Stage, by: Any, lost_reason: str = "",
                       expected_version: int | None = None) -> Deal:
    """Move a deal to another stage of its pipeline; the move is recorded with time and user."""
    ensure_editable(deal, by)
    current = Deal.all_objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if current.deleted_at is not None:
        raise ValidationError("This deal is in the trash; restore it first.")
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(record=current, expected_version=expected_version,
                           changes={"stage": (None, current.stage.name)})
    if stage.pipeline_id != current.pipeline_id:
        raise ValidationError({"stage": ["That stage belongs to another pipeline."]})
    lost_reason = (lost_reason or "").strip()[:200]
    if current.stage_id == stage.pk:
        return current
    rules_check("deal", current, {"stage_kind": stage.kind,
                                  "lost_reason": lost_reason if stage.kind == StageKind.LOST else ""})
    old = current.stage
    now = timezone.now()
    current.stage = stage
    current.stage_changed_at = now
    current.closed_at = now if stage.kind != StageKind.OPEN else None
    current.lost_reason = lost_reason if stage.kind == StageKind.LOST else ""
    current.version += 1
    current.updated_at = now
    current.save(update_fields=["stage", "stage_changed_at", "closed_at", "lost_reason", "version", "updated_at"])
    stage_totals_apply([deal_delta(current, -1, stage_id=old.pk), deal_delta(current, 1)])
    _record_stage_change(current, old, stage, by)
    return current


@transaction.atomic
def deal_lines_set(*, deal: Deal, lines: list[dict[str, Any]], by: Any, update_amount: bool = True) -> Deal:
    """Replace a deal's product lines; the amount becomes their total unless told otherwise."""
    ensure_editable(deal, by)
    errors: dict[str, list[str]] = {}
    rows = []
    for i, line in enumerate(lines):
        product = line.get("product")
        if not isinstance(product, Product):
            product = Product.objects.filter(sku=str(line.get("sku", ""))).first()
        if product is None:
            errors.setdefault(f"lines.{i}.product", []).append("Choose a product from the catalogue.")
            continue
        quantity = money_clean(line.get("quantity", 1), f"lines.{i}.quantity", errors)
        if quantity <= 0:
            errors.setdefault(f"lines.{i}.quantity", []).append("The quantity must be more than zero.")
        price = line.get("unit_price")
        unit_price = product.unit_price if price in (None, "") else money_clean(price, f"lines.{i}.unit_price", errors)
        discount = money_clean(line.get("discount_percent", 0), f"lines.{i}.discount_percent", errors)
        if discount > 100:
            errors.setdefault(f"lines.{i}.discount_percent", []).append("A discount is at most 100 %.")
        rows.append(DealLine(deal=deal, product=product, quantity=quantity, unit_price=unit_price,
                             discount_percent=discount))
    if errors:
        raise ValidationError(errors)
    deal.lines.all().delete()
    DealLine.objects.bulk_create(rows)
    if update_amount:
        total = sum((r.total for r in rows), Decimal("0"))
        deal, changes = record_update(deal, {"amount": total}, by=by, expected_version=None,
                                      summary=f"Products changed; amount now {total}")
        stage_totals_apply(deal_change_deltas(deal, changes))
    return deal
