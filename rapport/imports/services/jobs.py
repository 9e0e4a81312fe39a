"""Import jobs: create from a file, dry run, run in batches with checkpoints (resumable), undo, rejected rows."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import os
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from rapport.core.errors import NotAllowed
from rapport.core.records import ensure_can_create
from rapport.imports.choices import JobStatus, MatchKey, Mode, Outcome, Target, match_keys_text
from rapport.imports.models import ImportBatch, ImportJob, ImportRow, SavedMapping
from rapport.imports.services import db
from rapport.imports.services.activities import ActivityImporter
from rapport.imports.services.companies import CompanyImporter
from rapport.imports.services.contacts import ContactImporter, PreparedRow, RejectedRow
from rapport.imports.services.deals import DealImporter
from rapport.imports.services.leads import LeadImporter
from rapport.imports.services.mapping import fields_for, header_key, mapping_suggest
from rapport.imports.services.orders import OrderImporter
from rapport.imports.services.rapport_ids import rapport_export_mapping
from rapport.imports.services.readers import (
    ForkedStream,
    RowReader,
    file_sniff,
    forked_stream_possible,
    header_and_sample,
    rows_estimate,
)
from rapport.imports.services.rejected import (
    REJECTED_COLUMNS,
    dry_run_rejected_path,
    older_rejected_delete,
    rejected_files,
    rejection_columns,
)
from rapport.imports.services.transforms import date_order_guess
from rapport.imports.services.value_maps import SAVED_KEY as SAVED_VALUE_MAP_KEY
from rapport.imports.services.values import country_code

# Rows per batch (one transaction with its checkpoint); larger batches amortise the per-batch work
# (matching queries, FTS/temporary-table statements, commit) without holding more than one batch.
BATCH_ROWS = 20000
# From this file size on, rows are transformed in a forked process (see transformed_rows).
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
HEARTBEAT_STALE = dt.timedelta(minutes=2)
# Files up to this size are checked (dry run) while the page or the API call waits: 20 MB is about 200,000
# rows, 10-20 s. Larger ones are checked by the background worker (import_check_begin), well inside the
# web server's 60 s request timeout either way.
SYNC_DRY_RUN_BYTES = 20 * 1024 * 1024
DRY_RUN_KEEP_REJECTIONS = 1000
DRY_RUN_KEEP_MATCHED = 200  # rows meeting existing records listed in the report (all are counted)
IMPORTERS: dict[str, Any] = {
    Target.CONTACTS: ContactImporter,
    Target.COMPANIES: CompanyImporter,
    Target.LEADS: LeadImporter,
    Target.DEALS: DealImporter,
    Target.ORDERS: OrderImporter,
    Target.ACTIVITIES: ActivityImporter,
}
# How each target can find existing records (the first is the default of a new job).
MATCH_KEYS: dict[str, tuple[str, ...]] = {
    Target.CONTACTS: (MatchKey.EMAIL, MatchKey.EXTERNAL_ID, MatchKey.RAPPORT_ID),
    **{target: cls.match_keys for target, cls in IMPORTERS.items() if target != Target.CONTACTS},
}
Progress = Callable[[ImportJob], None]
# Settings can change until the import starts; a change during a background check stops that check.
SETTABLE_STATUSES = (JobStatus.DRAFT, JobStatus.CHECKING, JobStatus.CHECKED)
logger = logging.getLogger(__name__)


def _importer(job: ImportJob, *, write: bool, batch_rows: int | None = None) -> Any:
    cls = IMPORTERS.get(job.target)
    if cls is None:
        raise ValidationError(f"Choose what to import: {', '.join(Target.values)}.")
    importer = cls(job=job, user=job.created_by, write=write)
    if batch_rows is not None and hasattr(importer, "batch_rows"):
        # Importers that keep groups of rows together (order lines) flush at group boundaries themselves.
        importer.batch_rows = batch_rows
    return importer


@transaction.atomic
def import_job_create(*, by: Any, file: Any, name: str | None = None, target: str = Target.CONTACTS,
                      options: dict[str, Any] | None = None) -> ImportJob:
    """Store an uploaded file, sniff format/encoding/delimiter, read the header and suggest a mapping."""
    ensure_can_create(by)
    if target not in Target.values:
        raise ValidationError({"target": [f"Choose what to import: {', '.join(Target.values)}."]})
    job = ImportJob(created_by=by, original_name=str(name or getattr(file, "name", None) or "import.csv")[-255:], target=target,
                    match_key=MATCH_KEYS[target][0])
    job.file.save(Path(str(job.original_name)).name or "import.csv", file if isinstance(file, File) else File(file),
                  save=False)
    job.file_size = job.file.size
    path = job.file.path
    try:
        info = file_sniff(path)
        job.options = {**info.as_options(), **(options or {})}
        headers, sample = header_and_sample(path, job.options)
        earlier = None if "encoding" in (options or {}) else _earlier_code_page(job, path)
        if earlier is not None:
            job.options["encoding"] = earlier
            headers, sample = header_and_sample(path, job.options)
    except ValidationError:
        job.file.delete(save=False)
        raise
    _set_header(job, headers, sample)
    job.save()
    return job


# The first columns of the rejected-rows file (rejected_rows_csv): never data, whatever the target.
# What an earlier import with the same columns passes on to the next file: the answers its user gave.
CARRIED_OPTIONS = ("value_map", "date_order", "decimal_comma", "default_country", "currency", "new_customers",
                   "new_products")
EARLIER_JOBS_LOOKED_AT = 50


def _columns_of(headers: list[str]) -> list[str]:
    """The data columns of a file: a rejected-rows file's after its Row and Reason."""
    return headers[len(REJECTED_COLUMNS):] if headers[: len(REJECTED_COLUMNS)] == REJECTED_COLUMNS else headers


