"""Rejected rows: every row an import or its dry run rejected, with its reason, to download, fix and import again.

The dry run writes its rejected rows to a file next to the upload, one per settings version (a check of
earlier settings never serves its rows for the current ones); the import keeps them as ImportRow rows.
The download is written the way the user's file was (delimiter, encoding), or as comma-separated UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import glob
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

from rapport.imports.choices import JobStatus, Outcome
from rapport.imports.models import ImportJob, ImportRow

# The first columns of a rejected-rows download; the next import of that file knows them (jobs._earlier_like).
REJECTED_COLUMNS = ["Row", "Reason"]


def rejection_columns(reason: str, headers: Iterable[str]) -> list[str]:
    """The columns a rejection's reason names, each once: every sentence led by a header ("Email: …. Phone: …").

    Reasons are sentences joined by a space (rows.join_errors), a cell's own led by its column's header. A first
    sentence led by something else before a colon is counted under that, as before; one with no colon is "Whole row".
    """
    columns: list[str] = []
    start = 0
    while start < len(reason):
        colon = reason.find(": ", start)
        lead = reason[start:colon] if colon != -1 else ""
        if lead in headers:
            columns.append(lead)
        elif start == 0:
            first = reason.split(".")[0]
            columns.append(reason.split(":")[0] if ":" in first else "Whole row")
        ends = [i for i in (reason.find(". ", start), reason.find("? ", start), reason.find("! ", start)) if i != -1]
        if not ends:
            break
        start = min(ends) + 2
    return list(dict.fromkeys(columns))


# ---------------------------------------------------------------- rejected rows


def dry_run_rejected_path(job: ImportJob, version: int | None = None) -> Path | None:
    """Where the dry run of the job's settings (or of `version` of them) keeps every rejected row, next to
    the uploaded file; None without a local file. Version 0, the settings of jobs checked before versions
    were counted, keeps the name those jobs' files have."""
    version = job.settings_version if version is None else version
    try:
        return Path(f"{job.file.path}.dry-run-rejected{f'.{version}' if version else ''}.csv")
    except (NotImplementedError, ValueError):
        return None


def rejected_files(job: ImportJob) -> list[Path]:
    """Every rejected-rows file of the job's dry runs (of any settings, and any left half-written)."""
    current = dry_run_rejected_path(job, 0)
    if current is None:
        return []
    return sorted(current.parent.glob(f"{glob.escape(current.name.removesuffix('.csv'))}*"))


def older_rejected_delete(job: ImportJob, keep: Path | None) -> None:
    """Remove the rejected rows of dry runs of earlier settings, once a later one has its own in place."""
    for path in rejected_files(job):
        if path != keep and not path.name.endswith(".part"):  # a .part is a check still writing
            path.unlink(missing_ok=True)


def _rejected_rows(job: ImportJob) -> Iterator[list[str]]:
    """[row, reason, *cells] of every rejected row, the cells padded to the header's width.

    Before the import has run, these are the rows its dry run rejected (all of them, with reasons).
    """
    width = len(job.headers)
    dry = dry_run_rejected_path(job)
    if job.status == JobStatus.CHECKED and dry is not None and dry.exists():
        with dry.open(encoding="utf-8", newline="") as f:
            for number, reason, *cells in csv.reader(f):
                yield [number, reason, *cells, *[""] * (width - len(cells))]
        return
    rows = ImportRow.objects.filter(job=job, outcome=Outcome.REJECTED).order_by("row_number")
    for row_number, stored, why in rows.values_list("row_number", "cells", "reason").iterator(chunk_size=2000):
        kept = list(stored)
        yield [str(row_number), why, *kept, *[""] * (width - len(kept))]


