"""Permission-scoped reads of leads, deals, orders, products and pipelines."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from rapport.core.ids import pk_or_404
from rapport.sales.choices import StageKind
from rapport.sales.filters import DealFilter, LeadFilter, OrderFilter
from rapport.sales.models import Deal, Lead, Order, Pipeline, Product, Stage

BOARD_CARDS_PER_STAGE = 25
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


def board(*, user: Any, pipeline: Pipeline, owner: int | None = None, limit: int = BOARD_CARDS_PER_STAGE
          ) -> list[dict[str, Any]]:
    """Columns of a pipeline's board: each stage with its deal count, total and top cards.

    Each column shows its biggest deals (the rest are one click away in the filtered deal list).
    One query for the totals and one indexed LIMIT query per stage (indexes deal_board_open and
    deal_owner_board), so the cost depends on the number of stages, never on the number of deals.
    """
    stages = list(pipeline.stages.order_by("position"))
    deals = Deal.objects.visible_to(user).filter(pipeline=pipeline)
    if owner:
        deals = deals.filter(owner_id=owner)
    # Amounts are summed per currency, never across currencies (a board shows "12,000 EUR + 3,000 USD").
    counts: dict[int, int] = {}
    totals: dict[int, dict[str, Any]] = {}
    for row in deals.values("stage_id", "currency").annotate(n=Count("id"), total=Sum("amount")).order_by():
        counts[row["stage_id"]] = counts.get(row["stage_id"], 0) + row["n"]
        totals.setdefault(row["stage_id"], {})[row["currency"]] = row["total"] or 0
    columns = []
    for stage in stages:
        cards = list(
            deals.filter(stage=stage)
            .select_related("owner", "company", "contact")
            .only(*BOARD_CARD_FIELDS)
            .order_by("-amount", "-id")[:limit]
        )
        by_currency = dict(sorted(totals.get(stage.pk, {}).items()))
        single = next(iter(by_currency.values())) if len(by_currency) == 1 else None
        columns.append({"stage": stage, "count": counts.get(stage.pk, 0), "totals": by_currency,
                        "total": single if by_currency else 0, "deals": cards,
                        "is_closed": stage.kind != StageKind.OPEN})
    return columns


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
