"""Lead pages: list, create, detail, edit, qualify, disqualify, convert, attach to a deal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.permissions import assignable_users
from rapport.activities.selectors import activity_list
from rapport.activities.timeline import timeline_for
from rapport.core.errors import NotAllowed
from rapport.core.http import AuthenticatedHttpRequest
from rapport.customization.forms import add_custom_fields, custom_bound_fields, custom_values_from
from rapport.customization.services import custom_fields_for
from rapport.sales.choices import LeadSource, LeadStatus
from rapport.sales.filters import LeadFilter
from rapport.sales.forms import (
    AttachForm,
    ConvertForm,
    DisqualifyForm,
    LeadCreateForm,
    LeadEditForm,
    open_deals_for_attach,
)
from rapport.sales.models import Deal, Lead, Pipeline
from rapport.sales.selectors import lead_get, lead_list
from rapport.sales.services import (
    lead_attach_to_deal,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_update,
)
from rapport.sales.views.common import (
    add_errors,
    edit_page,
    error_dict,
    not_allowed,
    page_of,
    render_page,
)

RECENT_ACTIVITIES = 20


def custom_rows(entity: str, user: Any, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Label and value of each custom field the user may see, for detail pages."""
    return [{"label": f.label, "value": values.get(f.key)} for f in custom_fields_for(entity, user)]


def filter_form(entity: str, user: Any, params: Any) -> forms.Form:
    """A form of the custom-field filters (cf_<key>) of an entity, bound to the query string."""
    form = forms.Form(params)
    add_custom_fields(form, entity, user, for_filter=True)
    return form