def _earlier_like(job: ImportJob, headers: list[str]) -> ImportJob | None:
    """The newest import of the same target by the same person whose file had these columns (a rejected-rows
    file: the columns after its Row and Reason): its mapping and answers are the user's last word on them."""
    wanted = _columns_of(headers)
    earlier = ImportJob.objects.filter(created_by_id=job.created_by_id, target=job.target).exclude(pk=job.pk)
    for prior in earlier.order_by("-created_at", "-pk").only("pk", "headers", "mapping", "options", "original_name",
                                                             "mode", "match_key")[:EARLIER_JOBS_LOOKED_AT]:
        if prior.headers == wanted and prior.mapping:
            return prior
    return None


def _earlier_code_page(job: ImportJob, path: str) -> str | None:
    """The code page of this user's earlier import with the same columns, when the file's encoding was guessed as
    another code page: a short Windows-1252 file (its rejected rows, downloaded in its own encoding) passes for
    cp775 as well, and the earlier import was read as its user saw and confirmed it."""
    sniffed = str(job.options.get("encoding") or "")
    if job.options.get("format") == "xlsx" or not sniffed or sniffed.lower().startswith("utf"):
        return None
    earlier = ImportJob.objects.filter(created_by_id=job.created_by_id, target=job.target)
    read: dict[str, list[str] | None] = {}
    for prior in earlier.order_by("-created_at", "-pk").only("headers", "options")[:EARLIER_JOBS_LOOKED_AT]:
        encoding = str((prior.options or {}).get("encoding") or "")
        if not encoding or encoding == sniffed or encoding.lower().startswith("utf"):
            continue
        if encoding not in read:
            try:
                read[encoding] = header_and_sample(path, {**job.options, "encoding": encoding})[0]
            except (ValidationError, LookupError):
                read[encoding] = None
        headers = read[encoding]
        if headers is not None and prior.headers == _columns_of(headers):
            return encoding
    return None


