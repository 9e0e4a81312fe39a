"""Deal pages: list, detail (stage history, lines), create, edit, lines, move, trash."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.permissions import assignable_users
from rapport.activities.selectors import activity_list
from rapport.activities.timeline import timeline_for
from rapport.core.errors import EditConflict, NotAllowed
from rapport.core.http import AuthenticatedHttpRequest
from rapport.core.records import record_trash
from rapport.customization.forms import add_custom_fields, custom_bound_fields, custom_values_from
from rapport.sales.choices import StageKind
from rapport.sales.filters import DealFilter
from rapport.sales.forms import BaseLineFormSet, DealForm, DealLineFormSet, MoveForm
from rapport.sales.models import Deal, DealStageChange, Pipeline, Product, Stage
from rapport.sales.selectors import deal_get, deal_list
from rapport.sales.services import deal_create, deal_lines_set, deal_move_to_stage, deal_update
from rapport.sales.views.common import add_errors, edit_page, error_dict, not_allowed, page_of, render_page
from rapport.sales.views.leads import _base_currency, custom_rows, filter_form

RECENT_ACTIVITIES = 20


@login_required
@require_GET
def deal_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    try:
        filters = DealFilter.from_params(request.GET)
        page = page_of(deal_list(user=request.user, filters=filters), request)
    except ValidationError as exc:
        errors = error_dict(exc)
        page = None
    pipelines = list(Pipeline.objects.prefetch_related("stages"))
    return render_page(request, "sales/deal_list.html", {
        "page": page, "errors": errors, "pipelines": pipelines, "kinds": StageKind.choices,
        "owners": list(assignable_users(request.user).order_by("first_name", "last_name")),
        "custom_filters": custom_bound_fields(filter_form("deal", request.user, request.GET)),
    }, status=400 if errors else 200)


def stage_history(deal: Deal, now: dt.datetime) -> list[dict[str, Any]]:
    """Each stage change with how long the deal stayed in the stage it moved to, oldest first."""
    changes = list(DealStageChange.objects.filter(deal=deal).select_related("from_stage", "to_stage", "changed_by")
                   .order_by("changed_at", "id"))
    rows = []
    for i, change in enumerate(changes):
        until = changes[i + 1].changed_at if i + 1 < len(changes) else None
        is_current = until is None
        end = until or (now if change.to_stage.kind == StageKind.OPEN else change.changed_at)
        rows.append({"change": change, "until": until, "is_current": is_current,
                     "duration": max(end - change.changed_at, dt.timedelta(0))})
    return rows


@login_required
@require_GET
def deal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = deal_get(user=request.user, pk=pk)
    can_edit = Deal.objects.editable_by(request.user).filter(pk=deal.pk).exists()
    lines = list(deal.lines.all())
    return render_page(request, "sales/deal_detail.html", {
        "deal": deal, "can_edit": can_edit, "lines": lines, "lines_total": sum((ln.total for ln in lines), 0),
        "stages": list(deal.pipeline.stages.order_by("position")),
        "history": stage_history(deal, timezone.now()),
        "leads": list(deal.leads.select_related("contact")),
        "custom_rows": custom_rows("deal", request.user, deal.custom),
        "activities": list(activity_list(user=request.user, record=deal)[:RECENT_ACTIVITIES]),
        "events": timeline_for(deal),
    })


@login_required
@require_http_methods(["GET", "POST"])
def deal_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = DealForm(request.POST, user=request.user, creating=True)
        add_custom_fields(form, "deal", request.user)
        if form.is_valid():
            data = form.cleaned_data
            stage = data.get("stage")
            try:
                deal = deal_create(
                    by=request.user, name=data["name"], pipeline=stage.pipeline if stage else None, stage=stage,
                    amount=data.get("amount") or 0, currency=data["currency"].upper(),
                    expected_close_date=data.get("expected_close_date"), contact=data.get("contact"),
                    company=data.get("company"), custom=custom_values_from(form),
                    **({"owner": data["owner"]} if data.get("owner") else {}),
                )
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Deal {deal.name} created in {deal.stage.name}.")
                return redirect(deal)
        status = 400
    else:
        form = DealForm(user=request.user, creating=True, initial={
            "contact": request.GET.get("contact"), "company": request.GET.get("company"),
            "currency": _base_currency(), "owner": request.user.pk, "stage": request.GET.get("stage")})
        add_custom_fields(form, "deal", request.user)
    return render_page(request, "sales/deal_form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = deal_get(user=request.user, pk=pk)
    if request.method == "POST":
        form = DealForm(request.POST, user=request.user, creating=False)
        add_custom_fields(form, "deal", request.user)
    else:
        form = DealForm(user=request.user, creating=False, initial={
            "name": deal.name, "amount": deal.amount, "currency": deal.currency,
            "expected_close_date": deal.expected_close_date, "contact": deal.contact_id,
            "company": deal.company_id, "owner": deal.owner_id})
        add_custom_fields(form, "deal", request.user, initial=deal.custom)

    def save(data: dict[str, Any], version: int | None) -> None:
        deal_update(deal=deal, by=request.user, expected_version=version, custom=custom_values_from(form),
                    name=data["name"], amount=data.get("amount") or 0, currency=data["currency"].upper(),
                    expected_close_date=data.get("expected_close_date"), contact=data.get("contact"),
                    company=data.get("company"), owner=data.get("owner"))

    return edit_page(request, record=deal, name="deal", form=form, save=save, saved="Deal saved.", done=deal,
                     template="sales/deal_form.html")


@login_required
@require_http_methods(["GET", "POST"])
def deal_lines(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Edit the products on a deal; the amount becomes their total."""
    deal = deal_get(user=request.user, pk=pk)
    status = 200
    if request.method == "POST":
        formset = cast(BaseLineFormSet, DealLineFormSet(request.POST, prefix="lines"))
        if formset.is_valid():
            try:
                deal_lines_set(deal=deal, lines=formset.rows(), by=request.user)
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                formset.service_errors = sum(error_dict(exc).values(), [])  # type: ignore[attr-defined]
            else:
                messages.success(request, "Products saved; the deal amount is now their total.")
                return redirect(deal)
        status = 400
    else:
        formset = cast(BaseLineFormSet, DealLineFormSet(prefix="lines", initial=[
            {"product": ln.product_id, "quantity": ln.quantity, "unit_price": ln.unit_price,
             "discount_percent": ln.discount_percent} for ln in deal.lines.all()]))
    return render_page(request, "sales/deal_lines.html", {
        "deal": deal, "formset": formset, "products": list(Product.objects.filter(is_active=True))},
        status=status)


