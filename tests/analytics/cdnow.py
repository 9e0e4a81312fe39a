"""Load the CDNOW sample (tests/fixtures/cdnow) as contacts and orders, set-based through the real models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from rapport.contacts.models import Contact
from rapport.sales.models import Order, OrderLine

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "cdnow" / "CDNOW_sample.txt"


def load_cdnow(owner) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Create one contact per sample customer and one order (with one line) per purchase row."""
    rows = [line.split() for line in FIXTURE.read_text().splitlines() if line.strip()]
    ids = sorted({int(r[1]) for r in rows})
    contacts = Contact.objects.bulk_create(
        [Contact(first_name="CDNOW", last_name=f"Customer {i:04d}", owner=owner, lifecycle_stage="customer")
         for i in ids])
    by_sample = {i: c.pk for i, c in zip(ids, contacts, strict=True)}
    currency = settings.RAPPORT_BASE_CURRENCY
    orders = []
    for n, (_master, sample, day, _cds, value) in enumerate(rows):
        when = dt.datetime.strptime(day, "%Y%m%d").replace(hour=12, tzinfo=dt.UTC)
        orders.append(Order(number=f"CD-{n}", contact_id=by_sample[int(sample)], ordered_at=when,
                            currency=currency, total=Decimal(value), status="paid"))
    Order.objects.bulk_create(orders, batch_size=500)
    OrderLine.objects.bulk_create(
        [OrderLine(order=o, description="CDs", quantity=Decimal(r[3]), unit_price=Decimal(r[4]) / Decimal(r[3])
                   if Decimal(r[3]) else Decimal(r[4])) for o, r in zip(orders, rows, strict=True)], batch_size=500)
    return by_sample
