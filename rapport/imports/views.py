"""Import wizard pages: upload → settings and mapping → dry run report → run with progress → outcome and undo."""

from __future__ import annotations

import codecs
import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from rapport.core.errors import NotAllowed
from rapport.core.ids import pk_or_404
from rapport.imports.choices import JobStatus, MatchKey, Mode, Outcome, Target
from rapport.imports.models import ImportBatch, ImportJob, ImportRow, SavedMapping
from rapport.imports.services.jobs import (
    IMPORTERS,
    MATCH_KEYS,
    check_stalled,
    checked_in_background,
    import_check_begin,
    import_check_stop,
    import_dry_run,
    import_job_configure,
    import_job_create,
    import_job_delete,
    import_job_delete_refusal,
    import_start,
    import_undo,
)
from rapport.imports.services.mapping import fields_for
from rapport.imports.services.rejected import RejectedFormat, rejected_rows_download, rejected_rows_format
from rapport.imports.services.value_maps import (
    choice_fields,
    saved_value_map_apply,
    saved_value_map_store,
    unknown_values,
    unknown_values_kept,
    value_map_answer,
)
from rapport.sales.services.orders import catalogue_editable_by

# Statuses whose page follows the work in the background with a progress bar.
FOLLOWED_STATUSES = (JobStatus.CHECKING, JobStatus.QUEUED, JobStatus.RUNNING)
MAX_ANSWERS = 2000  # value-map answers read from one form (50 values per column, a few columns)
AVAILABLE_TARGETS = list(Target.choices)
# What the records of each target are called in the wizard's sentences.
TARGET_NOUNS: dict[str, tuple[str, str]] = {
    Target.CONTACTS: ("contact", "contacts"),
    Target.COMPANIES: ("company", "companies"),
    Target.LEADS: ("lead", "leads"),
    Target.DEALS: ("deal", "deals"),
    Target.ORDERS: ("order", "orders"),
    Target.ACTIVITIES: ("activity", "activities"),
}
CURRENCY_TARGETS = {Target.DEALS, Target.ORDERS}
COUNTRIES = [
    *("US", "GB", "DE", "FR", "ES", "IT", "NL", "AT", "CH", "BE", "PT", "PL"),
    *("SE", "DK", "NO", "FI", "IE", "CA", "AU", "BR", "MX", "IN", "JP"),
]


