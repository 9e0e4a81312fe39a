"""Export any list (with the filters of its list page) to CSV or XLSX, streamed, safe to open in a spreadsheet."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from rapport.activities.choices import ActivityKind
from rapport.activities.selectors import activity_list
from rapport.contacts.filters import CompanyFilter, ContactFilter, _int
from rapport.contacts.models import ContactEmail, ContactPhone
from rapport.contacts.selectors import company_list, contact_list
from rapport.core.filtering import parse_date
from rapport.customization.services import custom_fields_for
from rapport.sales.filters import DealFilter, LeadFilter, OrderFilter
from rapport.sales.selectors import deal_list, lead_list, order_list

CHUNK_SIZE = 2000
FORMATS = ("csv", "xlsx")
# A cell starting with one of these is read as a formula by Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number (a negative amount, an E.164 phone number) cannot carry a formula and is left exact.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def neutralise(value: str) -> str:
    """Prefix a single quote to text a spreadsheet would run as a formula (CSV/formula injection)."""
    if value and value.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _name(obj: Any) -> str:
    return str(obj) if obj is not None else ""


def _user(obj: Any) -> str:
    """A user as their email when they have one (it re-imports as an owner), else their name."""
    if obj is None:
        return ""
    return obj.email or obj.username


def _tags(obj: Any) -> str:
    return ", ".join(t.name for t in obj.tags.all())


def _others(items: Iterable[Any], attr: str) -> str:
    return "; ".join(getattr(i, attr) for i in items if not i.is_primary)


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class ExportSpec:
    """How one list exports: its filter, the permission-scoped selector, columns and custom field entity."""

    label: str
    build: Callable[[Any, Any], QuerySet]
    columns: list[Column]
    custom_entity: str = ""
    prefetch: tuple[Any, ...] = field(default_factory=tuple)


def _col(header: str, attr: str) -> Column:
    return Column(header, lambda obj: getattr(obj, attr))


def _display(header: str, attr: str) -> Column:
    return Column(header, lambda obj: getattr(obj, f"get_{attr}_display")() if getattr(obj, attr) else "")


def _activities(user: Any, params: Any) -> QuerySet:
    """Activities the user may see, filtered by kind, owner, record, open, and creation dates."""
    kind = params.get("kind", "") or ""
    if kind and kind not in ActivityKind.values:
        raise ValidationError({"kind": [f"Use one of {', '.join(ActivityKind.values)}."]})
    qs = activity_list(user=user, kind=kind, open_only=str(params.get("open", "")).lower() in {"1", "true", "yes"})
    for name in ("owner", "contact", "company", "deal", "lead"):
        value = _int(params.get(name), name)
        if value:
            qs = qs.filter(**{f"{name}_id": value})
    after = parse_date(params.get("after"), "after")
    before = parse_date(params.get("before"), "before")
    if after:
        qs = qs.filter(created_at__date__gte=after)
    if before:
        qs = qs.filter(created_at__date__lte=before)
    return qs


SPECS: dict[str, ExportSpec] = {
    "contacts": ExportSpec(
        label="Contacts",
        build=lambda user, params: contact_list(user=user, filters=ContactFilter.from_params(params)),
        custom_entity="contact",
        prefetch=(
            "tags",
            Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "id")),
            Prefetch("phones", queryset=ContactPhone.objects.order_by("-is_primary", "id")),
        ),
        columns=[
            _col("ID", "pk"), _col("First name", "first_name"), _col("Last name", "last_name"),
            _col("Email", "email"), _col("Phone", "phone"), _col("Job title", "title"),
            Column("Company", lambda c: _name(c.company)),
            _display("Lifecycle stage", "lifecycle_stage"), _display("Preferred channel", "preferred_channel"),
            _col("Street", "street"), _col("City", "city"), _col("Region", "region"),
            _col("Postal code", "postal_code"), _col("Country", "country"),
            Column("Other emails", lambda c: _others(c.emails.all(), "email")),
            Column("Other phones", lambda c: _others(c.phones.all(), "number")),
            Column("Tags", _tags), Column("Owner", lambda c: _user(c.owner)),
            _col("Created", "created_at"), _col("Updated", "updated_at"),
        ],
    ),
    "companies": ExportSpec(
        label="Companies",
        build=lambda user, params: company_list(user=user, filters=CompanyFilter.from_params(params)),
        custom_entity="company",
        prefetch=("tags",),
        columns=[
            _col("ID", "pk"), _col("Name", "name"), _col("Domain", "domain"), _col("Industry", "industry"),
            _display("Size", "size"), _col("Phone", "phone"), _col("Street", "street"), _col("City", "city"),
            _col("Region", "region"), _col("Postal code", "postal_code"), _col("Country", "country"),
            Column("Parent company", lambda c: _name(c.parent)), Column("Tags", _tags),
            Column("Owner", lambda c: _user(c.owner)), _col("Created", "created_at"), _col("Updated", "updated_at"),
        ],
    ),
    "leads": ExportSpec(
        label="Leads",
        build=lambda user, params: lead_list(user=user, filters=LeadFilter.from_params(params)),
        custom_entity="lead",
        columns=[
            _col("ID", "pk"), Column("Contact", lambda x: _name(x.contact)),
            Column("Contact email", lambda x: x.contact.email if x.contact else ""),
            Column("Company", lambda x: _name(x.company)), _display("Source", "source"),
            _display("Status", "status"), _col("Score", "score"), _col("Need", "need"),
            _col("Disqualified reason", "disqualified_reason"), Column("Deal", lambda x: _name(x.deal)),
            Column("Owner", lambda x: _user(x.owner)), _col("Converted", "converted_at"),
            _col("Created", "created_at"), _col("Updated", "updated_at"),
        ],
    ),
    "deals": ExportSpec(
        label="Deals",
        build=lambda user, params: deal_list(user=user, filters=DealFilter.from_params(params)),
        custom_entity="deal",
        columns=[
            _col("ID", "pk"), _col("Name", "name"), Column("Pipeline", lambda d: _name(d.pipeline)),
            Column("Stage", lambda d: _name(d.stage)), Column("Outcome", lambda d: d.stage.get_kind_display()),
            _col("Amount", "amount"), _col("Currency", "currency"), _col("Expected close", "expected_close_date"),
            Column("Contact", lambda d: _name(d.contact)),
            Column("Contact email", lambda d: d.contact.email if d.contact else ""),
            Column("Company", lambda d: _name(d.company)), Column("Owner", lambda d: _user(d.owner)),
            _col("Lost reason", "lost_reason"), _col("Closed", "closed_at"),
            _col("Created", "created_at"), _col("Updated", "updated_at"),
        ],
    ),
    "orders": ExportSpec(
        label="Orders",
        build=lambda user, params: order_list(user=user, filters=OrderFilter.from_params(params)),
        columns=[
            _col("ID", "pk"), _col("Number", "number"), _col("External ID", "external_id"),
            _col("Ordered", "ordered_at"), Column("Contact", lambda o: _name(o.contact)),
            Column("Contact email", lambda o: o.contact.email), Column("Company", lambda o: _name(o.company)),
            _display("Channel", "channel"), _display("Status", "status"), _col("Currency", "currency"),
            _col("Total", "total"), _col("Created", "created_at"),
        ],
    ),
    "activities": ExportSpec(
        label="Activities",
        build=_activities,
        columns=[
            _col("ID", "pk"), _display("Kind", "kind"), _col("Subject", "subject"), _col("Notes", "body"),
            Column("Owner", lambda a: _user(a.owner)), Column("Contact", lambda a: _name(a.contact)),
            Column("Company", lambda a: _name(a.company)), Column("Deal", lambda a: _name(a.deal)),
            Column("Lead", lambda a: _name(a.lead)), _col("Due", "due_at"), _display("Priority", "priority"),
            _col("Done", "done_at"), _col("Starts", "starts_at"), _col("Ends", "ends_at"),
            _col("Location", "location"), _display("Call outcome", "outcome"),
            _col("Duration (minutes)", "duration_minutes"), _col("Created", "created_at"),
        ],
    ),
}
ENTITIES = tuple(SPECS)


@dataclass
class ExportTable:
    """The header row and a lazy iterator over the data rows of an export."""

    entity: str
    headers: list[str]
    rows: Iterator[list[Any]]


def export_table(*, entity: str, user: Any, params: Any) -> ExportTable:
    """Rows of a list as the user sees it with these filters; raises ValidationError for bad filters."""
    spec = SPECS.get(entity)
    if spec is None:
        raise ValidationError({"entity": [f"Export one of: {', '.join(ENTITIES)}."]})
    qs = spec.build(user, params)
    if spec.prefetch:
        qs = qs.prefetch_related(*spec.prefetch)
    custom = custom_fields_for(spec.custom_entity, user) if spec.custom_entity else []
    headers = [c.header for c in spec.columns] + [f.label for f in custom]
    columns = spec.columns

    def rows() -> Iterator[list[Any]]:
        for obj in qs.iterator(chunk_size=CHUNK_SIZE):
            values = [c.value(obj) for c in columns]
            stored = getattr(obj, "custom", None) or {}
            values.extend(stored.get(f.key) for f in custom)
            yield values

    return ExportTable(entity=entity, headers=headers, rows=rows())


def export_filename(entity: str, fmt: str) -> str:
    return f"{entity}-{timezone.localdate().isoformat()}.{fmt}"


# ---------------------------------------------------------------- cell values


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def text_cell(value: Any) -> str:
    """One CSV cell: dates in ISO 8601 (site time zone), yes/no, lists comma-separated, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return _local(value).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return neutralise(str(value))


