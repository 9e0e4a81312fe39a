"""API of leads (with convert), pipelines and stages, deals (with move), products and orders."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from rapport.contacts.models import Company, Contact
from rapport.core.api_types import ERRORS, owner_resolve, resolve, set_values, text_values
from rapport.core.errors import EditConflict
from rapport.core.ids import pk_or_404
from rapport.core.pagination import DEFAULT_LIMIT, page_schema, paginate
from rapport.core.records import ensure_editable, record_restore, record_trash
from rapport.customization.schemas import custom_in, hidden_custom_keys
from rapport.sales.filters import DealFilter, LeadFilter, OrderFilter
from rapport.sales.models import Deal, Lead, Order, Pipeline, Product, Stage
from rapport.sales.schemas import (
    BulkOrdersOut,
    DealIn,
    DealLinesIn,
    DealMoveIn,
    DealOut,
    DealPatch,
    DealQuery,
    LeadAttachIn,
    LeadConvertIn,
    LeadDisqualifyIn,
    LeadIn,
    LeadOut,
    LeadPatch,
    LeadQuery,
    OrderBulkIn,
    OrderIn,
    OrderOut,
    OrderPatch,
    OrderQuery,
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    StageCreateIn,
    StageOut,
    StagePatch,
    deal_out,
    lead_out,
    order_out,
    pipeline_out,
    product_out,
    stage_out,
)
from rapport.sales.selectors import (
    deal_get,
    deal_list,
    lead_get,
    lead_list,
    order_get,
    order_list,
    pipeline_get,
    product_get,
    product_list,
)
from rapport.sales.services import (
    deal_create,
    deal_lines_set,
    deal_move_to_stage,
    deal_update,
    lead_attach_to_deal,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_update,
    order_create,
    pipeline_create,
    product_create,
    product_update,
)
from rapport.sales.services.orders import order_restore, order_trash, order_update_status, orders_bulk_create
from rapport.sales.services.pipelines import (
    pipeline_delete,
    pipeline_update,
    stage_create,
    stage_delete,
    stage_update,
)

router = Router(tags=["sales"])


def trashed_or_404(model: Any, user: Any, pk: int) -> Any:
    """A record in the trash that the user may see, for restoring."""
    found = model.all_objects.visible_to(user).filter(pk=pk_or_404(pk), deleted_at__isnull=False).first()
    if found is None:
        raise Http404
    return found


def _refs(values: dict[str, Any], user: Any) -> dict[str, Any]:
    """Turn the *_id fields of a payload into records the user may see (a field error otherwise)."""
    lookups: dict[str, tuple[Any, str]] = {
        "contact_id": (Contact.objects.visible_to(user), "contact"),
        "company_id": (Company.objects.visible_to(user), "company"),
        "deal_id": (Deal.objects.visible_to(user), "deal"),
        "product_id": (Product.objects.visible_to(user), "product"),
        "pipeline_id": (Pipeline.objects.all(), "pipeline"),
        "stage_id": (Stage.objects.all(), "stage"),
    }
    if "owner_id" in values:
        values["owner"] = owner_resolve(values.pop("owner_id"))
    for field, (qs, label) in lookups.items():
        if field in values:
            values[label] = resolve(qs, values.pop(field), field, label)
    return values


def _without_none(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """Drop optional create arguments that were not given, so the service's defaults apply."""
    return {k: v for k, v in values.items() if not (k in names and v is None)}


def _page(request: HttpRequest, records: Any, out: Any, entity: str, *, cursor: str | None, limit: int,
          prefetch: tuple[str, ...] = ()) -> dict[str, Any]:
    """One cursor page of a list endpoint, with the custom fields the user may see."""
    page = paginate(records, cursor=cursor, limit=limit)
    prefetch_related_objects(page.items, *prefetch)
    hidden = hidden_custom_keys(entity, request.user)
    return {"results": [out(record, hidden) for record in page.items], "next": page.next}


def _created_values(payload: Schema, user: Any, entity: str, *optional: str) -> dict[str, Any]:
    """A create payload's values: references resolved, custom values checked, optional ones left to defaults."""
    values = _refs(payload.model_dump(), user)
    values["custom"] = custom_in(values["custom"], hidden_custom_keys(entity, user))
    return _without_none(values, *optional)


