"""Importing contacts: row transforms and validation, duplicate matching, and set-based writes per batch.

A batch is written in one transaction together with the job's checkpoint. Creates reserve their ids
first, so each batch records the ranges it created (undo deletes exactly those). Emails, phones,
tags, search entries and an "imported" timeline event are written with the contacts, all through the
raw driver (see services/db.py); the search index takes each batch's entries in one set-based statement
(rapport.search.services.search_entries_insert / _update).

transform() only reads what __init__ loaded (one compiled handler per mapped column), so large files are
transformed in a forked worker process while this one matches and writes (jobs.transformed_rows).
Where the time goes at a million rows, and why: bench/README.md, "Import".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.accounts.models import User
from rapport.accounts.permissions import assignable_users
from rapport.contacts.choices import Channel, LifecycleStage
from rapport.contacts.models import Contact
from rapport.customization.choices import Entity
from rapport.customization.models import CustomField
from rapport.customization.services import tags_named
from rapport.customization.validation import rules_for
from rapport.imports.choices import MatchKey, Mode, Outcome
from rapport.imports.services import db
from rapport.imports.services.dry_memory import DryRunMemory, planned_id
from rapport.imports.services.fastnorm import email_fast, phone_fast
from rapport.imports.services.mapping import fields_for
from rapport.imports.services.people import split_name
from rapport.imports.services.rapport_ids import rapport_id_parse, rapport_matches
from rapport.imports.services.related import companies_named_by
from rapport.imports.services.rows import BatchResult, dry_run_match, duplicate_refusal, update_refusal
from rapport.imports.services.transforms import (
    choice_or_synonym,
    datetime_parse,
    text_clean,
)
from rapport.imports.services.values import CellValues, cell_addresses, owner_keys, person_email, person_name
from rapport.search.services import search_entries_insert, search_entries_update

TEXT_FIELDS = {"first_name": 100, "last_name": 100, "title": 100, "street": 200, "city": 100, "region": 100,
               "postal_code": 20}
LIFECYCLE_CHOICES = list(LifecycleStage.choices)
# The stages other CRMs export under other names (HubSpot's own lifecycle stages and their API values,
# Salesforce and Dynamics account and relationship types), by transforms.synonym_key. "Other" is not here:
# what it means differs per company, so the wizard asks (Values to match).
LIFECYCLE_SYNONYMS = {
    **dict.fromkeys(["marketing qualified lead", "marketingqualifiedlead", "mql", "sales qualified lead",
                     "salesqualifiedlead", "sql", "qualified lead", "prospect", "suspect"], LifecycleStage.LEAD),
    **dict.fromkeys(["customer - direct", "customer - channel", "client", "active customer", "paying customer"],
                    LifecycleStage.CUSTOMER),
    **dict.fromkeys(["former customer", "lost customer", "churned customer", "ex-customer", "ex customer",
                     "cancelled", "canceled"], LifecycleStage.CHURNED),
    **dict.fromkeys(["advocate", "promoter", "ambassador"], LifecycleStage.EVANGELIST),
    **dict.fromkeys(["newsletter subscriber", "subscribed", "newsletter"], LifecycleStage.SUBSCRIBER),
}
CHANNEL_CHOICES = list(Channel.choices)
# Phone columns: field -> (the number's kind, whether a cell may hold several numbers separated by ; or ,).
PHONE_FIELDS = {"phone": ("work", False), "mobile": ("mobile", False), "home_phone": ("home", False),
                "other_phones": ("other", True)}
CONTACT_COLUMNS = ["first_name", "last_name", "title", "company_id", "owner_id", "lifecycle_stage",
                   "preferred_channel", "street", "city", "region", "postal_code", "country", "email", "phone",
                   "custom"]


@dataclass(slots=True)
class PreparedRow:
    """A row that passed validation, ready to be matched and written."""

    row_number: int
    values: dict[str, Any]
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    company: str = ""
    external_id: str = ""
    tags: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    created_at: dt.datetime | None = None
    rapport_id: int | None = None  # the ID column of a Rapport export (match by Rapport ID)
    # Search entry of a new contact (title and text), made by transform() where it runs in parallel.
    title: str = ""
    search_text: str = ""
    # Admin validation rules the row fails on its own. A row that may update an existing contact is
    # judged after matching, on the contact as the update would leave it (empty cells keep the
    # contact's values); `cells` is kept for the rejected-rows file.
    rule_errors: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)

    def match_keys(self) -> list[str]:
        """Keys that identify this person within the file (to keep one batch free of repeats)."""
        keys = [f"e:{e}" for e in self.emails]
        if self.external_id:
            keys.append(f"x:{self.external_id}")
        if self.rapport_id:
            keys.append(f"i:{self.rapport_id}")
        if not self.emails:
            keys += [f"p:{p}" for p, _ in self.phones]
        return keys


@dataclass(slots=True)
class RejectedRow:
    row_number: int
    cells: list[str]
    reason: str


class _Scratch:
    """Per-row values that are only needed while the row is transformed."""

    __slots__ = ("country", "full_name", "mail_name", "phones")

    def __init__(self) -> None:
        self.full_name = ""
        self.mail_name = ""  # the name of a mail-style email cell ("Jane Doe <jane@…>")
        self.country = ""
        self.phones: list[tuple[int, str, str]] = []


Handler = Callable[[str, PreparedRow, _Scratch], None]


class ContactImporter(CellValues):
    """Transform, match and write contact rows of one job."""

    target = "contacts"
    # transform() reads only what __init__ loaded, never the database: it may run in a forked process.
    transform_in_worker = True

    def __init__(self, *, job: Any, user: User, write: bool):
        self.job = job
        self.user = user
        self.write = write
        self.now = timezone.now()
        options = job.options or {}
        self.default_country = (options.get("default_country") or settings.RAPPORT_DEFAULT_COUNTRY or "US").upper()
        self.date_order = options.get("date_order") or "DMY"
        self.decimal_comma = bool(options.get("decimal_comma"))
        self.value_map: dict[str, dict[str, str]] = options.get("value_map") or {}
        self.headers: list[str] = list(job.headers or [])
        allowed = {f.key for f in fields_for(self.target, user)}
        self.columns: list[tuple[int, str]] = []
        for index, name in sorted((job.mapping or {}).items(), key=lambda kv: int(kv[0])):
            if not name:
                continue
            if name not in allowed:
                raise ValidationError(f"Column {self.header(int(index))!r} is mapped to {name!r}, which is not a "
                                      "field of contacts; choose another field or ignore the column.")
            self.columns.append((int(index), name))
        mapped = {name for _, name in self.columns}
        if not mapped & {"first_name", "last_name", "full_name", "email"}:
            raise ValidationError("Map at least one column to a name or the email: a contact needs one of them.")
        if job.mode != Mode.CREATE and job.match_key == MatchKey.EXTERNAL_ID and "external_id" not in mapped:
            raise ValidationError("To update contacts by external id, map a column to External id.")
        if job.mode == Mode.UPDATE and job.match_key == MatchKey.RAPPORT_ID and "rapport_id" not in mapped:
            raise ValidationError("To update contacts by Rapport ID, map a column (the export's ID) to Rapport ID.")
        if job.mode != Mode.CREATE and job.match_key == MatchKey.EMAIL and "email" not in mapped:
            raise ValidationError("To update contacts by email, map a column to Email.")
        self.custom_defs = {f.key: f for f in CustomField.objects.filter(entity="contact")}
        missing = [f.label for f in self.custom_defs.values() if f.required and f"custom.{f.key}" not in mapped]
        if missing:
            raise ValidationError(f"The custom field {', '.join(missing)} is required for contacts; map a column to it.")
        self.owner_ids: dict[str, int] = owner_keys()
        self.assignable = set(assignable_users(user).values_list("id", flat=True))
        self.company_ids: dict[str, int] = {}
        self._tag_ids: dict[str, int] = {}
        # Dry run only: the match keys of earlier rows it would create (a real run finds them in the
        # database), and what earlier rows would give each contact they update, as (changed values, added
        # emails, added phones, added tag ids), so a later row for the same contact is judged as the run
        # judges it. On disk, so memory stays flat whatever the file size.
        self.memory = DryRunMemory()
        self._choice_cache: dict[tuple[str, str], str] = {}
        self._created_cache: dict[str, dt.datetime] = {}
        self.required_custom = [key for key, f in self.custom_defs.items() if f.required]
        self.rules = rules_for(Entity.CONTACT)
        self._batch: list[PreparedRow | RejectedRow] = []
        self._batch_keys: set[str] = set()
        self._handlers = self._compile()

    def header(self, index: int) -> str:
        return self.headers[index] if index < len(self.headers) else f"column {index + 1}"

    # ------------------------------------------------------------ transform

    def _compile(self) -> list[tuple[int, str, Handler]]:
        """One handler per mapped column, chosen once per job: the row loop has no per-cell if-chain."""
        handlers: list[tuple[int, str, Handler]] = []
        for index, name in self.columns:
            handlers.append((index, self.header(index), self._handler(name, index)))
        return handlers

    def _handler(self, name: str, index: int) -> Handler:  # noqa: C901 - one small closure per field
        if name in TEXT_FIELDS:
            label, limit = self._label(name), TEXT_FIELDS[name]

            def text(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.values[name] = text_clean(cell, label, limit)

            return text
        if name == "full_name":
            def full_name(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                scratch.full_name = text_clean(cell, "Full name", 201)

            return full_name
        if name == "email":
            def email(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                try:
                    address = email_fast(cell)
                except ValidationError:
                    # A person as mail clients write one ("Jane Doe <jane@…>"): the address, and the name
                    # for a row without a name column.
                    address = person_email(cell)
                    scratch.mail_name = person_name(cell)
                if address in row.emails:
                    row.emails.remove(address)
                row.emails.insert(0, address)

            return email
        if name == "email_2":
            def other_emails(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                try:
                    addresses = [email_fast(cell)]
                except ValidationError:
                    # Several addresses ("a@x.com; b@y.com", as Rapport's own export writes Other emails), each
                    # maybe written as a person; a cell with none keeps the reason that quotes it.
                    found = cell_addresses(cell)
                    if not found:
                        raise
                    addresses = [email_fast(a) for a in found]
                for address in addresses:
                    if address not in row.emails:
                        row.emails.append(address)

            return other_emails
        if name in PHONE_FIELDS:
            kind, several = PHONE_FIELDS[name]

            def phone(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                # Normalised after the whole row is read: the row's own country may come later.
                if several and (";" in cell or "," in cell or "\n" in cell):
                    scratch.phones.extend((index, n.strip(), kind) for n in re.split(r"[;,\n]", cell) if n.strip())
                else:
                    scratch.phones.append((index, cell, kind))

            return phone
        if name == "company":
            def company(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.company = text_clean(cell, "Company", 200)

            return company
        if name == "owner":
            def owner(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.values["owner_id"] = self.owner(cell)

            return owner
        if name in ("lifecycle_stage", "preferred_channel"):
            label, choices = (("Lifecycle stage", LIFECYCLE_CHOICES) if name == "lifecycle_stage"
                              else ("Preferred channel", CHANNEL_CHOICES))

            def choice(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.values[name] = self._choice(cell, name, label, choices)

            return choice
        if name == "country":
            def country(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                scratch.country = row.values["country"] = self.country(cell)

            return country
        if name == "external_id":
            def external_id(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.external_id = text_clean(cell, "External id", 100)

            return external_id
        if name == "tags":
            def tags(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.tags = self.tags(cell)

            return tags
        if name == "rapport_id":
            def rapport_id(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.rapport_id = rapport_id_parse(cell)

            return rapport_id
        if name == "created_at":
            def created_at(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.created_at = self._created(cell)

            return created_at
        if name.startswith("custom."):
            key = name[7:]

            def custom(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
                row.custom[key] = self.custom_value(key, cell)

            return custom

        def ignored(cell: str, row: PreparedRow, scratch: _Scratch) -> None:
            return None

        return ignored

    def transform(self, row_number: int, cells: list[str]) -> PreparedRow | RejectedRow:
        """Validate and convert one row; every problem of the row is named in the reason."""
        width = len(self.headers)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            return RejectedRow(row_number, cells, (
                f"This row has {len(cells)} cells but the header has {width}; a value probably "
                "contains the delimiter without quotes."))
        row = PreparedRow(row_number=row_number, values={})
        scratch = _Scratch()
        errors: list[str] = []
        count = len(cells)
        for index, header, handle in self._handlers:
            if index >= count:
                continue
            cell = cells[index].strip()
            if not cell:
                continue
            try:
                handle(cell, row, scratch)
            except ValidationError as exc:
                errors.append(f"{header}: {' '.join(exc.messages)}")
        values = row.values
        if scratch.phones:
            region = scratch.country or self.default_country
            for index, cell, kind in scratch.phones:
                try:
                    number = phone_fast(cell, region)
                except ValidationError as exc:
                    errors.append(f"{self.header(index)}: {' '.join(exc.messages)}")
                    continue
                if all(number != p for p, _ in row.phones):
                    row.phones.append((number, kind))
        for key in self.required_custom:
            if key not in row.custom:
                errors.append(f"{self.custom_defs[key].label} is required.")
        full_name = scratch.full_name or scratch.mail_name
        if full_name and not (values.get("first_name") or values.get("last_name")):
            first, last = split_name(full_name)
            if len(first) > 100 or len(last) > 100:
                errors.append("Full name is too long (at most 100 characters each for first and last name).")
            values["first_name"], values["last_name"] = first, last
        if not errors and not (values.get("first_name") or values.get("last_name") or row.emails):
            errors.append("This row has no name and no email; a contact needs one of them.")
        rule_errors: list[str] = []
        if not errors and not self.rules.empty:
            # Admin validation rules (rapport.customization.validation): the same checks as forms and API.
            rule_errors = self.rules.errors(self._rule_values(row))
            if self.job.mode == Mode.CREATE:
                errors.extend(rule_errors)
            elif rule_errors:
                row.rule_errors, row.cells = rule_errors, cells
        if errors:
            return RejectedRow(row_number, cells, _sentences(errors))
        first, last = values.get("first_name", ""), values.get("last_name", "")
        row.title = (f"{first} {last}".strip() or (row.emails[0] if row.emails else ""))[:300]
        row.search_text = contact_search_text(first, last, row.emails, [p for p, _ in row.phones])
        return row

    def _rule_values(self, row: PreparedRow) -> dict[str, Any]:
        """The row as the flat field dict validation rules read (custom fields as "custom.<key>")."""
        values: dict[str, Any] = {"owner_id": self.user.pk, **row.values}
        values["email"] = row.emails[0] if row.emails else ""
        values["phone"] = row.phones[0][0] if row.phones else ""
        values["company"] = row.company
        for key, value in row.custom.items():
            values[f"custom.{key}"] = value
        return values

    def _created(self, cell: str) -> dt.datetime:
        # Exports repeat dates a lot (one per day at most); parsing with the time zone costs ~15 µs.
        created = self._created_cache.get(cell)
        if created is None:
            created = datetime_parse(cell, self.date_order)
            if created > self.now:
                raise ValidationError(f"{cell!r} is in the future; a created date must be in the past.")
            if len(self._created_cache) < 20000:
                self._created_cache[cell] = created
        return created

    def _choice(self, cell: str, name: str, label: str, choices: list[tuple[str, str]]) -> str:
        found = self._choice_cache.get((name, cell))
        if found is None:
            found = choice_or_synonym(cell, choices, label, self.value_map.get(name),
                                      LIFECYCLE_SYNONYMS if name == "lifecycle_stage" else None)
            if len(self._choice_cache) < 10000:
                self._choice_cache[(name, cell)] = found
        return found

    def _label(self, name: str) -> str:
        return {"first_name": "First name", "last_name": "Last name", "title": "Job title", "street": "Street",
                "city": "City", "region": "Region", "postal_code": "Postal code"}[name]

    # ------------------------------------------------------------ batching

    def add(self, item: PreparedRow | RejectedRow, flush: Callable[[], None]) -> None:
        """Queue a row; a row repeating a key already in the batch flushes the batch first."""
        if isinstance(item, PreparedRow):
            keys = item.match_keys()
            if self._batch_keys.intersection(keys):
                flush()
            self._batch_keys.update(keys)
        self._batch.append(item)

    def finish(self) -> list[str]:
        """After the last batch: nothing waits for the whole file in a contacts import (see RecordImporter.finish)."""
        return []

    def take_batch(self) -> list[PreparedRow | RejectedRow]:
        batch, self._batch, self._batch_keys = self._batch, [], set()
        return batch

    @property
    def pending(self) -> int:
        return len(self._batch)

    # ------------------------------------------------------------ matching

    def _matches(self, rows: list[PreparedRow]) -> dict[int, tuple[int | None, str]]:
        """Row number -> (existing contact id or None for an earlier row of a dry run, why it matched)."""
        found: dict[int, tuple[int | None, str]] = {}
        if self.job.match_key == MatchKey.EXTERNAL_ID:
            by_ext = db.external_keys_find("contacts", "contacts_contact",
                                           [r.external_id for r in rows if r.external_id])
            for r in rows:
                if r.external_id in by_ext:
                    found[r.row_number] = (by_ext[r.external_id], "same external id")
        elif self.job.match_key == MatchKey.RAPPORT_ID:
            # Rows not found by their ID (another Rapport's export, a record deleted since) go on to the email.
            found.update(rapport_matches(Contact, self.user, [
                (r.row_number, r.rapport_id, r.created_at) for r in rows if r.rapport_id]))
        # Each lookup probes only its own index; the few contacts it finds are then checked for the trash
        # (and read for their names) by id (db.owners_having).
        emails = [e for r in rows if r.row_number not in found for e in r.emails]
        by_email: dict[str, int] = {}
        for email, contact_id, _ in self._contacts_having("contacts_contactemail", "email", emails):
            by_email.setdefault(email, contact_id)
        # Phones: a row without an email matches by phone; a row whose emails are all new matches a contact
        # with its phone and the same name (a known person with a new address), one the importer may see.
        phones = [p for r in rows if r.row_number not in found and not any(e in by_email for e in r.emails)
                  for p, _ in r.phones]
        by_phone: dict[str, int] = {}
        by_phone_named: dict[str, list[tuple[int, str]]] = {}
        for number, contact_id, names in self._contacts_having("contacts_contactphone", "number", phones):
            by_phone.setdefault(number, contact_id)
            by_phone_named.setdefault(number, []).append((contact_id, person_key(*names)))
        visible = self._visible(sorted({cid for named in by_phone_named.values() for cid, _ in named}))
        earlier = {} if self.write else self.memory.first_rows(
            k for r in rows if r.row_number not in found for k in r.match_keys())
        for r in rows:
            if r.row_number in found:
                continue
            match: tuple[int | None, str] | None = next(
                ((by_email[e], "same email") for e in r.emails if e in by_email), None)
            if match is None and not r.emails:
                match = next(((by_phone[p], "same phone") for p, _ in r.phones if p in by_phone), None)
            if match is None and r.emails and by_phone_named:
                key = person_key(str(r.values.get("first_name", "")), str(r.values.get("last_name", "")))
                match = next(((cid, "same phone and name") for p, _ in r.phones for cid, named in
                              by_phone_named.get(p, []) if key and named == key and cid in visible), None)
            if match is None and earlier:
                seen = next((earlier[k] for k in r.match_keys() if k in earlier), None)
                if seen is not None:
                    match = (planned_id(seen), f"same as row {seen} of this file")
            if match is not None:
                found[r.row_number] = match
        return found

    # ------------------------------------------------------------ processing

    def process(self, batch: list[PreparedRow | RejectedRow]) -> BatchResult:
        """Match and (unless dry run) write one batch; return its outcome counts."""
        result = BatchResult()
        prepared = [r for r in batch if isinstance(r, PreparedRow)]
        rejected = [r for r in batch if isinstance(r, RejectedRow)]
        matches = self._matches(prepared)
        if any(r.rule_errors for r in prepared):
            failing = self._rules_after_update([r for r in prepared if r.rule_errors], matches)
            if failing:
                prepared = [r for r in prepared if r.row_number not in failing]
                rejected += [RejectedRow(r.row_number, r.cells, _sentences(failing[r.row_number]))
                             for r in batch if isinstance(r, PreparedRow) and r.row_number in failing]
                rejected.sort(key=lambda r: r.row_number)
        mode = self.job.mode
        creates: list[PreparedRow] = []
        updates: list[tuple[PreparedRow, int]] = []
        skips: list[tuple[int, int | None, str]] = []
        visible = self._visible([m[0] for m in matches.values() if m[0]]) if mode == Mode.CREATE else set()
        for r in prepared:
            match = matches.get(r.row_number)
            if match is None:
                if mode == Mode.UPDATE:
                    what = {MatchKey.EXTERNAL_ID: "external id", MatchKey.RAPPORT_ID: "Rapport ID or email"}.get(
                        self.job.match_key, "email")
                    skips.append((r.row_number, None, f"No existing contact has this {what}; nothing to update."))
                else:
                    creates.append(r)
            else:
                contact_id, why = match
                if mode == Mode.CREATE:
                    if contact_id and contact_id > 0:
                        skips.append((r.row_number, *duplicate_refusal("contact", contact_id,
                                                                       contact_id in visible, why)))
                    else:
                        which = why.replace("same as ", "")
                        skips.append((r.row_number, None, f"Duplicate of {which} ({why.split(' row')[0]})."))
                elif contact_id is None:
                    updates.append((r, 0))
                else:
                    updates.append((r, contact_id))
        if not self.write:
            self.memory.remember((k, r.row_number) for r in creates for k in r.match_keys())
            # What each new contact would hold, for a later row of the file that repeats it (planned_id).
            self.memory.plan(self._planned_contacts(creates))
            # Update rows get the checks of the real run (rights, "nothing changed"), writing nothing.
            planned = self._apply_updates(updates, skips, result)
            updated = {n for n, _, _ in planned}
            result.new_companies = self._companies_to_create(
                [r for r in creates if r.company] + [r for r, _ in updates if r.company and r.row_number in updated])
            result.created = len(creates)
            result.updated = len(planned)
            result.skipped = len(skips)
            result.matched = sorted(
                [dry_run_match(n, cid, "updated", matches[n][1], before) for n, cid, before in planned]
                + [dry_run_match(n, cid, "skipped", reason) for n, cid, reason in skips],
                key=lambda m: m["row"])
            result.rejected = len(rejected)
            result.samples = [_sample(r) for r in creates[:3]]
            result.rejections = [(r.row_number, r.reason) for r in rejected]
            return result
        update_rows = self._apply_updates(updates, skips, result)
        self._write_creates(creates, result)
        result.created = len(creates)
        result.updated = len(update_rows)
        result.skipped = len(skips)
        result.rejected = len(rejected)
        outcome_rows = (
            [(self.job.pk, r.row_number, Outcome.REJECTED, None, r.reason, db.db_json(r.cells), "{}") for r in rejected]
            + [(self.job.pk, n, Outcome.SKIPPED, cid, reason, "[]", "{}") for n, cid, reason in skips]
            + [(self.job.pk, n, Outcome.UPDATED, cid, "", "[]", db.db_json(before)) for n, cid, before in update_rows]
        )
        if outcome_rows:
            db.rows_insert("imports_importrow", ["job_id", "row_number", "outcome", "object_id", "reason", "cells",
                                                  "before"], outcome_rows)
        result.rejections = [(r.row_number, r.reason) for r in rejected]
        return result

    @staticmethod
    def _contacts_having(table: str, column: str, values: list[str]) -> list[tuple[str, int, tuple[str, str]]]:
        """(value, contact id, (first, last)) of the contacts outside the trash with one of `values` in
        `table`.`column` (emails or phones), lowest contact id first."""
        return [(value, cid, (first, last)) for value, cid, first, last in db.owners_having(
            table, column, values, "contact_id", "contacts_contact", ["first_name", "last_name"])]

    def _visible(self, ids: list[int]) -> set[int]:
        """The ids of contacts the importing user may see (names and ids of others are never shown)."""
        if not ids or self.user.is_admin:
            return set(ids)
        found: set[int] = set()
        for start in range(0, len(ids), 5000):
            found.update(Contact.all_objects.visible_to(self.user).filter(pk__in=ids[start:start + 5000])
                         .values_list("id", flat=True))
        return found

    def _rules_after_update(self, rows: list[PreparedRow],
                            matches: dict[int, tuple[int | None, str]]) -> dict[int, list[str]]:
        """Rows (number -> reasons) that break a validation rule once matching decided create or update.

        A row that creates a contact keeps the errors found on the row alone; a row that updates one is
        checked against the contact as it will be (its current values, then the row's non-empty cells).
        """
        failing: dict[int, list[str]] = {}
        matched = [m[0] for r in rows if (m := matches.get(r.row_number)) is not None and m[0]]
        ids = [cid for cid in matched if cid > 0]
        columns = ["id", *CONTACT_COLUMNS]
        current = {row[0]: dict(zip(columns, row, strict=True)) for row in db.query_any(
            f"SELECT {', '.join(columns)} FROM contacts_contact WHERE id IN ({{}})", ids)} if ids else {}
        if not self.write:  # the contacts as earlier rows of the file would leave (or make) them
            for cid, (planned, *_) in self._earlier_plans(matched).items():
                current.setdefault(cid, {}).update(planned)
        for r in rows:
            match = matches.get(r.row_number)
            if match is None and self.job.mode == Mode.UPDATE:
                continue  # skipped: there is no contact to update
            if match is None or (match[0] and match[0] not in current):
                failing[r.row_number] = r.rule_errors
                continue
            old = current[match[0]]
            values: dict[str, Any] = {k: v for k, v in old.items() if k not in ("id", "version", "custom")}
            for key, value in _json(old["custom"]).items():
                values[f"custom.{key}"] = value
            for key, value in self._rule_values(r).items():
                if value not in ("", None) and (key != "owner_id" or "owner_id" in r.values):
                    values[key] = value
            if values.get("company"):
                values.pop("company_id", None)
            errors = self.rules.errors(values)
            if errors:
                failing[r.row_number] = errors
        return failing

    # ------------------------------------------------------------ related records

    def _tag_ids_known(self, names: set[str]) -> dict[str, int]:
        """Dry run: the ids of the named tags that exist (any case), creating none."""
        found = tags_named(names)
        return {n: found[n.upper()].pk for n in names if n.upper() in found}

    def _company_ids(self, names: set[str]) -> dict[str, int]:
        """Company id per name (case-insensitive) or domain, of the companies that exist and may be linked."""
        wanted = {n.upper() for n in names} - set(self.company_ids)
        if wanted:
            # Only companies the importing user may see: another team's company of the same name is
            # neither linked nor revealed (the contact gets a company of its own, as for a new name).
            by_name = db.names_find("contacts_company", [n for n in names if n.upper() in wanted])
            domains = {n.lower(): n.upper() for n in names if "." in n and " " not in n}
            by_domain = db.query_any(
                "SELECT id, domain FROM contacts_company WHERE deleted_at IS NULL AND domain IN ({}) ORDER BY id",
                sorted(domains)) if domains else []
            visible = self._visible_companies([pk for pk, _ in [*by_name, *by_domain]])
            for pk, upper in by_name:
                if pk in visible:
                    self.company_ids.setdefault(upper, pk)
            for pk, domain in by_domain:
                if pk in visible:
                    self.company_ids.setdefault(domains[domain], pk)
        return {n: self.company_ids[n.upper()] for n in names if n.upper() in self.company_ids}

    def _visible_companies(self, ids: list[int]) -> set[int]:
        from rapport.contacts.models import Company

        if not ids or self.user.is_admin:
            return set(ids)
        found: set[int] = set()
        for start in range(0, len(ids), 5000):
            found.update(Company.objects.visible_to(self.user).filter(pk__in=ids[start:start + 5000])
                         .values_list("id", flat=True))
        return found

    def _companies_create(self, names: list[str], result: BatchResult) -> None:
        ids = db.ids_reserve("contacts_company", len(names))
        now = db.db_time(self.now)
        rows, entries, events = [], [], []
        for pk, name in zip(ids, names, strict=True):
            domain = name.lower() if "." in name and " " not in name and len(name) <= 253 else ""
            rows.append((pk, now, now, 1, None, name, domain, "", "", "", "", "", "", "", "", self.user.pk, None, "{}"))
            entries.append(("company", pk, self.user.pk, name[:300], f"{name} {domain}".strip()))
            events.append((now, self.user.pk, "imported", f"Company {name} created by import #{self.job.pk}"[:300],
                           db.db_json({"import": self.job.pk}), pk))
            self.company_ids[name.upper()] = pk
        result.new_companies += len(ids)
        db.rows_insert("contacts_company", ["id", "created_at", "updated_at", "version", "deleted_at", "name", "domain",
                                            "industry", "size", "phone", "street", "city", "region", "postal_code",
                                            "country", "owner_id", "parent_id", "custom"], rows)
        search_entries_insert(entries)
        db.rows_insert("activities_timelineevent", ["occurred_at", "actor_id", "kind", "summary", "data", "company_id"],
                       events)
        result.created_ranges.setdefault("company", []).extend(db.id_ranges(ids))

    def _companies_to_create(self, rows: list[PreparedRow]) -> int:
        """Dry run: how many of the companies the rows name the run would create (each once in the file)."""
        known = self._company_ids({r.company for r in rows})
        new = {f"company:{r.company.upper()}": r.row_number for r in rows if r.company not in known}
        count = len(set(new) - set(self.memory.first_rows(new)))
        self.memory.remember(new.items())
        return count

    def _resolve_companies(self, rows: list[PreparedRow], result: BatchResult) -> None:
        names = {r.company for r in rows if r.company}
        if not names:
            return
        known = self._company_ids(names)
        new: dict[str, str] = {}
        for r in rows:  # in the file's order: a company takes the spelling of the first row naming it
            if r.company and r.company not in known:
                new.setdefault(r.company.upper(), r.company)
        if new:
            self._companies_create(sorted(new.values()), result)
        for r in rows:
            if r.company:
                r.values["company_id"] = self.company_ids[r.company.upper()]

    def _planned_contacts(self, rows: list[PreparedRow]) -> dict[int, Any]:
        """Dry run: the contacts the rows would create, under planned_id(row), so a later row repeating one is
        judged on it. Kept as the row gave them ("new"): companies and tags are looked up only for the
        few a later row repeats (_earlier_plans)."""
        planned: dict[int, Any] = {}
        for r in rows:
            get = r.values.get
            values = {"id": planned_id(r.row_number), "version": 1, "first_name": get("first_name", ""),
                      "last_name": get("last_name", ""), "title": get("title", ""), "company_id": get("company_id"),
                      "owner_id": get("owner_id", self.user.pk),
                      "lifecycle_stage": get("lifecycle_stage", LifecycleStage.LEAD),
                      "preferred_channel": get("preferred_channel", ""), "street": get("street", ""),
                      "city": get("city", ""), "region": get("region", ""), "postal_code": get("postal_code", ""),
                      "country": get("country", ""), "email": r.emails[0] if r.emails else "",
                      "phone": r.phones[0][0] if r.phones else "", "custom": r.custom}
            planned[planned_id(r.row_number)] = ("new", values, tuple(r.emails), tuple(p for p, _ in r.phones),
                                                 r.company, tuple(r.tags))
        return planned

    def _earlier_plans(self, ids: list[int]) -> dict[int, tuple[dict[str, Any], tuple[str, ...], tuple[str, ...],
                                                               frozenset[Any]]]:
        """Dry run: what earlier rows of the file would leave on each contact of `ids` (values, emails added,
        phones added, tags added), the contacts they would create included."""
        earlier = self.memory.planned(ids)
        new = {cid: plan for cid, plan in earlier.items() if plan[0] == "new"}
        if new:
            known = self._company_ids({plan[4] for plan in new.values() if plan[4]})
            tag_ids = self._tag_ids_known({t for plan in new.values() for t in plan[5]})
            for cid, (_, values, emails, phones, company, tags) in new.items():
                if company and not values["company_id"]:
                    values["company_id"] = known.get(company) or _company_to_create(company)
                earlier[cid] = (values, emails, phones, frozenset(tag_ids.get(t) or _tag_to_create(t) for t in tags))
        return earlier

    # ------------------------------------------------------------ writes

    def _write_creates(self, rows: list[PreparedRow], result: BatchResult) -> None:
        if not rows:
            return
        self._resolve_companies(rows, result)
        ids = db.ids_reserve("contacts_contact", len(rows))
        now = db.db_time(self.now)
        contacts: list[tuple[Any, ...]] = []
        emails: list[tuple[Any, ...]] = []
        phones: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        tags: list[tuple[int, int]] = []
        keys: list[tuple[Any, ...]] = []
        tag_ids = self.tag_ids({t for r in rows for t in r.tags})
        summary_prefix = f"Imported from {self.job.original_name}"[:250]
        # This loop runs once per created row: ids and settings are locals, created dates are converted
        # once per distinct value, and the search title and text come ready from transform().
        user_id, job_id = self.user.pk, self.job.pk
        stage_default = str(LifecycleStage.LEAD)
        created_db: dict[dt.datetime, Any] = {}
        add_contact, add_entry, add_event = contacts.append, entries.append, events.append
        for pk, r in zip(ids, rows, strict=True):
            v = r.values
            get = v.get
            owner_id = get("owner_id", user_id)
            company_id = get("company_id")
            created = now
            if r.created_at is not None:
                created = created_db.get(r.created_at)
                if created is None:
                    created = created_db[r.created_at] = db.db_time(r.created_at)
            add_contact((pk, created, now, 1, None, get("first_name", ""), get("last_name", ""), get("title", ""),
                         company_id, owner_id, get("lifecycle_stage", stage_default), get("preferred_channel", ""),
                         get("street", ""), get("city", ""), get("region", ""), get("postal_code", ""),
                         get("country", ""), r.emails[0] if r.emails else "",
                         r.phones[0][0] if r.phones else "", db.db_json(r.custom) if r.custom else "{}"))
            if r.emails:
                emails.extend((pk, address, "work", i == 0) for i, address in enumerate(r.emails))
            if r.phones:
                phones.extend((pk, number, kind, i == 0) for i, (number, kind) in enumerate(r.phones))
            add_entry(("contact", pk, owner_id, r.title or f"Contact #{pk}", r.search_text))
            add_event((now, user_id, "imported", f"{summary_prefix} (row {r.row_number})",
                       f'{{"import":{job_id},"row":{r.row_number}}}', pk, company_id))
            if r.tags:
                tags.extend((pk, tag_ids[t]) for t in dict.fromkeys(r.tags))
            if r.external_id:
                keys.append(("contacts", r.external_id, pk, job_id))
        db.rows_insert("contacts_contact", ["id", "created_at", "updated_at", "version", "deleted_at", *CONTACT_COLUMNS],
                       contacts)
        if emails:
            db.rows_insert("contacts_contactemail", ["contact_id", "email", "kind", "is_primary"], emails)
        if phones:
            db.rows_insert("contacts_contactphone", ["contact_id", "number", "kind", "is_primary"], phones)
        if tags:
            db.rows_insert("contacts_contact_tags", ["contact_id", "tag_id"], tags)
        if keys:
            db.rows_insert("imports_externalkey", ["target", "external_id", "object_id", "job_id"], keys)
        search_entries_insert(entries)
        db.rows_insert("activities_timelineevent",
                       ["occurred_at", "actor_id", "kind", "summary", "data", "contact_id", "company_id"], events)
        result.created_ranges.setdefault("contact", []).extend(db.id_ranges(ids))

    def _apply_updates(self, updates: list[tuple[PreparedRow, int]], skips: list[tuple[int, int | None, str]],
                       result: BatchResult) -> list[tuple[int, int, dict[str, Any]]]:
        """Apply non-empty cells to the matched contacts; return (row, contact id, values before) per change.

        Dry run (not self.write): the same checks and the same answer, with nothing written: companies and
        tags a row names that do not exist yet count as changes instead of being created.
        """
        if not updates:
            return []
        # Dry run: contacts an earlier row of the file would create (planned_id), as _planned_contacts kept them.
        pending = sorted({cid for _, cid in updates if cid < 0})
        ids = [cid for _, cid in updates if cid > 0]
        editable: set[int] = set(pending)
        for start in range(0, len(ids), 5000):
            editable.update(Contact.all_objects.editable_by(self.user).filter(pk__in=ids[start:start + 5000])
                            .values_list("id", flat=True))
        visible = self._visible([cid for cid in ids if cid not in editable])
        columns = ["id", "version", *CONTACT_COLUMNS]
        current = {row[0]: dict(zip(columns, row, strict=True)) for row in db.query_any(
            f"SELECT {', '.join(columns)} FROM contacts_contact WHERE id IN ({{}})", ids)}
        emails: dict[int, list[str]] = {}
        for cid, email in db.query_any("SELECT contact_id, email FROM contacts_contactemail WHERE contact_id IN ({}) "
                                      "ORDER BY is_primary DESC, id", ids):
            emails.setdefault(cid, []).append(email)
        phones: dict[int, list[str]] = {}
        for cid, number in db.query_any("SELECT contact_id, number FROM contacts_contactphone WHERE contact_id IN ({}) "
                                       "ORDER BY is_primary DESC, id", ids):
            phones.setdefault(cid, []).append(number)
        current_tags: dict[int, set[int]] = {}
        if any(r.tags for r, _ in updates):
            for cid, tag_id in db.query_any("SELECT contact_id, tag_id FROM contacts_contact_tags "
                                            "WHERE contact_id IN ({})", ids):
                current_tags.setdefault(cid, set()).add(tag_id)
        earlier = {} if self.write else self._earlier_plans([*ids, *pending])
        planned: dict[int, tuple[dict[str, Any], tuple[str, ...], tuple[str, ...], frozenset[int]]] = {}
        for cid, (values, added_e, added_p, added_t) in earlier.items():
            current.setdefault(cid, {}).update(values)
            emails[cid] = emails.get(cid, []) + list(added_e)
            phones[cid] = phones.get(cid, []) + list(added_p)
            current_tags.setdefault(cid, set()).update(added_t)
        prepared = [r for r, cid in updates if cid in editable]
        # A row naming the contact's own company keeps it, also when another company has the same name.
        company_of = {id(r): current.get(cid, {}).get("company_id") for r, cid in updates if cid in editable}
        own = companies_named_by((r.company, company_of[id(r)]) for r in prepared if r.company)
        for r in prepared:
            if r.company and (r.company, company_of[id(r)]) in own:
                r.values["company_id"], r.company = company_of[id(r)], ""
        if self.write:
            self._resolve_companies(prepared, result)  # companies named on updates must exist too (undo removes them)
        else:
            known = self._company_ids({r.company for r in prepared if r.company})
            for r in prepared:
                if r.company:
                    r.values["company_id"] = known.get(r.company) or _company_to_create(r.company)
        done: list[tuple[int, int, dict[str, Any]]] = []
        new_emails: list[tuple[Any, ...]] = []
        new_phones: list[tuple[Any, ...]] = []
        contact_rows: list[tuple[Any, ...]] = []
        entry_rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        tags: list[tuple[int, int]] = []
        touched: set[int] = set()
        now = db.db_time(self.now)
        for r, cid in updates:
            if cid not in editable:
                skips.append((r.row_number, *update_refusal("contact", cid, cid in visible)))
                continue
            if cid not in current:  # dry run: a contact of an earlier row that kept no plan (cannot happen)
                done.append((r.row_number, cid, {}))
                continue
            if cid in touched:
                skips.append((r.row_number, cid, f"Contact #{cid} was already updated by an earlier row of this batch."))
                continue
            touched.add(cid)
            old = current[cid]
            custom = _json(old["custom"])
            before: dict[str, Any] = {}
            changes: dict[str, list[Any]] = {}
            new = dict(old)
            for name, value in r.values.items():
                if value not in ("", None) and value != old.get(name):
                    before[name] = old.get(name)
                    changes[name] = [old.get(name), value]
                    new[name] = value
            if r.custom:
                merged = {**custom, **r.custom}
                if merged != custom:
                    before["custom"] = custom
                    changes["custom"] = [custom, merged]
                    new["custom"] = merged
            added_emails = [e for e in r.emails if e not in emails.get(cid, [])]
            added_phones = [(p, k) for p, k in r.phones if p not in phones.get(cid, [])]
            if added_emails:
                before["added_emails"] = added_emails
                changes["emails"] = [emails.get(cid, []), emails.get(cid, []) + added_emails]
                has_primary = bool(emails.get(cid))
                for i, e in enumerate(added_emails):
                    new_emails.append((cid, e, "work", not has_primary and i == 0))
                if not has_primary:
                    before["email"] = old["email"]
                    new["email"] = added_emails[0]
            if added_phones:
                before["added_phones"] = [p for p, _ in added_phones]
                changes["phones"] = [phones.get(cid, []), phones.get(cid, []) + [p for p, _ in added_phones]]
                has_primary = bool(phones.get(cid))
                for i, (p, k) in enumerate(added_phones):
                    new_phones.append((cid, p, k, not has_primary and i == 0))
                if not has_primary:
                    before["phone"] = old["phone"]
                    new["phone"] = added_phones[0][0]
            if r.tags:
                tag_ids = self.tag_ids(set(r.tags)) if self.write else self._tag_ids_known(set(r.tags))
                existing = current_tags.get(cid, set())
                # A tag the dry run would create has a stand-in id; sorted by text, as the two kinds mix.
                added_tags = sorted({tag_ids.get(t) or _tag_to_create(t) for t in r.tags} - existing, key=str)
                if added_tags:
                    before["added_tags"] = added_tags
                    changes["tags"] = [None, r.tags]
                    tags.extend((cid, t) for t in added_tags)
            if not before:
                who = f"Row {-cid} of this file" if cid < 0 else f"Contact #{cid}"
                skips.append((r.row_number, cid, f"{who} already has these values; nothing changed."))
                continue
            before["version"] = old["version"]
            contact_rows.append(tuple(
                db.db_json(new[c]) if c == "custom" and isinstance(new[c], dict) else new[c] for c in CONTACT_COLUMNS
            ) + (now, cid))
            all_emails = emails.get(cid, []) + added_emails
            all_phones = phones.get(cid, []) + [p for p, _ in added_phones]
            first, last = new["first_name"], new["last_name"]
            name = f"{first} {last}".strip() or new["email"] or f"Contact #{cid}"
            text = contact_search_text(first, last, all_emails, all_phones)
            entry_rows.append((name[:300], text, new["owner_id"], cid))
            events.append((now, self.user.pk, "updated",
                           f"Changed {', '.join(sorted(changes))} (import #{self.job.pk}, row {r.row_number})"[:300],
                           db.db_json({"record": f"contact:{cid}", "version": old["version"] + 1, "import": self.job.pk,
                                       "changes": _json_safe(changes)}), cid, new["company_id"]))
            done.append((r.row_number, cid, before))
            if not self.write:
                values, added_e, added_p, added_t = earlier.get(cid, ({}, (), (), frozenset()))
                planned[cid] = (
                    {**values, **{k: new[k] for k in before if k in CONTACT_COLUMNS}}, added_e + tuple(added_emails),
                    added_p + tuple(p for p, _ in added_phones), added_t | frozenset(before.get("added_tags", [])))
        if not self.write:
            self.memory.plan(planned)
            return done
        if contact_rows:
            db.rows_update("contacts_contact", "id", [*CONTACT_COLUMNS, "updated_at"], contact_rows,
                           extra_sets="version = version + 1")
            search_entries_update("contact", entry_rows)
        if new_emails:
            db.rows_insert("contacts_contactemail", ["contact_id", "email", "kind", "is_primary"], new_emails)
        if new_phones:
            db.rows_insert("contacts_contactphone", ["contact_id", "number", "kind", "is_primary"], new_phones)
        if tags:
            db.rows_insert("contacts_contact_tags", ["contact_id", "tag_id"], tags)
        if events:
            db.rows_insert("activities_timelineevent",
                           ["occurred_at", "actor_id", "kind", "summary", "data", "contact_id", "company_id"], events)
        return done


def _company_to_create(name: str) -> str:
    """Dry run: the stand-in company id of a company a row names and the run would create (one per name)."""
    return f"new company {name.upper()}"


def _tag_to_create(name: str) -> Any:
    return f"new tag {name.upper()}"


def person_key(first: str, last: str) -> str:
    """A person's name for matching, whichever way round and however written: "Müller, Jürgen" and
    "jürgen MÜLLER" give one key; "" unless both names are there (a phone and a first name prove little)."""
    parts = [" ".join(name.casefold().split()) for name in (first, last)]
    return "|".join(sorted(parts)) if all(parts) else ""


def contact_search_text(first: str, last: str, emails: list[str], phones: list[str]) -> str:
    """Searchable text of a contact as search_text() makes it: names, emails, phones with and without +."""
    return " ".join(x for x in [first, last, *emails, *phones, *[p.lstrip("+") for p in phones]] if x)


def _sentences(errors: list[str]) -> str:
    return " ".join(e if e.endswith(".") else e + "." for e in errors)


def _json(value: Any) -> dict[str, Any]:
    import json

    if isinstance(value, dict):
        return value
    return json.loads(value or "{}")


def _json_safe(value: Any) -> Any:
    from rapport.activities.timeline import json_value

    return json_value(value)


def _sample(row: PreparedRow) -> dict[str, Any]:
    values = {k: v for k, v in row.values.items() if k not in ("owner_id", "company_id")}
    if row.emails:
        values["emails"] = row.emails
    if row.phones:
        values["phones"] = [p for p, _ in row.phones]
    if row.company:
        values["company"] = row.company
    if row.custom:
        values["custom"] = row.custom
    return {"row": row.row_number, "values": values}