def xlsx_cell(value: Any) -> Any:
    """One XLSX cell: numbers and dates typed, text neutralised; Excel has no time zones so local time is used."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date):
        if isinstance(value, dt.datetime):
            return _local(value).replace(tzinfo=None)
        return value
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return neutralise(str(value))


# ---------------------------------------------------------------- writers


class _Line:
    """A file-like that hands back what csv.writer writes, so each row can be yielded."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(table: ExportTable, *, rows_per_chunk: int = 200) -> Iterator[bytes]:
    """The CSV as UTF-8 (with a BOM so Excel reads accents right), a few hundred rows per yielded chunk."""
    writer = csv.writer(_Line())
    yield codecs.BOM_UTF8 + writer.writerow(table.headers).encode()
    buffer: list[str] = []
    for row in table.rows:
        buffer.append(writer.writerow([text_cell(v) for v in row]))
        if len(buffer) >= rows_per_chunk:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()


def xlsx_write(table: ExportTable, target: IO[bytes]) -> None:
    """Write the table as an XLSX workbook in openpyxl's write-only mode (rows go straight to disk)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SPECS[table.entity].label)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in table.headers:
        cell = WriteOnlyCell(sheet, value=neutralise(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([xlsx_cell(v) for v in row])
    workbook.save(target)


def xlsx_tempfile(table: ExportTable) -> IO[bytes]:
    """The workbook in an anonymous temporary file (deleted when closed), rewound for reading."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        xlsx_write(table, handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


