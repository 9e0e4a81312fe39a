"""Export pages: any list as CSV or XLSX (with the list's filters), contacts as vCard, meetings as iCalendar,
and the vCard import page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.contacts.filters import ContactFilter
from rapport.contacts.selectors import contact_get, contact_list
from rapport.core.errors import NotAllowed
from rapport.imports.services.export import (
    ENTITIES,
    FORMATS,
    SPECS,
    csv_chunks,
    export_filename,
    export_table,
    meetings_ics,
    xlsx_tempfile,
)
from rapport.imports.services.vcard import VERSIONS, outcome_counts, vcard_import, vcard_of, vcard_stream

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_VCARD_UPLOAD = 20 * 1024 * 1024


def _error(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "imports/export/error.html", {"message": message}, status=status)


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def export_response(*, entity: str, fmt: str, user: Any, params: Any) -> HttpResponseBase:
    """A streamed CSV or an XLSX file of the list as the user sees it with these filters."""
    table = export_table(entity=entity, user=user, params=params)
    filename = export_filename(entity, fmt)
    if fmt == "xlsx":
        return FileResponse(xlsx_tempfile(table), as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response = StreamingHttpResponse(csv_chunks(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export_list(request: HttpRequest, entity: str, fmt: str) -> HttpResponseBase:
    """Download a list with the filters in the query string (the same ones as its list page)."""
    if fmt not in FORMATS:
        return _error(request, "Export as csv or xlsx.")
    try:
        return export_response(entity=entity, fmt=fmt, user=request.user, params=request.GET)
    except ValidationError as exc:
        return _error(request, f"The export could not start: {_messages(exc)} Change the filters and try again.")


@login_required
@require_GET
def export_contacts_vcard(request: HttpRequest) -> HttpResponseBase:
    """Download the contacts of the list (with its filters) as one .vcf file; ?version=4.0 for vCard 4."""
    version = request.GET.get("version") or "3.0"
    if version not in VERSIONS:
        return _error(request, "Choose vCard version 3.0 or 4.0.")
    try:
        contacts = contact_list(user=request.user, filters=ContactFilter.from_params(request.GET))
        body = vcard_stream(contacts, version)
    except ValidationError as exc:
        return _error(request, f"The export could not start: {_messages(exc)} Change the filters and try again.")
    response = StreamingHttpResponse(body, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename("contacts", "vcf")}"'
    return response


@login_required
@require_GET
def contact_vcard(request: HttpRequest, pk: int) -> HttpResponse:
    """Download one contact as a vCard (404 when the user may not see the contact)."""
    version = request.GET.get("version") or "3.0"
    if version not in VERSIONS:
        return _error(request, "Choose vCard version 3.0 or 4.0.")
    contact = contact_get(user=request.user, pk=pk)
    response = HttpResponse(vcard_of(contact, version), content_type="text/vcard; charset=utf-8")
    slug = "".join(ch if ch.isalnum() else "-" for ch in contact.full_name).strip("-")[:60] or f"contact-{pk}"
    response["Content-Disposition"] = f'attachment; filename="{slug}.vcf"'
    return response


@login_required
@require_GET
def export_meetings(request: HttpRequest) -> HttpResponse:
    """Download meetings as an .ics file: your own by default; owner=all, after, before, contact, company, deal."""
    try:
        body = meetings_ics(user=request.user, params=request.GET, base_url=request.build_absolute_uri("/"))
    except ValidationError as exc:
        return _error(request, f"The export could not start: {_messages(exc)}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="meetings.ics"'
    return response


@login_required
@require_GET
def export_home(request: HttpRequest) -> HttpResponse:
    """The Export page: every list in CSV or Excel, contacts as vCard, meetings as a calendar file."""
    lists = [{"entity": e, "label": SPECS[e].label} for e in ENTITIES]
    return render(request, "imports/export/home.html", {"lists": lists})


@login_required
def vcard_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a .vcf file; each card becomes a contact (or completes the one with the same email)."""
    context: dict[str, Any] = {"error": "", "outcomes": None}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "Choose a .vcf file exported from your phone, Outlook, Gmail or Apple Contacts."
        elif (upload.size or 0) > MAX_VCARD_UPLOAD:
            context["error"] = "The file is larger than 20 MB; split it into smaller files."
        else:
            try:
                outcomes = vcard_import(data=upload.read(), by=request.user)
            except ValidationError as exc:
                context["error"] = _messages(exc)
            except NotAllowed as exc:
                context["error"] = str(exc)
                status = 403
            else:
                context["outcomes"] = outcomes
                context["counts"] = outcome_counts(outcomes)
        if context["error"] and status == 200:
            status = 422
    return render(request, "imports/export/vcard_import.html", context, status=status)
