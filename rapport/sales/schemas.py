"""API schemas of leads, pipelines, stages, deals, products and orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from rapport.core.api_types import (
    NOT_SENT,
    Currency,
    Id,
    Money,
    Quantity,
    RefOut,
    SaneDate,
    SaneDateTime,
    StrictSchema,
    Version,
    ref,
)
from rapport.customization.schemas import custom_out
from rapport.sales.choices import LeadSource, LeadStatus, OrderChannel, OrderStatus, StageKind
from rapport.sales.models import Deal, Lead, Order, Pipeline, Product, Stage

MAX_BULK = 1000
Custom = dict[str, Any]
Score = Annotated[int, Field(ge=-100000, le=100000)]

# ---------------------------------------------------------------- pipelines and stages


class StageIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: StageKind = StageKind.OPEN
    probability: int = Field(10, ge=0, le=100, description="Chance to win, in %.")


class PipelineIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=100)
    is_default: bool = False
    stages: list[StageIn] | None = Field(
        None, max_length=30, description="Ordered stages; the standard six when omitted."
    )


class PipelinePatch(StrictSchema):
    name: str = Field(NOT_SENT, min_length=1, max_length=100)
    is_default: bool = Field(NOT_SENT)


class StageCreateIn(StageIn):
    pipeline_id: Id
    position: int | None = Field(None, ge=0, le=1000, description="At the end when omitted.")


class StagePatch(StrictSchema):
    name: str = Field(NOT_SENT, min_length=1, max_length=100)
    kind: StageKind = Field(NOT_SENT)
    probability: int = Field(NOT_SENT, ge=0, le=100)
    position: int = Field(NOT_SENT, ge=0, le=1000)


class StageOut(Schema):
    id: int
    pipeline_id: int
    name: str
    position: int
    kind: str
    probability: int


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    position: int
    stages: list[StageOut]


def stage_out(stage: Stage) -> dict[str, Any]:
    return {"id": stage.pk, "pipeline_id": stage.pipeline_id, "name": stage.name, "position": stage.position,
            "kind": stage.kind, "probability": stage.probability}


def pipeline_out(pipeline: Pipeline) -> dict[str, Any]:
    return {"id": pipeline.pk, "name": pipeline.name, "is_default": pipeline.is_default,
            "position": pipeline.position, "stages": [stage_out(s) for s in pipeline.stages.all()]}


# ---------------------------------------------------------------- products


class ProductIn(StrictSchema):
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    unit_price: Money = Decimal("0")
    currency: Currency | None = Field(NOT_SENT, description="Three letters; the site's base currency when omitted.")
    is_active: bool = True


class ProductPatch(StrictSchema):
    version: Version
    sku: str = Field(NOT_SENT, min_length=1, max_length=64)
    name: str = Field(NOT_SENT, min_length=1, max_length=200)
    description: str = Field(NOT_SENT, max_length=5000)
    unit_price: Money = Field(NOT_SENT)
    currency: Currency = Field(NOT_SENT)
    is_active: bool = Field(NOT_SENT)


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    unit_price: Decimal
    currency: str
    is_active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def product_out(product: Product) -> dict[str, Any]:
    return {"id": product.pk, "sku": product.sku, "name": product.name, "description": product.description,
            "unit_price": product.unit_price, "currency": product.currency, "is_active": product.is_active,
            "version": product.version, "created_at": product.created_at, "updated_at": product.updated_at}


# ---------------------------------------------------------------- deals


class DealIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=200)
    pipeline_id: Id | None = Field(NOT_SENT, description="The default pipeline when omitted.")
    stage_id: Id | None = Field(NOT_SENT, description="The first open stage when omitted.")
    amount: Money = Decimal("0")
    currency: Currency | None = None
    expected_close_date: SaneDate | None = None
    owner_id: Id | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    custom: Custom = Field(default_factory=dict)


class DealPatch(StrictSchema):
    version: Version
    name: str = Field(NOT_SENT, min_length=1, max_length=200)
    amount: Money = Field(NOT_SENT)
    currency: Currency = Field(NOT_SENT)
    expected_close_date: SaneDate | None = None
    owner_id: Id | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    lost_reason: str = Field(NOT_SENT, max_length=200)
    custom: Custom = Field(NOT_SENT)


class DealMoveIn(StrictSchema):
    stage_id: Id
    lost_reason: str = Field("", max_length=200)
    version: Version | None = Field(NOT_SENT, description="When given, a stale version is refused with 409.")


class DealLineIn(StrictSchema):
    product_id: Id
    quantity: Quantity = Decimal("1")
    unit_price: Money | None = Field(NOT_SENT, description="The catalogue price when omitted.")
    discount_percent: Decimal = Field(Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2)


class DealLinesIn(StrictSchema):
    lines: list[DealLineIn] = Field(..., max_length=500)
    update_amount: bool = Field(True, description="Set the deal's amount to the lines' total.")


class DealLineOut(Schema):
    product: RefOut
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    total: Decimal


class StageRefOut(Schema):
    id: int
    name: str
    kind: str
    probability: int


class DealOut(Schema):
    id: int
    name: str
    pipeline: RefOut
    stage: StageRefOut
    amount: Decimal
    currency: str
    expected_close_date: dt.date | None
    owner: RefOut | None
    contact: RefOut | None
    company: RefOut | None
    lost_reason: str
    stage_changed_at: dt.datetime
    closed_at: dt.datetime | None
    lines: list[DealLineOut]
    custom: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def deal_out(deal: Deal, hidden: set[str]) -> dict[str, Any]:
    return {
        "id": deal.pk, "name": deal.name, "pipeline": ref(deal.pipeline),
        "stage": {"id": deal.stage.pk, "name": deal.stage.name, "kind": deal.stage.kind,
                  "probability": deal.stage.probability},
        "amount": deal.amount, "currency": deal.currency, "expected_close_date": deal.expected_close_date,
        "owner": ref(deal.owner), "contact": ref(deal.contact), "company": ref(deal.company),
        "lost_reason": deal.lost_reason, "stage_changed_at": deal.stage_changed_at, "closed_at": deal.closed_at,
        "lines": [
            {"product": ref(line.product), "quantity": line.quantity, "unit_price": line.unit_price,
             "discount_percent": line.discount_percent, "total": line.total}
            for line in deal.lines.all()
        ],
        "custom": custom_out(deal.custom, hidden), "version": deal.version,
        "created_at": deal.created_at, "updated_at": deal.updated_at,
    }


class DealQuery(Schema):
    q: str = Field("", max_length=100)
    pipeline: Id | None = None
    stage: Id | None = None
    kind: str = ""
    owner: Id | None = None
    company: Id | None = None
    contact: Id | None = None
    close_after: dt.date | None = None
    close_before: dt.date | None = None
    sort: str = Field("-created", description="created, amount, close, name; prefix - to reverse.")


# ---------------------------------------------------------------- leads


class PersonIn(StrictSchema):
    """A new person bringing the lead; the existing contact (by email) and company (by domain) are reused."""

    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    title: str = Field("", max_length=100)
    company_name: str = Field("", max_length=200)
    company_domain: str = Field("", max_length=253)


class LeadIn(StrictSchema):
    contact_id: Id | None = Field(NOT_SENT, description="An existing contact; or give `person`.")
    person: PersonIn | None = None
    company_id: Id | None = None
    source: LeadSource = LeadSource.API
    status: LeadStatus = LeadStatus.NEW
    need: str = Field("", max_length=200)
    score: Score = 0
    owner_id: Id | None = None
    product_id: Id | None = None
    custom: Custom = Field(default_factory=dict)


class LeadPatch(StrictSchema):
    version: Version
    source: LeadSource = Field(NOT_SENT)
    status: LeadStatus = Field(NOT_SENT)
    need: str = Field(NOT_SENT, max_length=200)
    score: Score = Field(NOT_SENT)
    owner_id: Id | None = None
    company_id: Id | None = None
    product_id: Id | None = None
    custom: Custom = Field(NOT_SENT)


class LeadConvertIn(StrictSchema):
    pipeline_id: Id | None = None
    deal_name: str = Field("", max_length=200)
    amount: Money | None = None
    currency: Currency | None = None
    expected_close_date: SaneDate | None = None


class LeadDisqualifyIn(StrictSchema):
    reason: str = Field(..., min_length=1, max_length=200)


class LeadAttachIn(StrictSchema):
    deal_id: Id


class LeadOut(Schema):
    id: int
    contact: RefOut
    company: RefOut | None
    source: str
    status: str
    disqualified_reason: str
    score: int
    owner: RefOut | None
    need: str
    product: RefOut | None
    deal: RefOut | None
    converted_at: dt.datetime | None
    custom: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def lead_out(lead: Lead, hidden: set[str]) -> dict[str, Any]:
    return {
        "id": lead.pk, "contact": ref(lead.contact), "company": ref(lead.company), "source": lead.source,
        "status": lead.status, "disqualified_reason": lead.disqualified_reason, "score": lead.score,
        "owner": ref(lead.owner), "need": lead.need, "product": ref(lead.product), "deal": ref(lead.deal),
        "converted_at": lead.converted_at, "custom": custom_out(lead.custom, hidden), "version": lead.version,
        "created_at": lead.created_at, "updated_at": lead.updated_at,
    }


class LeadQuery(Schema):
    q: str = Field("", max_length=100)
    status: str = Field("", description="open, or one status.")
    source: str = ""
    owner: Id | None = None
    sort: str = Field("-created", description="created, score, status; prefix - to reverse.")


# ---------------------------------------------------------------- orders


class OrderLineIn(StrictSchema):
    product_id: Id | None = None
    sku: str | None = Field(NOT_SENT, max_length=64)
    description: str = Field("", max_length=200)
    quantity: Quantity = Decimal("1")
    unit_price: Money | None = Field(NOT_SENT, description="The catalogue price when omitted (needs a product).")


class OrderIn(StrictSchema):
    contact_id: Id
    company_id: Id | None = None
    deal_id: Id | None = None
    number: str = Field("", max_length=64)
    external_id: str | None = Field(
        None, min_length=1, max_length=100, description="Your id; sending the same one again returns the same order."
    )
    ordered_at: SaneDateTime | None = None
    channel: OrderChannel = OrderChannel.WEB
    status: OrderStatus = OrderStatus.PAID
    currency: Currency | None = None
    lines: list[OrderLineIn] = Field(..., min_length=1, max_length=500)


class OrderBulkIn(StrictSchema):
    items: list[OrderIn] = Field(..., min_length=1, max_length=MAX_BULK)


class OrderPatch(StrictSchema):
    version: Version
    status: OrderStatus


class OrderLineOut(Schema):
    product: RefOut | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal


class OrderOut(Schema):
    id: int
    number: str
    external_id: str | None
    contact: RefOut
    company: RefOut | None
    deal: RefOut | None
    ordered_at: dt.datetime
    channel: str
    status: str
    currency: str
    total: Decimal
    lines: list[OrderLineOut]
    version: int
    created_at: dt.datetime


def order_out(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk, "number": order.number, "external_id": order.external_id, "contact": ref(order.contact),
        "company": ref(order.company), "deal": ref(order.deal), "ordered_at": order.ordered_at,
        "channel": order.channel, "status": order.status, "currency": order.currency, "total": order.total,
        "lines": [
            {"product": ref(line.product), "description": line.description, "quantity": line.quantity,
             "unit_price": line.unit_price, "total": line.total}
            for line in order.lines.all()
        ],
        "version": order.version, "created_at": order.created_at,
    }


class OrderQuery(Schema):
    contact: Id | None = None
    company: Id | None = None
    channel: str = ""
    after: dt.date | None = None
    before: dt.date | None = None
    sort: str = Field("-date", description="date, total; prefix - to reverse.")


class BulkOrdersOut(Schema):
    created: int
    existing: int
    ids: list[int]