def _changed_values(payload: Schema, user: Any, entity: str, *text: str) -> dict[str, Any]:
    """The fields a PATCH sent (not its version): references resolved, null text as "", custom values checked."""
    values = text_values(_refs(set_values(payload, exclude=("version",)), user), text)
    custom_in(values.get("custom"), hidden_custom_keys(entity, user))
    return values


def _trashed(record: Any, user: Any) -> Any:
    """Move a record to the trash; the endpoint answers 204."""
    record_trash(record, by=user)
    return Status(204, None)


# ---------------------------------------------------------------- pipelines and stages


@router.get("/pipelines", response={200: list[PipelineOut], **ERRORS}, summary="List pipelines with their stages")
def list_pipelines(request: HttpRequest) -> Any:
    return [pipeline_out(p) for p in Pipeline.objects.prefetch_related("stages").order_by("position", "id")]


@router.post("/pipelines", response={201: PipelineOut, **ERRORS}, summary="Create a pipeline (admins)")
def create_pipeline(request: HttpRequest, payload: PipelineIn) -> Any:
    values = payload.model_dump(mode="json")
    pipeline = pipeline_create(by=request.user, **values)
    return Status(201, pipeline_out(pipeline_get(pk=pipeline.pk)))


@router.get("/pipelines/{pipeline_id}", response={200: PipelineOut, **ERRORS}, summary="Get a pipeline")
def get_pipeline(request: HttpRequest, pipeline_id: int) -> Any:
    return pipeline_out(pipeline_get(pk=pipeline_id))


@router.patch("/pipelines/{pipeline_id}", response={200: PipelineOut, **ERRORS}, summary="Change a pipeline (admins)")
def update_pipeline(request: HttpRequest, pipeline_id: int, payload: PipelinePatch) -> Any:
    pipeline = pipeline_update(pipeline=pipeline_get(pk=pipeline_id), by=request.user, **set_values(payload))
    return pipeline_out(pipeline_get(pk=pipeline.pk))


@router.delete("/pipelines/{pipeline_id}", response={204: None, **ERRORS}, summary="Delete an empty pipeline (admins)")
def delete_pipeline(request: HttpRequest, pipeline_id: int) -> Any:
    pipeline_delete(pipeline=pipeline_get(pk=pipeline_id), by=request.user)
    return Status(204, None)


@router.post("/stages", response={201: StageOut, **ERRORS}, summary="Add a stage to a pipeline (admins)")
def create_stage(request: HttpRequest, payload: StageCreateIn) -> Any:
    pipeline = resolve(Pipeline.objects.all(), payload.pipeline_id, "pipeline_id", "pipeline")
    stage = stage_create(pipeline=pipeline, by=request.user, **payload.model_dump(mode="json", exclude={"pipeline_id"}))
    return Status(201, stage_out(stage))


@router.get("/stages", response={200: list[StageOut], **ERRORS}, summary="List stages")
def list_stages(request: HttpRequest, pipeline: int | None = None) -> Any:
    stages = Stage.objects.order_by("pipeline__position", "pipeline_id", "position", "id")
    if pipeline is not None:
        stages = stages.filter(pipeline_id=pk_or_404(pipeline))
    return [stage_out(s) for s in stages]


@router.get("/stages/{stage_id}", response={200: StageOut, **ERRORS}, summary="Get a stage")
def get_stage(request: HttpRequest, stage_id: int) -> Any:
    return stage_out(_stage_or_404(stage_id))


def _stage_or_404(stage_id: int) -> Stage:
    stage = Stage.objects.select_related("pipeline").filter(pk=pk_or_404(stage_id)).first()
    if stage is None:
        raise Http404
    return stage


@router.patch("/stages/{stage_id}", response={200: StageOut, **ERRORS}, summary="Change a stage (admins)")
def update_stage(request: HttpRequest, stage_id: int, payload: StagePatch) -> Any:
    stage = stage_update(stage=_stage_or_404(stage_id), by=request.user,
                         **payload.model_dump(mode="json", exclude_unset=True))
    return stage_out(stage)