def _wants_json(request: AuthenticatedHttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _move_failed(request: AuthenticatedHttpRequest, deal: Deal, message: str, status: int) -> HttpResponse:
    from django.http import JsonResponse

    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render_page(request, "sales/error.html", {"record": deal, "messages_list": [message],
                                                "back": request.POST.get("next") or deal.get_absolute_url()},
                  status=status)


@login_required
@require_POST
def deal_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move a deal to another stage (board drag and drop, or the Move to… form); recorded with time and user."""
    from django.http import JsonResponse

    from rapport.sales.selectors import board
    from rapport.sales.views.board import column_total_text

    deal = deal_get(user=request.user, pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _move_failed(request, deal, " ".join(str(m) for errors in form.errors.values() for m in errors), 400)
    stage = Stage.objects.filter(pipeline_id=deal.pipeline_id, pk=form.cleaned_data["stage"]).first()
    if stage is None:
        return _move_failed(request, deal, "That stage is not in this deal's pipeline; reload the board.", 400)
    reason = (form.cleaned_data.get("lost_reason") or "").strip()
    if stage.kind == StageKind.LOST and not reason and deal.stage_id != stage.pk:
        return _move_failed(request, deal, "Say why the deal was lost (e.g. price, timing, chose a competitor).",
                            400)
    try:
        deal = deal_move_to_stage(deal=deal, stage=stage, by=request.user, lost_reason=reason,
                                  expected_version=form.cleaned_data.get("version"))
    except NotAllowed as exc:
        return _move_failed(request, deal, str(exc), 403)
    except EditConflict:
        return _move_failed(request, deal, "Someone else changed this deal meanwhile; reload the board and try "
                                           "again.", 409)
    except ValidationError as exc:
        return _move_failed(request, deal, " ".join(sum(error_dict(exc).values(), [])), 400)
    if _wants_json(request):
        owner = request.POST.get("owner")
        columns = board(user=request.user, pipeline=deal.pipeline, owner=int(owner) if owner and owner.isdigit()
                        else None, limit=0)
        return JsonResponse({
            "ok": True, "deal": deal.pk, "stage": stage.pk, "version": deal.version,
            "message": f"{deal.name} moved to {stage.name}.",
            "columns": {str(c["stage"].pk): {"count": c["count"], "count_text": f"{c['count']:,}",
                                             "total": column_total_text(c["totals"], c["converted"], c["base_currency"])}
                        for c in columns},
        })
    messages.success(request, f"{deal.name} moved to {stage.name}.")
    target = request.POST.get("next") or ""
    from django.utils.http import url_has_allowed_host_and_scheme

    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(deal)


@login_required
@require_POST
def deal_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = deal_get(user=request.user, pk=pk)
    try:
        record_trash(deal, by=request.user)
    except NotAllowed as exc:
        return not_allowed(request, exc)
    except ValidationError as exc:
        return _move_failed(request, deal, " ".join(exc.messages), 400)
    messages.success(request, f"Deal {deal.name} moved to the trash; restore it from the Trash page.")
    return redirect(reverse("deal-list"))
