"""API of duplicate contacts and companies: likely pairs, scans, "not a duplicate", the on-entry checks, merge
and undo; and the `possible_duplicates` warning that contact and company creation return."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.contacts.company_duplicates import (
    company_duplicate_dismiss,
    company_pairs_for,
    possible_company_duplicates,
)
from rapport.contacts.company_merge import company_merge, company_merge_undo
from rapport.contacts.duplicate_check import Entered, possible_duplicates, possible_duplicates_many
from rapport.contacts.duplicate_scan import (
    duplicate_dismiss,
    duplicate_pairs_for,
    duplicate_scan_start,
    latest_scan,
)
from rapport.contacts.merge import contact_merge, contact_merge_undo
from rapport.contacts.models import Company, CompanyMergeRecord, Contact, DuplicateScan, MergeRecord
from rapport.contacts.schemas import BulkOut, CompanyOut, ContactOut
from rapport.core.api_types import ERRORS, StrictSchema
from rapport.core.ids import pk_or_404

router = Router(tags=["duplicates and merge"])

Side = Literal["survivor", "loser"]


class ContactBrief(Schema):
    id: int
    name: str
    email: str
    phone: str
    city: str
    version: int


class PairOut(Schema):
    first: ContactBrief
    second: ContactBrief
    score: int
    reasons: str


class PairPage(Schema):
    results: list[PairOut]
    next_offset: int | None


class ScanOut(Schema):
    id: int
    status: str
    phase: str
    percent: int
    pairs: int
    company_pairs: int
    seconds: float | None
    error: str


class MatchOut(Schema):
    contact: ContactBrief
    score: int
    reasons: str


class CheckQuery(Schema):
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    email: list[str] = Field(default_factory=list, max_length=10)
    phone: list[str] = Field(default_factory=list, max_length=10)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    exclude_id: int | None = None
    limit: int = Field(5, ge=1, le=20)


class DismissIn(StrictSchema):
    first_id: int
    second_id: int


class MergeChoices(StrictSchema):
    first_name: Side | None = None
    last_name: Side | None = None
    title: Side | None = None
    company: Side | None = None
    owner: Side | None = None
    lifecycle_stage: Side | None = None
    preferred_channel: Side | None = None
    street: Side | None = None
    city: Side | None = None
    region: Side | None = None
    postal_code: Side | None = None
    country: Side | None = None
    email: Side | None = None
    phone: Side | None = None


class MergeIn(StrictSchema):
    survivor_id: int
    loser_id: int
    choices: MergeChoices = Field(default_factory=MergeChoices)
    expected_versions: tuple[int, int] | None = Field(
        None, description="[survivor version, loser version] as read; a stale pair is refused."
    )


class MergeOut(Schema):
    id: int
    survivor_id: int
    loser_id: int
    moved: dict[str, int]
    merged_at: str
    undone_at: str | None


def _brief(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.full_name,
        "email": contact.email,
        "phone": contact.phone,
        "city": contact.city,
        "version": contact.version,
    }


def _scan_out(scan: DuplicateScan) -> dict[str, Any]:
    return {
        "id": scan.pk,
        "status": scan.status,
        "phase": scan.phase,
        "percent": scan.percent,
        "pairs": scan.pairs,
        "company_pairs": scan.company_pairs,
        "seconds": scan.seconds,
        "error": scan.error,
    }


def _merge_out(merge: MergeRecord | CompanyMergeRecord) -> dict[str, Any]:
    return {
        "id": merge.pk,
        "survivor_id": merge.survivor_id,
        "loser_id": merge.loser_id,
        "moved": {label: len(ids) for label, ids in merge.moved.items()},
        "merged_at": merge.merged_at.isoformat(),
        "undone_at": merge.undone_at.isoformat() if merge.undone_at else None,
    }


def _editable(model: type[Contact] | type[Company], user: Any, pk: Any, field: str) -> Any:
    """The contact or company `pk` if the user may change it; 404 naming the field otherwise."""
    found = model.objects.editable_by(user).filter(pk=pk_or_404(pk)).first()
    if found is None:
        raise Http404(f"No {model._meta.verbose_name} {pk} that you may change ({field}).")
    return found


def _pair_page(pairs: Any, brief: Any, limit: int, offset: int) -> dict[str, Any]:
    """One page of a scan's pairs (a queryset, best first), each side shown by `brief`."""
    rows = list(pairs[offset : offset + limit + 1])
    return {
        "results": [
            {"first": brief(p.first), "second": brief(p.second), "score": p.score, "reasons": p.reasons}
            for p in rows[:limit]
        ],
        "next_offset": offset + limit if len(rows) > limit else None,
    }


