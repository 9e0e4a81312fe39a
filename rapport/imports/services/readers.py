"""Streaming readers for CSV (any delimiter, quoting and encoding) and XLSX (one chosen sheet).

Both yield lists of strings, one per row, without ever holding the whole file: memory stays flat
whatever the file size.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import multiprocessing
import os
import queue
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError

T = TypeVar("T")
SNIFF_BYTES = 64 * 1024
WESTERN_LOOKALIKES = {"cp1252", "cp1250", "latin_1", "iso8859_1", "iso8859_15", "iso8859_2", "mac_roman", "cp850",
                      "cp437", "ascii", "mac_latin2", "cp1254", "iso8859_9"}
# Characters that appear when cp1250/iso8859-2 text is read as Windows-1252.
CENTRAL_EUROPEAN_TELLS = set("¹³¿¥ª¼¾œŸŒ¦¨¯²")
DELIMITERS = [",", ";", "\t", "|"]
# A single cell larger than this is refused with the row number (csv's default limit is 128 KiB).
MAX_CELL = 1024 * 1024
csv.field_size_limit(MAX_CELL)


def max_file_bytes() -> int:
    return int(getattr(settings, "RAPPORT_IMPORT_MAX_BYTES", 4 * 1024**3))


@dataclass
class FileInfo:
    """What sniffing found out about a file; the user can override encoding, delimiter and sheet."""

    format: str  # "csv" or "xlsx"
    encoding: str = "utf-8"
    delimiter: str = ","
    sheets: list[str] = field(default_factory=list)
    sheet: str = ""

    def as_options(self) -> dict[str, Any]:
        return {"format": self.format, "encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet,
                "sheets": self.sheets}


def _human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def file_sniff(path: str | Path) -> FileInfo:
    """Find the format, encoding and delimiter of a file, or raise ValidationError saying what is wrong."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ValidationError("The file is empty. Export your data again and choose a file with a header row.")
    if size > max_file_bytes():
        raise ValidationError(
            f"The file is {_human_size(size)}; the limit is {_human_size(max_file_bytes())}. "
            "Split it into smaller files and import them one after the other."
        )
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_xlsx(path)
    encoding = _sniff_encoding(head)
    text = head.decode(encoding, errors="ignore") if encoding != "utf-8-sig" else head.decode("utf-8-sig", "ignore")
    if "\x00" in text:
        raise ValidationError(
            "This file is not a text (CSV) file: it contains binary data. Save it from your spreadsheet as "
            "CSV or XLSX and upload that."
        )
    return FileInfo(format="csv", encoding=encoding, delimiter=_sniff_delimiter(text))


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    # UTF-16 without BOM: every other byte is zero in mostly-ASCII text.
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4 and head[1::2].count(0) == 0:
        return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in head:
        raise ValidationError(
            "This file is not a text (CSV) file: it contains binary data. Save it from your spreadsheet as "
            "CSV or XLSX and upload that."
        )
    from charset_normalizer import from_bytes

    matches = list(from_bytes(head))
    best = matches[0] if matches else None
    encoding = best.encoding if best is not None else "cp1252"
    # On short samples the detector ranks look-alike code pages (cp775, cp1257…) above Windows-1252
    # with almost the same confidence; take Windows-1252 when it is as clean and nearly as coherent.
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if best is not None and western is not None and western.chaos <= best.chaos + 0.01 and (
        western.coherence >= best.coherence - 0.2
    ):
        return "cp1252"
    # Exports from Western CRMs are nearly always Windows-1252 (a superset of Latin-1's printable range);
    # on short samples the detector cannot tell it from its Central European or DOS cousins.
    if encoding in WESTERN_LOOKALIKES:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            return encoding
        # Central European letters (ł ż ą ś …) read as Windows-1252 become symbols no Western name
        # contains; then the detector's own choice is right.
        if not any(ch in CENTRAL_EUROPEAN_TELLS for ch in text):
            return "cp1252"
    return encoding


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(DELIMITERS))
        return dialect.delimiter
    except csv.Error:
        pass
    header = lines[0]
    return max(DELIMITERS, key=lambda d: header.count(d))