@router.delete("/stages/{stage_id}", response={204: None, **ERRORS}, summary="Delete an empty stage (admins)")
def delete_stage(request: HttpRequest, stage_id: int) -> Any:
    stage_delete(stage=_stage_or_404(stage_id), by=request.user)
    return Status(204, None)


# ---------------------------------------------------------------- products


@router.get("/products", response={200: page_schema(ProductOut), **ERRORS}, summary="List products")
def list_products(request: HttpRequest, q: str = "", active: bool = False, limit: int = DEFAULT_LIMIT,
                  cursor: str | None = None) -> Any:
    page = paginate(product_list(user=request.user, q=q[:100], active_only=active), cursor=cursor, limit=limit)
    return {"results": [product_out(p) for p in page.items], "next": page.next}


@router.post("/products", response={201: ProductOut, **ERRORS}, summary="Add a product (managers and admins)")
def create_product(request: HttpRequest, payload: ProductIn) -> Any:
    product = product_create(by=request.user, **_without_none(payload.model_dump(), "currency"))
    return Status(201, product_out(product))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS}, summary="Get a product")
def get_product(request: HttpRequest, product_id: int) -> Any:
    return product_out(product_get(user=request.user, pk=product_id))


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS}, summary="Change a product")
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch) -> Any:
    product = product_get(user=request.user, pk=product_id)
    product = product_update(product=product, by=request.user, expected_version=payload.version,
                             **set_values(payload, exclude=("version",)))
    return product_out(product)


@router.delete("/products/{product_id}", response={204: None, **ERRORS}, summary="Move a product to the trash")
def trash_product(request: HttpRequest, product_id: int) -> Any:
    return _trashed(product_get(user=request.user, pk=product_id), request.user)


@router.post("/products/{product_id}/restore", response={200: ProductOut, **ERRORS},
             summary="Restore a product from the trash")
def restore_product(request: HttpRequest, product_id: int) -> Any:
    product = record_restore(trashed_or_404(Product, request.user, product_id), by=request.user)
    return product_out(product)


# ---------------------------------------------------------------- deals


def _deal_response(user: Any, pk: int) -> dict[str, Any]:
    return deal_out(deal_get(user=user, pk=pk), hidden_custom_keys("deal", user))


@router.get("/deals", response={200: page_schema(DealOut), **ERRORS}, summary="List deals")
def list_deals(request: HttpRequest, filters: Query[DealQuery], limit: int = DEFAULT_LIMIT,
               cursor: str | None = None) -> Any:
    """Deals you may see; custom fields filter as cf_<key>=value. Follow `next` for the next page."""
    deals = deal_list(user=request.user, filters=DealFilter.from_params(request.GET))
    return _page(request, deals, deal_out, "deal", cursor=cursor, limit=limit, prefetch=("lines__product",))


@router.post("/deals", response={201: DealOut, **ERRORS}, summary="Create a deal")
def create_deal(request: HttpRequest, payload: DealIn) -> Any:
    user = request.user
    deal = deal_create(by=user, **_created_values(payload, user, "deal", "owner", "currency"))
    return Status(201, _deal_response(user, deal.pk))


@router.get("/deals/{deal_id}", response={200: DealOut, **ERRORS}, summary="Get a deal")
def get_deal(request: HttpRequest, deal_id: int) -> Any:
    return _deal_response(request.user, deal_id)


@router.patch("/deals/{deal_id}", response={200: DealOut, **ERRORS}, summary="Change a deal")
def update_deal(request: HttpRequest, deal_id: int, payload: DealPatch) -> Any:
    """Change fields; to change the stage use POST /deals/{id}/move."""
    user = request.user
    deal = deal_get(user=user, pk=deal_id)
    values = _changed_values(payload, user, "deal", "lost_reason")
    deal_update(deal=deal, by=user, expected_version=payload.version, **values)
    return _deal_response(user, deal.pk)