def _set_header(job: ImportJob, headers: list[str], sample: list[list[str]]) -> None:
    job.headers = headers
    rejected_file = headers[: len(REJECTED_COLUMNS)] == REJECTED_COLUMNS
    offset = len(REJECTED_COLUMNS) if rejected_file else 0
    prior = _earlier_like(job, headers)
    job.options.pop("mapping_from", None)  # a file read again with other settings says anew where its mapping came from
    saved = SavedMapping.objects.filter(target=job.target).order_by("-created_at").first()
    saved_columns = saved.columns if saved and set(saved.columns) & {header_key(h) for h in headers} else None
    if prior is not None:
        # The same columns as an earlier import of this user's: take its mapping and answers, not a guess.
        fields = {f.key for f in fields_for(job.target, job.created_by)}
        job.mapping = {str(int(i) + offset): f for i, f in prior.mapping.items() if f in fields}
        for key in CARRIED_OPTIONS:
            if key in prior.options:
                job.options.setdefault(key, prior.options[key])
        job.mode, job.match_key = prior.mode, prior.match_key
        job.options["mapping_from"] = f"import #{prior.pk} ({prior.original_name})"
    else:
        job.mapping = mapping_suggest(job.target, headers, saved_columns, job.created_by)
        if rejected_file:
            job.mapping = {i: f for i, f in job.mapping.items() if int(i) >= offset}
        id_column = rapport_export_mapping(job.target, headers[offset:])
        if id_column is not None and MatchKey.RAPPORT_ID in MATCH_KEYS[job.target] and not saved_columns:
            # A Rapport export coming back (edited in a spreadsheet): its ID column finds the records it came from.
            job.mapping[str(offset + id_column)] = "rapport_id"
            job.match_key = MatchKey.RAPPORT_ID
        if saved_columns:
            job.options["mapping_from"] = f"the saved mapping “{saved.name}”" if saved else ""
        if saved_columns and saved_columns.get(SAVED_VALUE_MAP_KEY):
            # The saved mapping's answers for choice values ("Kunde" -> customer) come back with it.
            job.options.setdefault("value_map", saved_columns[SAVED_VALUE_MAP_KEY])
    date_fields = {"created_at", "expected_close_date", "ordered_at", "due_at", "done_at", "starts_at", "ends_at"}
    date_columns = [int(i) for i, f in job.mapping.items() if f in date_fields]
    # The date columns decide; if their samples cannot (03/04/2024 only), any other column of dates may
    # (a "Create Date" the suggestions did not map), so mapping it later reads it the right way round.
    others = [i for i in range(len(headers)) if i not in date_columns]
    job.options.setdefault("date_order", date_order_guess(
        [r[i] for r in sample for i in date_columns if i < len(r)], None
    ) or date_order_guess([r[i] for r in sample for i in others if i < len(r)], strict=True) or "DMY")
    job.options["sample"] = sample[:5]
    job.options.setdefault("default_country", _country_guess(job.mapping, sample) or settings.RAPPORT_DEFAULT_COUNTRY)


def _country_guess(mapping: dict[str, str], sample: list[list[str]]) -> str | None:
    """The country most of the sample rows name in a column mapped to Country: the default for phone numbers
    without a +code (a German export's "0151 2345678" is German), or None if no such column names one."""
    columns = [int(i) for i, f in mapping.items() if f == "country"]
    codes = [code for row in sample for i in columns if i < len(row)
             if (code := country_code(row[i])) and code in phonenumbers.SUPPORTED_REGIONS]
    return Counter(codes).most_common(1)[0][0] if codes else None


@transaction.atomic
def import_job_configure(*, job: ImportJob, by: Any, mapping: dict[str, str] | None = None,
                         options: dict[str, Any] | None = None, mode: str | None = None,
                         match_key: str | None = None, save_mapping_as: str = "") -> ImportJob:
    """Change reader options (sheet, delimiter, encoding…), mapping, mode or match key before running."""
    _ensure_owner(job, by)
    if job.status not in SETTABLE_STATUSES:
        raise ValidationError("This import has already started; start a new import to change its settings.")
    if options:
        reader_changed = any(k in options and options[k] != job.options.get(k) for k in ("sheet", "delimiter",
                                                                                           "encoding"))
        job.options = {**job.options, **options}
        if reader_changed:
            headers, sample = header_and_sample(job.file.path, job.options)
            _set_header(job, headers, sample)
    if mapping is not None:
        clean = {}
        for index, field in mapping.items():
            if not str(index).isdigit() or int(index) >= len(job.headers):
                raise ValidationError({"mapping": [f"There is no column {index} in this file."]})
            if field:
                clean[str(int(index))] = field
        used = [f for f in clean.values()]
        repeated = sorted({f for f in used if used.count(f) > 1})
        if repeated:
            raise ValidationError({"mapping": [f"Each field can take one column; {', '.join(repeated)} is chosen twice."]})
        job.mapping = clean
    if mode is not None:
        if mode not in Mode.values:
            raise ValidationError({"mode": [f"Mode must be one of {', '.join(Mode.values)}."]})
        job.mode = mode
    if match_key is not None:
        if match_key not in MATCH_KEYS[job.target]:
            ways = match_keys_text(MATCH_KEYS[job.target])
            raise ValidationError({"match_key": [f"Match {job.get_target_display().lower()} by {ways}."]})
        job.match_key = match_key
    _importer(job, write=False)  # refuses mappings that cannot work (no name or email column, …)
    job.status = JobStatus.DRAFT
    job.dry_run = {}
    job.next_row = 0
    job.save()
    # A check still running for the earlier settings stops at its next batch and keeps nothing.
    _settings_changed(job)
    if save_mapping_as:
        columns: dict[str, Any] = {header_key(job.headers[int(i)]): f for i, f in job.mapping.items()}
        if job.options.get("value_map"):
            columns[SAVED_VALUE_MAP_KEY] = job.options["value_map"]
        SavedMapping.objects.update_or_create(
            target=job.target, name=save_mapping_as[:100], defaults={"columns": columns, "created_by": by},
        )
    return job