def _merge_record(
    record_model: type[MergeRecord] | type[CompanyMergeRecord],
    model: type[Contact] | type[Company],
    user: Any,
    merge_id: int,
) -> Any:
    """A merge the user may see: both of its records (trashed ones included) are ones they may change."""
    record = record_model.objects.filter(pk=pk_or_404(merge_id)).first()
    if (
        record is None
        or model.all_objects.editable_by(user).filter(pk__in=[record.survivor_id, record.loser_id]).count() != 2
    ):
        raise Http404("No such merge.")
    return record


def _merged(model: type[Contact] | type[Company], merge: Any, user: Any, payload: Any) -> Any:
    """Run `merge` (contact_merge or company_merge) for a MergeIn/CompanyMergeIn payload: 201 with the record."""
    survivor = _editable(model, user, payload.survivor_id, "survivor_id")
    loser = _editable(model, user, payload.loser_id, "loser_id")
    choices = {k: v for k, v in payload.choices.model_dump().items() if v is not None}
    record = merge(
        survivor=survivor, loser=loser, by=user, choices=choices, expected_versions=payload.expected_versions
    )
    return Status(201, _merge_out(record))


@router.get("/contact-duplicates", response={200: PairPage, **ERRORS}, summary="List likely duplicate pairs")
def list_pairs(
    request: HttpRequest, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)
) -> Any:
    """Pairs of the newest scan that you may merge, best score first, without dismissed pairs."""
    return _pair_page(duplicate_pairs_for(user=request.user), _brief, limit, offset)


@router.get(
    "/contact-duplicates/scan", response={200: ScanOut, **ERRORS}, summary="Status of the latest scan"
)
def scan_status(request: HttpRequest) -> Any:
    scan = latest_scan()
    if scan is None:
        raise Http404("No scan has run yet; start one with POST /contact-duplicates/scan.")
    return _scan_out(scan)


@router.post(
    "/contact-duplicates/scan", response={202: ScanOut, 200: ScanOut, **ERRORS}, summary="Start a scan"
)
def scan_start(request: HttpRequest) -> Any:
    """Scan all contacts; small databases finish within the request (200), large ones in the background (202)."""
    scan = duplicate_scan_start(by=request.user)
    return Status(200 if scan.status == DuplicateScan.Status.DONE else 202, _scan_out(scan))


@router.post(
    "/contact-duplicates/dismiss", response={204: None, **ERRORS}, summary="Mark a pair as not a duplicate"
)
def dismiss(request: HttpRequest, payload: DismissIn) -> Any:
    first = _editable(Contact, request.user, payload.first_id, "first_id")
    second = _editable(Contact, request.user, payload.second_id, "second_id")
    duplicate_dismiss(first=first, second=second, by=request.user)
    return Status(204, None)


@router.get(
    "/contact-duplicates/check",
    response={200: list[MatchOut], **ERRORS},
    summary="Possible duplicates of a contact being entered",
)
def check(request: HttpRequest, query: Query[CheckQuery]) -> Any:
    """Existing contacts you may see that are probably this person (by email, phone and name)."""
    matches = possible_duplicates(
        first_name=query.first_name,
        last_name=query.last_name,
        emails=query.email,
        phones=query.phone,
        city=query.city,
        country=query.country,
        exclude_id=query.exclude_id,
        user=request.user,
        limit=query.limit,
    )
    return [{"contact": _brief(c), "score": score, "reasons": reasons} for c, score, reasons in matches]


