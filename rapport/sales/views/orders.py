"""Order pages: purchase history list, detail with lines, and entering an order by hand."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from rapport.core.errors import NotAllowed
from rapport.core.http import AuthenticatedHttpRequest
from rapport.sales.choices import OrderChannel
from rapport.sales.filters import OrderFilter
from rapport.sales.forms import BaseLineFormSet, OrderForm, OrderLineFormSet
from rapport.sales.selectors import order_get, order_list
from rapport.sales.services import order_create
from rapport.sales.views.common import error_dict, not_allowed, page_of, render_page
from rapport.sales.views.leads import _base_currency


@login_required
@require_GET
def order_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    try:
        filters = OrderFilter.from_params(request.GET)
        page = page_of(order_list(user=request.user, filters=filters), request)
    except ValidationError as exc:
        errors = error_dict(exc)
        page = None
    return render_page(request, "sales/order_list.html", {"page": page, "errors": errors,
                                                     "channels": OrderChannel.choices},
                  status=400 if errors else 200)


@login_required
@require_GET
def order_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = order_get(user=request.user, pk=pk)
    return render_page(request, "sales/order_detail.html", {"order": order, "lines": list(order.lines.all())})


@login_required
@require_http_methods(["GET", "POST"])
def order_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = 200
    service_errors: list[str] = []
    if request.method == "POST":
        form = OrderForm(request.POST, user=request.user)
        formset = cast(BaseLineFormSet, OrderLineFormSet(request.POST, prefix="lines"))
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            lines = formset.rows()
            try:
                order = order_create(by=request.user, contact=data["contact"], lines=lines,
                                     ordered_at=data["ordered_at"], number=data.get("number", ""),
                                     channel=data["channel"], status=data["status"],
                                     currency=data["currency"].upper())
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                errors = error_dict(exc)
                for field in ("channel", "status", "currency", "ordered_at"):
                    for message in errors.pop(field, []):
                        form.add_error(field, message)
                service_errors = [
                    (f"Line {int(k.split('.')[1]) + 1}: {m}" if k.startswith("lines.") else m)
                    for k, msgs in errors.items() for m in msgs
                ]
            else:
                messages.success(request, f"Order {order.number} saved for {order.contact}.")
                return redirect(order)
        status = 400
    else:
        form = OrderForm(user=request.user, initial={
            "contact": request.GET.get("contact"), "currency": _base_currency(),
            "ordered_at": timezone.localtime().replace(second=0, microsecond=0)})
        formset = cast(BaseLineFormSet, OrderLineFormSet(prefix="lines"))
    return render_page(request, "sales/order_form.html", {"form": form, "formset": formset,
                                                     "service_errors": service_errors}, status=status)
