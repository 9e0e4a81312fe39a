"""Products and orders (purchase history)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.contacts.choices import LifecycleStage
from rapport.contacts.models import Contact
from rapport.core.errors import NotAllowed
from rapport.core.records import (
    ensure_can_create,
    ensure_editable,
    record_restore,
    record_trash,
    record_update,
)
from rapport.sales.choices import OrderChannel, OrderStatus
from rapport.sales.models import Order, OrderLine, Product
from rapport.sales.services.deals import currency_clean, money_clean


def _product_values(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    for field in ("sku", "name"):
        if field in values:
            values[field] = (values[field] or "").strip()
            if not values[field]:
                errors.setdefault(field, []).append(f"Enter the product's {field.upper() if field == 'sku' else field}.")
    if "unit_price" in values:
        values["unit_price"] = money_clean(values["unit_price"], "unit_price", errors)
    if "currency" in values:
        values["currency"] = currency_clean(values["currency"], errors)
    return values


CATALOGUE_REFUSAL = "Only managers and administrators change the product catalogue."


def catalogue_editable_by(user: Any) -> bool:
    """Whether the user may add and change products (managers and admins; everyone sees the catalogue)."""
    from rapport.accounts.choices import Role

    return bool(user.is_admin or user.role == Role.MANAGER)


@transaction.atomic
def product_create(*, by: Any, sku: str, name: str, **values: Any) -> Product:
    """Add a product to the catalogue (managers and admins)."""
    if not catalogue_editable_by(by):
        raise NotAllowed(CATALOGUE_REFUSAL)
    errors: dict[str, list[str]] = {}
    values.setdefault("currency", _base())
    values = _product_values({"sku": sku, "name": name, **values}, errors)
    if values.get("sku") and Product.all_objects.filter(sku=values["sku"]).exists():
        errors.setdefault("sku", []).append(f"SKU {values['sku']} is taken by another product.")
    if errors:
        raise ValidationError(errors)
    product = Product(**values)
    product.full_clean(exclude=["deleted_by"])
    product.save()
    return product


@transaction.atomic
def product_update(*, product: Product, by: Any, expected_version: int | None = None, **values: Any) -> Product:
    ensure_editable(product, by)
    errors: dict[str, list[str]] = {}
    values = _product_values(dict(values), errors)
    if values.get("sku") and Product.all_objects.filter(sku=values["sku"]).exclude(pk=product.pk).exists():
        errors.setdefault("sku", []).append(f"SKU {values['sku']} is taken by another product.")
    if errors:
        raise ValidationError(errors)
    product, _ = record_update(product, values, by=by, expected_version=expected_version)
    return product


def _base() -> str:
    from django.conf import settings

    return str(settings.RAPPORT_BASE_CURRENCY)


def _order_prepare(
    *,
    contact: Contact,
    lines: list[dict[str, Any]],
    by_sku: dict[str, Product],
    ordered_at: dt.datetime | None = None,
    number: str = "",
    external_id: str | None = None,
    channel: str = OrderChannel.WEB,
    status: str = OrderStatus.PAID,
    currency: str | None = None,
    company: Any = None,
    deal: Any = None,
) -> tuple[Order, list[OrderLine]]:
    """Validate one order and its lines (products by SKU from `by_sku`); no query, nothing written."""
    errors: dict[str, list[str]] = {}
    if channel not in OrderChannel.values:
        errors["channel"] = [f"Channel must be one of {', '.join(OrderChannel.values)}."]
    if status not in OrderStatus.values:
        errors["status"] = [f"Status must be one of {', '.join(OrderStatus.values)}."]
    currency = currency_clean(currency or _base(), errors)
    ordered_at = ordered_at or timezone.now()
    if timezone.is_naive(ordered_at):
        ordered_at = timezone.make_aware(ordered_at, dt.UTC)
    if not dt.datetime(1900, 1, 1, tzinfo=dt.UTC) <= ordered_at <= timezone.now() + dt.timedelta(days=366):
        errors["ordered_at"] = ["The order date is out of range."]
    if not lines:
        errors["lines"] = ["An order needs at least one line."]
    rows: list[OrderLine] = []
    for i, line in enumerate(lines):
        product = line.get("product") or (by_sku.get(str(line.get("sku"))) if line.get("sku") else None)
        if line.get("sku") and product is None:
            errors.setdefault(f"lines.{i}.sku", []).append(f"No product has SKU {line.get('sku')!r}.")
        description = str(line.get("description") or (product.name if product else "")).strip()[:200]
        if product is None and not description:
            errors.setdefault(f"lines.{i}", []).append("Give a product SKU or a description.")
        quantity = money_clean(line.get("quantity", 1), f"lines.{i}.quantity", errors)
        if quantity <= 0:
            errors.setdefault(f"lines.{i}.quantity", []).append("The quantity must be more than zero.")
        price = line.get("unit_price")
        if price in (None, "") and product is None:
            errors.setdefault(f"lines.{i}.unit_price", []).append("Give the unit price.")
        unit_price = product.unit_price if price in (None, "") and product else money_clean(
            price, f"lines.{i}.unit_price", errors
        )
        rows.append(OrderLine(product=product, description=description, quantity=quantity, unit_price=unit_price))
    if errors:
        raise ValidationError(errors)
    total = sum((r.total for r in rows), Decimal("0"))
    order = Order(
        number=(number or "").strip()[:64] or f"R-{timezone.now():%Y%m%d%H%M%S%f}",
        external_id=external_id or None, contact=contact, company_id=company.pk if company else contact.company_id,
        deal=deal, ordered_at=ordered_at, channel=channel, status=status, currency=currency, total=total,
    )
    return order, rows


def _products_by_sku(lines: list[dict[str, Any]]) -> dict[str, Product]:
    skus = {str(line.get("sku")) for line in lines if line.get("sku") and not line.get("product")}
    return {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}


def _orders_write(prepared: list[tuple[Order, list[OrderLine]]], by: Any) -> list[Order]:
    """Insert validated orders with their lines, timeline events and the customers' summaries (set-based)."""
    from rapport.activities.models import TimelineEvent
    from rapport.activities.timeline import json_value
    from rapport.analytics.services.summary import purchase_summary_apply

    orders = Order.objects.bulk_create([order for order, _ in prepared])
    for order, rows in prepared:
        for row in rows:
            row.order = order
    OrderLine.objects.bulk_create([row for _, rows in prepared for row in rows])
    contact_ids = sorted({order.contact_id for order in orders})
    Contact.objects.filter(
        pk__in=contact_ids,
        lifecycle_stage__in=[LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.OPPORTUNITY],
    ).update(lifecycle_stage=LifecycleStage.CUSTOMER)
    actor = by if getattr(by, "pk", None) else None
    TimelineEvent.objects.bulk_create([
        TimelineEvent(
            kind="order_placed", summary=f"Order {order.number}: {order.total} {order.currency}"[:300], actor=actor,
            data=json_value({"total": order.total, "currency": order.currency, "lines": len(rows)}),
            occurred_at=order.ordered_at, contact_id=order.contact_id, company_id=order.company_id, order=order,
        )
        for order, rows in prepared
    ])
    purchase_summary_apply(contact_ids=contact_ids)
    return orders


