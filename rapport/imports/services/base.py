"""What the importers of companies, leads, deals, orders and activities share.

An importer follows the protocol jobs.py drives (the same as ContactImporter): `transform` one row
into a `Prepared` row or a `Rejected` one, `add` it to the batch, `take_batch`, `pending`, and
`process` a batch into a `BatchResult` with the id ranges it created (for undo). Writes are
set-based through the raw driver (services/db.py): one INSERT/COPY per table and batch, one
executemany per UPDATE statement, never a per-row ORM save.

Related records are found by a key (company by name or domain, contact by email, owner by email
or user name, product by SKU, pipeline and stage by name, deal by external id or name); a key that
finds nothing is a rejection reason on the row, never a crash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from rapport.accounts.models import User
from rapport.accounts.permissions import assignable_users
from rapport.customization.models import CustomField
from rapport.imports.choices import MatchKey, Mode, Outcome, match_keys_text
from rapport.imports.services import db
from rapport.imports.services.dry_memory import DryRunMemory, planned_id
from rapport.imports.services.fastnorm import email_fast, phone_fast
from rapport.imports.services.mapping import CUSTOM_ENTITY, fields_for
from rapport.imports.services.rapport_ids import rapport_id_parse, rapport_matches
from rapport.imports.services.related import RelatedLookups, companies_named_by
from rapport.imports.services.rows import (
    BatchResult,
    Outcomes,
    Prepared,
    Rejected,
    dry_run_match,
    duplicate_refusal,
    join_errors,
    json_load,
    json_safe,
    model_insert,
    runs_of,
    same_value,
    search_reindex,
    to_db,
    update_refusal,
)
from rapport.imports.services.transforms import (
    boolean_parse,
    choice_or_synonym,
    date_parse,
    datetime_parse,
    number_parse,
    text_clean,
)
from rapport.imports.services.values import CellValues, owner_keys

BATCH_ROWS = 20000
MAX_AMOUNT = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("999999999.999")
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)
CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}


class RecordImporter(RelatedLookups, CellValues):
    """Shared machinery: column parsing, owner and custom fields, batching, matching, outcome rows."""

    target: ClassVar[str] = ""
    kind: ClassVar[str] = ""  # the record kind in created_ranges and timeline texts ("deal")
    model: ClassVar[type[models.Model]]
    noun: ClassVar[str] = "record"  # "deal", for messages
    # Match keys this target accepts (the first is the default) and how to say them.
    match_keys: ClassVar[tuple[str, ...]] = (MatchKey.EXTERNAL_ID,)
    # Columns the import may change on an existing record (updates write the whole set).
    update_columns: ClassVar[tuple[str, ...]] = ()
    search_kind: ClassVar[str | None] = None
    rules_entity: ClassVar[str | None] = None

    def __init__(self, *, job: Any, user: User, write: bool):
        self.job = job
        self.user = user
        self.write = write
        self.now = timezone.now()
        self.batch_rows = BATCH_ROWS
        options = job.options or {}
        self.default_country = (
            options.get("default_country") or settings.RAPPORT_DEFAULT_COUNTRY or "US"
        ).upper()
        self.date_order = options.get("date_order") or "DMY"
        self.decimal_comma = bool(options.get("decimal_comma"))
        self.default_currency = str(options.get("currency") or settings.RAPPORT_BASE_CURRENCY).upper()
        self.value_map: dict[str, dict[str, str]] = options.get("value_map") or {}
        if len(self.default_currency) != 3 or not self.default_currency.isalpha():
            raise ValidationError("The default currency must be a three-letter code, like EUR or USD.")
        self.headers: list[str] = list(job.headers or [])
        allowed = {f.key for f in fields_for(self.target, user)}
        self.columns: list[tuple[int, str]] = []
        for index, name in sorted((job.mapping or {}).items(), key=lambda kv: int(kv[0])):
            if not name:
                continue
            if name not in allowed:
                raise ValidationError(
                    f"Column {self.header(int(index))!r} is mapped to {name!r}, which is not a "
                    f"field of {self.target}; choose another field or ignore the column."
                )
            self.columns.append((int(index), name))
        self.mapped = {name for _, name in self.columns}
        if job.match_key not in self.match_keys:
            raise ValidationError(f"Match {self.target} by {self.match_keys_text()}.")
        # Create-or-update without an external id column simply creates every row.
        if (
            job.mode == Mode.UPDATE
            and job.match_key == MatchKey.EXTERNAL_ID
            and "external_id" not in self.mapped
        ):
            raise ValidationError(f"To update {self.target} by external id, map a column to External id.")
        if job.mode == Mode.UPDATE and job.match_key == MatchKey.RAPPORT_ID and "rapport_id" not in self.mapped:
            raise ValidationError(f"To update {self.target} by Rapport ID, map a column (the export's ID) to Rapport ID.")
        entity = CUSTOM_ENTITY.get(self.target)
        self.custom_defs = {f.key: f for f in CustomField.objects.filter(entity=entity)} if entity else {}
        missing = [
            f.label for f in self.custom_defs.values() if f.required and f"custom.{f.key}" not in self.mapped
        ]
        if missing and job.mode != Mode.UPDATE:
            raise ValidationError(
                f"The custom field {', '.join(missing)} is required for {self.target}; map a column to it."
            )
        self.owner_ids: dict[str, int] = owner_keys()
        self.assignable = set(assignable_users(user).values_list("id", flat=True))
        self.rules: Any = None
        if self.rules_entity:
            from rapport.customization.validation import rules_for

            rules = rules_for(self.rules_entity)
            self.rules = None if rules.empty else rules
        # Dry run: the match keys of earlier rows it would create, and the values earlier rows would give
        # each record they update, so a later row for the same record is judged as the run will judge it
        # (changes, or nothing changed). On disk, so memory stays flat whatever the file size.
        self.memory = DryRunMemory()
        self._planned_defaults: dict[str, Any] | None = None
        self._choice_cache: dict[tuple[str, str], str] = {}
        self._tag_ids: dict[str, int] = {}
        self._company_cache: dict[str, int] = {}
        self._datetimes: dict[str, dt.datetime] = {}
        self._batch: list[Prepared | Rejected] = []
        self._batch_keys: set[str] = set()
        self.check_mapping()

    # ------------------------------------------------------------ hooks for the targets

    def check_mapping(self) -> None:
        """Refuse mappings that cannot work (raise ValidationError with what to map)."""

    def parse_cell(self, name: str, cell: str, row: Prepared) -> None:
        """Put one non-empty cell into the row (raise ValidationError with a sentence when it is wrong)."""
        raise NotImplementedError

    def finish_row(self, row: Prepared, errors: list[str]) -> None:
        """Checks across cells, after every cell was parsed."""

    def resolve(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Look up related records for the batch; rows whose keys find nothing go to out.rejects."""
        return rows

    def create_problem(self, row: Prepared) -> str | None:
        """Why this row cannot create a new record (a missing name…), or None."""
        return None

    def natural_matches(self, rows: list[Prepared]) -> dict[int, tuple[int, str]]:
        """Row number -> (existing id, why) by the target's natural key (domain, order number)."""
        return {}

    def write_creates(self, rows: list[Prepared], result: BatchResult, out: Outcomes) -> None:
        raise NotImplementedError

    def rule_values(self, values: dict[str, Any], custom: dict[str, Any]) -> dict[str, Any]:
        return {**values, **{f"custom.{k}": v for k, v in custom.items()}}

    def sample(self, row: Prepared) -> dict[str, Any]:
        values = {k: json_safe(v) for k, v in row.values.items() if not k.endswith("_id")}
        values.update({k: v for k, v in row.keys.items() if v})
        if row.custom:
            values["custom"] = row.custom
        return {"row": row.row_number, "values": values}

    # ------------------------------------------------------------ helpers

    def match_keys_text(self) -> str:
        return match_keys_text(self.match_keys)

    def header(self, index: int) -> str:
        return self.headers[index] if index < len(self.headers) else f"column {index + 1}"

    def about(self, reason: str, *fields: str) -> str:
        """`reason` led by the header of the first column mapped to one of `fields` ("Deal - Stage: …").

        Reasons found after the cells were read (a company, stage or product that is not in Rapport)
        then name their column as a cell's own reasons do, and the dry run counts them under it.
        """
        header = self.header_of(*fields)
        return f"{header}: {reason}" if header else reason

    def header_of(self, *fields: str) -> str:
        """The header of the first column mapped to one of `fields` ("" when none is mapped)."""
        return next((self.header(index) for index, name in self.columns if name in fields), "")

    def text(self, cell: str, label: str, max_length: int) -> str:
        return text_clean(cell, label, max_length)

    def choice(
        self,
        cell: str,
        name: str,
        label: str,
        choices: list[tuple[str, str]],
        synonyms: Mapping[str, str] | None = None,
    ) -> str:
        found = self._choice_cache.get((name, cell))
        if found is not None:
            return found
        found = choice_or_synonym(cell, choices, label, self.value_map.get(name), synonyms)
        if len(self._choice_cache) < 10000:
            self._choice_cache[(name, cell)] = found
        return found

    def money(self, cell: str, label: str) -> tuple[Decimal, str]:
        """An amount and the currency written with it ("€ 1.234,56", "1,234.56 USD"); refuses negatives."""
        text = cell.strip().upper()
        currency = ""
        for sign, code in CURRENCY_SIGNS.items():
            if sign in text:
                currency, text = code, text.replace(sign, "")
                break
        else:
            letters = "".join(ch for ch in text if ch.isalpha())
            if len(letters) == 3:
                currency, text = letters, text.replace(letters, "")
        try:
            amount = number_parse(text, self.decimal_comma)
        except ValidationError:
            raise ValidationError(f"{cell!r} is not an amount; write it like 1234.56 or 1.234,56.")
        if amount < 0:
            raise ValidationError(f"{label} cannot be negative ({cell!r}).")
        if amount > MAX_AMOUNT:
            raise ValidationError(f"{label} {cell!r} is too large.")
        return amount.quantize(Decimal("0.01")), currency

    def currency(self, cell: str) -> str:
        code = cell.strip().upper()
        code = CURRENCY_SIGNS.get(code, code)
        if len(code) != 3 or not code.isalpha():
            raise ValidationError(f"{cell!r} is not a currency; use a three-letter code, like EUR or USD.")
        return code

    def quantity(self, cell: str, label: str = "Quantity") -> Decimal:
        value = number_parse(cell, self.decimal_comma)
        if value <= 0:
            raise ValidationError(f"{label} must be more than zero (it is {cell!r}).")
        if value > MAX_QUANTITY:
            raise ValidationError(f"{label} {cell!r} is too large.")
        return value.quantize(Decimal("0.001"))

    def integer(self, cell: str, label: str, low: int, high: int) -> int:
        value = number_parse(cell, self.decimal_comma)
        if value != value.to_integral_value():
            raise ValidationError(f"{label} must be a whole number (it is {cell!r}).")
        if not low <= value <= high:
            raise ValidationError(f"{label} must be between {low} and {high} (it is {cell!r}).")
        return int(value)

    def date(self, cell: str, label: str) -> dt.date:
        value = date_parse(cell, self.date_order)
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ValidationError(f"{label} {cell!r} is out of range; use a date between 1900 and 2200.")
        return value

    def datetime(
        self, cell: str, label: str, *, past: bool = False, future_days: int | None = None
    ) -> dt.datetime:
        # Exports repeat dates (every line of an order, a day's activities): parse each text once.
        value = self._datetimes.get(cell)
        if value is None:
            value = datetime_parse(cell, self.date_order)
            if len(self._datetimes) < 100_000:
                self._datetimes[cell] = value
        if not FIRST_DATE <= value.date() <= LAST_DATE:
            raise ValidationError(f"{label} {cell!r} is out of range; use a date between 1900 and 2200.")
        if past and value > self.now:
            raise ValidationError(f"{label} {cell!r} is in the future; it must be in the past.")
        if future_days is not None and value > self.now + dt.timedelta(days=future_days):
            raise ValidationError(
                f"{label} {cell!r} is too far in the future (more than {future_days} days ahead)."
            )
        return value

    def boolean(self, cell: str, label: str) -> bool:
        try:
            return boolean_parse(cell)
        except ValidationError:
            raise ValidationError(f"{label} {cell!r} is not yes or no.")

    def email(self, cell: str) -> str:
        return email_fast(cell)

    def phone(self, cell: str, country: str = "") -> str:
        return phone_fast(cell, country or self.default_country)

    def rule_errors(self, values: dict[str, Any], custom: dict[str, Any]) -> list[str]:
        """The admin's validation rules broken by these values (none when there are no rules)."""
        if self.rules is None:
            return []
        return list(self.rules.errors(self.rule_values(values, custom)))

    def customers_promote(self, contact_ids: Iterable[int], result: BatchResult) -> None:
        """Contacts who bought (or won a deal) become customers, as the order and deal services do.

        The ids are kept per earlier stage in created_ranges ("lifecycle:lead": runs), so undo can put
        each contact back where it was.
        """
        ids = sorted(set(contact_ids))
        if not ids:
            return
        earlier = ("subscriber", "lead", "opportunity")
        by_stage: dict[str, list[int]] = {}
        for pk, stage in db.query_in(
            "SELECT id, lifecycle_stage FROM contacts_contact WHERE lifecycle_stage IN (%s, %s, %s) AND id IN ({})",
            ids,
            earlier,
        ):
            by_stage.setdefault(stage, []).append(pk)
        for stage, stage_ids in by_stage.items():
            db.exec_in(
                "UPDATE contacts_contact SET lifecycle_stage = 'customer' WHERE lifecycle_stage = %s AND id IN ({})",
                stage_ids,
                [stage],
            )
            result.created_ranges.setdefault(f"lifecycle:{stage}", []).extend(runs_of(stage_ids))

    def event(self, pk: int, row: Prepared, links: dict[str, Any]) -> dict[str, Any]:
        """The "imported" timeline event of one created record."""
        return {
            "occurred_at": self.now,
            "actor_id": self.user.pk,
            "kind": "imported",
            "summary": f"Imported from {self.job.original_name}"[:250] + f" (row {row.row_number})",
            "data": {"import": self.job.pk, "row": row.row_number, "record": f"{self.kind}:{pk}"},
            **{k: v for k, v in links.items() if v is not None},
        }

    # ------------------------------------------------------------ transform

    def transform(self, row_number: int, cells: list[str]) -> Prepared | Rejected:
        """Validate and convert one row; every problem of the row is named in the reason."""
        if len(cells) > len(self.headers) and any(c.strip() for c in cells[len(self.headers) :]):
            return Rejected(
                row_number,
                cells,
                (
                    f"This row has {len(cells)} cells but the header has {len(self.headers)}; a value probably "
                    "contains the delimiter without quotes."
                ),
            )
        row = Prepared(row_number=row_number, cells=cells)
        errors: list[str] = []
        for index, name in self.columns:
            cell = cells[index].strip() if index < len(cells) else ""
            if not cell:
                continue
            try:
                if name == "external_id":
                    row.external_id = self.text(cell, "External id", 100)
                elif name == "rapport_id":
                    row.extra["rapport_id"] = rapport_id_parse(cell)
                elif name == "owner":
                    row.values["owner_id"] = self.owner(cell)
                elif name == "tags":
                    row.tags = self.tags(cell)
                elif name.startswith("custom."):
                    row.custom[name[7:]] = self.custom_value(name[7:], cell)
                else:
                    self.parse_cell(name, cell, row)
            except ValidationError as exc:
                errors.append(f"{self.header(index)}: {' '.join(exc.messages)}")
        if not errors:
            self.finish_row(row, errors)
        if errors:
            return Rejected(row_number, cells, join_errors(errors), partial=row)
        return row

    # ------------------------------------------------------------ batching

    def add(self, item: Prepared | Rejected, flush: Callable[[], None]) -> None:
        """Queue a row; a row repeating a key already in the batch flushes the batch first."""
        if isinstance(item, Prepared):
            keys = self.row_match_keys(item)
            if self._batch_keys.intersection(keys):
                flush()
            self._batch_keys.update(keys)
        self._batch.append(item)

    def take_batch(self) -> list[Prepared | Rejected]:
        batch, self._batch, self._batch_keys = self._batch, [], set()
        return batch

    @property
    def pending(self) -> int:
        return len(self._batch)

    # ------------------------------------------------------------ matching

    def external_matches(self, rows: list[Prepared]) -> dict[int, tuple[int, str]]:
        by_ext = db.external_keys_find(self.target, self.model._meta.db_table,
                                       [r.external_id for r in rows if r.external_id])
        return {
            r.row_number: (by_ext[r.external_id], "same external id") for r in rows if r.external_id in by_ext
        }

    def matches(self, rows: list[Prepared]) -> dict[int, tuple[int | None, str]]:
        found: dict[int, tuple[int | None, str]] = {}
        if self.job.match_key == MatchKey.EXTERNAL_ID:
            found.update(self.external_matches(rows))
        elif self.job.match_key == MatchKey.RAPPORT_ID:
            found.update(rapport_matches(self.model, self.user, [
                (r.row_number, r.extra["rapport_id"], r.extra.get("created_at")) for r in rows if "rapport_id" in r.extra]))
        else:
            found.update(self.natural_matches(rows))
        if not self.write:
            earlier = self.memory.first_rows(
                k for r in rows if r.row_number not in found for k in self.row_match_keys(r))
            for r in rows:
                if r.row_number in found:
                    continue
                seen = next((earlier[k] for k in self.row_match_keys(r) if k in earlier), None)
                if seen is not None:
                    found[r.row_number] = (planned_id(seen), f"same as row {seen} of this file")
        return found

    def row_match_keys(self, row: Prepared) -> list[str]:
        return row.match_keys()

    def remembered_keys(self, row: Prepared) -> list[str]:
        """What a dry run remembers of a row it would create: its match keys (a later row repeating it), and
        what else later rows may find it by (a company's parent cell, CompanyImporter)."""
        return self.row_match_keys(row)

    def resolve_all(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """resolve() the rows, and the rows rejected for their cells too, then reject every row a related
        record refused (RelatedLookups.refuse) with all its reasons: a row with a bad date and an unknown
        company says both, and its fixed version is not rejected again for the second."""
        rejected = {r.row_number: r for r in out.rejects if r.partial is not None}
        partial = [r.partial for r in rejected.values() if r.partial is not None]
        kept = []
        for r in self.resolve(rows + partial, out):
            if r.row_number in rejected:
                if r.refused:
                    rejected[r.row_number].reason = join_errors([rejected[r.row_number].reason, *r.refused])
            elif r.refused:
                out.rejects.append(Rejected(r.row_number, r.cells, join_errors(r.refused)))
            else:
                kept.append(r)
        for item in rejected.values():
            item.partial = None  # nothing more to look up; not kept with the batch's outcome
        return kept

    # ------------------------------------------------------------ processing

    def process(self, batch: list[Prepared | Rejected]) -> BatchResult:
        """Resolve, match and (unless dry run) write one batch; return its outcome counts."""
        result = BatchResult()
        out = Outcomes(rejects=[r for r in batch if isinstance(r, Rejected)])
        prepared = self.resolve_all([r for r in batch if isinstance(r, Prepared)], out)
        self.sort_outcomes(prepared, out)
        if not self.write:
            self.memory.remember((k, r.row_number) for r in out.creates for k in self.remembered_keys(r))
            # What each new record would hold, for a later row of the file that repeats it: the run finds
            # the record in the database and compares; the dry run compares with this.
            self.memory.plan({planned_id(r.row_number): self.planned_record(r) for r in out.creates})
            self.count_alongside(out.creates, result)
            # Update rows get the checks of the real run (rules on the record as it will be, rights,
            # "nothing changed"), reading the matched records and writing nothing.
            planned = self.plan_updates(out)
            result.created = len(out.creates)
            result.updated = len(planned)
            result.skipped = len(out.skips)
            result.rejected = len(out.rejects)
            result.samples = [self.sample(r) for r in out.creates[:3]]
            result.rejections = sorted((r.row_number, r.reason) for r in out.rejects)
            result.matched = sorted(
                [dry_run_match(p[0].row_number, p[1], "updated", out.why.get(p[0].row_number, ""), p[5])
                 for p in planned]
                + [dry_run_match(n, rid, "skipped", reason) for n, rid, reason in out.skips],
                key=lambda m: m["row"])
            return result
        self.write_updates(out)
        self.write_creates(out.creates, result, out)
        result.created = len(out.creates)
        result.updated = len(out.updated)
        result.skipped = len(out.skips)
        result.rejected = len(out.rejects)
        self.write_outcome_rows(out)
        result.rejections = sorted((r.row_number, r.reason) for r in out.rejects)
        return result

    def sort_outcomes(self, prepared: list[Prepared], out: Outcomes) -> None:
        """Split rows into creates, updates and skips by the job's mode and the matches found."""
        matches = self.matches(prepared)
        mode = self.job.mode
        visible = (
            self.visible_ids(self.model, [m[0] for m in matches.values() if m[0]]) if mode == Mode.CREATE else set()
        )
        for r in prepared:
            match = matches.get(r.row_number)
            if match is None:
                if mode == Mode.UPDATE:
                    what = {MatchKey.EXTERNAL_ID: "external id", MatchKey.RAPPORT_ID: "Rapport ID"}.get(
                        self.job.match_key) or self.natural_key_text()
                    out.skips.append(
                        (r.row_number, None, f"No existing {self.noun} has this {what}; nothing to update.")
                    )
                    continue
                problem = self.create_problem(r)
                # A related record named by the row but created only when the row is written (a lead's
                # new company) counts as given: its key stands in for the id the rules would read.
                named = {k: v for k, v in r.keys.items() if v and f"{k}_id" not in r.values}
                problems = [problem] if problem else self.rule_errors({**named, **r.values}, r.custom)
                if problems:
                    out.rejects.append(Rejected(r.row_number, r.cells, join_errors(problems)))
                    continue
                out.creates.append(r)
            else:
                record_id, why = match
                if mode == Mode.CREATE:
                    if record_id and record_id > 0:
                        out.skips.append((r.row_number, *duplicate_refusal(self.noun, record_id,
                                                                           record_id in visible, why)))
                    else:
                        reason = f"Duplicate of {why.replace('same as ', '')} ({why.split(' row')[0]})."
                        out.skips.append((r.row_number, None, reason))
                else:
                    out.updates.append((r, record_id or 0))
                    out.why[r.row_number] = why

    def natural_key_text(self) -> str:
        return "key"

    def write_outcome_rows(self, out: Outcomes) -> None:
        job = self.job.pk
        rows = (
            [
                (job, r.row_number, Outcome.REJECTED, None, r.reason, db.db_json(r.cells), "{}")
                for r in out.rejects
            ]
            + [(job, n, Outcome.SKIPPED, rid, reason, "[]", "{}") for n, rid, reason in out.skips]
            + [(job, n, Outcome.UPDATED, rid, "", "[]", db.db_json(before)) for n, rid, before in out.updated]
        )
        if rows:
            db.rows_insert(
                "imports_importrow",
                ["job_id", "row_number", "outcome", "object_id", "reason", "cells", "before"],
                rows,
            )

    def external_keys_insert(self, pairs: list[tuple[str, int]]) -> None:
        if pairs:
            db.rows_insert(
                "imports_externalkey",
                ["target", "external_id", "object_id", "job_id"],
                [(self.target, ext, pk, self.job.pk) for ext, pk in pairs],
            )

    # ------------------------------------------------------------ new records

    def new_values(self, row: Prepared) -> dict[str, Any]:
        """The column values a record created from the row gets (besides id and times): the row's own, the
        target's defaults for what it leaves out. write_creates writes them; the dry run remembers them."""
        values = {"owner_id": self.user.pk, **row.values}
        if any(f.column == "custom" for f in self.model._meta.concrete_fields):
            values["custom"] = row.custom
        return values

    def finish(self) -> list[str]:
        """After the last batch (of the import or the dry run): work that waited for the whole file; returns
        sentences for the outcome (CompanyImporter: parents further down the file)."""
        return []

    def count_alongside(self, creates: list[Prepared], result: BatchResult) -> None:
        """Dry run: count in `result` the records the run would create beside the target's (new_companies)."""

    def planned_record(self, row: Prepared) -> dict[str, Any]:
        """Dry run: the record the row would create, in the columns plan_updates reads from a stored one."""
        if self._planned_defaults is None:
            fields = {f.column: f for f in self.model._meta.concrete_fields}
            columns = [*self.update_columns, *(self.rule_columns() if self.rules else [])]
            self._planned_defaults = {c: fields[c].get_default() if c in fields else None for c in columns}
        record = dict(self._planned_defaults)
        record.update({k: v for k, v in self.new_values(row).items() if k in record})
        return {**record, "id": planned_id(row.row_number), "version": 1}

    def record_label(self, record_id: int) -> str:
        """"Company #12", or "Row 7 of this file" for a record an earlier row of a dry-run file would create."""
        if record_id < 0:
            return f"Row {-record_id} of this file"
        return f"{self.noun.capitalize()} #{record_id}"

    # ------------------------------------------------------------ updates

    def editable_ids(self, ids: list[int]) -> set[int]:
        manager: Any = self.model.all_objects  # type: ignore[attr-defined]
        found: set[int] = set()
        for start in range(0, len(ids), db.IN_CHUNK):
            found.update(
                manager.editable_by(self.user)
                .filter(pk__in=ids[start : start + db.IN_CHUNK], deleted_at__isnull=True)
                .values_list("id", flat=True)
            )
        return found

    def update_values(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        """Target-specific values of an update, set before the rules are checked; no writes (the dry run calls
        it too). Return a rejection reason to refuse the row."""
        return None

    def update_extra(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        """Target-specific writes of an accepted update (tags, stage history); return a reason to refuse the row."""
        return None

    def update_changes_more(self, row: Prepared, changes: dict[str, Any]) -> bool:
        """Whether the row changes more than columns (tags, found by update_values), so an update without
        column changes is not skipped."""
        return False

    def after_updates(self, ids: list[int]) -> None:
        """Set-based follow-ups of the batch's updates (search entries, summaries)."""
        if self.search_kind and ids:
            search_reindex(self.search_kind, runs_of(ids))

    def rule_columns(self) -> list[str]:
        """Columns read from matched records besides update_columns: every other one a rule may name."""
        names = set(self.update_columns) | {"id", "version"}
        return [
            str(f.column)
            for f in self.model._meta.concrete_fields
            if f.column and f.editable and f.column not in names and not f.primary_key
        ]

    def plan_updates(
        self, out: Outcomes
    ) -> list[tuple[Prepared, int, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]]:
        """Check the batch's update rows against the matched records, writing nothing.

        Each row is applied to its record: its non-empty cells over the stored values. The admin's
        validation rules are checked against that result (the record as it will be), so a required field
        the row leaves empty passes when the record already has a value. Rows that may not or need not
        change their record go to out.skips, rows breaking a rule to out.rejects; the rest are returned as
        (row, record id, old, new, before, changes). Dry run: a row matching an earlier row of the file
        (record id 0) has no stored record to check and is returned as it is.
        """
        if not out.updates:
            return []
        table = self.model._meta.db_table
        ids = sorted({rid for _, rid in out.updates if rid > 0})
        # Dry run: records an earlier row of the file would create (planned_id), as planned_record kept them.
        pending = sorted({rid for _, rid in out.updates if rid < 0})
        editable = (self.editable_ids(ids) if ids else set()) | set(pending)
        visible = self.visible_ids(self.model, [rid for rid in ids if rid not in editable])
        columns = ["id", "version", *self.update_columns, *(self.rule_columns() if self.rules else [])]
        current = (
            {
                row[0]: dict(zip(columns, row, strict=True))
                for row in db.query_in(f"SELECT {', '.join(columns)} FROM {table} WHERE id IN ({{}})", ids)
            }
            if ids
            else {}
        )
        earlier: dict[int, dict[str, Any]] = {} if self.write else self.memory.planned([*current, *pending])
        for rid, values in earlier.items():
            current.setdefault(rid, {}).update(values)
        fields = {f.column: f for f in self.model._meta.concrete_fields}
        # A row naming the record's own company (or parent) keeps it, also when a namesake has a smaller id.
        links = (("company", "company_id"), ("parent", "parent_id"))
        own = companies_named_by(
            (r.keys[key], current.get(rid, {}).get(column)) for r, rid in out.updates for key, column in links
            if r.keys.get(key) and r.values.get(column) not in (None, current.get(rid, {}).get(column)))
        planned: list[
            tuple[Prepared, int, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]
        ] = []
        touched: set[int] = set()
        for r, rid in out.updates:
            if rid not in current and not self.write:
                planned.append((r, rid, {}, {}, {}, {}))  # a record the dry run cannot know (kept no plan)
                continue
            if rid not in editable:
                out.skips.append((r.row_number, *update_refusal(self.noun, rid, rid in visible)))
                continue
            if rid in touched:
                out.skips.append(
                    (
                        r.row_number,
                        rid,
                        f"{self.noun.capitalize()} #{rid} was already updated by an "
                        "earlier row of this batch.",
                    )
                )
                continue
            old = current[rid]
            new = dict(old)
            before: dict[str, Any] = {}
            changes: dict[str, Any] = {}
            for key, column in links:
                if r.keys.get(key) and (r.keys[key], old.get(column)) in own:
                    r.values[column] = old[column]
            for name, value in r.values.items():
                if name not in old or value in ("", None):
                    continue
                if not same_value(fields.get(name), old[name], value):
                    before[name] = json_safe(old[name])
                    changes[name] = [json_safe(old[name]), json_safe(value)]
                    new[name] = value
            if "custom" in old and r.custom:
                custom = json_load(old["custom"])
                merged = {**custom, **r.custom}
                if merged != custom:
                    before["custom"] = custom
                    changes["custom"] = [custom, merged]
                    new["custom"] = merged
            refused = self.update_values(r, rid, old, new, before, changes)
            if refused:
                out.rejects.append(Rejected(r.row_number, r.cells, refused))
                continue
            if not before and not self.update_changes_more(r, changes):
                out.skips.append((r.row_number, rid, f"{self.record_label(rid)} already has these values; nothing changed."))
                continue
            problems = (
                self.rule_errors(
                    {
                        k: (json_load(v) if k == "custom" else v)
                        for k, v in new.items()
                        if k not in ("id", "version")
                    },
                    json_load(new["custom"]) if "custom" in new else {},
                )
                if self.rules
                else []
            )
            if problems:
                out.rejects.append(Rejected(r.row_number, r.cells, join_errors(problems)))
                continue
            touched.add(rid)
            planned.append((r, rid, old, new, before, changes))
            if not self.write:
                earlier[rid] = {**earlier.get(rid, {}), **{k: new[k] for k in changes if k in new}}
        if not self.write:
            self.memory.plan({rid: earlier[rid] for rid in touched if rid in earlier})
        return planned

    def write_updates(self, out: Outcomes) -> None:
        """Apply the rows' non-empty cells to the matched records, keeping the values before for undo."""
        planned = self.plan_updates(out)
        if not planned:
            return
        table = self.model._meta.db_table
        statements: list[tuple[Any, ...]] = []
        events: list[dict[str, Any]] = []
        touched: set[int] = set()
        for r, rid, old, new, before, changes in planned:
            refused = self.update_extra(r, rid, old, new, before, changes)
            if refused:
                out.rejects.append(Rejected(r.row_number, r.cells, refused))
                continue
            if not before:
                out.skips.append(
                    (
                        r.row_number,
                        rid,
                        f"{self.noun.capitalize()} #{rid} already has these values; nothing changed.",
                    )
                )
                continue
            touched.add(rid)
            before["version"] = old["version"]
            statements.append(
                tuple(
                    db.db_json(new[c]) if c == "custom" and isinstance(new[c], dict) else to_db(new[c])
                    for c in self.update_columns
                )
                + (db.db_time(self.now), rid)
            )
            events.append(self.update_event(r, rid, old, new, changes))
            out.updated.append((r.row_number, rid, before))
        if statements:
            sets = ", ".join(f"{c} = %s" for c in self.update_columns)
            db.rows_execute_many(
                f"UPDATE {table} SET {sets}, updated_at = %s, version = version + 1 WHERE id = %s", statements
            )
            self.after_updates(sorted(touched))
        if events:
            from rapport.activities.models import TimelineEvent

            model_insert(TimelineEvent, events)

    def update_event(
        self, row: Prepared, rid: int, old: dict[str, Any], new: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        links = self.links_of(rid, new)
        return {
            "occurred_at": self.now,
            "actor_id": self.user.pk,
            "kind": "updated",
            "summary": f"Changed {', '.join(sorted(changes))} (import #{self.job.pk}, row {row.row_number})"[
                :300
            ],
            "data": {
                "record": f"{self.kind}:{rid}",
                "version": int(old["version"]) + 1,
                "import": self.job.pk,
                "changes": changes,
            },
            **links,
        }

    def links_of(self, rid: int, values: dict[str, Any]) -> dict[str, Any]:
        """Timeline links of a record given its column values."""
        links = {f"{self.kind}_id": rid} if self.kind in ("contact", "company", "lead", "deal") else {}
        for name in ("contact_id", "company_id", "lead_id", "deal_id"):
            if name not in links and values.get(name):
                links[name] = values[name]
        return links