def _settings_changed(job: ImportJob) -> int:
    """Raise the job's settings version and return it: any dry run started before no longer counts, and the
    rejected rows it found (a file named by its version, dry_run_rejected_path) are no longer served."""
    ImportJob.objects.filter(pk=job.pk).update(settings_version=F("settings_version") + 1)
    job.settings_version = ImportJob.objects.filter(pk=job.pk).values_list("settings_version", flat=True).first() or 0
    return job.settings_version


class CheckSuperseded(ValidationError):
    """The dry run's settings were changed, or the check was stopped, while it read the file."""


CHANGED_WHILE_CHECKING = ("The settings of this import were changed (or its check was stopped) while the file was "
                          "being checked; the report of that check was dropped. Check the file again.")


@transaction.atomic
def import_check_begin(*, job: ImportJob, by: Any) -> ImportJob:
    """Check the whole file in the background (large files): the page follows it with a progress bar."""
    _ensure_owner(job, by)
    if job.status not in SETTABLE_STATUSES:
        raise ValidationError("This import has already started; its file was checked before it did.")
    _importer(job, write=False)
    version = _settings_changed(job)
    estimate = rows_estimate(job.file.path, job.options)
    job.status = JobStatus.CHECKING
    job.dry_run = {"estimated_rows": estimate} if estimate else {}
    job.next_row = 0
    job.error = ""
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "dry_run", "next_row", "error", "heartbeat_at"])
    from rapport.imports.tasks import import_dry_run_task

    transaction.on_commit(lambda: import_dry_run_task.enqueue(job.pk, version))
    return job


def import_check_stop(*, job: ImportJob, by: Any) -> ImportJob:
    """Stop a background check and go back to the settings (the check stops at its next batch)."""
    _ensure_owner(job, by)
    with transaction.atomic():
        if ImportJob.objects.filter(pk=job.pk, status=JobStatus.CHECKING).update(status=JobStatus.DRAFT,
                                                                                  dry_run={}, next_row=0):
            _settings_changed(job)
    job.refresh_from_db()
    return job


def checked_in_background(job: ImportJob) -> bool:
    """Whether this job's file is large enough to be checked by the background worker (SYNC_DRY_RUN_BYTES)."""
    return (job.file_size or 0) > SYNC_DRY_RUN_BYTES


def check_stalled(job: ImportJob, now: dt.datetime | None = None) -> bool:
    """A background check that has not moved for HEARTBEAT_STALE: the worker is busy, stopped or restarted."""
    if job.status != JobStatus.CHECKING or job.heartbeat_at is None:
        return False
    return (now or timezone.now()) - job.heartbeat_at > HEARTBEAT_STALE


def _ensure_owner(job: ImportJob, by: Any) -> None:
    if job.created_by_id != by.pk and not by.is_admin:
        raise NotAllowed("Only the person who started this import (or an administrator) can change it.")