@router.post("/contact-merges", response={201: MergeOut, **ERRORS}, summary="Merge two contacts")
def merge(request: HttpRequest, payload: MergeIn) -> Any:
    """Merge `loser_id` into `survivor_id`: every related record is kept; the loser goes to the trash."""
    return _merged(Contact, contact_merge, request.user, payload)


@router.get("/contact-merges/{merge_id}", response={200: MergeOut, **ERRORS}, summary="Get a merge")
def merge_get(request: HttpRequest, merge_id: int) -> Any:
    return _merge_out(_merge_record(MergeRecord, Contact, request.user, merge_id))


@router.post("/contact-merges/{merge_id}/undo", response={200: MergeOut, **ERRORS}, summary="Undo a merge")
def merge_undo(request: HttpRequest, merge_id: int) -> Any:
    """Restore the merged-away contact and move back exactly the records the merge moved."""
    record = contact_merge_undo(merge=_merge_record(MergeRecord, Contact, request.user, merge_id), by=request.user)
    return _merge_out(record)


# ---------------------------------------------------------------- warnings returned by create


class DuplicateWarning(Schema):
    id: int
    name: str
    score: int
    reasons: str


POSSIBLE_DUPLICATES_HELP = (
    "Existing records that are probably the same (the new one is saved anyway); "
    "merge them with POST /contact-merges or /company-merges."
)


class ContactCreatedOut(ContactOut):
    possible_duplicates: list[DuplicateWarning] = Field(
        default_factory=list, description=POSSIBLE_DUPLICATES_HELP
    )


class CompanyCreatedOut(CompanyOut):
    possible_duplicates: list[DuplicateWarning] = Field(
        default_factory=list, description=POSSIBLE_DUPLICATES_HELP
    )


class ContactBulkCreatedItem(Schema):
    id: int
    possible_duplicates: list[DuplicateWarning] = Field(
        default_factory=list, description=POSSIBLE_DUPLICATES_HELP
    )


class ContactBulkCreatedOut(BulkOut):
    items: list[ContactBulkCreatedItem] = Field(
        default_factory=list,
        description="One per created contact, in the order sent: its id and the contacts you may see that are "
        "probably the same person (existing ones and other items of this request).",
    )


def _entered(contact: Contact) -> Entered:
    """A saved contact as the on-entry check compares it (its emails and phones prefetched or read)."""
    return Entered(
        first_name=contact.first_name,
        last_name=contact.last_name,
        emails=tuple(e.email for e in contact.emails.all()),
        phones=tuple(p.number for p in contact.phones.all()),
        company=contact.company.name if contact.company is not None else "",
        city=contact.city,
        country=contact.country,
        exclude_id=contact.pk,
    )


def contact_duplicate_warnings_many(contacts: Sequence[Contact], user: Any) -> list[list[dict[str, Any]]]:
    """Per contact just created, the contacts the user may see that are probably the same person.

    A fixed number of queries for up to ENTRY_BATCH contacts (possible_duplicates_many); contacts created
    together find each other too.
    """
    found = possible_duplicates_many([_entered(c) for c in contacts], user=user)
    return [
        [
            {"id": c.pk, "name": c.full_name, "score": score, "reasons": reasons}
            for c, score, reasons in matches
        ]
        for matches in found
    ]


def contact_duplicate_warnings(contact: Contact, user: Any) -> list[dict[str, Any]]:
    """Contacts the user may see that are probably the contact just created."""
    return contact_duplicate_warnings_many([contact], user)[0]


def company_duplicate_warnings(company: Company, user: Any) -> list[dict[str, Any]]:
    """Companies the user may see that are probably the company just created."""
    matches = possible_company_duplicates(
        name=company.name,
        domain=company.domain,
        phone=company.phone,
        city=company.city,
        country=company.country,
        exclude_id=company.pk,
        user=user,
    )
    return [{"id": c.pk, "name": c.name, "score": score, "reasons": reasons} for c, score, reasons in matches]


# ---------------------------------------------------------------- companies


class CompanyBrief(Schema):
    id: int
    name: str
    domain: str
    phone: str
    city: str
    country: str
    version: int


