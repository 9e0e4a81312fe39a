"""Permission-scoped reads of leads, deals, orders, products and pipelines."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from rapport.core.ids import pk_or_404
from rapport.sales.choices import StageKind
from rapport.sales.filters import DealFilter, LeadFilter, OrderFilter
from rapport.sales.models import Deal, Lead, Order, Pipeline, Product, Stage

BOARD_CARDS_PER_STAGE = 50


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
    """Columns of a pipeline's board: each stage with its deal count, total and top cards by amount.

    Open stages show their biggest deals; won/lost stages their most recently closed. Three queries
    whatever the number of deals: stages, totals per stage, and the cards (one window query).
    """
    stages = list(pipeline.stages.order_by("position"))
    deals = Deal.objects.visible_to(user).filter(pipeline=pipeline)
    if owner:
        deals = deals.filter(owner_id=owner)
    totals = {
        row["stage_id"]: row
        for row in deals.values("stage_id").annotate(n=Count("id"), total=Sum("amount")).order_by()
    }
    cards: dict[int, list[Deal]] = {s.pk: [] for s in stages}
    # Django filters on window functions by wrapping the query (supported on both engines).
    ranked = (
        deals.annotate(
            rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=[F("amount").desc(), F("id").desc()])
        )
        .filter(rank__lte=limit)
        .select_related("owner", "company", "contact")
        .order_by("-amount", "-id")
    )
    for deal in ranked:
        cards.setdefault(deal.stage_id, []).append(deal)
    columns = []
    for stage in stages:
        row = totals.get(stage.pk, {"n": 0, "total": 0})
        columns.append({"stage": stage, "count": row["n"], "total": row["total"] or 0, "deals": cards[stage.pk],
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