def _sniff_xlsx(path: Path) -> FileInfo:
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(
            f"This file looks like a workbook but cannot be opened ({exc.__class__.__name__}). Save it again as "
            "XLSX or CSV and upload that."
        )
    try:
        sheets = list(workbook.sheetnames)
    finally:
        workbook.close()
    return FileInfo(format="xlsx", sheets=sheets, sheet=sheets[0] if sheets else "")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | Decimal | int):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return str(value)


class RowReader:
    """Open a file with the given options and iterate its rows (header first) as lists of strings."""

    def __init__(self, path: str | Path, options: dict[str, Any]):
        self.path = Path(path)
        self.options = options
        self._closer: Any = None
        self.bytes_total = self.path.stat().st_size
        self._binary: IO[bytes] | None = None

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def bytes_read(self) -> int:
        """How far into the file the reader is (CSV only; used for a progress estimate)."""
        if self._binary is None:
            return 0
        try:
            return self._binary.tell()
        except (OSError, ValueError):
            return 0

    def rows(self) -> Iterator[list[str]]:
        if self.options.get("format") == "xlsx":
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[list[str]]:
        binary = self.path.open("rb")
        self._binary = binary
        text = io.TextIOWrapper(binary, encoding=self.options.get("encoding") or "utf-8", errors="strict", newline="")
        self._closer = text
        reader = csv.reader(text, delimiter=self.options.get("delimiter") or ",")
        line = 0
        try:
            for line, row in enumerate(reader, start=1):  # noqa: B007 - line is reported on error
                yield row
        except UnicodeDecodeError:
            raise ValidationError(
                f"Row {line + 1} cannot be read as {self.options.get('encoding')}. Choose the file's encoding "
                "(for example Windows-1252 or UTF-8) and try again."
            )
        except csv.Error as exc:
            message = str(exc)
            if "field larger" in message:
                message = f"a cell is larger than {MAX_CELL // 1024} KB"
            raise ValidationError(f"Row {line + 1} cannot be read: {message}. Check the quotes in that row.")

    def _xlsx_rows(self) -> Iterator[list[str]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ValidationError("This workbook cannot be opened. Save it again as XLSX or CSV and upload that.")
        self._closer = workbook
        sheet_name = self.options.get("sheet") or workbook.sheetnames[0]
        if sheet_name not in workbook.sheetnames:
            raise ValidationError(
                f"There is no sheet called {sheet_name!r} in this workbook; choose one of: "
                f"{', '.join(workbook.sheetnames)}."
            )
        sheet = workbook[sheet_name]
        for values in sheet.iter_rows(values_only=True):
            row = [_cell_text(v) for v in values]
            while row and row[-1] == "":
                row.pop()
            yield row


def rows_estimate(path: str | Path, options: dict[str, Any]) -> int | None:
    """About how many data rows the file has, for the progress bar of a check that has no count yet.

    CSV: its line breaks, counted in 1 MiB reads (a cell holding a line break counts twice, so this errs
    high; a 2 GB file takes a second or two). XLSX: the row count the sheet records (its dimension), or None
    when the workbook does not say. Never the number a report states: that is the rows actually read.
    """
    path = Path(path)
    if options.get("format") == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            return None
        try:
            name = options.get("sheet") or workbook.sheetnames[0]
            rows = workbook[name].max_row if name in workbook.sheetnames else None
        finally:
            workbook.close()
        return max(0, rows - 1) if rows else None
    breaks, last = 0, b""
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            breaks += chunk.count(b"\n")
            last = chunk[-4:]
    ends_open = bool(last) and not last.rstrip(b"\x00").endswith((b"\n", b"\r"))
    return max(0, breaks + int(ends_open) - 1)


def header_and_sample(path: str | Path, options: dict[str, Any], sample: int = 5) -> tuple[list[str], list[list[str]]]:
    """Return the header row and the first data rows; raise ValidationError for an empty sheet or file."""
    with RowReader(path, options) as reader:
        rows = reader.rows()
        header: list[str] | None = None
        for row in rows:
            if any(cell.strip() for cell in row):
                header = [cell.strip() for cell in row]
                break
        if header is None:
            where = f"The sheet {options.get('sheet')!r}" if options.get("format") == "xlsx" else "The file"
            raise ValidationError(f"{where} has no rows. Choose a file (or sheet) with a header row and data.")
        data: list[list[str]] = []
        for row in rows:
            if len(data) >= sample:
                break
            if any(cell.strip() for cell in row):
                data.append(row)
    return header, data


class ForkedStream(Generic[T]):
    """Run a producing generator in a forked child process and yield its items here, in order.

    Used for the pure-Python stage of an import (reading and transforming rows) so that it runs on
    the second core while this process writes to the database. The child never touches the database
    connection it inherits (it only reads the file and calls the transform) and leaves with os._exit,
    so the connection is not closed under the parent. Items travel pickled in chunks through a pipe.
    A thread here drains the pipe into a queue of up to AHEAD chunks, so the child keeps transforming
    while this process writes a batch (a bare pipe holds only a few rows: the two processes would take
    turns instead of working at the same time); the child blocks when the queue is full, so memory
    stays flat. A ValidationError in the child (an unreadable row) is raised here with its message.
    """

    AHEAD = 24  # chunks of 2,000 rows: a little more than two import batches

    def __init__(self, produce: Callable[[], Iterator[T]], *, chunk: int = 2000):
        self.produce = produce
        self.chunk = chunk
        self._process: Any = None
        self._receiver: Any = None
        self._stopping = threading.Event()
        self._drainer: threading.Thread | None = None

    def __enter__(self) -> ForkedStream[T]:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=self._child, args=(sender,), daemon=True)
        self._process.start()
        sender.close()
        self._receiver = receiver
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        if self._drainer is not None:
            self._drainer.join(timeout=5)
        self._receiver.close()

    def _drain(self, chunks: queue.Queue[bytes | None]) -> None:
        """Thread: move pickled chunks from the pipe to the queue (reading the pipe releases the GIL)."""
        try:
            while not self._stopping.is_set():
                data = self._receiver.recv_bytes()
                while not self._stopping.is_set():
                    try:
                        chunks.put(data, timeout=0.5)
                        break
                    except queue.Full:
                        continue
        except (EOFError, OSError):
            pass
        finally:
            # The end (or a dead child) must reach the reader, who may be busy writing: wait for room.
            while not self._stopping.is_set():
                try:
                    chunks.put(None, timeout=0.5)
                    break
                except queue.Full:
                    continue

    def __iter__(self) -> Iterator[T]:
        chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=self.AHEAD)
        self._drainer = threading.Thread(target=self._drain, args=(chunks,), daemon=True, name="rapport-rows")
        self._drainer.start()
        while True:
            data = chunks.get()
            if data is None:
                raise RuntimeError("The row reader stopped without finishing the file.")
            kind, payload = ForkingPickler.loads(data)
            if kind == "items":
                yield from payload
            elif kind == "end":
                return
            elif kind == "invalid":
                raise ValidationError(payload)
            else:
                raise RuntimeError(payload)

    def _child(self, sender: Any) -> None:
        try:
            chunk: list[T] = []
            for item in self.produce():
                chunk.append(item)
                if len(chunk) >= self.chunk:
                    sender.send(("items", chunk))
                    chunk = []
            sender.send(("items", chunk))
            sender.send(("end", None))
        except ValidationError as exc:
            sender.send(("invalid", exc.messages))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
            sender.send(("error", f"{exc.__class__.__name__}: {exc}"))
        finally:
            sender.close()


def forked_stream_possible() -> bool:
    """Whether a ForkedStream can help here: a second core and the fork start method."""
    return ((os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)  # daemonic processes may not have children
