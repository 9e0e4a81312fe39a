"""API of companies and contacts: list (filters, sort, cursor), CRUD, trash and restore, bulk create."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from rapport.contacts.api_duplicates import (
    CompanyCreatedOut,
    ContactBulkCreatedOut,
    ContactCreatedOut,
    company_duplicate_warnings,
    contact_duplicate_warnings,
    contact_duplicate_warnings_many,
)
from rapport.contacts.bulk import contacts_bulk_create
from rapport.contacts.filters import CompanyFilter, ContactFilter
from rapport.contacts.models import Company, Contact
from rapport.contacts.schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    CompanyQuery,
    ContactBulkIn,
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactQuery,
    company_out,
    contact_out,
)
from rapport.contacts.selectors import (
    company_get,
    company_list,
    contact_get,
    contact_list,
    contacts_related_load,
)
from rapport.contacts.services import (
    company_create,
    company_update,
    consent_set,
    contact_create,
    contact_update,
)
from rapport.core.api_types import ERRORS, owner_resolve, prefixed, resolve, set_values, text_values
from rapport.core.ids import pk_or_404
from rapport.core.pagination import DEFAULT_LIMIT, page_schema, paginate
from rapport.core.records import record_restore, record_trash
from rapport.customization.schemas import custom_in, hidden_custom_keys

router = Router(tags=["contacts and companies"])

COMPANY_TEXT = ("domain", "industry", "size", "phone", "street", "city", "region", "postal_code", "country")
CONTACT_TEXT = ("first_name", "last_name", "title", "preferred_channel", "street", "city", "region", "postal_code",
                "country")


def trashed_or_404(model: Any, user: Any, pk: int) -> Any:
    """A record in the trash that the user may see, for restoring."""
    found = model.all_objects.visible_to(user).filter(pk=pk_or_404(pk), deleted_at__isnull=False).first()
    if found is None:
        raise Http404
    return found


# ---------------------------------------------------------------- companies


def _company_refs(values: dict[str, Any], user: Any) -> dict[str, Any]:
    if "owner_id" in values:
        values["owner"] = owner_resolve(values.pop("owner_id"))
    if "parent_id" in values:
        values["parent"] = resolve(
            Company.objects.visible_to(user), values.pop("parent_id"), "parent_id", "company"
        )
    return values


@router.get("/companies", response={200: page_schema(CompanyOut), **ERRORS}, summary="List companies")
def list_companies(
    request: HttpRequest, filters: Query[CompanyQuery], limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Any:
    """Companies you may see; custom fields filter as cf_<key>=value. Follow `next` for the next page."""
    page = paginate(
        company_list(user=request.user, filters=CompanyFilter.from_params(request.GET)),
        cursor=cursor,
        limit=limit,
    )
    prefetch_related_objects(page.items, "tags")
    hidden = hidden_custom_keys("company", request.user)
    return {"results": [company_out(c, hidden) for c in page.items], "next": page.next}


@router.post("/companies", response={201: CompanyCreatedOut, **ERRORS}, summary="Create a company")
def create_company(request: HttpRequest, payload: CompanyIn) -> Any:
    """Saved even when it looks like an existing company; those are listed in `possible_duplicates`."""
    hidden = hidden_custom_keys("company", request.user)
    values = _company_refs(payload.model_dump(), request.user)
    values["custom"] = custom_in(values["custom"], hidden)
    if values["owner"] is None:
        values.pop("owner")
    company = company_create(by=request.user, **values)
    body = company_out(company_get(user=request.user, pk=company.pk), hidden)
    return Status(201, {**body, "possible_duplicates": company_duplicate_warnings(company, request.user)})


@router.get("/companies/{company_id}", response={200: CompanyOut, **ERRORS}, summary="Get a company")
def get_company(request: HttpRequest, company_id: int) -> Any:
    return company_out(
        company_get(user=request.user, pk=company_id), hidden_custom_keys("company", request.user)
    )


@router.patch("/companies/{company_id}", response={200: CompanyOut, **ERRORS}, summary="Change a company")
def update_company(request: HttpRequest, company_id: int, payload: CompanyPatch) -> Any:
    company = company_get(user=request.user, pk=company_id)
    hidden = hidden_custom_keys("company", request.user)
    values = text_values(_company_refs(set_values(payload, exclude=("version",)), request.user), COMPANY_TEXT)
    custom_in(values.get("custom"), hidden)
    company_update(company=company, by=request.user, expected_version=payload.version, **values)
    return company_out(company_get(user=request.user, pk=company.pk), hidden)


@router.delete(
    "/companies/{company_id}", response={204: None, **ERRORS}, summary="Move a company to the trash"
)
def trash_company(request: HttpRequest, company_id: int) -> Any:
    record_trash(company_get(user=request.user, pk=company_id), by=request.user)
    return Status(204, None)


@router.post(
    "/companies/{company_id}/restore",
    response={200: CompanyOut, **ERRORS},
    summary="Restore a company from the trash",
)
def restore_company(request: HttpRequest, company_id: int) -> Any:
    record_restore(trashed_or_404(Company, request.user, company_id), by=request.user)
    return company_out(
        company_get(user=request.user, pk=company_id), hidden_custom_keys("company", request.user)
    )


# ---------------------------------------------------------------- contacts


def _contact_refs(
    values: dict[str, Any], user: Any, companies: dict[int, Company] | None = None
) -> dict[str, Any]:
    if "owner_id" in values:
        values["owner"] = owner_resolve(values.pop("owner_id"))
    if "company_id" in values:
        pk = values.pop("company_id")
        if companies is not None and pk is not None:
            if pk not in companies:
                raise ValidationError(
                    {"company_id": [f"There is no company with id {pk} that you can see; check the id."]}
                )
            values["company"] = companies[pk]
        else:
            values["company"] = resolve(Company.objects.visible_to(user), pk, "company_id", "company")
    return values


def _contact_create_values(
    item: ContactIn, user: Any, hidden: set[str], companies: dict[int, Company] | None = None
) -> dict[str, Any]:
    values = _contact_refs(item.model_dump(), user, companies)
    values["custom"] = custom_in(values["custom"], hidden)
    if values["owner"] is None:
        values.pop("owner")
    return values


@router.get("/contacts", response={200: page_schema(ContactOut), **ERRORS}, summary="List contacts")
def list_contacts(
    request: HttpRequest, filters: Query[ContactQuery], limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Any:
    """Contacts you may see; custom fields filter as cf_<key>=value. Follow `next` for the next page."""
    page = paginate(
        contact_list(user=request.user, filters=ContactFilter.from_params(request.GET)),
        cursor=cursor,
        limit=limit,
    )
    contacts_related_load(page.items)
    hidden = hidden_custom_keys("contact", request.user)
    return {"results": [contact_out(c, hidden) for c in page.items], "next": page.next}


@router.post("/contacts", response={201: ContactCreatedOut, **ERRORS}, summary="Create a contact")
def create_contact(request: HttpRequest, payload: ContactIn) -> Any:
    """Saved even when it looks like an existing person; those are listed in `possible_duplicates`."""
    hidden = hidden_custom_keys("contact", request.user)
    contact = contact_create(by=request.user, **_contact_create_values(payload, request.user, hidden))
    body = contact_out(contact_get(user=request.user, pk=contact.pk), hidden)
    return Status(201, {**body, "possible_duplicates": contact_duplicate_warnings(contact, request.user)})


@router.post(
    "/contacts/bulk",
    response={201: ContactBulkCreatedOut, **ERRORS},
    summary="Create up to 1000 contacts at once",
)
def bulk_create_contacts(request: HttpRequest, payload: ContactBulkIn) -> Any:
    """All or nothing: if any item is not valid, none is created and errors are keyed items.<index>.<field>.

    Saved even when items look like existing people or like each other: `items` lists, per created
    contact, its `possible_duplicates`. Set-based (rapport.contacts.bulk, possible_duplicates_many):
    the same checks as one contact at a time, with a fixed number of queries per request whatever
    the number of items.
    """
    from rapport.accounts.models import User

    user = request.user
    hidden = hidden_custom_keys("contact", user)
    company_ids = {item.company_id for item in payload.items if item.company_id}
    companies = Company.objects.visible_to(user).in_bulk(company_ids) if company_ids else {}
    owner_ids = {item.owner_id for item in payload.items if item.owner_id}
    owners = User.objects.filter(is_active=True).in_bulk(owner_ids) if owner_ids else {}
    errors: dict[str, list[str]] = {}
    items: list[dict[str, Any]] = []
    for i, item in enumerate(payload.items):
        values = item.model_dump()
        company_id, owner_id = values.pop("company_id"), values.pop("owner_id")
        if company_id is not None:
            if company_id in companies:
                values["company"] = companies[company_id]
            else:
                errors[f"items.{i}.company_id"] = [
                    f"There is no company with id {company_id} that you can see; check the id."
                ]
        if owner_id is not None:
            if owner_id in owners:
                values["owner"] = owners[owner_id]
            else:
                errors[f"items.{i}.owner_id"] = [
                    f"There is no active user with id {owner_id} that you can see; check the id."
                ]
        try:
            values["custom"] = custom_in(values["custom"], hidden)
        except ValidationError as exc:
            errors.update(prefixed(exc, f"items.{i}"))
        items.append(values)
    contacts = contacts_bulk_create(by=user, items=items, errors=errors)
    warnings = contact_duplicate_warnings_many(contacts, user)
    return Status(
        201,
        {
            "created": len(contacts),
            "ids": [c.pk for c in contacts],
            "items": [
                {"id": c.pk, "possible_duplicates": w} for c, w in zip(contacts, warnings, strict=True)
            ],
        },
    )


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Get a contact")
def get_contact(request: HttpRequest, contact_id: int) -> Any:
    return contact_out(
        contact_get(user=request.user, pk=contact_id), hidden_custom_keys("contact", request.user)
    )


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Change a contact")
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    """Send `version` from your last read; lists (emails, phones, tags) given replace the current ones."""
    user = request.user
    contact = contact_get(user=user, pk=contact_id)
    hidden = hidden_custom_keys("contact", user)
    values = text_values(_contact_refs(set_values(payload, exclude=("version",)), user), CONTACT_TEXT)
    custom_in(values.get("custom"), hidden)
    consents = values.pop("consents", None) or []
    with transaction.atomic():
        contact = contact_update(contact=contact, by=user, expected_version=payload.version, **values)
        for consent in consents:
            consent_set(contact=contact, by=user, **consent)
    return contact_out(contact_get(user=user, pk=contact.pk), hidden)


@router.delete(
    "/contacts/{contact_id}", response={204: None, **ERRORS}, summary="Move a contact to the trash"
)
def trash_contact(request: HttpRequest, contact_id: int) -> Any:
    record_trash(contact_get(user=request.user, pk=contact_id), by=request.user)
    return Status(204, None)


@router.post(
    "/contacts/{contact_id}/restore",
    response={200: ContactOut, **ERRORS},
    summary="Restore a contact from the trash",
)
def restore_contact(request: HttpRequest, contact_id: int) -> Any:
    record_restore(trashed_or_404(Contact, request.user, contact_id), by=request.user)
    return contact_out(
        contact_get(user=request.user, pk=contact_id), hidden_custom_keys("contact", request.user)
    )
