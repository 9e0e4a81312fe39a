"""Import API (/api/v1/imports/): upload a file, set the mapping, dry run, start, follow, undo, delete, rejected rows."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from rapport.core.api_types import ERRORS
from rapport.core.ids import pk_or_404
from rapport.imports.models import ImportJob
from rapport.imports.services.jobs import (
    checked_in_background,
    import_check_begin,
    import_dry_run,
    import_job_configure,
    import_job_create,
    import_job_delete,
    import_start,
    import_undo,
)
from rapport.imports.services.rejected import rejected_rows_download
from rapport.imports.services.value_maps import saved_value_map_apply, unknown_values, value_map_clean

router = Router(tags=["imports"])


class ImportJobOut(Schema):
    id: int
    original_name: str
    target: str
    status: str
    headers: list[str]
    mapping: dict[str, str]
    mode: str
    match_key: str
    total_rows: int | None
    next_row: int
    created_count: int
    updated_count: int
    skipped_count: int
    rejected_count: int
    percent: int
    error: str
    notes: list[str] = Field(default_factory=list, description="What the outcome says beyond the counts.")
    dry_run: dict[str, Any]


class ImportConfigureIn(Schema):
    mapping: dict[str, str] | None = None
    options: dict[str, Any] | None = None
    mode: str | None = None
    match_key: str | None = None


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    user: Any = request.user
    jobs = ImportJob.objects.all() if user.is_admin else ImportJob.objects.filter(created_by=user)
    job = jobs.filter(pk=pk_or_404(job_id)).first()
    if job is None:
        raise Http404
    return job


@router.get("/", response=list[ImportJobOut])
def list_imports(request: HttpRequest) -> Any:
    user: Any = request.user
    jobs = ImportJob.objects.all() if user.is_admin else ImportJob.objects.filter(created_by=user)
    return list(jobs[:100])


@router.post("/", response={201: ImportJobOut})
def create_import(request: HttpRequest, file: File[UploadedFile], target: Form[str] = "contacts") -> Any:
    """Upload a CSV or XLSX file; the answer has the headers and the suggested mapping."""
    job = import_job_create(by=request.user, file=file, name=file.name, target=target)
    return 201, saved_value_map_apply(job)


@router.get("/{job_id}", response=ImportJobOut)
def get_import(request: HttpRequest, job_id: int) -> Any:
    return _job(request, job_id)


@router.patch("/{job_id}", response=ImportJobOut)
def configure_import(request: HttpRequest, job_id: int, payload: ImportConfigureIn) -> Any:
    """Change mapping (column position -> field, "" to ignore), reader options, mode or match key.

    `options.value_map` maps the file's own choice values: {"lifecycle_stage": {"Kunde": "customer"}}.
    """
    job = _job(request, job_id)
    changes = payload.dict(exclude_none=True)
    if "value_map" in (changes.get("options") or {}):
        changes["options"]["value_map"] = value_map_clean(
            job.target, request.user, changes["options"]["value_map"]
        )
    return import_job_configure(job=job, by=request.user, **changes)


@router.post("/{job_id}/dry-run", response={200: ImportJobOut, 202: ImportJobOut})
def dry_run_import(request: HttpRequest, job_id: int) -> Any:
    """Check the whole file; `dry_run.unknown_values` lists the choice values to map (see options.value_map).

    A file over 20 MB is checked by the background worker: 202 with status "checking" (`percent`, and
    `dry_run.estimated_rows`, say how far); GET the import until its status is "checked" (the report) or
    "draft" again (`error` says why).
    """
    job = _job(request, job_id)
    if checked_in_background(job):
        return Status(202, import_check_begin(job=job, by=request.user))
    import_dry_run(job=job, by=request.user)
    unknown_values(job, request.user)
    return Status(200, job)


@router.post("/{job_id}/start", response={202: ImportJobOut})
def start_import(request: HttpRequest, job_id: int) -> Any:
    return 202, import_start(job=_job(request, job_id), by=request.user)


@router.post("/{job_id}/undo", response=dict[str, int])
def undo_import(request: HttpRequest, job_id: int) -> Any:
    return import_undo(job=_job(request, job_id), by=request.user)


@router.delete("/{job_id}", response={204: None, **ERRORS})
def delete_import(request: HttpRequest, job_id: int) -> Any:
    """Delete an import that never wrote a row, with its uploaded file; 409 for one that did (undo it instead)."""
    job = _job(request, job_id)
    try:
        import_job_delete(job=job, by=request.user)
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    return Status(204, None)


@router.get("/{job_id}/rejected.csv")
def rejected_import_rows(
    request: HttpRequest, job_id: int, format: Literal["original", "comma-utf8"] = "original"
) -> StreamingHttpResponse:
    """The rejected rows with their reasons: in the file's own delimiter and encoding, or comma-separated UTF-8."""
    download = rejected_rows_download(_job(request, job_id), format=format)
    response = StreamingHttpResponse(
        download.chunks, content_type=f"text/csv; charset={download.format.charset}"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"import-{job_id}-rejected.csv")
    return response
