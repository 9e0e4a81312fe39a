"""Per-customer purchase summaries: first/last purchase, purchase days, orders and spend in the base currency.

`purchase_summary_apply` recomputes the summaries of a few contacts (called by the order services on
every write); `purchase_summary_rebuild` recomputes every summary in one set-based statement.
Purchase days are calendar days (UTC) with at least one purchase: two orders on one day are one
purchase occasion, as the buy-till-you-die models expect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.analytics.services.sql import (
    PURCHASE_WHERE,
    base_currency,
    chunks,
    converted,
    date_param,
    day_of,
    execute,
    fetchall,
    in_ids,
    is_postgres,
    now_param,
)

COLUMNS = ("contact_id, company_id, first_purchase, last_purchase, purchase_days, orders, total_spend, "
           "unconverted_orders, updated_at")


def _summary_select(*, where: str = "", until_param: bool = False, few: bool = False) -> str:
    """SELECT producing one summary row per contact (takes base currency, now, [until], [ids...]).

    `few`: for a few thousand contacts, look each company up by primary key instead of joining the
    contacts table (a join would scan it, and a repeated contact filter misleads PostgreSQL's estimates).
    """
    day = day_of("o.ordered_at")
    until = f" AND {day} <= %s" if until_param else ""
    if few:
        company = "(SELECT c.company_id FROM contacts_contact c WHERE c.id = p.contact_id)"
        contacts = ""
    else:
        company = "MAX(c.company_id)"
        contacts = " JOIN contacts_contact c ON c.id = p.contact_id"
    return (
        f"SELECT p.contact_id AS contact_id, {company} AS company_id, MIN(p.day) AS first_purchase, "
        f"MAX(p.day) AS last_purchase, COUNT(DISTINCT p.day) AS purchase_days, COUNT(*) AS orders, "
        f"COALESCE(SUM(p.amount), 0) AS total_spend, "
        f"SUM(CASE WHEN p.amount IS NULL THEN 1 ELSE 0 END) AS unconverted_orders, MAX(p.now) AS updated_at "
        f"FROM (SELECT o.contact_id, {day} AS day, {converted('o.total', 'o.currency', day)} AS amount, "
        f"%s AS now FROM sales_order o WHERE {PURCHASE_WHERE}{until}{where}) p "
        f"{contacts} GROUP BY p.contact_id"
    )


def summary_source_sql(as_of: dt.date | None) -> tuple[str, list[Any]]:
    """A FROM-able subquery of summaries: the stored table, or computed from orders up to `as_of` when in the past."""
    if as_of is None or as_of >= timezone.now().date():
        return "analytics_purchasesummary s", []
    return f"({_summary_select(until_param=True)}) s", [base_currency(), now_param(), date_param(as_of)]


def purchase_summary_apply(*, contact_id: int | None = None, contact_ids: list[int] | None = None) -> int:
    """Recompute the summaries of the given contacts from their orders (set-based); return rows written."""
    ids = sorted({*(contact_ids or []), *([contact_id] if contact_id else [])})
    written = 0
    with transaction.atomic():
        if ids and is_postgres():
            # These statements touch a few thousand rows through indexes; compiling them (JIT, on by
            # default above a plan cost these large IN lists reach) costs more than it saves.
            execute("SET LOCAL jit = off")
        for part in chunks(ids):
            summaries_of, params = in_ids("contact_id", part)
            orders_of, _ = in_ids("o.contact_id", part)
            execute(f"DELETE FROM analytics_purchasesummary WHERE {summaries_of}", params)
            written += execute(
                f"INSERT INTO analytics_purchasesummary ({COLUMNS}) " + _summary_select(where=f" AND {orders_of}", few=True),
                [base_currency(), now_param(), *params],
            )
    if ids:
        from rapport.analytics.services.rfm import rfm_rescore_contacts

        rfm_rescore_contacts(ids)
    return written


def purchase_summary_rebuild() -> int:
    """Recompute every contact's summary from all orders in one statement; return the number of customers."""
    with transaction.atomic():
        execute("DELETE FROM analytics_purchasesummary")
        return execute(f"INSERT INTO analytics_purchasesummary ({COLUMNS}) " + _summary_select(),
                       [base_currency(), now_param()])


@dataclass
class CompanySummary:
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    purchase_days: int
    orders: int
    total_spend: Decimal
    unconverted_orders: int

    @property
    def average_spend(self) -> Decimal:
        return (self.total_spend / self.purchase_days).quantize(Decimal("0.01")) if self.purchase_days else Decimal(0)


def company_purchase_summary(company_id: int) -> CompanySummary:
    """Summarise a company's orders (all its contacts) in one query over the (company, ordered_at) index."""
    day = day_of("o.ordered_at")
    row = fetchall(
        f"SELECT MIN(p.day), MAX(p.day), COUNT(DISTINCT p.day), COUNT(*), COALESCE(SUM(p.amount), 0), "
        f"SUM(CASE WHEN p.amount IS NULL THEN 1 ELSE 0 END) FROM (SELECT {day} AS day, "
        f"{converted('o.total', 'o.currency', day)} AS amount FROM sales_order o "
        f"WHERE {PURCHASE_WHERE} AND o.company_id = %s) p",
        [base_currency(), company_id],
    )[0]
    first, last = (_as_date(row[0]), _as_date(row[1]))
    return CompanySummary(first, last, int(row[2] or 0), int(row[3] or 0),
                          Decimal(str(row[4] or 0)).quantize(Decimal("0.01")), int(row[5] or 0))


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def missing_rates(limit: int = 5) -> list[dict[str, Any]]:
    """Currencies of purchase orders that have no exchange rate on or before their date, with the dates."""
    day = day_of("o.ordered_at")
    rows = fetchall(
        f"SELECT o.currency, MIN({day}), MAX({day}), COUNT(*) FROM sales_order o WHERE {PURCHASE_WHERE} "
        f"AND o.currency <> %s AND NOT EXISTS (SELECT 1 FROM sales_exchangerate xr WHERE xr.currency = o.currency "
        f"AND xr.date <= {day}) GROUP BY o.currency ORDER BY COUNT(*) DESC",
        [base_currency()],
    )
    return [{"currency": r[0], "first": _as_date(r[1]), "last": _as_date(r[2]), "orders": int(r[3])}
            for r in rows[:limit]]


def ensure_convertible() -> None:
    """Refuse to compute money figures while some orders cannot be converted to the base currency."""
    from rapport.analytics.models import PurchaseSummary

    if not PurchaseSummary.objects.filter(unconverted_orders__gt=0).exists():
        return  # the summaries, kept on every order write, know of no unconvertible order
    missing = missing_rates()
    if missing:
        parts = [f"{m['orders']} order(s) in {m['currency']} between {m['first']} and {m['last']}" for m in missing]
        raise ValidationError(
            f"Cannot add amounts in different currencies: {'; '.join(parts)} have no exchange rate to "
            f"{base_currency()} on or before their date. Add exchange rates for these currencies and dates, "
            f"then run the analysis again."
        )