@contextmanager
def transformed_rows(job: ImportJob, importer: Any, start_after: int) -> Iterator[Iterator[Any]]:
    """The importer's transform of every data row after `start_after`, in file order.

    Importers that declare `transform_in_worker = True` (their transform reads no database) get it run
    in a forked process on the second core for files from PARALLEL_MIN_BYTES on, while this process
    matches and writes; other importers and small files transform here.
    """
    size = job.file_size or 0

    def produce() -> Generator[Any, None, None]:
        with RowReader(job.file.path, job.options) as reader:
            for number, cells in _data_rows(reader, start_after):
                yield importer.transform(number, cells)

    if getattr(importer, "transform_in_worker", False) and size >= PARALLEL_MIN_BYTES and forked_stream_possible():
        with ForkedStream(produce) as stream:
            yield iter(stream)
        return
    rows = produce()
    try:
        yield rows
    finally:
        rows.close()


def file_rows(job: ImportJob) -> Iterator[tuple[int, list[str]]]:
    """(file row number, cells) of every data row of the job's file, read with its settings."""
    with RowReader(job.file.path, job.options) as reader:
        yield from _data_rows(reader, 0)


def _data_rows(reader: RowReader, start_after: int) -> Iterator[tuple[int, list[str]]]:
    """(file row number, cells) of non-blank rows after the header, skipping rows up to `start_after`."""
    header_seen = False
    for number, cells in enumerate(reader.rows(), start=1):
        if not header_seen:
            if any(c.strip() for c in cells):
                header_seen = True
            continue
        if number <= start_after or not any(c.strip() for c in cells):
            continue
        yield number, cells


def import_dry_run(*, job: ImportJob, by: Any, progress: Progress | None = None,
                   version: int | None = None) -> dict[str, Any]:
    """Go through the whole file without writing: counts per outcome, sample rows, every rejection's reason.

    A check in the background passes the settings version it was started for (import_check_begin); one run
    here and now starts a version of its own. Either keeps its report only if no change of settings, stopped
    check or later dry run came in between (CheckSuperseded otherwise); a background check finds that out at
    every batch, where it also beats its heartbeat, and stops there.
    """
    _ensure_owner(job, by)
    importer = _importer(job, write=False)
    background = version is not None
    if version is None:
        version = _settings_changed(job)
    still_current = ImportJob.objects.filter(pk=job.pk, settings_version=version, status__in=SETTABLE_STATUSES)
    report: dict[str, Any] = {"rows": 0, "created": 0, "updated": 0, "skipped": 0, "rejected": 0, "samples": [],
                              "rejections": [], "rejections_by_column": {}, "matched": []}
    # Every rejected row with its reason goes to a file next to the upload (the report keeps the first
    # DRY_RUN_KEEP_REJECTIONS), so the user can download and fix all of them before the real run.
    rejected_path = dry_run_rejected_path(job, version)
    # Written aside and moved into place with the report, so that a check dropped half-way (or one of earlier
    # settings finishing late) never leaves its rows where the download looks.
    writing = rejected_path.with_name(f"{rejected_path.name}.{version}.part") if rejected_path else None
    rejected_file = writing.open("w", encoding="utf-8", newline="") if writing else None
    rejected_writer = csv.writer(rejected_file) if rejected_file else None
    labels = set(job.headers) - {""}

    def flush() -> None:
        batch = importer.take_batch()
        if not batch:
            return
        result = importer.process(batch)
        if rejected_writer is not None and result.rejections:
            cells = {item.row_number: item.cells for item in batch if getattr(item, "cells", None)}
            rejected_writer.writerows([number, reason, *cells.get(number, [])] for number, reason in result.rejections)
        for key in ("created", "updated", "skipped", "rejected"):
            report[key] += getattr(result, key)
        for made in ("new_contacts", "new_products", "new_companies", "parents_later"):
            if getattr(result, made):
                report[made] = report.get(made, 0) + getattr(result, made)
        report["rows"] += len(batch)
        if len(report["samples"]) < 5:
            report["samples"].extend(result.samples[: 5 - len(report["samples"])])
        room = DRY_RUN_KEEP_MATCHED - len(report["matched"])
        if room > 0:
            report["matched"].extend(result.matched[:room])
        by_column = report["rejections_by_column"]
        for row_number, reason in result.rejections:
            for column in rejection_columns(reason, labels):
                by_column[column] = by_column.get(column, 0) + 1
            if len(report["rejections"]) < DRY_RUN_KEEP_REJECTIONS:
                report["rejections"].append({"row": row_number, "reason": reason})

    last = 0
    try:
        with transformed_rows(job, importer, 0) as items:
            for item in items:
                importer.add(item, flush)
                last = item.row_number
                if importer.pending >= BATCH_ROWS:
                    flush()
                    job.next_row = last
                    if background and not still_current.update(next_row=last, heartbeat_at=timezone.now()):
                        raise _superseded(job)
                    if progress:
                        progress(job)
            flush()
        notes = importer.finish()
        if notes:
            report["notes"] = notes
        if rejected_file is not None:
            rejected_file.close()
            rejected_file = None
        if report["rows"] == 0:
            raise ValidationError(
                "The file has a header but no data rows; add rows under the header and upload it again.")
        job.total_rows = report["rows"]
        job.dry_run = report
        job.status = JobStatus.CHECKED
        job.next_row = 0
        # A conditional UPDATE, not save(): the job may have been deleted, its settings changed or its check
        # stopped while the file was read. The file moves into place in the same transaction's wake.
        with transaction.atomic():
            if not still_current.update(total_rows=job.total_rows, dry_run=report, status=job.status, next_row=0):
                raise _superseded(job)
            if writing is not None and rejected_path is not None:
                os.replace(writing, rejected_path)
                writing = None
        older_rejected_delete(job, keep=rejected_path)
    finally:
        if rejected_file is not None:
            rejected_file.close()
        if writing is not None:
            writing.unlink(missing_ok=True)
        importer.memory.close()
    return report


