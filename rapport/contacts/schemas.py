"""API schemas of companies and contacts: strict input (In / Patch) and the output shape (Out)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from rapport.contacts.choices import Channel, CompanySize, ConsentStatus, EmailKind, LifecycleStage, PhoneKind
from rapport.contacts.models import Company, Contact
from rapport.contacts.selectors import related_rows
from rapport.core.api_types import NOT_SENT, Id, RefOut, StrictSchema, Version, ref
from rapport.customization.schemas import custom_out

MAX_BULK = 1000

TagName = Annotated[str, Field(min_length=1, max_length=50)]
Tags = Annotated[list[TagName], Field(max_length=50)]
Custom = dict[str, Any]


def _as_object(key: str) -> Any:
    """Let a list item be a bare string (the address) or an object with details."""
    return BeforeValidator(lambda v: {key: v} if isinstance(v, str) else v)


class EmailIn(StrictSchema):
    email: str = Field(..., max_length=254, description="Validated and stored lower-case.")
    kind: EmailKind = EmailKind.WORK
    is_primary: bool = False


class PhoneIn(StrictSchema):
    number: str = Field(..., max_length=40, description="Any common format; stored in E.164 (+4930123456).")
    kind: PhoneKind = PhoneKind.WORK
    is_primary: bool = False


class ConsentIn(StrictSchema):
    channel: Channel
    status: ConsentStatus
    source: str = Field("", max_length=100)


Emails = Annotated[list[Annotated[EmailIn, _as_object("email")]], Field(max_length=20)]
Phones = Annotated[list[Annotated[PhoneIn, _as_object("number")]], Field(max_length=20)]
Consents = Annotated[list[ConsentIn], Field(max_length=4)]


# ---------------------------------------------------------------- companies


class CompanyIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=200)
    domain: str = Field("", max_length=253)
    industry: str = Field("", max_length=100)
    size: CompanySize | Literal[""] = ""
    phone: str = Field("", max_length=40)
    street: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("", max_length=2, description="ISO 3166 two-letter code, e.g. DE.")
    owner_id: Id | None = None
    parent_id: Id | None = None
    tags: Tags = Field(default_factory=list)
    custom: Custom = Field(default_factory=dict)


class CompanyPatch(StrictSchema):
    version: Version = Field(..., description="The version you read; a stale one is refused with 409.")
    name: str = Field(NOT_SENT, min_length=1, max_length=200)
    domain: str = Field(NOT_SENT, max_length=253)
    industry: str = Field(NOT_SENT, max_length=100)
    size: CompanySize | Literal[""] = Field(NOT_SENT)
    phone: str = Field(NOT_SENT, max_length=40)
    street: str = Field(NOT_SENT, max_length=200)
    city: str = Field(NOT_SENT, max_length=100)
    region: str = Field(NOT_SENT, max_length=100)
    postal_code: str = Field(NOT_SENT, max_length=20)
    country: str = Field(NOT_SENT, max_length=2)
    owner_id: Id | None = None
    parent_id: Id | None = None
    tags: Tags = Field(NOT_SENT)
    custom: Custom = Field(NOT_SENT)


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    size: str
    phone: str
    street: str
    city: str
    region: str
    postal_code: str
    country: str
    owner: RefOut | None
    parent: RefOut | None
    tags: list[str]
    custom: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def company_out(company: Company, hidden: set[str]) -> dict[str, Any]:
    return {
        "id": company.pk, "name": company.name, "domain": company.domain, "industry": company.industry,
        "size": company.size, "phone": company.phone, "street": company.street, "city": company.city,
        "region": company.region, "postal_code": company.postal_code, "country": company.country,
        "owner": ref(company.owner), "parent": ref(company.parent),
        "tags": sorted(t.name for t in company.tags.all()), "custom": custom_out(company.custom, hidden),
        "version": company.version, "created_at": company.created_at, "updated_at": company.updated_at,
    }


# ---------------------------------------------------------------- contacts


class ContactIn(StrictSchema):
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    title: str = Field("", max_length=100)
    company_id: Id | None = None
    owner_id: Id | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.LEAD
    preferred_channel: Channel | Literal[""] = ""
    street: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("", max_length=2, description="ISO 3166 two-letter code, e.g. FR.")
    emails: Emails = Field(default_factory=list, description="Addresses or {email, kind, is_primary}; the first is primary unless one is marked.")
    phones: Phones = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)
    consents: Consents = Field(default_factory=list)
    custom: Custom = Field(default_factory=dict)


class ContactPatch(StrictSchema):
    version: Version = Field(..., description="The version you read; a stale one is refused with 409.")
    first_name: str = Field(NOT_SENT, max_length=100)
    last_name: str = Field(NOT_SENT, max_length=100)
    title: str = Field(NOT_SENT, max_length=100)
    company_id: Id | None = None
    owner_id: Id | None = None
    lifecycle_stage: LifecycleStage = Field(NOT_SENT)
    preferred_channel: Channel | Literal[""] = Field(NOT_SENT)
    street: str = Field(NOT_SENT, max_length=200)
    city: str = Field(NOT_SENT, max_length=100)
    region: str = Field(NOT_SENT, max_length=100)
    postal_code: str = Field(NOT_SENT, max_length=20)
    country: str = Field(NOT_SENT, max_length=2)
    emails: Emails = Field(NOT_SENT, description="Replaces all addresses.")
    phones: Phones = Field(NOT_SENT, description="Replaces all numbers.")
    tags: Tags = Field(NOT_SENT, description="Replaces all tags.")
    consents: Consents = Field(NOT_SENT, description="Sets consent for the channels given; others stay.")
    custom: Custom = Field(NOT_SENT, description="Sets the custom fields given; others stay.")


class ContactBulkIn(StrictSchema):
    items: list[ContactIn] = Field(..., min_length=1, max_length=MAX_BULK)


class BulkOut(Schema):
    created: int
    ids: list[int]


class EmailOut(Schema):
    email: str
    kind: str
    is_primary: bool


class PhoneOut(Schema):
    number: str
    kind: str
    is_primary: bool


class ConsentOut(Schema):
    channel: str
    status: str
    source: str
    recorded_at: dt.datetime


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    full_name: str
    title: str
    company: RefOut | None
    owner: RefOut | None
    lifecycle_stage: str
    preferred_channel: str
    street: str
    city: str
    region: str
    postal_code: str
    country: str
    email: str = Field(..., description="The primary email.")
    phone: str = Field(..., description="The primary phone, E.164.")
    emails: list[EmailOut]
    phones: list[PhoneOut]
    tags: list[str]
    consents: list[ConsentOut]
    custom: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def contact_out(contact: Contact, hidden: set[str]) -> dict[str, Any]:
    return {
        "id": contact.pk, "first_name": contact.first_name, "last_name": contact.last_name,
        "full_name": contact.full_name, "title": contact.title, "company": ref(contact.company),
        "owner": ref(contact.owner), "lifecycle_stage": contact.lifecycle_stage,
        "preferred_channel": contact.preferred_channel, "street": contact.street, "city": contact.city,
        "region": contact.region, "postal_code": contact.postal_code, "country": contact.country,
        "email": contact.email, "phone": contact.phone,
        "emails": [{"email": e.email, "kind": e.kind, "is_primary": e.is_primary}
                   for e in related_rows(contact, "emails")],
        "phones": [{"number": p.number, "kind": p.kind, "is_primary": p.is_primary}
                   for p in related_rows(contact, "phones")],
        "tags": sorted(t.name for t in related_rows(contact, "tags")),
        "consents": [
            {"channel": c.channel, "status": c.status, "source": c.source, "recorded_at": c.recorded_at}
            for c in related_rows(contact, "consents")
        ],
        "custom": custom_out(contact.custom, hidden),
        "version": contact.version, "created_at": contact.created_at, "updated_at": contact.updated_at,
    }


class ContactQuery(Schema):
    """Filters of the contact list (custom fields filter as cf_<key>=value)."""

    q: str = Field("", max_length=100, description="Name, email, phone (3+ characters).")
    owner: Id | None = None
    tag: str = Field("", max_length=50)
    lifecycle_stage: str = ""
    company: Id | None = None
    country: str = Field("", max_length=2)
    created_after: dt.date | None = None
    created_before: dt.date | None = None
    sort: str = Field("name", description="name, created, updated, email, company, stage; prefix - to reverse.")
    rfm_segment: str = Field("", max_length=60, description="RFM segment in the latest run, e.g. Champions.")
    clv_min: float | None = Field(None, description="Lowest lifetime value (base currency) in the latest CLV run.")
    clv_max: float | None = Field(None, description="Highest lifetime value (base currency) in the latest CLV run.")
    churn_risk: str = Field("", description="high (P(churned) >= 50 %), medium (20-50 %) or low (< 20 %).")


class CompanyQuery(Schema):
    q: str = Field("", max_length=100)
    owner: Id | None = None
    tag: str = Field("", max_length=50)
    industry: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    size: str = ""
    sort: str = Field("name", description="name, created, country, domain; prefix - to reverse.")
