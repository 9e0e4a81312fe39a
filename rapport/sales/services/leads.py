"""Leads: capture (matching the existing contact), qualify, disqualify, convert, attach."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.activities.timeline import links_of, timeline_record
from rapport.contacts.choices import LifecycleStage
from rapport.contacts.models import Company, Contact
from rapport.contacts.services import (
    company_create,
    company_find_by_domain,
    contact_create,
    contact_find_by_email,
)
from rapport.core.errors import NotAllowed
from rapport.core.normalize import domain_normalize
from rapport.core.records import ensure_assignable, ensure_can_create, ensure_editable, record_update
from rapport.customization.services import custom_values_clean
from rapport.customization.validation import rules_check
from rapport.sales.choices import LeadSource, LeadStatus
from rapport.sales.models import Deal, Lead, Pipeline
from rapport.sales.services.deals import deal_create
from rapport.search.services import search_index_put

OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING, LeadStatus.QUALIFIED)
# Addresses at these domains say nothing about the person's employer.
FREE_MAIL = {"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "icloud.com",
             "aol.com", "gmx.de", "gmx.net", "web.de", "proton.me", "protonmail.com", "mail.com", "yandex.ru"}


def _company_for(*, name: str, domain: str, email: str, by: Any) -> Company | None:
    """Reuse the company matched by domain (given, or from a business email) or exact name; else create it."""
    if not domain and email and "@" in email:
        email_domain = email.rsplit("@", 1)[1].lower()
        if email_domain not in FREE_MAIL:
            domain = email_domain
    company = company_find_by_domain(domain) if domain else None
    if company is None and name:
        company = Company.objects.filter(name__uiexact=name.strip()).order_by("id").first()
    if company is None and name:
        try:
            clean_domain = domain_normalize(domain) if domain else ""
        except ValidationError:
            clean_domain = ""
        company = company_create(by=by, name=name, domain=clean_domain, owner=None if not by.can_write else by)
    return company


@transaction.atomic
def lead_create(
    *,
    by: Any,
    contact: Contact | None = None,
    person: dict[str, Any] | None = None,
    company: Company | None = None,
    source: str = LeadSource.MANUAL,
    status: str = LeadStatus.NEW,
    need: str = "",
    custom: dict[str, Any] | None = None,
    **values: Any,
) -> Lead:
    """Record interest from a person: the existing contact (matched by email) is reused, else created.

    `person` holds first_name, last_name, email, phone, title, company_name, company_domain when
    the lead brings a new person (web form, import, API).
    """
    ensure_can_create(by)
    errors: dict[str, list[str]] = {}
    if source not in LeadSource.values:
        errors["source"] = [f"Source must be one of {', '.join(LeadSource.values)}."]
    if status not in OPEN_STATUSES:
        errors["status"] = ["A new lead starts as new, working, nurturing or qualified."]
    if len(need or "") > 200:
        errors["need"] = ["Describe the need in at most 200 characters."]
    try:
        custom_clean = custom_values_clean("lead", custom)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        custom_clean = {}
    if contact is None and not person:
        errors["contact"] = ["Choose a contact or enter the person's name and email."]
    if errors:
        raise ValidationError(errors)
    owner = values.pop("owner", by)
    ensure_assignable(owner, by)
    if contact is None:
        assert person is not None
        email = (person.get("email") or "").strip()
        contact = contact_find_by_email(email) if email else None
        if company is None and (person.get("company_name") or person.get("company_domain")):
            company = _company_for(name=person.get("company_name", ""), domain=person.get("company_domain", ""),
                                   email=email, by=by)
        if contact is None:
            contact = contact_create(
                by=by,
                owner=owner,
                first_name=person.get("first_name", ""),
                last_name=person.get("last_name", ""),
                title=person.get("title", ""),
                emails=[email] if email else [],
                phones=[person["phone"]] if person.get("phone") else [],
                company=company,
                lifecycle_stage=LifecycleStage.LEAD,
                event_summary="Contact created from a new lead",
            )
    if company is None and contact.company_id:
        company = contact.company
    lead = Lead(
        contact=contact, company=company, source=source, status=status, need=(need or "").strip(),
        owner=owner, custom=custom_clean, **values,
    )
    rules_check("lead", lead)
    lead.save()
    timeline_record(kind="created", summary=f"Lead created ({lead.get_source_display()})", actor=by,
                    data={"source": source, "need": lead.need}, **links_of(lead))
    search_index_put("lead", lead)
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, by: Any, expected_version: int | None = None, custom: dict[str, Any] | None = None,
                **values: Any) -> Lead:
    """Change a lead's fields (status changes to converted go through lead_convert)."""
    ensure_editable(lead, by)
    errors: dict[str, list[str]] = {}
    if "status" in values:
        if values["status"] == LeadStatus.CONVERTED and lead.status != LeadStatus.CONVERTED:
            errors["status"] = ["Convert the lead to a deal with the Convert button instead."]
        elif values["status"] not in LeadStatus.values:
            errors["status"] = [f"Status must be one of {', '.join(LeadStatus.values)}."]
    if "source" in values and values["source"] not in LeadSource.values:
        errors["source"] = [f"Source must be one of {', '.join(LeadSource.values)}."]
    if custom is not None:
        try:
            values["custom"] = custom_values_clean("lead", custom, current=lead.custom, partial=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if "owner" in values and values["owner"] != lead.owner:
        ensure_assignable(values["owner"], by)
    rules_check("lead", lead, values)
    lead, _ = record_update(lead, values, by=by, expected_version=expected_version)
    search_index_put("lead", lead)
    return lead


def _lead_open(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationError("This lead is already converted; open its deal instead.")


@transaction.atomic
def lead_qualify(*, lead: Lead, by: Any) -> Lead:
    """Mark a lead as qualified: ready to become a deal."""
    ensure_editable(lead, by)
    _lead_open(lead)
    rules_check("lead", lead, {"status": LeadStatus.QUALIFIED, "disqualified_reason": ""})
    lead, _ = record_update(lead, {"status": LeadStatus.QUALIFIED, "disqualified_reason": ""}, by=by,
                            expected_version=None, summary="Lead qualified")
    return lead


@transaction.atomic
def lead_disqualify(*, lead: Lead, reason: str, by: Any) -> Lead:
    """Mark a lead as disqualified; a reason is required."""
    ensure_editable(lead, by)
    _lead_open(lead)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the lead is disqualified (e.g. no budget, wrong market)."]})
    if len(reason) > 200:
        raise ValidationError({"reason": ["The reason is too long: at most 200 characters."]})
    rules_check("lead", lead, {"status": LeadStatus.DISQUALIFIED, "disqualified_reason": reason})
    lead, _ = record_update(lead, {"status": LeadStatus.DISQUALIFIED, "disqualified_reason": reason}, by=by,
                            expected_version=None, summary=f"Lead disqualified: {reason}")
    return lead


def _advance_lifecycle(contact: Contact) -> None:
    Contact.objects.filter(
        pk=contact.pk, lifecycle_stage__in=[LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD]
    ).update(lifecycle_stage=LifecycleStage.OPPORTUNITY)


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    by: Any,
    pipeline: Pipeline | None = None,
    deal_name: str = "",
    amount: Any = None,
    currency: str | None = None,
    expected_close_date: Any = None,
) -> Deal:
    """Turn a lead into a deal in one step: same contact and company, lifecycle moves on, lead keeps the link."""
    ensure_editable(lead, by)
    lead = Lead.all_objects.select_for_update(of=("self",)).select_related("contact", "company").get(pk=lead.pk)
    _lead_open(lead)
    if lead.status == LeadStatus.DISQUALIFIED:
        raise ValidationError("A disqualified lead cannot be converted; set it back to working first.")
    if not by.can_write:
        raise NotAllowed()
    contact = lead.contact
    company = lead.company or contact.company
    if company is None and contact.email:
        company = _company_for(name="", domain="", email=contact.email, by=by)
    name = (deal_name or "").strip() or f"{company.name if company else contact.full_name}" + (
        f" — {lead.need}" if lead.need else ""
    )
    extra: dict[str, Any] = {}
    if currency:
        extra["currency"] = currency
    deal = deal_create(
        by=by, name=name[:200], pipeline=pipeline, contact=contact, company=company,
        owner=lead.owner or by, amount=amount if amount not in (None, "") else 0,
        expected_close_date=expected_close_date, **extra,
    )
    now = timezone.now()
    Lead.all_objects.filter(pk=lead.pk).update(
        status=LeadStatus.CONVERTED, deal=deal, converted_at=now, company=company, updated_at=now,
        version=lead.version + 1,
    )
    _advance_lifecycle(contact)
    timeline_record(
        kind="lead_converted",
        summary=f"Lead converted to deal {deal.name}",
        actor=by,
        data={"deal_id": deal.pk, "lead_id": lead.pk},
        lead=lead, deal=deal, contact=contact, company=company,
    )
    lead.refresh_from_db()
    search_index_put("lead", lead)
    return deal


@transaction.atomic
def lead_attach_to_deal(*, lead: Lead, deal: Deal, by: Any) -> Lead:
    """Link a lead to a deal that already exists (e.g. a second person interested in the same deal)."""
    ensure_editable(lead, by)
    ensure_editable(deal, by)
    _lead_open(lead)
    now = timezone.now()
    Lead.all_objects.filter(pk=lead.pk).update(
        status=LeadStatus.CONVERTED, deal=deal, converted_at=now, updated_at=now, version=lead.version + 1
    )
    _advance_lifecycle(lead.contact)
    timeline_record(kind="lead_attached", summary=f"Lead attached to deal {deal.name}", actor=by,
                    data={"deal_id": deal.pk, "lead_id": lead.pk}, lead=lead, deal=deal, contact=lead.contact,
                    company=lead.company)
    lead.refresh_from_db()
    return lead