def _superseded(job: ImportJob) -> ValidationError:
    if not ImportJob.objects.filter(pk=job.pk).exists():
        return ValidationError("This import was deleted while its file was being checked.")
    return CheckSuperseded(CHANGED_WHILE_CHECKING)


@transaction.atomic
def import_start(*, job: ImportJob, by: Any) -> ImportJob:
    """Queue the import for the background worker (after the dry run)."""
    _ensure_owner(job, by)
    _importer(job, write=False)
    updated = ImportJob.objects.filter(pk=job.pk, status__in=[JobStatus.DRAFT, JobStatus.CHECKED]).update(
        status=JobStatus.QUEUED)
    if not updated:
        if ImportJob.objects.filter(pk=job.pk, status=JobStatus.CHECKING).exists():
            raise ValidationError("The file is still being checked; start the import when the dry run's report is "
                                  "ready, or stop the check.")
        raise ValidationError("This import has already been started.")
    job.refresh_from_db()
    from rapport.imports.tasks import import_run_task

    transaction.on_commit(lambda: import_run_task.enqueue(job.pk))
    return job


def _claim(job_id: int) -> ImportJob | None:
    """Take the job for this process: queued, failed, or running with a heartbeat older than two minutes."""
    now = timezone.now()
    claimable = Q(status__in=[JobStatus.QUEUED, JobStatus.DRAFT, JobStatus.CHECKED, JobStatus.FAILED]) | Q(
        status=JobStatus.RUNNING, heartbeat_at__lt=now - HEARTBEAT_STALE)
    updated = ImportJob.objects.filter(claimable, pk=job_id).update(status=JobStatus.RUNNING, heartbeat_at=now,
                                                                   error="")
    if not updated:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.started_at is None:
        job.started_at = now
        job.save(update_fields=["started_at"])
    return job


