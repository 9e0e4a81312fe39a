"""Permission-scoped reads of leads, deals, orders, products and pipelines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rapport.core.ids import pk_or_404
from rapport.sales.choices import StageKind
from rapport.sales.filters import DealFilter, LeadFilter, OrderFilter
from rapport.sales.models import Deal, ExchangeRate, Lead, Order, Pipeline, Product, Stage, StageTotal

BOARD_CARDS_PER_STAGE = 25
CENT = Decimal("0.01")
# What a board card shows; loading only these keeps the board fast at a million deals.
BOARD_CARD_FIELDS = (
    "id", "name", "amount", "currency", "expected_close_date", "stage_id", "pipeline_id", "version", "closed_at",
    "owner__id", "owner__username", "owner__first_name", "owner__last_name",
    "company__id", "company__name", "contact__id", "contact__first_name", "contact__last_name", "contact__email",
)


def lead_list(*, user: Any, filters: LeadFilter | None = None) -> QuerySet[Lead]:
    qs = Lead.objects.visible_to(user).select_related("contact", "company", "owner", "deal")
    return (filters or LeadFilter()).apply(qs, user)


def lead_get(*, user: Any, pk: Any) -> Lead:
    return get_object_or_404(
        Lead.objects.visible_to(user).select_related("contact", "company", "owner", "deal", "product"),
        pk=pk_or_404(pk),
    )


def deal_list(*, user: Any, filters: DealFilter | None = None) -> QuerySet[Deal]:
    qs = Deal.objects.visible_to(user).select_related("stage", "pipeline", "owner", "contact", "company")
    return (filters or DealFilter()).apply(qs, user)


def deal_get(*, user: Any, pk: Any) -> Deal:
    return get_object_or_404(
        Deal.objects.visible_to(user)
        .select_related("stage", "pipeline", "owner", "contact", "company")
        .prefetch_related("lines__product"),
        pk=pk_or_404(pk),
    )


def pipeline_get(*, pk: Any) -> Pipeline:
    return get_object_or_404(Pipeline.objects.prefetch_related("stages"), pk=pk_or_404(pk))


def _owner_only(scope: Q) -> bool:
    """Whether a visibility filter only looks at the deal's owner (so per-owner totals can answer it)."""
    for child in scope.children:
        if isinstance(child, Q):
            if not _owner_only(child):
                return False
            continue
        key, value = cast(tuple[str, Any], child)
        if key == "pk__in" and not list(value):
            continue  # NOTHING: the user sees no record at all
        if key != "owner" and not key.startswith("owner_"):
            return False
    return True


def board_totals(*, user: Any, pipeline: Pipeline, owner: int | None = None) -> dict[int, dict[str, Any]]:
    """Deal count and amount per currency of each stage the user may see: {stage_id: {"count", "totals"}}.

    Read from the totals kept on write (StageTotal: a few rows per stage, owner and currency), summed
    over the owners whose deals the user may see, so the cost does not depend on the number of deals.
    """
    scope = Deal.all_objects.owner_filter(user, for_edit=False)
    if scope is not None and not _owner_only(scope):
        # This user's visibility rule looks at more than the deal's owner, which the per-owner totals
        # cannot answer: aggregate the live deals instead (correct, but it reads every visible deal).
        deals = Deal.objects.visible_to(user).filter(pipeline=pipeline)
        if owner:
            deals = deals.filter(owner_id=owner)
        rows = deals.values("stage_id", "currency").annotate(n=Count("id"), amount=Sum("amount")).order_by()
    else:
        totals = StageTotal.objects.filter(pipeline=pipeline)
        if scope is not None:
            totals = totals.filter(scope)
        if owner:
            totals = totals.filter(owner_id=owner)
        rows = [
            {"stage_id": r["stage_id"], "currency": r["currency"], "n": r["n"], "amount": Decimal(r["cents"]) / 100}
            for r in totals.values("stage_id", "currency")
            .annotate(n=Sum("deal_count"), cents=Sum("amount_cents")).order_by()
        ]
    result: dict[int, dict[str, Any]] = {}
    for row in rows:
        if not row["n"]:
            continue  # every deal of this currency left the stage
        column = result.setdefault(row["stage_id"], {"count": 0, "totals": {}})
        column["count"] += row["n"]
        column["totals"][row["currency"]] = (row["amount"] or Decimal(0)).quantize(CENT)
    for column in result.values():
        column["totals"] = dict(sorted(column["totals"].items()))
    return result


def latest_rates(currencies: Iterable[str], *, on: dt.date) -> dict[str, Decimal]:
    """The latest exchange rate on or before `on` of each currency that has one.

    One query: a UNION ALL of one index seek (currency, date descending, LIMIT 1) per currency, so
    years of daily rates cost no more than one.
    """
    wanted = sorted(set(currencies))
    if not wanted:
        return {}
    table = connection.ops.quote_name(ExchangeRate._meta.db_table)
    day = connection.ops.adapt_datefield_value(on)
    sql = " UNION ALL ".join(
        f"SELECT * FROM (SELECT id, currency, date, rate FROM {table} WHERE currency = %s AND date <= %s"
        f" ORDER BY date DESC LIMIT 1) AS rate_{i}"
        for i in range(len(wanted))
    )
    params = [value for currency in wanted for value in (currency, day)]
    return {rate.currency: rate.rate for rate in ExchangeRate.objects.raw(sql, params)}