# The encodings the settings form offers (posted as Python codec names), and what people call them. Detected
# encodings outside the list (the detector's cp1257, mac_roman …) are shown by ENCODING_LABELS' name too.
ENCODINGS_OFFERED = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "cp1250", "latin-1"]
ENCODING_LABELS = {  # by codecs.lookup(name).name
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 little-endian (no BOM)", "utf-16-be": "UTF-16 big-endian (no BOM)", "utf-32": "UTF-32",
    "ascii": "ASCII", "cp1252": "Windows-1252 (Western European)", "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)", "cp1253": "Windows-1253 (Greek)", "cp1254": "Windows-1254 (Turkish)",
    "cp1255": "Windows-1255 (Hebrew)", "cp1256": "Windows-1256 (Arabic)", "cp1257": "Windows-1257 (Baltic)",
    "cp1258": "Windows-1258 (Vietnamese)", "iso8859-1": "Latin-1 (ISO 8859-1)",
    "iso8859-2": "Latin-2 (ISO 8859-2, Central European)", "iso8859-5": "ISO 8859-5 (Cyrillic)",
    "iso8859-7": "ISO 8859-7 (Greek)", "iso8859-9": "Latin-5 (ISO 8859-9, Turkish)",
    "iso8859-15": "Latin-9 (ISO 8859-15, Western European with €)", "mac-roman": "Mac OS Roman",
    "mac-latin2": "Mac OS Central European", "mac-cyrillic": "Mac OS Cyrillic", "cp437": "DOS (code page 437)",
    "cp850": "DOS Western European (code page 850)", "cp852": "DOS Central European (code page 852)",
    "cp775": "DOS Baltic (code page 775)", "cp866": "DOS Cyrillic (code page 866)", "koi8-r": "KOI8-R (Russian)",
    "koi8-u": "KOI8-U (Ukrainian)", "shift_jis": "Shift JIS (Japanese)", "cp932": "Windows-31J (Japanese)",
    "euc_jp": "EUC-JP (Japanese)", "gb2312": "GB2312 (Simplified Chinese)", "gbk": "GBK (Simplified Chinese)",
    "gb18030": "GB18030 (Chinese)", "big5": "Big5 (Traditional Chinese)", "euc_kr": "EUC-KR (Korean)",
    "cp949": "Windows-949 (Korean)",
}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def encoding_label(name: str) -> str:
    """What people call an encoding: "Windows-1252 (Western European)" for "cp1252"; unknown ones by their name."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return ENCODING_LABELS.get(canonical, canonical.upper().replace("_", "-"))


def _encoding_choices(current: str) -> list[dict[str, Any]]:
    """The encoding select's options: the job's own first (marked detected), then the others, each once."""
    def canonical(name: str) -> str:
        try:
            return codecs.lookup(name).name
        except LookupError:
            return name

    choices = [{"value": current, "label": f"{encoding_label(current)} (detected)", "selected": True}] if current else []
    seen = {canonical(current)} if current else set()
    for name in ENCODINGS_OFFERED:
        if canonical(name) not in seen:
            seen.add(canonical(name))
            choices.append({"value": name, "label": encoding_label(name), "selected": False})
    return choices


def format_label(download: RejectedFormat) -> str:
    """A download's format in words: "semicolon-separated, Windows-1252 (Western European)"."""
    delimiter = DELIMITER_NAMES.get(download.delimiter, repr(download.delimiter))
    encoding = "UTF-8" if download.encoding == "utf-8" else encoding_label(download.encoding)
    if download.encoding.startswith("utf-16"):
        encoding = "UTF-16"
    return f"{delimiter}-separated, {encoding}"


def _rejected_downloads(job: ImportJob) -> list[dict[str, Any]]:
    """The links of the rejected-rows download: as the file was, and comma-separated UTF-8 when that differs."""
    own, plain = rejected_rows_format(job), rejected_rows_format(job, "comma-utf8")
    links = [{"label": format_label(own), "query": "", "as_file": job.options.get("format") != "xlsx"}]
    if own != plain:
        links.append({"label": format_label(plain), "query": "?format=comma-utf8", "as_file": False})
    return links


def _jobs_of(user: Any) -> Any:
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if user.is_admin else jobs.filter(created_by=user)


def _job_or_404(request: HttpRequest, pk: Any) -> ImportJob:
    job = _jobs_of(request.user).filter(pk=pk_or_404(pk)).first()
    if job is None:
        raise Http404("No such import.")
    return job


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """The imports page: upload a new file, see earlier imports."""
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a CSV or XLSX file to import."
        else:
            try:
                job = import_job_create(
                    by=request.user,
                    file=upload,
                    name=upload.name,
                    target=request.POST.get("target") or Target.CONTACTS,
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            except NotAllowed as exc:
                error = str(exc)
            else:
                saved_value_map_apply(job)
                return redirect("import-detail", pk=job.pk)
    jobs = list(_jobs_of(request.user)[:50])
    deletable = {job.pk for job in jobs if not import_job_delete_refusal(job)}
    target = request.POST.get("target") or request.GET.get("target") or Target.CONTACTS
    return render(
        request,
        "imports/import_list.html",
        {"jobs": jobs, "deletable": deletable, "error": error, "targets": AVAILABLE_TARGETS, "target": target},
        status=422 if error else 200,
    )


def _mapping_rows(job: ImportJob) -> list[dict[str, Any]]:
    sample = job.options.get("sample") or []
    rows = []
    for index, header in enumerate(job.headers):
        values = [r[index] for r in sample if index < len(r) and r[index].strip()][:3]
        rows.append(
            {
                "index": index,
                "header": header or f"Column {index + 1}",
                "samples": values,
                "field": job.mapping.get(str(index), ""),
            }
        )
    return rows


# Keys the importers' dry-run samples use besides the mapped fields' own (rapport/imports/services).
SAMPLE_LABELS = {"emails": "Email", "phones": "Phone", "company": "Company", "contact": "Contact",
                 "customer": "Customer", "owner": "Owner", "lines": "Lines", "total": "Total", "deal": "Deal",
                 "product": "Product", "lead": "Lead"}


def _sample_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_sample_text(v) for v in value if v not in (None, ""))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 16 and value[10:11] == "T" and value[:4].isdigit():
        try:  # a date and time as the dry run keeps it (ISO): "2 Mar 2024, 10:14", in the file's own time
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{moment.day} {moment:%b %Y, %H:%M}"
    return "" if value is None else str(value)