@transaction.atomic
def order_create(
    *,
    by: Any,
    contact: Contact,
    lines: list[dict[str, Any]],
    ordered_at: dt.datetime | None = None,
    number: str = "",
    external_id: str | None = None,
    channel: str = OrderChannel.WEB,
    status: str = OrderStatus.PAID,
    currency: str | None = None,
    company: Any = None,
    deal: Any = None,
) -> Order:
    """Record a purchase with its lines; idempotent by external_id (the same id returns the same order)."""
    ensure_can_create(by)
    if external_id:
        existing = Order.all_objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    ensure_editable(contact, by)
    prepared = _order_prepare(
        contact=contact, lines=lines, by_sku=_products_by_sku(lines), ordered_at=ordered_at, number=number,
        external_id=external_id, channel=channel, status=status, currency=currency, company=company, deal=deal,
    )
    return _orders_write([prepared], by)[0]


EXTERNAL_ID_TAKEN = "Another order already uses this external id; send a different one."


@transaction.atomic
def orders_bulk_create(*, by: Any, items: list[dict[str, Any] | None],
                       errors: dict[str, list[str]] | None = None) -> list[tuple[Order, bool]]:
    """Record many orders, all or nothing, with order_create's checks and a fixed number of queries.

    Returns (order, created) per item: an item whose external_id is already recorded (or repeated
    earlier in `items`) returns that order with created=False; an external id used by an order the
    user may not see is refused. `errors` from the caller are reported with the items' own; an item
    the caller already found wrong is None.
    """
    ensure_can_create(by)
    errors = dict(errors or {})
    valid = [item for item in items if item is not None]
    external_ids = {item["external_id"] for item in valid if item.get("external_id")}
    recorded = {o.external_id: o for o in Order.all_objects.filter(external_id__in=external_ids)} if external_ids else {}
    visible = set(Order.all_objects.visible_to(by).filter(pk__in=[o.pk for o in recorded.values()])
                  .values_list("pk", flat=True)) if recorded else set()
    contact_ids = {item["contact"].pk for item in valid if item.get("contact") is not None}
    editable = set(Contact.all_objects.editable_by(by).filter(pk__in=contact_ids).values_list("pk", flat=True))
    by_sku = _products_by_sku([line for item in valid for line in item.get("lines", [])])
    plan: list[tuple[str, Any]] = []  # ("recorded", order) | ("new", index into prepared) | ("again", external_id)
    prepared: list[tuple[Order, list[OrderLine]]] = []
    first_new: dict[str, int] = {}
    for i, item in enumerate(items):
        if item is None:
            plan.append(("invalid", None))
            continue
        external_id = item.get("external_id")
        if external_id and external_id in recorded:
            if recorded[external_id].pk not in visible:
                errors[f"items.{i}.external_id"] = [EXTERNAL_ID_TAKEN]
            plan.append(("recorded", recorded[external_id]))
            continue
        if external_id and external_id in first_new:
            plan.append(("again", first_new[external_id]))
            continue
        contact = item.get("contact")
        if contact is None:
            plan.append(("invalid", None))
            continue
        if contact.pk not in editable:
            raise NotAllowed("You can see this record but not change it; ask its owner or a manager.")
        try:
            values = {k: v for k, v in item.items() if k != "contact"}
            prepared.append(_order_prepare(contact=contact, by_sku=by_sku, **values))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"items.{i}.{field}"] = list(messages)
            plan.append(("invalid", None))
            continue
        if external_id:
            first_new[external_id] = len(prepared) - 1
        plan.append(("new", len(prepared) - 1))
    if errors:
        raise ValidationError(errors)
    orders = _orders_write(prepared, by) if prepared else []
    result: list[tuple[Order, bool]] = []
    for kind, ref in plan:
        if kind == "recorded":
            result.append((ref, False))
        elif kind == "again":
            result.append((orders[ref], False))
        else:
            result.append((orders[ref], True))
    return result


def order_update_status(*, order: Order, status: str, by: Any) -> Order:
    """Change an order's status (e.g. cancelled, refunded)."""
    ensure_editable(order, by)
    if status not in OrderStatus.values:
        raise ValidationError({"status": [f"Status must be one of {', '.join(OrderStatus.values)}."]})
    order, _ = record_update(order, {"status": status}, by=by, expected_version=None)
    from rapport.analytics.services.summary import purchase_summary_apply

    purchase_summary_apply(contact_id=order.contact_id)
    return order


def order_trash(*, order: Order, by: Any) -> Order:
    """Move an order to the trash; the customer's purchase summary no longer counts it."""
    from rapport.analytics.services.summary import purchase_summary_apply

    with transaction.atomic():
        order = record_trash(order, by=by)
        purchase_summary_apply(contact_id=order.contact_id)
    return order


def order_restore(*, order: Order, by: Any) -> Order:
    """Bring an order back from the trash and count it in the purchase summary again."""
    from rapport.analytics.services.summary import purchase_summary_apply

    with transaction.atomic():
        order = record_restore(order, by=by)
        purchase_summary_apply(contact_id=order.contact_id)
    return order
