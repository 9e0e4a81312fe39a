"""Export API (/api/v1/exports/): lists as CSV/XLSX with the list filters, contacts as vCard (out and in),
meetings as iCalendar."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from rapport.contacts.filters import ContactFilter
from rapport.contacts.selectors import contact_list
from rapport.imports.services.export import ENTITIES, FORMATS, meetings_ics
from rapport.imports.services.vcard import VERSIONS, outcome_counts, vcard_import, vcard_stream
from rapport.imports.views_export import MAX_VCARD_UPLOAD, export_response

router = Router(tags=["exports"])


class CardOutcomeOut(Schema):
    number: int
    label: str
    status: str
    message: str
    contact_id: int | None
    warnings: list[str]


class VcardImportOut(Schema):
    counts: dict[str, int]
    cards: list[CardOutcomeOut]


@router.get("/contacts.vcf", summary="Contacts as vCard (filters as on /contacts)")
def contacts_vcard(request: HttpRequest, version: str = "3.0") -> Any:
    if version not in VERSIONS:
        raise ValidationError({"version": ["Use vCard version 3.0 or 4.0."]})
    contacts = contact_list(user=request.user, filters=ContactFilter.from_params(request.GET))
    response = StreamingHttpResponse(vcard_stream(contacts, version), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    return response


@router.post("/contacts/vcard", response=VcardImportOut, summary="Import contacts from a vCard file")
def contacts_vcard_import(request: HttpRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008
    if file.size and file.size > MAX_VCARD_UPLOAD:
        raise ValidationError({"file": ["The file is larger than 20 MB; split it into smaller files."]})
    outcomes = vcard_import(data=file.read(), by=request.user)
    return {"counts": outcome_counts(outcomes), "cards": [o.__dict__ for o in outcomes]}


@router.get("/meetings.ics", summary="Meetings as iCalendar (yours; owner=all, after, before, contact, company, deal)")
def meetings(request: HttpRequest) -> Any:
    body = meetings_ics(user=request.user, params=request.GET, base_url=request.build_absolute_uri("/"))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@router.get("/{entity}", summary="A list as CSV or XLSX, with the same filters as its list endpoint")
def export_list(request: HttpRequest, entity: str, format: str = "csv") -> Any:  # noqa: A002 - API parameter name
    if entity not in ENTITIES:
        raise ValidationError({"entity": [f"Export one of: {', '.join(ENTITIES)}."]})
    if format not in FORMATS:
        raise ValidationError({"format": ["Use csv or xlsx."]})
    return export_response(entity=entity, fmt=format, user=request.user, params=request.GET)
