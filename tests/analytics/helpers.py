"""Build orders through the real order service for analytics tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rapport.sales.models import Order
from rapport.sales.services import order_create


def buy(by: Any, contact: Any, day: dt.date | str, amount: str | Decimal, currency: str | None = None,
        status: str = "paid") -> Order:
    """Record a one-line order for `amount` on `day` (noon UTC)."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return order_create(by=by, contact=contact, ordered_at=when, currency=currency, status=status,
                        lines=[{"description": "Goods", "quantity": 1, "unit_price": str(amount)}])