def _csv_text(rows: Iterable[list[str]], delimiter: str = ",") -> Iterator[str]:
    """The rows as CSV text, in chunks of about 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _with_header(job: ImportJob, rows: Iterable[list[str]]) -> Iterator[list[str]]:
    # Row and reason come first so that rows with more cells than the header stay aligned, and so that the
    # next import of this file knows them for what they are (REJECTED_COLUMNS, _earlier_like).
    yield [*REJECTED_COLUMNS, *job.headers]
    yield from rows


def rejected_rows_csv(job: ImportJob) -> Iterator[str]:
    """Yield the rejected rows as comma-separated text with a BOM: the original header and cells plus a reason column."""
    yield "\ufeff"
    yield from _csv_text(_with_header(job, _rejected_rows(job)))


REJECTED_FORMATS = ("original", "comma-utf8")
# Rapport's own typography in reasons, in plain characters for a code page that lacks them (Windows-1252 has
# no →). Reasons are never data: the next import of the file ignores the Reason column.
REASON_PLAIN = {"→": "->", "…": "...", "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "}
WEB_CHARSETS = {"cp1250": "windows-1250", "cp1251": "windows-1251", "cp1252": "windows-1252",
                "cp1253": "windows-1253", "cp1254": "windows-1254", "cp1257": "windows-1257",
                "mac-roman": "macintosh", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}


@dataclass(frozen=True)
class RejectedFormat:
    """How the rejected-rows download is written: its delimiter, the codec of its text and the BOM before it."""

    delimiter: str
    encoding: str
    bom: bytes = b""

    @property
    def charset(self) -> str:
        """The name of the encoding for a Content-Type header ("windows-1252", "utf-8")."""
        if self.encoding.startswith("iso8859-"):
            return "iso-8859-" + self.encoding.removeprefix("iso8859-")
        return WEB_CHARSETS.get(self.encoding, self.encoding)

    @property
    def unicode(self) -> bool:
        return self.encoding.startswith("utf-")


UTF8_WITH_BOM = RejectedFormat(",", "utf-8", codecs.BOM_UTF8)


def rejected_rows_format(job: ImportJob, format: str = "original") -> RejectedFormat:
    """The delimiter and encoding of the rejected rows: by default the file's own, so that the spreadsheet that
    opened the file (Excel in Germany: semicolons, Windows-1252) opens them the same way; or comma and UTF-8.

    A UTF-8 file comes back with a BOM (Excel reads UTF-8 without one as its local code page) and UTF-16 always
    with one; an XLSX workbook's rejected rows are comma-separated UTF-8.
    """
    if format not in REJECTED_FORMATS:
        raise ValidationError({"format": ["Choose “original” (the file's own delimiter and encoding) or "
                                          "“comma-utf8”, or leave it out."]})
    if format == "comma-utf8" or job.options.get("format") == "xlsx":
        return UTF8_WITH_BOM
    delimiter = str(job.options.get("delimiter") or ",")
    try:
        name = codecs.lookup(str(job.options.get("encoding") or "utf-8")).name
    except LookupError:
        name = "utf-8"
    if name.startswith("utf-16"):
        big = name == "utf-16-be"
        return RejectedFormat(delimiter, "utf-16-be" if big else "utf-16-le",
                              codecs.BOM_UTF16_BE if big else codecs.BOM_UTF16_LE)
    if name.startswith("utf-"):
        return RejectedFormat(delimiter, "utf-8", codecs.BOM_UTF8)
    return RejectedFormat(delimiter, name)


def _fits(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _reason_in(reason: str, encoding: str) -> str:
    """The reason with the typography `encoding` lacks in plain characters (any other character is kept)."""
    if _fits(reason, encoding):
        return reason
    return "".join(c if _fits(c, encoding) else REASON_PLAIN.get(c, c) for c in reason)


def _reasons_in(rows: Iterable[list[str]], encoding: str) -> Iterator[list[str]]:
    for row in rows:
        yield [row[0], _reason_in(row[1], encoding), *row[2:]]


@dataclass
class RejectedDownload:
    """The rejected rows as bytes, with the format they are written in.

    `fell_back` says that the file's own encoding cannot hold every character of the rows (a name in Polish
    letters in a Windows-1252 file): the download is then UTF-8 with a BOM, with the file's delimiter, rather
    than losing characters.
    """

    format: RejectedFormat
    fell_back: bool
    chunks: Iterator[bytes]


def rejected_rows_download(job: ImportJob, *, format: str = "original") -> RejectedDownload:
    """The rejected rows, each with its reason, as a CSV file to fix and import again (see rejected_rows_format)."""
    wanted = rejected_rows_format(job, format)
    # A code page is checked first (a second pass over the rows, memory flat): the encoding is in the response's
    # headers, so it must be known before the first byte is sent.
    fits = wanted.unicode or all(
        _fits("\x1f".join(row), wanted.encoding)
        for row in _reasons_in(_with_header(job, _rejected_rows(job)), wanted.encoding)
    )
    chosen = wanted if fits else RejectedFormat(wanted.delimiter, "utf-8", codecs.BOM_UTF8)
    return RejectedDownload(chosen, not fits, _encoded(job, chosen))


def _encoded(job: ImportJob, chosen: RejectedFormat) -> Iterator[bytes]:
    # Every character was checked to fit; a row changed since (a dry run finishing now) is written as &#…;
    # character references rather than stopping a download half-way or dropping characters.
    encoder = codecs.getincrementalencoder(chosen.encoding)(errors="xmlcharrefreplace")
    yield chosen.bom
    rows = _with_header(job, _rejected_rows(job))
    for text in _csv_text(_reasons_in(rows, chosen.encoding) if not chosen.unicode else rows, chosen.delimiter):
        yield encoder.encode(text)
    yield encoder.encode("", final=True)

