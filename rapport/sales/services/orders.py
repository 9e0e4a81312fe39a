"""Products and orders (purchase history)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.activities.timeline import timeline_record
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


@transaction.atomic
def product_create(*, by: Any, sku: str, name: str, **values: Any) -> Product:
    """Add a product to the catalogue (managers and admins)."""
    from rapport.accounts.choices import Role

    if not (by.is_admin or by.role == Role.MANAGER):
        raise NotAllowed("Only managers and administrators change the product catalogue.")
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
    skus = {str(line.get("sku")) for line in lines if line.get("sku") and not line.get("product")}
    by_sku = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
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
    order = Order.objects.create(
        number=(number or "").strip()[:64] or f"R-{timezone.now():%Y%m%d%H%M%S%f}",
        external_id=external_id or None, contact=contact, company=company or contact.company, deal=deal,
        ordered_at=ordered_at, channel=channel, status=status, currency=currency, total=total,
    )
    for r in rows:
        r.order = order
    OrderLine.objects.bulk_create(rows)
    Contact.objects.filter(
        pk=contact.pk, lifecycle_stage__in=[LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.OPPORTUNITY]
    ).update(lifecycle_stage=LifecycleStage.CUSTOMER)
    timeline_record(
        kind="order_placed",
        summary=f"Order {order.number}: {total} {currency}",
        actor=by,
        data={"total": total, "currency": currency, "lines": len(rows)},
        occurred_at=ordered_at,
        contact=contact, company=order.company, order=order,
    )
    from rapport.analytics.services.summary import purchase_summary_apply

    purchase_summary_apply(contact_id=contact.pk)
    return order


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