def board_cards(*, user: Any, pipeline: Pipeline, stage: Stage, owner: int | None = None, offset: int = 0,
                limit: int = BOARD_CARDS_PER_STAGE) -> list[Deal]:
    """One stage's cards, biggest first: one LIMIT query on index deal_board_live (or deal_owner_board_live)."""
    deals = Deal.objects.visible_to(user).filter(pipeline=pipeline, stage=stage)
    if owner:
        deals = deals.filter(owner_id=owner)
    return list(
        deals.select_related("owner", "company", "contact").only(*BOARD_CARD_FIELDS)
        .order_by("-amount", "-id")[offset : offset + limit]
    )


def board_cards_by_stage(*, user: Any, pipeline: Pipeline, stages: list[Stage], owner: int | None = None,
                         limit: int = BOARD_CARDS_PER_STAGE) -> dict[int, list[Deal]]:
    """The top cards of every stage in two queries, however many stages there are.

    First the ids: one indexed LIMIT read per stage (as board_cards), joined with UNION ALL (each
    part wrapped in a subquery, which both databases allow with ORDER BY and LIMIT); then the cards
    with their owner, company and contact in one query.
    """
    deals = Deal.objects.visible_to(user).filter(pipeline=pipeline)
    if owner:
        deals = deals.filter(owner_id=owner)
    parts: list[str] = []
    params: list[Any] = []
    for i, stage in enumerate(stages):
        top = deals.filter(stage=stage).order_by("-amount", "-id").values_list("id", flat=True)[:limit]
        sql, part_params = top.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS stage_cards_{i}")
        params.extend(part_params)
    result: dict[int, list[Deal]] = {stage.pk: [] for stage in stages}
    if not parts:
        return result
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        cards = (Deal.objects.filter(pk__in=ids).select_related("owner", "company", "contact")
                 .only(*BOARD_CARD_FIELDS).order_by("-amount", "-id"))
        for card in cards:
            result[card.stage_id].append(card)
    return result


def board(*, user: Any, pipeline: Pipeline, owner: int | None = None, limit: int = BOARD_CARDS_PER_STAGE
          ) -> list[dict[str, Any]]:
    """Columns of a pipeline's board: each stage with its deal count, totals per currency and top cards.

    A fixed number of queries whatever the number of deals or stages: the stages, the totals, the
    exchange rates (only when a column holds another currency than the base one) and two for the cards.
    """
    stages = list(pipeline.stages.order_by("position"))
    totals = board_totals(user=user, pipeline=pipeline, owner=owner)
    base = str(settings.RAPPORT_BASE_CURRENCY)
    foreign = {c for column in totals.values() for c in column["totals"] if c != base}
    rates = latest_rates(foreign, on=timezone.localdate()) if foreign else {}
    cards = board_cards_by_stage(user=user, pipeline=pipeline, stages=stages, owner=owner, limit=limit) if limit else {}
    columns = []
    for stage in stages:
        column = totals.get(stage.pk, {"count": 0, "totals": {}})
        by_currency = column["totals"]
        single = next(iter(by_currency.values())) if len(by_currency) == 1 else None
        columns.append({"stage": stage, "count": column["count"], "totals": by_currency,
                        "total": single if by_currency else 0,
                        "converted": converted_total(by_currency, rates, base), "base_currency": base,
                        "deals": cards.get(stage.pk, []), "is_closed": stage.kind != StageKind.OPEN})
    return columns


def converted_total(totals: dict[str, Decimal], rates: dict[str, Decimal], base: str) -> Decimal | None:
    """The column's amounts in the base currency, or None when it holds one currency or a rate is missing.

    Amounts of different currencies are never added raw: each is multiplied by its latest dated rate.
    """
    if len(totals) < 2 or any(c != base and c not in rates for c in totals):
        return None
    return sum((amount if c == base else amount * rates[c] for c, amount in totals.items()),
               Decimal(0)).quantize(CENT)


def order_list(*, user: Any, filters: OrderFilter | None = None) -> QuerySet[Order]:
    qs = Order.objects.visible_to(user).select_related("contact", "company")
    return (filters or OrderFilter()).apply(qs, user)


def order_get(*, user: Any, pk: Any) -> Order:
    return get_object_or_404(
        Order.objects.visible_to(user).select_related("contact", "company", "deal").prefetch_related("lines__product"),
        pk=pk_or_404(pk),
    )


def product_list(*, user: Any, q: str = "", active_only: bool = False) -> QuerySet[Product]:
    qs = Product.objects.visible_to(user)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(sku__icontains=q)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("name", "id")


def product_get(*, user: Any, pk: Any) -> Product:
    return get_object_or_404(Product.objects.visible_to(user), pk=pk_or_404(pk))


def stage_get(*, pipeline: Pipeline, pk: Any) -> Stage:
    return get_object_or_404(Stage, pipeline=pipeline, pk=pk_or_404(pk))