@router.post("/deals/{deal_id}/move", response={200: DealOut, **ERRORS}, summary="Move a deal to another stage")
def move_deal(request: HttpRequest, deal_id: int, payload: DealMoveIn) -> Any:
    user = request.user
    deal = deal_get(user=user, pk=deal_id)
    stage = resolve(Stage.objects.filter(pipeline_id=deal.pipeline_id), payload.stage_id, "stage_id",
                    "stage in this deal's pipeline")
    deal_move_to_stage(deal=deal, stage=stage, by=user, lost_reason=payload.lost_reason,
                       expected_version=payload.version)
    return _deal_response(user, deal.pk)


@router.put("/deals/{deal_id}/lines", response={200: DealOut, **ERRORS}, summary="Replace a deal's product lines")
def set_deal_lines(request: HttpRequest, deal_id: int, payload: DealLinesIn) -> Any:
    user = request.user
    deal = deal_get(user=user, pk=deal_id)
    products = Product.objects.visible_to(user).in_bulk({line.product_id for line in payload.lines})
    lines = []
    errors: dict[str, list[str]] = {}
    for i, line in enumerate(payload.lines):
        if line.product_id not in products:
            errors[f"lines.{i}.product_id"] = [f"There is no product with id {line.product_id}; check the id."]
        lines.append({**line.model_dump(exclude={"product_id"}), "product": products.get(line.product_id)})
    if errors:
        raise ValidationError(errors)
    deal_lines_set(deal=deal, lines=lines, by=user, update_amount=payload.update_amount)
    return _deal_response(user, deal.pk)


@router.delete("/deals/{deal_id}", response={204: None, **ERRORS}, summary="Move a deal to the trash")
def trash_deal(request: HttpRequest, deal_id: int) -> Any:
    return _trashed(deal_get(user=request.user, pk=deal_id), request.user)


@router.post("/deals/{deal_id}/restore", response={200: DealOut, **ERRORS}, summary="Restore a deal from the trash")
def restore_deal(request: HttpRequest, deal_id: int) -> Any:
    record_restore(trashed_or_404(Deal, request.user, deal_id), by=request.user)
    return _deal_response(request.user, deal_id)


# ---------------------------------------------------------------- leads


def _lead_response(user: Any, pk: int) -> dict[str, Any]:
    return lead_out(lead_get(user=user, pk=pk), hidden_custom_keys("lead", user))


@router.get("/leads", response={200: page_schema(LeadOut), **ERRORS}, summary="List leads")
def list_leads(request: HttpRequest, filters: Query[LeadQuery], limit: int = DEFAULT_LIMIT,
               cursor: str | None = None) -> Any:
    """Leads you may see, by status (or `open`) and source. Follow `next` for the next page."""
    leads = lead_list(user=request.user, filters=LeadFilter.from_params(request.GET))
    return _page(request, leads, lead_out, "lead", cursor=cursor, limit=limit, prefetch=("product",))


@router.post("/leads", response={201: LeadOut, **ERRORS}, summary="Create a lead")
def create_lead(request: HttpRequest, payload: LeadIn) -> Any:
    """Give `contact_id`, or `person`: a person whose email matches a contact reuses that contact."""
    user = request.user
    lead = lead_create(by=user, **_created_values(payload, user, "lead", "owner", "product"))
    return Status(201, _lead_response(user, lead.pk))


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="Get a lead")
def get_lead(request: HttpRequest, lead_id: int) -> Any:
    return _lead_response(request.user, lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="Change a lead")