class CompanyPairOut(Schema):
    first: CompanyBrief
    second: CompanyBrief
    score: int
    reasons: str


class CompanyPairPage(Schema):
    results: list[CompanyPairOut]
    next_offset: int | None


class CompanyMatchOut(Schema):
    company: CompanyBrief
    score: int
    reasons: str


class CompanyCheckQuery(Schema):
    name: str = Field("", max_length=200)
    domain: str = Field("", max_length=253)
    phone: str = Field("", max_length=40)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    exclude_id: int | None = None
    limit: int = Field(5, ge=1, le=20)


class CompanyMergeChoices(StrictSchema):
    name: Side | None = None
    domain: Side | None = None
    industry: Side | None = None
    size: Side | None = None
    phone: Side | None = None
    street: Side | None = None
    city: Side | None = None
    region: Side | None = None
    postal_code: Side | None = None
    country: Side | None = None
    owner: Side | None = None
    parent: Side | None = None


class CompanyMergeIn(StrictSchema):
    survivor_id: int
    loser_id: int
    choices: CompanyMergeChoices = Field(default_factory=CompanyMergeChoices)
    expected_versions: tuple[int, int] | None = Field(
        None, description="[survivor version, loser version] as read; a stale pair is refused."
    )


def _company_brief(company: Company) -> dict[str, Any]:
    return {
        "id": company.pk,
        "name": company.name,
        "domain": company.domain,
        "phone": company.phone,
        "city": company.city,
        "country": company.country,
        "version": company.version,
    }


@router.get(
    "/company-duplicates",
    response={200: CompanyPairPage, **ERRORS},
    summary="List likely duplicate company pairs",
)
def list_company_pairs(
    request: HttpRequest, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)
) -> Any:
    """Company pairs of the newest scan (POST /contact-duplicates/scan scans both) that you may merge."""
    return _pair_page(company_pairs_for(user=request.user), _company_brief, limit, offset)


@router.post(
    "/company-duplicates/dismiss",
    response={204: None, **ERRORS},
    summary="Mark a company pair as not a duplicate",
)
def dismiss_companies(request: HttpRequest, payload: DismissIn) -> Any:
    first = _editable(Company, request.user, payload.first_id, "first_id")
    second = _editable(Company, request.user, payload.second_id, "second_id")
    company_duplicate_dismiss(first=first, second=second, by=request.user)
    return Status(204, None)


@router.get(
    "/company-duplicates/check",
    response={200: list[CompanyMatchOut], **ERRORS},
    summary="Possible duplicates of a company being entered",
)
def check_company(request: HttpRequest, query: Query[CompanyCheckQuery]) -> Any:
    """Existing companies you may see that are probably this one (by domain, phone and name)."""
    matches = possible_company_duplicates(
        name=query.name,
        domain=query.domain,
        phone=query.phone,
        city=query.city,
        country=query.country,
        exclude_id=query.exclude_id,
        user=request.user,
        limit=query.limit,
    )
    return [
        {"company": _company_brief(c), "score": score, "reasons": reasons} for c, score, reasons in matches
    ]


@router.post("/company-merges", response={201: MergeOut, **ERRORS}, summary="Merge two companies")
def merge_companies(request: HttpRequest, payload: CompanyMergeIn) -> Any:
    """Merge `loser_id` into `survivor_id`: people, deals, leads, orders, activities and history move over."""
    return _merged(Company, company_merge, request.user, payload)


@router.get("/company-merges/{merge_id}", response={200: MergeOut, **ERRORS}, summary="Get a company merge")
def company_merge_get(request: HttpRequest, merge_id: int) -> Any:
    return _merge_out(_merge_record(CompanyMergeRecord, Company, request.user, merge_id))


@router.post(
    "/company-merges/{merge_id}/undo", response={200: MergeOut, **ERRORS}, summary="Undo a company merge"
)
def company_merge_undo_endpoint(request: HttpRequest, merge_id: int) -> Any:
    """Restore the merged-away company and move back exactly the records the merge moved."""
    return _merge_out(company_merge_undo(merge=_merge_record(CompanyMergeRecord, Company, request.user, merge_id), by=request.user))