@login_required
@require_GET
def lead_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    try:
        filters = LeadFilter.from_params(request.GET)
        page = page_of(lead_list(user=request.user, filters=filters), request)
    except ValidationError as exc:
        errors = error_dict(exc)
        page = None
    return render_page(request, "sales/lead_list.html", {
        "page": page, "errors": errors, "statuses": LeadStatus.choices, "sources": LeadSource.choices,
        "owners": list(assignable_users(request.user).order_by("first_name", "last_name")),
        "custom_filters": custom_bound_fields(filter_form("lead", request.user, request.GET)),
    }, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def lead_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = LeadCreateForm(request.POST, user=request.user)
        add_custom_fields(form, "lead", request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                lead = lead_create(
                    by=request.user, contact=data.get("contact"), person=form.person(), source=data["source"],
                    status=data["status"], need=data.get("need", ""), custom=custom_values_from(form),
                    **({"owner": data["owner"]} if data.get("owner") else {}),
                )
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                add_errors(form, exc, aliases={"emails": "email", "phones": "phone", "last_name": "last_name"})
            else:
                messages.success(request, f"Lead created for {lead.contact}.")
                return redirect(lead)
        status = 400
    else:
        form = LeadCreateForm(user=request.user, initial={"contact": request.GET.get("contact"),
                                                          "owner": request.user.pk})
        add_custom_fields(form, "lead", request.user)
    return render_page(request, "sales/lead_form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_GET
def lead_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = lead_get(user=request.user, pk=pk)
    can_edit = Lead.objects.editable_by(request.user).filter(pk=lead.pk).exists()
    return render_page(request, "sales/lead_detail.html", {
        "lead": lead, "can_edit": can_edit, "is_open": lead.status not in (LeadStatus.CONVERTED,),
        "custom_rows": custom_rows("lead", request.user, lead.custom),
        "activities": list(activity_list(user=request.user, record=lead)[:RECENT_ACTIVITIES]),
        "events": timeline_for(lead), "disqualify_form": DisqualifyForm(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = lead_get(user=request.user, pk=pk)
    if request.method == "POST":
        form = LeadEditForm(request.POST, user=request.user)
        add_custom_fields(form, "lead", request.user)
    else:
        form = LeadEditForm(user=request.user, initial={
            "source": lead.source, "status": lead.status, "score": lead.score, "need": lead.need,
            "owner": lead.owner_id, "disqualified_reason": lead.disqualified_reason})
        add_custom_fields(form, "lead", request.user, initial=lead.custom)

    def save(data: dict[str, Any], version: int | None) -> None:
        lead_update(lead=lead, by=request.user, expected_version=version, custom=custom_values_from(form),
                    source=data["source"], status=data["status"], score=data.get("score") or 0,
                    need=data.get("need", ""), owner=data.get("owner"),
                    disqualified_reason=data.get("disqualified_reason", ""))

    return edit_page(request, record=lead, name="lead", form=form, save=save, saved="Lead saved.", done=lead,
                     template="sales/lead_form.html")


@login_required
@require_POST
def lead_qualify_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = lead_get(user=request.user, pk=pk)
    try:
        lead_qualify(lead=lead, by=request.user)
    except NotAllowed as exc:
        return not_allowed(request, exc)
    except ValidationError as exc:
        return _lead_error(request, lead, exc)
    messages.success(request, "Lead qualified: convert it to a deal when you are ready.")
    return redirect(lead)


@login_required
@require_POST
def lead_disqualify_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = lead_get(user=request.user, pk=pk)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            lead_disqualify(lead=lead, reason=form.cleaned_data["reason"], by=request.user)
        except NotAllowed as exc:
            return not_allowed(request, exc)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Lead disqualified.")
            return redirect(lead)
    return render_page(request, "sales/lead_disqualify.html", {"lead": lead, "form": form}, status=400)


def _lead_error(request: AuthenticatedHttpRequest, lead: Lead, exc: ValidationError) -> HttpResponse:
    return render_page(request, "sales/error.html", {"record": lead, "messages_list": sum(error_dict(exc).values(), [])},
                  status=400)


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Turn the lead into a deal in one step, reusing its contact and company."""
    lead = lead_get(user=request.user, pk=pk)
    if lead.status == LeadStatus.CONVERTED and lead.deal_id:
        messages.info(request, "This lead is already converted; here is its deal.")
        return redirect("deal-detail", pk=lead.deal_id)
    status = 200
    if request.method == "POST":
        form = ConvertForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                deal = lead_convert(lead=lead, by=request.user, pipeline=data["pipeline"],
                                    deal_name=data.get("deal_name", ""), amount=data.get("amount"),
                                    currency=(data.get("currency") or "").upper() or None,
                                    expected_close_date=data.get("expected_close_date"))
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Lead converted: deal {deal.name} is in {deal.stage.name}.")
                return redirect(deal)
        status = 400
    else:
        default = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
        form = ConvertForm(initial={"pipeline": default, "currency": _base_currency()})
    company = lead.company or lead.contact.company
    return render_page(request, "sales/lead_convert.html", {"lead": lead, "form": form, "company": company},
                  status=status)


def _base_currency() -> str:
    from django.conf import settings

    return str(settings.RAPPORT_BASE_CURRENCY)


@login_required
@require_http_methods(["GET", "POST"])
def lead_attach(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attach the lead to a deal that already exists."""
    lead = lead_get(user=request.user, pk=pk)
    deals = open_deals_for_attach(request.user, company_id=lead.company_id or lead.contact.company_id,
                                  contact_id=lead.contact_id)
    editable = Deal.objects.editable_by(request.user)
    status = 200
    if request.method == "POST":
        form = AttachForm(request.POST, deals=deals, editable=editable)
        if form.is_valid():
            try:
                lead_attach_to_deal(lead=lead, deal=form.cleaned_data["deal"], by=request.user)
            except NotAllowed as exc:
                return not_allowed(request, exc)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Lead attached to deal {form.cleaned_data['deal'].name}.")
                return redirect("deal-detail", pk=form.cleaned_data["deal"].pk)
        status = 400
    else:
        form = AttachForm(deals=deals, editable=editable)
    return render_page(request, "sales/lead_attach.html", {"lead": lead, "form": form, "deals": deals}, status=status)
