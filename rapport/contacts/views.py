"""Pages for contacts and companies: lists with filters, 360° detail, create/edit with conflicts, trash."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.accounts.models import User
from rapport.activities.selectors import activity_list
from rapport.activities.timeline import timeline_for
from rapport.contacts.choices import Channel, CompanySize, ConsentStatus, LifecycleStage
from rapport.contacts.filters import CompanyFilter, ContactFilter
from rapport.contacts.forms import (
    EMAIL_KINDS,
    PHONE_KINDS,
    CompanyForm,
    ContactForm,
    rows_for_form,
    rows_from_post,
)
from rapport.contacts.models import Company, Contact
from rapport.contacts.selectors import company_get, company_list, contact_get, contact_list
from rapport.contacts.services import (
    company_create,
    company_update,
    consent_set,
    contact_create,
    contact_update,
)
from rapport.core.errors import EditConflict, NotAllowed
from rapport.core.ids import pk_or_404
from rapport.core.records import record_trash
from rapport.customization.forms import add_custom_fields, custom_values_from
from rapport.customization.models import Tag
from rapport.customization.services import custom_fields_for
from rapport.sales.models import Deal, Lead, Order
from rapport.web.forms import StyledFormMixin, service_errors_to_form
from rapport.web.paging import paginate

LIST_TEMPLATE_STATUS_INVALID = 400


# ---------------------------------------------------------------- shared helpers


def _filter_users(user: Any) -> Any:
    """Owners offered in list filters: everyone for an admin, otherwise the user's team (or just the user)."""
    users = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if user.is_admin:
        return users
    if user.team_id:
        return users.filter(team_id=user.team_id)
    return users.filter(pk=user.pk)