def _readable_samples(samples: list[dict[str, Any]], fields: list[Any],
                      choices: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The dry run's example rows as (label, text) pairs a rep can read: "Email anais@…", not "emails ['anais@…']",
    and a choice by its label ("Customer", not "customer"); `choices` are the target's choice fields by key."""
    labels = {f.key: f.label for f in fields} | SAMPLE_LABELS
    choice_labels = {key: dict(field.choices) for key, field in (choices or {}).items()}

    def text(key: str, value: Any) -> str:
        names = choice_labels.get(key)
        if names and isinstance(value, str) and value in names:
            return str(names[value])
        return _sample_text(value)

    readable = []
    for sample in samples:
        values = dict(sample.get("values") or {})
        custom = values.pop("custom", None) or {}
        pairs = [(str(labels.get(key, key.replace("_", " ").capitalize())), text(key, value))
                 for key, value in values.items()]
        pairs += [(str(labels.get(f"custom.{key}", key.replace("_", " ").capitalize())), text(f"custom.{key}", value))
                  for key, value in custom.items()]
        readable.append({"row": sample.get("row"), "values": [(label, text) for label, text in pairs if text]})
    return readable


def _records(job: ImportJob, user: Any, ids: set[int]) -> dict[int, Any]:
    """The records of the import's target among `ids` that the user may see (others are never linked)."""
    if not ids:
        return {}
    from rapport.contacts.models import Contact

    model = Contact if job.target == Target.CONTACTS else IMPORTERS[job.target].model
    return model.objects.visible_to(user).in_bulk(ids)


def _matched_rows(job: ImportJob, user: Any, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The dry run's rows that meet existing records, each with its record (one the user may see) to link."""
    items = report.get("matched") or []
    records = _records(job, user, {m["id"] for m in items if m.get("id")})
    return [{**m, "record": records.get(m.get("id"))} for m in items] if records else items


OUTCOME_ROWS_SHOWN = 100


def _outcome_rows(job: ImportJob, user: Any) -> dict[str, list[dict[str, Any]]]:
    """The first rejected and skipped rows of a finished import, each with its reason (and its record to link)."""
    if job.status not in (JobStatus.DONE, JobStatus.FAILED, JobStatus.UNDONE):
        return {}
    shown: dict[str, list[dict[str, Any]]] = {}
    for outcome in (Outcome.REJECTED, Outcome.SKIPPED):
        shown[outcome] = [dict(r) for r in ImportRow.objects.filter(job=job, outcome=outcome).order_by("row_number")
                          .values("row_number", "reason", "object_id")[:OUTCOME_ROWS_SHOWN]]
    records = _records(job, user, {r["object_id"] for r in shown[Outcome.SKIPPED] if r["object_id"]})
    for r in shown[Outcome.SKIPPED]:
        r["record"] = records.get(r["object_id"])
    return shown


ALONGSIDE = {"orders": ("contact", "product"), "leads": ("contact", "company"), "contacts": ("company",)}


def _made_alongside(job: ImportJob) -> dict[str, int]:
    """How many records of each kind an import made beside its target's (an order file's new customers and
    products, a lead file's new contacts), from its batches: none once undone."""
    kinds = ALONGSIDE.get(job.target, ())
    made = dict.fromkeys(kinds, 0)
    if not kinds or job.status not in (JobStatus.DONE, JobStatus.FAILED):
        return made
    for ranges in ImportBatch.objects.filter(job=job).values_list("created_ranges", flat=True):
        for kind in kinds:
            made[kind] += sum(last - first + 1 for first, last in (ranges or {}).get(kind, []))
    return made


def _detail_refused(request: HttpRequest, job: ImportJob, exc: ValidationError | NotAllowed) -> HttpResponse:
    """The import page again with the reason in a sentence: 422 for a setting that cannot work, 403 for rights."""
    if isinstance(exc, NotAllowed):
        return render(request, "imports/import_detail.html", _detail_context(job, request, str(exc)), status=403)
    job.refresh_from_db()
    return render(
        request, "imports/import_detail.html", _detail_context(job, request, " ".join(exc.messages)), status=422
    )


def _rejection_counts(job: ImportJob, report: dict[str, Any]) -> list[tuple[str, int]]:
    """The dry run's rejections per column, most first, then in the file's order ("Whole row" and others
    last): the stored dict has no order of its own on PostgreSQL (jsonb sorts its keys)."""
    position = {header: i for i, header in reversed(list(enumerate(job.headers or [])))}
    counts = (report.get("rejections_by_column") or {}).items()
    return sorted(counts, key=lambda item: (-item[1], position.get(item[0], len(position)), item[0]))


def _detail_context(job: ImportJob, request: HttpRequest, error: str = "") -> dict[str, Any]:
    labels = dict(MatchKey.choices)
    singular, plural = TARGET_NOUNS.get(job.target, ("record", "records"))
    fields = fields_for(job.target, request.user)
    report = job.dry_run or {}
    return {
        "noun": singular,
        "nouns": plural,
        "asks_currency": job.target in CURRENCY_TARGETS,
        "default_currency": job.options.get("currency") or settings.RAPPORT_BASE_CURRENCY,
        "job": job,
        "error": error,
        "mapping_rows": _mapping_rows(job),
        "fields": fields,
        "modes": Mode.choices,
        "match_keys": [(key, labels[key]) for key in MATCH_KEYS.get(job.target, MatchKey.values)],
        # The job's own default stays selectable (a guessed or configured country outside the short list).
        "countries": COUNTRIES + [c for c in [job.options.get("default_country")] if c and c not in COUNTRIES],
        "saved_mappings": SavedMapping.objects.filter(target=job.target)[:20],
        "report": report,
        "samples": _readable_samples(report["samples"], fields, choice_fields(job.target, request.user))
        if report.get("samples") else [],
        "matched": _matched_rows(job, request.user, report),
        "outcome_rows": _outcome_rows(job, request.user),
        "made": _made_alongside(job),
        "rejection_counts": _rejection_counts(job, report),
        "can_add_products": job.target == "orders" and catalogue_editable_by(request.user),
        "values": _values_panel(unknown_values_kept(job)) if job.status == JobStatus.CHECKED else None,
        "encodings": _encoding_choices(str(job.options.get("encoding") or "")),
        "downloads": _rejected_downloads(job),
        "deletable": not import_job_delete_refusal(job),
        "stalled": check_stalled(job),
    }


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: the step it is at (settings, dry-run report, progress or outcome)."""
    job = _job_or_404(request, pk)
    return render(request, "imports/import_detail.html", _detail_context(job, request))


@login_required
@require_POST
def import_configure(request: HttpRequest, pk: int) -> HttpResponse:
    """Save reader options, mapping and mode, then check the whole file (dry run)."""
    job = _job_or_404(request, pk)
    post = request.POST
    options: dict[str, Any] = {}
    for key in ("sheet", "delimiter", "encoding", "default_country", "date_order", "currency"):
        if post.get(key):
            options[key] = "\t" if key == "delimiter" and post[key] == "tab" else post[key]
    options["decimal_comma"] = post.get("decimal_comma") == "on"
    if job.target == "orders":
        for key in ("new_customers", "new_products"):
            if post.get(key):
                options[key] = post[key]
    mapping = {str(i): post.get(f"map_{i}", "") for i in range(len(job.headers))}
    try:
        reader_changed = any(
            options.get(k) and options[k] != job.options.get(k) for k in ("sheet", "delimiter", "encoding")
        )
        job = import_job_configure(
            job=job,
            by=request.user,
            options=options,
            mapping=None if reader_changed else mapping,
            mode=post.get("mode"),
            match_key=post.get("match_key"),
            save_mapping_as=post.get("save_mapping_as", ""),
        )
        if post.get("save_mapping_as"):
            saved_value_map_store(job, post["save_mapping_as"])
        if reader_changed:
            messages.info(request, "The file was read again with the new settings; check the columns below.")
            return redirect("import-detail", pk=job.pk)
        if post.get("action") == "save":
            messages.success(request, "Settings saved.")
            return redirect("import-detail", pk=job.pk)
        _check(request, job)
    except (ValidationError, NotAllowed) as exc:
        return _detail_refused(request, job, exc)
    return redirect("import-detail", pk=job.pk)


def _check(request: HttpRequest, job: ImportJob) -> bool:
    """Dry-run the file (large files in the background), then find the values no choice field knows."""
    if checked_in_background(job):
        import_check_begin(job=job, by=request.user)
        messages.info(
            request,
            "The file is large: it is being checked in the background. You can leave this page; it shows the "
            "report when the check is done.",
        )
        return False
    import_dry_run(job=job, by=request.user)
    unknown_values(job, request.user)
    return True


def _values_panel(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The columns of the values form, each row numbered for the form's field names."""
    if values is None:
        return None
    columns, n = [], 0
    for column in values.get("columns", []):
        entries = []
        for item in column["values"]:
            entries.append(
                {"n": n, "value": item["value"], "rows": item["rows"], "choice": "", "mapped": False}
            )
            n += 1
        for item in column["mapped"]:
            entries.append(
                {
                    "n": n,
                    "value": item["value"],
                    "rows": item["rows"],
                    "choice": item["choice"],
                    "mapped": True,
                }
            )
            n += 1
        columns.append({**column, "entries": entries})
    return {"columns": columns, "unknown": any(c["values"] or c["more_values"] for c in columns)}


def _answers(post: Any) -> list[tuple[str, str, str]]:
    answers = []
    for n in range(MAX_ANSWERS):
        if f"field_{n}" not in post:
            break
        answers.append((post[f"field_{n}"], post.get(f"value_{n}", ""), post.get(f"choice_{n}", "")))
    return answers


@login_required
def import_values(request: HttpRequest, pk: int) -> HttpResponse:
    """Values of the file no choice field knows: list them (GET, loaded by the report) or save the answers."""
    job = _job_or_404(request, pk)
    if request.method != "POST":
        if job.status != JobStatus.CHECKED:
            return HttpResponse(status=204)
        context = {"job": job, "values": _values_panel(unknown_values(job, request.user))}
        return render(request, "imports/partials/values.html", context)
    try:
        value_map = value_map_answer(job, request.user, _answers(request.POST))
        job = import_job_configure(job=job, by=request.user, options={"value_map": value_map})
        saved = saved_value_map_store(job)
        checked = _check(request, job)
    except (ValidationError, NotAllowed) as exc:
        return _detail_refused(request, job, exc)
    mapped = sum(len(v) for v in value_map.values())
    also = (
        f" They are kept with the saved mapping “{saved.name}” too." if saved is not None and mapped else ""
    )
    again = "the file was checked again" if checked else "the file is being checked again"
    messages.success(request, f"{mapped} value{'' if mapped == 1 else 's'} mapped; {again}.{also}")
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Go back from the dry-run report (or from a check still running, which stops) to the settings."""
    job = _job_or_404(request, pk)
    if job.status == JobStatus.CHECKED:
        ImportJob.objects.filter(pk=job.pk, status=JobStatus.CHECKED).update(status=JobStatus.DRAFT)
    elif job.status == JobStatus.CHECKING:
        try:
            import_check_stop(job=job, by=request.user)
        except NotAllowed as exc:
            return _detail_refused(request, job, exc)
        messages.info(request, "The check was stopped. Change the settings and check the file again.")
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the whole file again with the same settings (after adding the users, stages or contacts it named)."""
    job = _job_or_404(request, pk)
    if check_stalled(job):
        # The worker that had the check stopped or restarted (the job would have moved otherwise): start it
        # again; if that worker is still alive after all, its check stops at its next batch (CheckSuperseded).
        try:
            import_check_begin(job=job, by=request.user)
        except (ValidationError, NotAllowed) as exc:
            return _detail_refused(request, job, exc)
        messages.info(request, "The check starts again from the first row.")
        return redirect("import-detail", pk=job.pk)
    if job.status != JobStatus.CHECKED:
        why: dict[str, str] = {
            JobStatus.DRAFT: "Choose the columns and press “Check the whole file” first.",
            JobStatus.CHECKING: "The file is being checked now; this page shows the report when the check is done.",
        }
        messages.error(request, why.get(job.status, "This import has already started; its page shows how far it is."))
        return redirect("import-detail", pk=job.pk)
    try:
        if _check(request, job):
            messages.success(request, "The file was checked again.")
    except (ValidationError, NotAllowed) as exc:
        return _detail_refused(request, job, exc)
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_begin(request: HttpRequest, pk: int) -> HttpResponse:
    """Start (or resume) the import in the background."""
    job = _job_or_404(request, pk)
    try:
        if job.status == JobStatus.FAILED:
            from rapport.imports.tasks import import_run_task

            import_run_task.enqueue(job.pk)
        else:
            import_start(job=job, by=request.user)
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("import-detail", pk=job.pk)


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of a check or an import (polled by htmx); tells the page to reload once it has finished."""
    job = _job_or_404(request, pk)
    response = render(request, "imports/partials/progress.html", {"job": job, "stalled": check_stalled(job)})
    if job.status not in FOLLOWED_STATUSES and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_rejected(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """Download the rejected rows with a reason column, to fix and import again: by default with the file's own
    delimiter and encoding (`?format=comma-utf8` for comma-separated UTF-8)."""
    job = _job_or_404(request, pk)
    try:
        download = rejected_rows_download(job, format=request.GET.get("format") or "original")
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(download.chunks, content_type=f"text/csv; charset={download.format.charset}")
    stem = job.original_name.rsplit(".", 1)[0][:80] or "import"
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-rejected.csv")
    return response


@login_required
@require_POST
def import_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete an import that never wrote a row (uploaded, maybe checked, never imported), with its file."""
    job = _job_or_404(request, pk)
    try:
        import_job_delete(job=job, by=request.user)
    except (ValidationError, NotAllowed) as exc:
        # Refused (it has written rows, or it is running): the import's page says why, with a 409.
        message = str(exc) if isinstance(exc, NotAllowed) else " ".join(exc.messages)
        job.refresh_from_db()
        return render(request, "imports/import_detail.html", _detail_context(job, request, message),
                      status=403 if isinstance(exc, NotAllowed) else 409)
    messages.success(request, f"Import #{pk} ({job.original_name}) deleted, with its uploaded file.")
    return redirect("import-list")


@login_required
@require_POST
def import_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo an import: delete what it created, restore what it changed."""
    job = _job_or_404(request, pk)
    try:
        summary = import_undo(job=job, by=request.user)
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        trashed = f", {summary['trashed']} used since moved to the trash" if summary["trashed"] else ""
        messages.success(
            request,
            f"Import undone: {summary['deleted']} records removed{trashed}, "
            f"{summary['restored']} restored to their earlier values.",
        )
    return redirect("import-detail", pk=job.pk)