def import_run(job_id: int, *, progress: Progress | None = None, batch_rows: int = BATCH_ROWS,
               stop_after_batches: int | None = None) -> ImportJob:
    """Import the file in batches; each batch commits with the checkpoint, so a rerun resumes with no row twice.

    `stop_after_batches` simulates a crash (tests and benchmarks).
    """
    job = _claim(job_id)
    if job is None:
        current = ImportJob.objects.filter(pk=job_id).first()
        if current is None:  # deleted while it waited for the worker (import_job_delete)
            raise ValidationError("This import was deleted before it started.")
        if current.status == JobStatus.RUNNING:
            raise ValidationError("This import is already running.")
        return current
    try:
        importer = _importer(job, write=True, batch_rows=batch_rows)
        batches = 0

        def flush() -> None:
            nonlocal batches
            batch = importer.take_batch()
            if not batch:
                return
            with transaction.atomic():
                db.batch_transaction_begin()
                result = importer.process(batch)
                first = batch[0].row_number
                last = batch[-1].row_number
                ImportBatch.objects.create(job=job, first_row=first, last_row=last,
                                           created_ranges=result.created_ranges, links=result.links)
                moved = ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                    next_row=last, created_count=job.created_count + result.created,
                    updated_count=job.updated_count + result.updated,
                    skipped_count=job.skipped_count + result.skipped,
                    rejected_count=job.rejected_count + result.rejected, heartbeat_at=timezone.now())
                if not moved:
                    raise ValidationError("This import was stopped by someone else.")
            job.next_row = last
            job.created_count += result.created
            job.updated_count += result.updated
            job.skipped_count += result.skipped
            job.rejected_count += result.rejected
            batches += 1
            if progress:
                progress(job)
            if stop_after_batches is not None and batches >= stop_after_batches:
                raise _SimulatedCrash

        with db.bulk_session(), transformed_rows(job, importer, job.next_row) as items:
            for item in items:
                importer.add(item, flush)
                if importer.pending >= batch_rows:
                    flush()
            flush()
            with transaction.atomic():
                notes = importer.finish()
                ImportJob.objects.filter(pk=job.pk).update(notes=notes)
    except _SimulatedCrash:
        job.refresh_from_db()
        return job
    except ValidationError as exc:
        _fail(job, " ".join(exc.messages))
        if job.processed_count and job.pk is not None:
            # A file-level problem found mid-way (unreadable row): leave nothing half-imported.
            import_undo(job=ImportJob.objects.get(pk=job.pk), by=job.created_by, status=JobStatus.FAILED)
        raise
    except Exception as exc:
        _fail(job, f"The import stopped unexpectedly ({exc.__class__.__name__}); resume it to continue where it "
                   "stopped.")
        raise
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now(),
                                               total_rows=job.processed_count)
    job.refresh_from_db()
    if progress:
        progress(job)
    return job


class _SimulatedCrash(Exception):
    pass


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=message[:2000])


# ---------------------------------------------------------------- undo

def _restore_updated(job: ImportJob, by: Any) -> int:
    from rapport.contacts.models import Contact
    from rapport.search.services import search_index_put

    restored = 0
    rows = ImportRow.objects.filter(job=job, outcome=Outcome.UPDATED).order_by("-row_number")
    for row in rows.iterator(chunk_size=2000):
        before = dict(row.before)
        cid = row.object_id
        if cid is None:
            continue
        added_emails = before.pop("added_emails", [])
        added_phones = before.pop("added_phones", [])
        added_tags = before.pop("added_tags", [])
        before.pop("version", None)
        if added_emails:
            db.exec_in("DELETE FROM contacts_contactemail WHERE contact_id = %s AND email IN ({})",
                        added_emails, [cid])
        if added_phones:
            db.exec_in("DELETE FROM contacts_contactphone WHERE contact_id = %s AND number IN ({})",
                        added_phones, [cid])
        if added_tags:
            db.exec_in("DELETE FROM contacts_contact_tags WHERE contact_id = %s AND tag_id IN ({})",
                        added_tags, [cid])
        if before:
            values = {k: (db.db_json(v) if k == "custom" else v) for k, v in before.items()}
            sets = ", ".join(f"{k} = %s" for k in values)
            db.query_exec(f"UPDATE contacts_contact SET {sets}, version = version + 1, updated_at = %s WHERE id = %s",
                          [*values.values(), db.db_time(timezone.now()), cid])
        contact = Contact.all_objects.filter(pk=cid).first()
        if contact is not None:
            search_index_put("contact", contact)
            from rapport.activities.timeline import timeline_record

            timeline_record(kind="updated", summary=f"Changes of import #{job.pk} undone", actor=by,
                            data={"import": job.pk, "restored": before}, contact=contact)
        restored += 1
    return restored