class ListFilterForm(StyledFormMixin, forms.Form):
    """The filter bar of a list page (rendering and simple type checks; the filter class does the work)."""

    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email, phone…"}))
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Anyone")
    tag = forms.CharField(required=False, max_length=50, widget=forms.TextInput(attrs={"list": "tag-names"}))
    country = forms.CharField(required=False, max_length=2, widget=forms.TextInput(attrs={"placeholder": "DE"}))

    def __init__(self, *args: Any, user: Any, entity: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _filter_users(user)  # type: ignore[attr-defined]
        if entity == "contact":
            self.fields["lifecycle_stage"] = forms.ChoiceField(
                choices=[("", "Any stage"), *LifecycleStage.choices], required=False, label="Stage"
            )
            self.fields["created_after"] = forms.DateField(
                required=False, label="Created from", widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields["created_before"] = forms.DateField(
                required=False, label="Created until", widget=forms.DateInput(attrs={"type": "date"})
            )
            from rapport.analytics.selectors import CHURN_RISK_BANDS, segment_choices

            self.fields["rfm_segment"] = forms.ChoiceField(
                choices=[("", "Any segment"), *segment_choices()], required=False, label="RFM segment"
            )
            self.fields["clv_min"] = forms.DecimalField(required=False, label="CLV from", min_value=0)
            self.fields["clv_max"] = forms.DecimalField(required=False, label="CLV up to", min_value=0)
            self.fields["churn_risk"] = forms.ChoiceField(
                choices=[("", "Any churn risk"), *((k, v[2]) for k, v in CHURN_RISK_BANDS.items())],
                required=False, label="Churn risk",
            )
        else:
            self.fields["industry"] = forms.CharField(required=False, max_length=100)
            self.fields["size"] = forms.ChoiceField(choices=[("", "Any size"), *CompanySize.choices], required=False)
        add_custom_fields(self, entity, user, for_filter=True)
        self.style_fields()

    def active_count(self) -> int:
        data = self.data
        return sum(1 for name in self.fields if name != "q" and data.get(name))


def _custom_rows(entity: str, user: Any, values: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"label": f.label, "value": values.get(f.key), "type": f.field_type}
        for f in custom_fields_for(entity, user)
    ]


def _conflict_form_data(request: HttpRequest, exc: EditConflict) -> Any:
    """The user's posted input with the current version, so saving again applies on top of the other edit."""
    data = request.POST.copy()
    data["version"] = str(exc.record.version)
    return data


def _render_form(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    form = context["form"]
    if form.is_bound:
        form.mark_invalid()
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- contacts


@login_required
def contact_list_view(request: HttpRequest) -> HttpResponse:
    """List the contacts the user may see, with search, filters, sorting and pages."""
    user = request.user
    form = ListFilterForm(request.GET or None, user=user, entity="contact")
    error = ""
    status = 200
    try:
        filters = ContactFilter.from_params(request.GET)
        qs = contact_list(user=user, filters=filters).prefetch_related("tags")
        page = paginate(qs, request)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        status = LIST_TEMPLATE_STATUS_INVALID
        page = None
        filters = ContactFilter()
    company = None
    if filters.company:
        company = Company.objects.visible_to(user).filter(pk=filters.company).only("id", "name").first()
    context = {
        "form": form,
        "page": page,
        "error": error,
        "filter_company": company,
        "tag_names": list(Tag.objects.values_list("name", flat=True)[:200]),
        "sort": request.GET.get("sort", ""),
    }
    return render(request, "contacts/contact_list.html", context, status=status)


@login_required
def contact_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one contact: details, consent, related deals, leads, orders, activities, timeline."""
    user = request.user
    contact = contact_get(user=user, pk=pk)
    orders = Order.objects.visible_to(user).filter(contact=contact)
    totals = list(orders.values("currency").annotate(total=Sum("total"), count=Count("id")).order_by("currency"))
    consents = {c.channel: c for c in contact.consents.all()}
    context = {
        "contact": contact,
        "emails": list(contact.emails.all()),
        "phones": list(contact.phones.all()),
        "tags": list(contact.tags.all()),
        "consent_rows": [
            {"channel": c, "label": label, "consent": consents.get(c)} for c, label in Channel.choices
        ],
        "consent_statuses": ConsentStatus.choices,
        "custom_rows": _custom_rows("contact", user, contact.custom),
        "deals": list(Deal.objects.visible_to(user).filter(contact=contact).select_related("stage")
                      .order_by("-created_at")[:20]),
        "leads": list(Lead.objects.visible_to(user).filter(contact=contact).select_related("contact")
                      .order_by("-created_at")[:20]),
        "orders": list(orders.order_by("-ordered_at", "-id")[:20]),
        "order_totals": totals,
        # The page shows kind, subject, dates and owner: no joins to the linked records.
        "activities": list(activity_list(user=user, record=contact).select_related(None)
                           .select_related("owner")[:20]),
        "events": timeline_for(contact, limit=50),
        "can_edit": Contact.objects.editable_by(user).filter(pk=contact.pk).exists(),
    }
    return render(request, "contacts/contact_detail.html", context)


def _contact_initial(contact: Contact) -> dict[str, Any]:
    consents = {c.channel: c for c in contact.consents.all()}
    initial: dict[str, Any] = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "title": contact.title,
        "company_name": contact.company.name if contact.company else "",
        "lifecycle_stage": contact.lifecycle_stage,
        "preferred_channel": contact.preferred_channel,
        "street": contact.street,
        "city": contact.city,
        "region": contact.region,
        "postal_code": contact.postal_code,
        "country": contact.country,
        "owner": contact.owner_id,
        "tags": ", ".join(t.name for t in contact.tags.all()),
        "version": contact.version,
    }
    for channel in Channel.values:
        if channel in consents:
            initial[f"consent_{channel}"] = consents[channel].status
            initial[f"consent_source_{channel}"] = consents[channel].source
    return initial


def _resolve_company(form: ContactForm, user: Any) -> tuple[Company | None, bool]:
    """The company named in the form: an exact (case-insensitive) match the user can see, else a new one."""
    name = (form.cleaned_data.get("company_name") or "").strip()
    if not name:
        return None, False
    found = Company.objects.visible_to(user).filter(name__uiexact=name).order_by("id").first()
    if found:
        return found, False
    return company_create(by=user, name=name), True


def _contact_form_context(form: ContactForm, emails: list[dict[str, Any]], phones: list[dict[str, Any]],
                          **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "email_rows": rows_for_form(emails, "email", EMAIL_KINDS),
        "phone_rows": rows_for_form(phones, "number", PHONE_KINDS),
        "email_kinds": EMAIL_KINDS,
        "phone_kinds": PHONE_KINDS,
        **extra,
    }


def _contact_save(request: HttpRequest, contact: Contact | None) -> HttpResponse:
    user = request.user
    form = ContactForm(request.POST, user=user, custom_initial=contact.custom if contact else None)
    emails = rows_from_post(request.POST, "email", "email")
    phones = rows_from_post(request.POST, "phone", "number")
    template = "contacts/contact_form.html"
    context = _contact_form_context(form, emails, phones, contact=contact)
    if not form.is_valid():
        return _render_form(request, template, context, status=400)
    data = form.cleaned_data
    values = {k: data[k] for k in ("first_name", "last_name", "title", "lifecycle_stage", "preferred_channel",
                                   "street", "city", "region", "postal_code", "country")}
    values["owner"] = data["owner"] or (contact.owner if contact else user)
    try:
        from django.db import transaction

        with transaction.atomic():
            company, created_company = _resolve_company(form, user)
            values["company"] = company
            consents = form.consents()
            if contact is None:
                saved = contact_create(
                    by=user, emails=emails, phones=phones, tags=data["tags"], custom=custom_values_from(form),
                    consents=[{"channel": c, **v} for c, v in consents.items() if v["status"] != ConsentStatus.UNKNOWN],
                    **values,
                )
            else:
                saved = contact_update(
                    contact=contact, by=user, expected_version=data.get("version") or contact.version,
                    emails=emails, phones=phones, tags=data["tags"], custom=custom_values_from(form), **values,
                )
                current = {c.channel: c for c in saved.consents.all()}
                for channel, chosen in consents.items():
                    old = current.get(channel)
                    old_status = old.status if old else ConsentStatus.UNKNOWN
                    if chosen["status"] != old_status or (old and chosen["source"] != old.source
                                                         and chosen["status"] != ConsentStatus.UNKNOWN):
                        consent_set(contact=saved, channel=channel, by=user, **chosen)
    except EditConflict as exc:
        form = ContactForm(_conflict_form_data(request, exc), user=user, custom_initial=contact.custom if contact else None)
        form.is_valid()
        context = _contact_form_context(form, emails, phones, contact=exc.record, conflict=exc)
        return render(request, template, context, status=409)
    except ValidationError as exc:
        service_errors_to_form(form, exc)
        return _render_form(request, template, context, status=400)
    except NotAllowed as exc:
        form.add_error(None, str(exc))
        return _render_form(request, template, context, status=403)
    if contact is None:
        messages.success(request, f"Contact {saved.full_name} added.")
    else:
        messages.success(request, "Changes saved.")
    if created_company:
        messages.info(request, f"A new company {company} was created for this contact.")
    return redirect(saved.get_absolute_url())


@login_required
def contact_create_view(request: HttpRequest) -> HttpResponse:
    """Add a contact."""
    if request.method == "POST":
        return _contact_save(request, None)
    initial: dict[str, Any] = {}
    company_id = request.GET.get("company")
    if company_id:
        company = Company.objects.visible_to(request.user).filter(pk=pk_or_404(company_id)).first()
        if company:
            initial["company_name"] = company.name
    form = ContactForm(initial=initial, user=request.user)
    return render(request, "contacts/contact_form.html", _contact_form_context(form, [], [], contact=None))


@login_required
def contact_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a contact; a save based on an outdated version shows what the other person changed."""
    contact = contact_get(user=request.user, pk=pk, for_update=True)
    if request.method == "POST":
        return _contact_save(request, contact)
    form = ContactForm(initial=_contact_initial(contact), user=request.user, custom_initial=contact.custom)
    emails = [{"email": e.email, "kind": e.kind, "is_primary": e.is_primary} for e in contact.emails.all()]
    phones = [{"number": p.number, "kind": p.kind, "is_primary": p.is_primary} for p in contact.phones.all()]
    return render(request, "contacts/contact_form.html", _contact_form_context(form, emails, phones, contact=contact))


@login_required
@require_POST
def contact_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a contact to the trash."""
    contact = contact_get(user=request.user, pk=pk, for_update=True)
    try:
        record_trash(contact, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(contact.get_absolute_url())
    messages.success(request, f"{contact.full_name} was moved to the trash. You can restore it from the Trash page.")
    return redirect("contact-list")


@login_required
@require_POST
def contact_consent_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a contact's consent for one channel."""
    contact = contact_get(user=request.user, pk=pk, for_update=True)
    try:
        consent_set(
            contact=contact, channel=request.POST.get("channel", ""), status=request.POST.get("status", ""),
            source=(request.POST.get("source") or "")[:100], by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        response = redirect(contact.get_absolute_url() + "#consent")
        response.status_code = 303
        return response
    messages.success(request, "Consent recorded.")
    return redirect(contact.get_absolute_url() + "#consent")


# ---------------------------------------------------------------- companies


@login_required
def company_list_view(request: HttpRequest) -> HttpResponse:
    """List the companies the user may see, with search, filters, sorting and pages."""
    user = request.user
    form = ListFilterForm(request.GET or None, user=user, entity="company")
    error = ""
    status = 200
    try:
        filters = CompanyFilter.from_params(request.GET)
        qs = company_list(user=user, filters=filters).prefetch_related("tags")
        page = paginate(qs, request)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        status = LIST_TEMPLATE_STATUS_INVALID
        page = None
    context = {
        "form": form,
        "page": page,
        "error": error,
        "tag_names": list(Tag.objects.values_list("name", flat=True)[:200]),
    }
    return render(request, "contacts/company_list.html", context, status=status)


@login_required
def company_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one company: details, contacts, deals, orders, timeline."""
    user = request.user
    company = company_get(user=user, pk=pk)
    orders = Order.objects.visible_to(user).filter(company=company)
    context = {
        "company": company,
        "contacts": list(Contact.objects.visible_to(user).filter(company=company)
                         .order_by("last_name", "first_name", "id")[:50]),
        "tags": list(company.tags.all()),
        "custom_rows": _custom_rows("company", user, company.custom),
        "deals": list(Deal.objects.visible_to(user).filter(company=company).select_related("stage", "contact")
                      .order_by("-created_at")[:20]),
        "orders": list(orders.select_related("contact").order_by("-ordered_at", "-id")[:20]),
        "order_totals": list(orders.values("currency").annotate(total=Sum("total"), count=Count("id"))
                             .order_by("currency")),
        "activities": list(activity_list(user=user, record=company)[:20]),
        "events": timeline_for(company, limit=50),
        "can_edit": Company.objects.editable_by(user).filter(pk=company.pk).exists(),
    }
    return render(request, "contacts/company_detail.html", context)


def _company_initial(company: Company) -> dict[str, Any]:
    initial = {f: getattr(company, f) for f in ("name", "domain", "industry", "size", "phone", "street", "city",
                                                 "region", "postal_code", "country")}
    initial.update(owner=company.owner_id, tags=", ".join(t.name for t in company.tags.all()), version=company.version)
    return initial


def _company_save(request: HttpRequest, company: Company | None) -> HttpResponse:
    user = request.user
    form = CompanyForm(request.POST, user=user, custom_initial=company.custom if company else None)
    template = "contacts/company_form.html"
    context: dict[str, Any] = {"form": form, "company": company}
    if not form.is_valid():
        return _render_form(request, template, context, status=400)
    data = form.cleaned_data
    values = {k: data[k] for k in ("domain", "industry", "size", "phone", "street", "city", "region",
                                   "postal_code", "country")}
    values["owner"] = data["owner"] or (company.owner if company else user)
    try:
        if company is None:
            saved = company_create(by=user, name=data["name"], tags=data["tags"], custom=custom_values_from(form),
                                   **values)
        else:
            saved = company_update(company=company, by=user, expected_version=data.get("version") or company.version,
                                   name=data["name"], tags=data["tags"], custom=custom_values_from(form), **values)
    except EditConflict as exc:
        form = CompanyForm(_conflict_form_data(request, exc), user=user, custom_initial=company.custom if company else None)
        form.is_valid()
        return render(request, template, {"form": form, "company": exc.record, "conflict": exc}, status=409)
    except ValidationError as exc:
        service_errors_to_form(form, exc)
        return _render_form(request, template, context, status=400)
    except NotAllowed as exc:
        form.add_error(None, str(exc))
        return _render_form(request, template, context, status=403)
    messages.success(request, f"Company {saved.name} added." if company is None else "Changes saved.")
    return redirect(saved.get_absolute_url())


@login_required
def company_create_view(request: HttpRequest) -> HttpResponse:
    """Add a company."""
    if request.method == "POST":
        return _company_save(request, None)
    form = CompanyForm(user=request.user)
    return render(request, "contacts/company_form.html", {"form": form, "company": None})


@login_required
def company_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a company; a save based on an outdated version shows what the other person changed."""
    company = Company.objects.editable_by(request.user).filter(pk=pk_or_404(pk)).first()
    if company is None:
        company_get(user=request.user, pk=pk)  # 404 when invisible
        messages.error(request, "You can see this company but not change it; ask its owner or a manager.")
        return redirect("company-detail", pk=pk)
    if request.method == "POST":
        return _company_save(request, company)
    form = CompanyForm(initial=_company_initial(company), user=request.user, custom_initial=company.custom)
    return render(request, "contacts/company_form.html", {"form": form, "company": company})


@login_required
@require_POST
def company_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a company to the trash."""
    company = company_get(user=request.user, pk=pk)
    try:
        record_trash(company, by=request.user)
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect(company.get_absolute_url())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(company.get_absolute_url())
    messages.success(request, f"{company.name} was moved to the trash. You can restore it from the Trash page.")
    return redirect("company-list")