# ---------------------------------------------------------------- meetings as iCalendar

MAX_MEETINGS = 5000


def meetings_for_calendar(*, user: Any, params: Any) -> list[Any]:
    """Meetings the user may see: their own by default, `owner=<id>` or `owner=all`, dates and record filters."""
    from rapport.activities.models import Activity

    qs = Activity.objects.visible_to(user).filter(kind=ActivityKind.MEETING, starts_at__isnull=False)
    owner = params.get("owner", "") or ""
    if owner != "all":
        qs = qs.filter(owner_id=_int(owner, "owner") or user.pk)
    for name in ("contact", "company", "deal", "lead"):
        value = _int(params.get(name), name)
        if value:
            qs = qs.filter(**{f"{name}_id": value})
    after = parse_date(params.get("after"), "after")
    before = parse_date(params.get("before"), "before")
    if after:
        qs = qs.filter(starts_at__date__gte=after)
    if before:
        qs = qs.filter(starts_at__date__lte=before)
    return list(
        qs.select_related("contact", "company", "deal").prefetch_related("attendees")
        .order_by("starts_at", "id")[:MAX_MEETINGS]
    )


def meetings_ics(*, user: Any, params: Any, base_url: str) -> bytes:
    """The chosen meetings as one iCalendar document (reusing the meeting serialiser of activities)."""
    from rapport.activities.ical import calendar_of

    meetings = meetings_for_calendar(user=user, params=params)
    attendees = {m.pk: list(m.attendees.all()) for m in meetings}
    return calendar_of(meetings, attendees=attendees, base_url=base_url, name=f"Rapport meetings of {user}")