def import_undo(*, job: ImportJob, by: Any, status: str = JobStatus.UNDONE) -> dict[str, int]:
    """Delete what the import created (records used since go to the trash) and restore what it updated."""
    from rapport.imports.services.undo import (
        TARGET_KINDS,
        created_delete,
        deal_totals_apply,
        lifecycle_restore,
        updated_restore,
    )

    _ensure_owner(job, by)
    if job.status == JobStatus.UNDONE:
        raise ValidationError("This import has already been undone.")
    if job.status in (JobStatus.RUNNING, JobStatus.QUEUED) and status == JobStatus.UNDONE:
        raise ValidationError("This import is still running; wait until it finishes, then undo it.")
    now = db.db_time(timezone.now())
    summary = {"deleted": 0, "trashed": 0, "restored": 0}
    with transaction.atomic():
        batches = list(ImportBatch.objects.filter(job=job).order_by("-first_row"))
        ranges: dict[str, list[list[int]]] = {}
        for batch in batches:
            for kind, runs in batch.created_ranges.items():
                ranges.setdefault(kind, []).extend(runs)
        kind = TARGET_KINDS[job.target]
        customers: set[int] = set()
        with deal_totals_apply(job, ranges):
            if job.target == Target.CONTACTS:
                summary["restored"] = _restore_updated(job, by)
            else:
                summary["restored"], customers = updated_restore(job, by, kind)
            lifecycle_restore(ranges)
            deleted = created_delete(ranges, by, now)
        summary["deleted"], summary["trashed"] = deleted["deleted"], deleted["trashed"]
        customers |= deleted["customers"]
        if customers:
            from rapport.analytics.services.summary import purchase_summary_apply

            purchase_summary_apply(contact_ids=sorted(customers))
        ImportJob.objects.filter(pk=job.pk).update(status=status, undone_at=timezone.now())
    job.refresh_from_db()
    return summary


# ---------------------------------------------------------------- delete

# Statuses in which a job may not have written anything yet; its counters say whether it did (they are committed
# with each batch, in the same transaction).
UNWRITTEN_STATUSES = (JobStatus.DRAFT, JobStatus.CHECKING, JobStatus.CHECKED, JobStatus.QUEUED, JobStatus.FAILED)


WROTE_ROWS = ("This import has written rows, so it cannot be deleted: undo it instead, which takes back what it "
              "created and changed (undo needs the import and its rows).")


def import_job_delete_refusal(job: ImportJob) -> str:
    """Why this import cannot be deleted, in a sentence ("" when it can: it never wrote a row)."""
    if job.status == JobStatus.RUNNING:
        return "This import is running; wait until it finishes, then undo it if you do not want what it imported."
    if job.status == JobStatus.UNDONE:
        return ("This import wrote records and was undone; it stays in the list as the record of what was imported "
                "and taken back.")
    # A dry run counts its progress in next_row too, so only a queued or failed job's checkpoint means rows.
    resumed = job.next_row > 0 and job.status in (JobStatus.QUEUED, JobStatus.FAILED)
    if job.status not in UNWRITTEN_STATUSES or job.processed_count or resumed:
        return WROTE_ROWS
    return ""


def import_job_delete(*, job: ImportJob, by: Any) -> None:
    """Delete an import that never wrote a row: the job, its row outcomes and its uploaded file."""
    _ensure_owner(job, by)
    with transaction.atomic():
        # The lock makes a worker claiming the job wait (it then finds nothing to claim); on SQLite the
        # transaction's write lock does the same.
        current = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
        if current is None:
            return  # deleted already (a second click)
        refusal = import_job_delete_refusal(current)
        if not refusal and ImportBatch.objects.filter(job=current).exists():
            refusal = WROTE_ROWS
        if refusal:
            raise ValidationError(refusal)
        storage, name, rejected = current.file.storage, str(current.file.name or ""), rejected_files(current)
        ImportRow.objects.filter(job=current).delete()
        current.delete()
        # Files go once the rows are gone for good: a rolled-back delete keeps the import usable.
        transaction.on_commit(lambda: _stored_files_delete(storage, name, rejected))


def _stored_files_delete(storage: Any, name: str, rejected: list[Path]) -> None:
    try:
        if name:
            storage.delete(name)
        for path in rejected:
            path.unlink(missing_ok=True)
    except OSError as exc:  # the job is gone; a file left behind is logged, not a failed request
        logger.warning("The uploaded file %s of a deleted import could not be removed: %s", name, exc)


__all__ = ["PreparedRow", "RejectedRow", "import_dry_run", "import_job_configure", "import_job_create",
           "import_job_delete", "import_job_delete_refusal", "import_run", "import_start", "import_undo"]