def update_lead(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Any:
    user = request.user
    lead = lead_get(user=user, pk=lead_id)
    lead_update(lead=lead, by=user, expected_version=payload.version, **_changed_values(payload, user, "lead", "need"))
    return _lead_response(user, lead.pk)


@router.post("/leads/{lead_id}/convert", response={201: DealOut, **ERRORS}, summary="Convert a lead to a deal")
def convert_lead(request: HttpRequest, lead_id: int, payload: LeadConvertIn) -> Any:
    """One step: the deal gets the lead's contact and company (no duplicates); send {} for the defaults."""
    user = request.user
    lead = lead_get(user=user, pk=lead_id)
    values = _refs(payload.model_dump(), user)
    deal = lead_convert(lead=lead, by=user, **values)
    return Status(201, _deal_response(user, deal.pk))


@router.post("/leads/{lead_id}/qualify", response={200: LeadOut, **ERRORS}, summary="Qualify a lead")
def qualify_lead(request: HttpRequest, lead_id: int) -> Any:
    lead_qualify(lead=lead_get(user=request.user, pk=lead_id), by=request.user)
    return _lead_response(request.user, lead_id)


@router.post("/leads/{lead_id}/disqualify", response={200: LeadOut, **ERRORS}, summary="Disqualify a lead")
def disqualify_lead(request: HttpRequest, lead_id: int, payload: LeadDisqualifyIn) -> Any:
    lead_disqualify(lead=lead_get(user=request.user, pk=lead_id), reason=payload.reason, by=request.user)
    return _lead_response(request.user, lead_id)


@router.post("/leads/{lead_id}/attach", response={200: LeadOut, **ERRORS}, summary="Attach a lead to a deal")
def attach_lead(request: HttpRequest, lead_id: int, payload: LeadAttachIn) -> Any:
    user = request.user
    lead = lead_get(user=user, pk=lead_id)
    deal = resolve(Deal.objects.visible_to(user), payload.deal_id, "deal_id", "deal")
    lead_attach_to_deal(lead=lead, deal=deal, by=user)
    return _lead_response(user, lead_id)


@router.delete("/leads/{lead_id}", response={204: None, **ERRORS}, summary="Move a lead to the trash")
def trash_lead(request: HttpRequest, lead_id: int) -> Any:
    return _trashed(lead_get(user=request.user, pk=lead_id), request.user)


@router.post("/leads/{lead_id}/restore", response={200: LeadOut, **ERRORS}, summary="Restore a lead from the trash")
def restore_lead(request: HttpRequest, lead_id: int) -> Any:
    record_restore(trashed_or_404(Lead, request.user, lead_id), by=request.user)
    return _lead_response(request.user, lead_id)


# ---------------------------------------------------------------- orders


def _order_values(item: OrderIn, user: Any, products: dict[int, Product]) -> dict[str, Any]:
    values = _refs(item.model_dump(exclude={"lines"}), user)
    lines: list[dict[str, Any]] = []
    for i, line in enumerate(item.lines):
        row = line.model_dump(exclude={"product_id"})
        if line.product_id is not None:
            if line.product_id not in products:
                raise ValidationError({f"lines.{i}.product_id": [f"There is no product with id {line.product_id}."]})
            row["product"] = products[line.product_id]
        lines.append(row)
    values["lines"] = lines
    return _without_none(values, "ordered_at", "currency")


def _order_create(item: OrderIn, user: Any, products: dict[int, Product]) -> tuple[Order, bool]:
    """Create the order, or return the one already recorded with this external id (created=False)."""
    existing = _order_with_external_id(item.external_id, user)
    if existing is not None:
        return existing, False
    try:
        return order_create(by=user, **_order_values(item, user, products)), True
    except IntegrityError:
        # Two requests with the same external id raced; the unique constraint let one win: return its order.
        existing = _order_with_external_id(item.external_id, user)
        if existing is None:
            raise
        return existing, False


def _order_with_external_id(external_id: str | None, user: Any) -> Order | None:
    """The order already recorded under this external id, if the user may see it (a field error if not)."""
    if not external_id:
        return None
    existing = Order.all_objects.filter(external_id=external_id).first()
    if existing is not None and not Order.all_objects.visible_to(user).filter(pk=existing.pk).exists():
        raise ValidationError({"external_id": ["Another order already uses this external id; send a different one."]})
    return existing


def _products_for(user: Any, items: list[OrderIn]) -> dict[int, Product]:
    ids = {line.product_id for item in items for line in item.lines if line.product_id}
    return Product.objects.visible_to(user).in_bulk(ids) if ids else {}


@router.get("/orders", response={200: page_schema(OrderOut), **ERRORS}, summary="List orders")
def list_orders(request: HttpRequest, filters: Query[OrderQuery], limit: int = DEFAULT_LIMIT,
                cursor: str | None = None) -> Any:
    """Orders of the customers you may see. Follow `next` for the next page."""
    page = paginate(order_list(user=request.user, filters=OrderFilter.from_params(request.GET)),
                    cursor=cursor, limit=limit)
    prefetch_related_objects(page.items, "deal", "lines__product")
    return {"results": [order_out(o) for o in page.items], "next": page.next}


@router.post("/orders", response={200: OrderOut, 201: OrderOut, **ERRORS}, summary="Record an order")
def create_order(request: HttpRequest, payload: OrderIn) -> Any:
    """Idempotent by `external_id`: sending the same order again returns it (200) instead of a copy."""
    user = request.user
    order, created = _order_create(payload, user, _products_for(user, [payload]))
    return Status(201 if created else 200, order_out(order_get(user=user, pk=order.pk)))


@router.post("/orders/bulk", response={201: BulkOrdersOut, **ERRORS}, summary="Record up to 1000 orders at once")
def bulk_create_orders(request: HttpRequest, payload: OrderBulkIn) -> Any:
    """All or nothing; errors are keyed items.<index>.<field>; orders already recorded (external_id) are kept.

    Set-based: the references of every item are read in one query per kind and the orders are
    written with one INSERT per table, so the number of queries does not grow with the items.
    """
    user = request.user
    products = _products_for(user, payload.items)
    refs: dict[str, tuple[Any, str]] = {
        "contact_id": (Contact.objects.visible_to(user), "contact"),
        "company_id": (Company.objects.visible_to(user), "company"),
        "deal_id": (Deal.objects.visible_to(user), "deal"),
    }
    found = {
        field: qs.in_bulk({getattr(item, field) for item in payload.items if getattr(item, field)})
        for field, (qs, _) in refs.items()
    }
    errors: dict[str, list[str]] = {}
    items: list[dict[str, Any] | None] = []
    for i, item in enumerate(payload.items):
        known = len(errors)
        values = item.model_dump(exclude={"lines"})
        for field, (_, label) in refs.items():
            pk = values.pop(field)
            if pk is not None and pk not in found[field]:
                errors[f"items.{i}.{field}"] = [f"There is no {label} with id {pk} that you can see; check the id."]
            values[label] = found[field].get(pk) if pk is not None else None
        lines: list[dict[str, Any]] = []
        for j, line in enumerate(item.lines):
            row = line.model_dump(exclude={"product_id"})
            if line.product_id is not None:
                if line.product_id not in products:
                    errors[f"items.{i}.lines.{j}.product_id"] = [f"There is no product with id {line.product_id}."]
                row["product"] = products.get(line.product_id)
            lines.append(row)
        values["lines"] = lines
        # An item with an unknown reference is not checked further (its other errors would only follow from it).
        items.append(_without_none(values, "ordered_at", "currency") if len(errors) == known else None)
    try:
        results = orders_bulk_create(by=user, items=items, errors=errors)
    except IntegrityError:
        # Another request recorded one of these external ids meanwhile; the second pass returns its order.
        results = orders_bulk_create(by=user, items=items, errors=errors)
    created = sum(1 for _, is_new in results if is_new)
    return Status(201, {"created": created, "existing": len(results) - created, "ids": [o.pk for o, _ in results]})


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="Get an order")
def get_order(request: HttpRequest, order_id: int) -> Any:
    return order_out(order_get(user=request.user, pk=order_id))


@router.patch("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="Change an order's status")
def update_order(request: HttpRequest, order_id: int, payload: OrderPatch) -> Any:
    user = request.user
    order = order_get(user=user, pk=order_id)
    ensure_editable(order, user)
    if order.version != payload.version:
        raise EditConflict(record=order, expected_version=payload.version, changes={"status": (None, order.status)})
    order_update_status(order=order, status=payload.status, by=user)
    return order_out(order_get(user=user, pk=order.pk))


@router.delete("/orders/{order_id}", response={204: None, **ERRORS}, summary="Move an order to the trash")
def trash_order(request: HttpRequest, order_id: int) -> Any:
    order_trash(order=order_get(user=request.user, pk=order_id), by=request.user)
    return Status(204, None)


@router.post("/orders/{order_id}/restore", response={200: OrderOut, **ERRORS},
             summary="Restore an order from the trash")
def restore_order(request: HttpRequest, order_id: int) -> Any:
    order_restore(order=trashed_or_404(Order, request.user, order_id), by=request.user)
    return order_out(order_get(user=request.user, pk=order_id))
