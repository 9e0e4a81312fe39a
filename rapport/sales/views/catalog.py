"""Pipelines set-up (administrators) and the product catalogue (managers and administrators change it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from rapport.core.errors import NotAllowed
from rapport.core.http import AuthenticatedHttpRequest
from rapport.sales.forms import PipelineForm, ProductForm, StageFormSet
from rapport.sales.models import Pipeline, Product
from rapport.sales.selectors import product_get, product_list
from rapport.sales.services import pipeline_create, product_create, product_update
from rapport.sales.services.orders import CATALOGUE_REFUSAL, catalogue_editable_by
from rapport.sales.services.pipelines import DEFAULT_STAGES
from rapport.sales.views.common import add_errors, edit_page, error_dict, not_allowed, page_of, render_page
from rapport.sales.views.leads import _base_currency


@login_required
@require_GET
def pipeline_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    pipelines = list(Pipeline.objects.prefetch_related("stages"))
    return render_page(request, "sales/pipeline_list.html", {"pipelines": pipelines})


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.is_admin:
        return not_allowed(request, NotAllowed("Only an administrator can set up pipelines."))
    status = 200
    service_errors: list[str] = []
    if request.method == "POST":
        form = PipelineForm(request.POST)
        formset = StageFormSet(request.POST, prefix="stages")
        if form.is_valid() and formset.is_valid():
            stages = []
            for row in formset.cleaned_data:
                if not row or not (row.get("name") or "").strip():
                    continue
                stage = {"name": row["name"], "kind": row["kind"]}
                if row.get("probability") is not None:
                    stage["probability"] = row["probability"]
                stages.append(stage)
            try:
                pipeline = pipeline_create(name=form.cleaned_data["name"], stages=stages or None, by=request.user,
                                           is_default=form.cleaned_data["is_default"])
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                errors = error_dict(exc)
                for message in errors.pop("name", []):
                    form.add_error("name", message)
                service_errors = [m for field, msgs in errors.items() for m in _stage_messages(field, msgs)]
            else:
                messages.success(request, f"Pipeline {pipeline.name} created with {len(stages) or 6} stages.")
                return redirect("pipeline-list")
        status = 400
    else:
        form = PipelineForm()
        formset = StageFormSet(prefix="stages", initial=[
            {"name": n, "kind": k, "probability": p} for n, k, p in DEFAULT_STAGES])
    return render_page(request, "sales/pipeline_form.html",
                  {"form": form, "formset": formset, "service_errors": service_errors}, status=status)


def _stage_messages(field: str, messages_: list[str]) -> list[str]:
    if field.startswith("stages."):
        parts = field.split(".")
        if len(parts) >= 2 and parts[1].isdigit():
            return [f"Stage {int(parts[1]) + 1}: {m}" for m in messages_]
    return messages_


@login_required
@require_GET
def product_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    page = page_of(product_list(user=request.user, q=q, active_only=request.GET.get("active") == "1"), request)
    return render_page(request, "sales/product_list.html", {
        "page": page, "q": q, "can_change": catalogue_editable_by(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def product_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not catalogue_editable_by(request.user):
        return not_allowed(request, NotAllowed(CATALOGUE_REFUSAL))
    status = 200
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product = product_create(by=request.user, **{**form.cleaned_data,
                                                             "currency": form.cleaned_data["currency"].upper()})
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Product {product.name} added to the catalogue.")
                return redirect("product-list")
        status = 400
    else:
        form = ProductForm(initial={"currency": _base_currency(), "is_active": True})
    return render_page(request, "sales/product_form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    product = product_get(user=request.user, pk=pk)
    if not Product.objects.editable_by(request.user).filter(pk=product.pk).exists():
        return not_allowed(request, NotAllowed(CATALOGUE_REFUSAL))
    if request.method == "POST":
        form = ProductForm(request.POST)
    else:
        form = ProductForm(initial={f: getattr(product, f) for f in ProductForm.base_fields})

    def save(data: dict[str, Any], version: int | None) -> None:
        product_update(product=product, by=request.user, expected_version=version,
                       **{**data, "currency": data["currency"].upper()})

    return edit_page(request, record=product, name="product", form=form, save=save,
                     saved=lambda data: f"Product {data['name']} saved.", done="product-list",
                     template="sales/product_form.html")
