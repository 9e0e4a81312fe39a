"""Importing activities (calls, meetings, tasks, notes, logged emails) linked to contacts, companies,
leads and deals found by their keys."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.activities.choices import ActivityKind, CallOutcome, Priority
from rapport.activities.models import Activity
from rapport.imports.choices import MatchKey
from rapport.imports.services import db
from rapport.imports.services.base import RecordImporter
from rapport.imports.services.mapping import header_key
from rapport.imports.services.rows import (
    BatchResult,
    Outcomes,
    Prepared,
    as_datetime,
    json_safe,
    model_insert,
    runs_of,
)
from rapport.imports.services.transforms import number_parse
from rapport.imports.services.values import person_email

KIND_SYNONYMS = {
    "phone call": ActivityKind.CALL,
    "phone": ActivityKind.CALL,
    "call log": ActivityKind.CALL,
    "logged call": ActivityKind.CALL,
    "anruf": ActivityKind.CALL,
    "telefonat": ActivityKind.CALL,
    "appel": ActivityKind.CALL,
    "appel téléphonique": ActivityKind.CALL,
    "llamada": ActivityKind.CALL,
    "event": ActivityKind.MEETING,
    "appointment": ActivityKind.MEETING,
    "termin": ActivityKind.MEETING,
    "besprechung": ActivityKind.MEETING,
    "meeting": ActivityKind.MEETING,
    "réunion": ActivityKind.MEETING,
    "reunion": ActivityKind.MEETING,
    "reunión": ActivityKind.MEETING,
    "rendez-vous": ActivityKind.MEETING,
    "cita": ActivityKind.MEETING,
    "to-do": ActivityKind.TASK,
    "todo": ActivityKind.TASK,
    "to do": ActivityKind.TASK,
    "aufgabe": ActivityKind.TASK,
    "tâche": ActivityKind.TASK,
    "tache": ActivityKind.TASK,
    "tarea": ActivityKind.TASK,
    "follow-up": ActivityKind.TASK,
    "follow up": ActivityKind.TASK,
    "notiz": ActivityKind.NOTE,
    "nota": ActivityKind.NOTE,
    "comment": ActivityKind.NOTE,
    "e-mail": ActivityKind.EMAIL,
    "mail": ActivityKind.EMAIL,
    "email": ActivityKind.EMAIL,
    "sent email": ActivityKind.EMAIL,
    "courriel": ActivityKind.EMAIL,
    "correo": ActivityKind.EMAIL,
}
PRIORITY_SYNONYMS = {
    "urgent": Priority.HIGH,
    "hoch": Priority.HIGH,
    "haute": Priority.HIGH,
    "alta": Priority.HIGH,
    "important": Priority.HIGH,
    "medium": Priority.NORMAL,
    "mittel": Priority.NORMAL,
    "moyenne": Priority.NORMAL,
    "media": Priority.NORMAL,
    "normale": Priority.NORMAL,
    "niedrig": Priority.LOW,
    "basse": Priority.LOW,
    "baja": Priority.LOW,
}
OUTCOME_SYNONYMS = {
    "left voicemail": CallOutcome.LEFT_VOICEMAIL,
    "left message": CallOutcome.LEFT_VOICEMAIL,
    "voice mail": CallOutcome.LEFT_VOICEMAIL,
    "mailbox": CallOutcome.LEFT_VOICEMAIL,
    "answered": CallOutcome.CONNECTED,
    "reached": CallOutcome.CONNECTED,
    "erreicht": CallOutcome.CONNECTED,
    "no response": CallOutcome.NO_ANSWER,
    "not reached": CallOutcome.NO_ANSWER,
    "nicht erreicht": CallOutcome.NO_ANSWER,
    "besetzt": CallOutcome.BUSY,
    "occupé": CallOutcome.BUSY,
    "wrong": CallOutcome.WRONG_NUMBER,
}
DONE_WORDS = {
    "completed",
    "complete",
    "done",
    "closed",
    "finished",
    "yes",
    "true",
    "1",
    "x",
    "erledigt",
    "abgeschlossen",
    "terminé",
    "termine",
    "fait",
    "completado",
    "completada",
    "hecho",
    "cerrado",
}
OPEN_WORDS = {
    "not started",
    "open",
    "not done",
    "not completed",
    "not complete",
    "uncompleted",
    "undone",
    "incomplete",
    "in progress",
    "waiting",
    "waiting for input",
    "waiting on someone else",
    "overdue",
    "deferred",
    "pending",
    "no",
    "false",
    "0",
    "offen",
    "nicht erledigt",
    "unerledigt",
    "in bearbeitung",
    "ouvert",
    "en cours",
    "non fait",
    "à faire",
    "a faire",
    "abierto",
    "pendiente",
    "planned",
    "scheduled",
}
# What a "Related To" names, by the module column beside it (Zoho's "$se_module", Salesforce's What type).
RELATED_MODULES = {
    **dict.fromkeys(
        (
            "account",
            "accounts",
            "company",
            "companies",
            "organisation",
            "organisations",
            "organization",
            "organizations",
            "org",
            "firma",
            "firmen",
            "unternehmen",
            "konto",
            "konten",
            "entreprise",
            "entreprises",
            "societe",
            "societes",
            "compte",
            "comptes",
            "empresa",
            "empresas",
            "cuenta",
            "cuentas",
            "azienda",
            "aziende",
        ),
        "company",
    ),
    **dict.fromkeys(
        (
            "deal",
            "deals",
            "potential",
            "potentials",
            "opportunity",
            "opportunities",
            "verkaufschance",
            "verkaufschancen",
            "geschaft",
            "geschafte",
            "opportunite",
            "opportunites",
            "affaire",
            "affaires",
            "oportunidad",
            "oportunidades",
            "trato",
            "tratos",
        ),
        "deal",
    ),
}
MAX_DURATION = 24 * 60
LINKS = ("contact_id", "company_id", "lead_id", "deal_id")

# Durations: "1:30" (hours:minutes), "1:30:00", or numbers with units ("1h 30m", "1.5 h", "30 min").
_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)?\.?\s*")
_UNIT_MINUTES: dict[str, Decimal] = {
    **dict.fromkeys(
        ("h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden", "heure", "heures"), Decimal(60)
    ),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuten"), Decimal(1)),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "sek", "sekunden"), Decimal(1) / 60),
}
# A time of day: 14:30, 14:30:00, 9.05, 2:30 PM.
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?::(\d{2}))?\s*(?:([ap])\.?\s?m\.?)?$")


def duration_parse(text: str, decimal_comma: bool = False) -> int:
    """Whole minutes of a duration cell: 30, 30.0, 1:30, 01:30:00, 30 min, 1h 30m, 90m, 1.5 h.

    h:mm is hours and minutes; seconds are rounded to the nearest minute. Refuses anything else.
    """
    value = " ".join(text.strip().lower().split())
    wrong = ValidationError(f"{text!r} is not a duration; write minutes (30) or hours and minutes (1:30).")
    minutes: Decimal
    clock = _CLOCK.match(value)
    if clock:
        hours, mins, secs = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        minutes = Decimal(hours * 60 + mins) + Decimal(secs) / 60
    elif value and (value[0].isdigit() or value[0] in "-(") and not any(ch.isalpha() for ch in value):
        try:
            minutes = number_parse(value, decimal_comma)
        except ValidationError:
            raise wrong
    else:
        minutes, position = Decimal(0), 0
        units: list[Decimal] = []
        while position < len(value):
            part = _PART.match(value, position)
            if not part:
                raise wrong
            number, unit = Decimal(part.group(1).replace(",", ".")), part.group(2)
            if unit is None:
                # "1h30": a bare number right after hours, at the end, is minutes.
                if units[-1:] != [60] or part.end() != len(value):
                    raise wrong
                unit = "min"
            factor = _UNIT_MINUTES.get(unit)
            if factor is None or factor in units:
                raise wrong
            units.append(factor)
            minutes += number * factor
            position = part.end()
        if not units:
            raise wrong
    whole = minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if not 0 <= whole <= MAX_DURATION:
        raise ValidationError(f"Duration must be between 0 and {MAX_DURATION} (it is {text!r}).")
    return int(whole)


def duration_seconds_parse(text: str, decimal_comma: bool = False) -> int:
    """Whole minutes of a cell of seconds (Salesforce's CallDurationInSeconds: 330), or of a clock (0:05:30,
    read as duration_parse reads it). A call of a few seconds is one minute, not none; otherwise the
    nearest minute."""
    value = text.strip()
    if ":" in value:
        return duration_parse(value, decimal_comma)
    try:
        seconds = number_parse(value, decimal_comma)
    except ValidationError:
        raise ValidationError(f"{text!r} is not a number of seconds; write it like 330 (or 0:05:30).")
    if seconds < 0 or seconds > MAX_DURATION * 60:
        raise ValidationError(f"Duration must be between 0 and {MAX_DURATION * 60} seconds (it is {text!r}).")
    whole = (seconds / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(whole), 1 if seconds > 0 else 0)


def time_of_day_parse(text: str) -> str:
    """A time cell as HH:MM:SS (24 hours): 14:30, 14:30:00, 9.05, 2:30 PM; refuses anything else."""
    match = _TIME.match(" ".join(text.strip().lower().split()))
    if match:
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        half = match.group(4)
        if half:
            hour = -1 if not 1 <= hour <= 12 else hour % 12 + (12 if half == "p" else 0)
        if 0 <= hour <= 23 and minute <= 59 and second <= 59:
            return f"{hour:02d}:{minute:02d}:{second:02d}"
    raise ValidationError(f"{text!r} is not a time of day; write it like 14:30.")


class ActivityImporter(RecordImporter):
    """Transform, match and write activity rows of one job."""

    target = "activities"
    kind = "activity"
    model = Activity
    noun = "activity"
    match_keys = (MatchKey.EXTERNAL_ID,)
    update_columns = (
        "kind",
        "subject",
        "body",
        "owner_id",
        "contact_id",
        "company_id",
        "lead_id",
        "deal_id",
        "due_at",
        "priority",
        "done_at",
        "starts_at",
        "ends_at",
        "location",
        "outcome",
        "duration_minutes",
    )

    def check_mapping(self) -> None:
        if self.job.mode != "update":
            if "subject" not in self.mapped:
                raise ValidationError("Map a column to Subject: every activity needs one.")
            if not self.mapped & {"contact", "company", "lead", "deal"}:
                raise ValidationError(
                    "Map a column to Contact email, Company, Lead or Deal: an activity is linked to a record."
                )
        if {"duration_minutes", "duration_seconds"} <= self.mapped:
            raise ValidationError("Map one column to the duration, in minutes or in seconds, and ignore the other.")

    def parse_cell(self, name: str, cell: str, row: Prepared) -> None:
        if name == "kind":
            row.values["kind"] = self.choice(cell, "kind", "Type", list(ActivityKind.choices), KIND_SYNONYMS)
        elif name == "subject":
            row.values["subject"] = self.text(cell, "Subject", 200)
        elif name == "body":
            if len(cell) > 20000:
                raise ValidationError(f"The text is too long ({len(cell)} characters; at most 20000).")
            row.values["body"] = cell
        elif name == "contact":
            if "@" in cell:
                # An address, also as mail clients and email logs write a person ("Jane Doe <jane@…>").
                row.keys["contact"] = person_email(cell)
            else:
                # Zoho's "Contact Name", Pipedrive's "Person": the contact's full name (or its external id).
                row.keys["contact_name"] = unicodedata.normalize("NFC", self.text(cell, "Contact", 201))
        elif name == "company":
            row.keys["company"] = self.text(cell, "Company", 253)
        elif name == "lead":
            row.keys["lead"] = self.text(cell, "Lead", 100)
        elif name == "deal":
            row.keys["deal"] = self.text(cell, "Deal", 200)
        elif name == "related_module":
            row.extra["related_module"] = RELATED_MODULES.get(header_key(cell), cell)
        elif name in ("due_at", "done_at", "starts_at", "ends_at"):
            label = {
                "due_at": "Due date",
                "done_at": "Completed date",
                "starts_at": "Start",
                "ends_at": "End",
            }[name]
            row.values[name] = self.datetime(cell, label, past=name == "done_at")
        elif name == "priority":
            row.values["priority"] = self.choice(
                cell, "priority", "Priority", list(Priority.choices), PRIORITY_SYNONYMS
            )
        elif name == "status":
            word = " ".join(cell.lower().split())
            if word in DONE_WORDS:
                row.extra["done"] = True
            elif word in OPEN_WORDS:
                row.extra["done"] = False
            else:
                raise ValidationError(
                    f"Status {cell!r} is neither done nor open; use Completed or Not started."
                )
        elif name == "location":
            row.values["location"] = self.text(cell, "Location", 200)
        elif name == "outcome":
            row.values["outcome"] = self.choice(
                cell, "outcome", "Call outcome", list(CallOutcome.choices), OUTCOME_SYNONYMS
            )
        elif name == "duration_minutes":
            row.values["duration_minutes"] = duration_parse(cell, self.decimal_comma)
        elif name == "duration_seconds":
            row.values["duration_minutes"] = duration_seconds_parse(cell, self.decimal_comma)
        elif name == "due_time":
            row.extra["due_time"] = time_of_day_parse(cell)
        elif name == "created_at":
            row.extra["created_at"] = self.datetime(cell, "Created date", past=True)

    def finish_row(self, row: Prepared, errors: list[str]) -> None:
        values = row.values
        module = row.extra.get("related_module")
        if module not in (None, "company", "deal"):
            if row.keys.get("deal"):
                errors.append(
                    self.about(
                        f"{module!r} is not a kind of record an activity can be related to; write Accounts (for a "
                        "company) or Deals, or leave the cell empty.",
                        "related_module",
                    )
                )
                return
            del row.extra["related_module"]
        if "due_time" in row.extra:
            # "Due date" 2025-12-05 + "Due time" 14:30 (Pipedrive): that day at that time, in the import's zone.
            day = values.get("due_at") or values.get("starts_at")
            if day is None:
                errors.append(self.about("A due time needs a date; map a Due date column.", "due_time"))
                return
            local = timezone.localtime(day, timezone.get_current_timezone()).date()
            try:
                values["due_at"] = self.datetime(f"{local.isoformat()} {row.extra['due_time']}", "Due time")
            except ValidationError as exc:
                errors.append(self.about(" ".join(exc.messages), "due_time"))
                return
        if "kind" not in values and self.job.mode != "update":
            # No type column (or an empty cell): tell it from what the row has.
            if values.get("starts_at"):
                values["kind"] = ActivityKind.MEETING
            elif values.get("outcome") or values.get("duration_minutes") is not None:
                values["kind"] = ActivityKind.CALL
            elif values.get("due_at") or "done" in row.extra:
                values["kind"] = ActivityKind.TASK
            else:
                values["kind"] = ActivityKind.NOTE
        if values.get("kind") == ActivityKind.MEETING:
            # Pipedrive's meetings have a due date and time but no start: that is when they start.
            if not values.get("starts_at") and values.get("due_at"):
                values["starts_at"] = values["due_at"]
            if values.get("starts_at") and not values.get("ends_at") and values.get("duration_minutes"):
                values["ends_at"] = values["starts_at"] + dt.timedelta(minutes=values["duration_minutes"])
        starts, ends = values.get("starts_at"), values.get("ends_at")
        if starts and ends and ends < starts:
            errors.append("The end is before the start; a meeting must end after it starts.")
        done = row.extra.get("done")
        if done is False:
            values["done_at"] = None
        elif done and "done_at" not in values:
            # Done, with no Completed date: done when it happened, so importing the file again changes nothing.
            own = self.own_time(values, row.extra.get("created_at"))
            values["done_at"] = own or self.now
            row.extra["done_at_guessed"] = "own" if own else "now"

    def own_time(self, values: dict[str, Any], created: Any = None) -> dt.datetime | None:
        """When an activity happened: its end, else its start, else its due date, else its created date
        (never later than now); None when it has none of them."""
        for name in ("ends_at", "starts_at", "due_at"):
            value = as_datetime(values.get(name))
            if value is not None:
                return min(value, self.now)
        return as_datetime(created)

    def create_problem(self, row: Prepared) -> str | None:
        values = row.values
        if not values.get("subject"):
            return "This row has no subject; every activity needs one."
        if values.get("kind") == ActivityKind.MEETING and not values.get("starts_at"):
            return "A meeting needs its start; map a Start column or import it as a note."
        if not any(values.get(link) for link in LINKS):
            return (
                "This row names no contact, company, lead or deal; an activity must be linked to one of them."
            )
        return None

    def resolve(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        rows = self.link_lead(rows, out)
        rows = self.link_related(rows, out)
        rows = self.link_contact(rows, out)
        rows = self.link_contact_by_name(rows, out)
        rows = self.link_company(rows, out)
        self._fill_links(rows)
        return rows

    def link_related(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Resolve the rows' Deal / Related To key to a deal or a company the user may see; otherwise reject.

        A module column (Accounts, Deals) says which; without one the key is a deal's external id or name
        first, else a company's external id, name or domain. A name that is both is the deal: the
        activity then shows on the deal and, through it, on the deal's company (_fill_links).
        """
        keyed = [r for r in rows if r.keys.get("deal")]
        if not keyed:
            return rows
        deals = self.deals_find({r.keys["deal"] for r in keyed if r.extra.get("related_module") != "company"})
        companies = self.companies_find_by_key(
            {
                r.keys["deal"]
                for r in keyed
                if r.extra.get("related_module") == "company"
                or (r.extra.get("related_module") is None and r.keys["deal"] not in deals)
            }
        )
        # A row with a company column too must name the same company there.
        named = self.companies_find({r.keys["company"] for r in keyed if r.keys.get("company")})
        kept = []
        for r in rows:
            key, module = r.keys.get("deal"), r.extra.get("related_module")
            reason = None
            if not key:
                pass
            elif module == "deal" or (module is None and key in deals):
                if key not in deals:
                    reason = f"There is no deal with the external id or name {key!r}; import the deals first or fix it."
                elif deals[key] is None:
                    reason = (
                        f"Several deals are called {key!r}; use the deal's external id instead of its name."
                    )
                else:
                    r.values["deal_id"] = deals[key]
            elif key in companies:
                other = r.keys.get("company")
                if other and named.get(other, companies[key]) != companies[key]:
                    reason = (
                        f"{key!r} is a company, but {self.header_of('company')} names {other!r}; an activity "
                        "is linked to one company, so fix one of them."
                    )
                else:
                    r.values["company_id"] = companies[key]
                    r.keys["related_to"] = r.keys.pop("deal")
            elif module == "company":
                reason = (
                    f"There is no company {key!r}; import or add it under Companies first, or fix the name "
                    "or domain."
                )
            else:
                reason = (
                    f"There is no deal or company called {key!r}; import it first, or fix the name "
                    "(or the external id)."
                )
            if reason:
                self.refuse(r, self.about(reason, "deal"))
            kept.append(r)
        return kept

    def link_contact_by_name(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Resolve the rows' contact name ("Anna Berg", "Berg, Anna") or contact external id to a contact the
        user may see; reject the row when no contact, or several, have that name."""
        wanted = {r.keys["contact_name"] for r in rows if r.keys.get("contact_name")}
        if not wanted:
            return rows
        found = self.contacts_find_by_name(wanted)
        kept = []
        for r in rows:
            name = r.keys.get("contact_name")
            match = found.get(name) if name else None
            reason = None
            if not name:
                pass
            elif name not in found:
                # Another team's contact reads exactly like one that does not exist.
                reason = (
                    f"There is no contact called {name!r}; import or add the contact first, or fix the name "
                    "(or write the contact's email)."
                )
            elif match is None:
                reason = (
                    f"Several contacts are called {name!r}; write the contact's email instead of the name."
                )
            else:
                contact_id, company_id = match
                r.values["contact_id"] = contact_id
                if company_id and "company_id" not in r.values and not r.keys.get("company"):
                    r.values["company_id"] = company_id
            if reason:
                self.refuse(r, self.about(reason, "contact"))
            kept.append(r)
        return kept

    def _fill_links(self, rows: list[Prepared]) -> None:
        """Like activity_create: the contact and company of the lead or deal, so the activity shows there too."""
        lead_ids = sorted({r.values["lead_id"] for r in rows if r.values.get("lead_id")})
        deal_ids = sorted({r.values["deal_id"] for r in rows if r.values.get("deal_id")})
        leads = (
            {
                r[0]: (r[1], r[2])
                for r in db.query_in(
                    "SELECT id, contact_id, company_id FROM sales_lead WHERE id IN ({})", lead_ids
                )
            }
            if lead_ids
            else {}
        )
        deals = (
            {
                r[0]: (r[1], r[2])
                for r in db.query_in(
                    "SELECT id, contact_id, company_id FROM sales_deal WHERE id IN ({})", deal_ids
                )
            }
            if deal_ids
            else {}
        )
        for r in rows:
            values = r.values
            sources = [deals.get(values.get("deal_id") or 0), leads.get(values.get("lead_id") or 0)]
            for source in sources:
                if source is None:
                    continue
                if (
                    source[0]
                    and not values.get("contact_id")
                    and not r.keys.get("contact")
                    and not r.keys.get("contact_name")
                ):
                    values["contact_id"] = source[0]
                if source[1] and not values.get("company_id") and not r.keys.get("company"):
                    values["company_id"] = source[1]

    def sample(self, row: Prepared) -> dict[str, Any]:
        values = {k: json_safe(v) for k, v in row.values.items() if not k.endswith("_id") and v is not None}
        values.update({k: v for k, v in row.keys.items() if v})
        return {"row": row.row_number, "values": values}

    def new_values(self, row: Prepared) -> dict[str, Any]:
        values = super().new_values(row)
        if (
            values["kind"] in (ActivityKind.CALL, ActivityKind.NOTE, ActivityKind.EMAIL)
            and "done_at" not in values
        ):
            # A logged call, note or email is done when it happened.
            values["done_at"] = self.own_time(values, row.extra.get("created_at")) or self.now
        return values

    def write_creates(self, rows: list[Prepared], result: BatchResult, out: Outcomes) -> None:
        from rapport.activities.models import TimelineEvent

        if not rows:
            return
        ids = db.ids_reserve("activities_activity", len(rows))
        records, events, keys = [], [], []
        labels = dict(ActivityKind.choices)
        for pk, r in zip(ids, rows, strict=True):
            values = self.new_values(r)
            kind = values["kind"]
            created = r.extra.get("created_at") or self.now
            records.append({"id": pk, "created_at": created, "updated_at": self.now, **values})
            event = self.event(pk, r, {link: values.get(link) for link in LINKS})
            event["activity_id"] = pk
            event["summary"] = (
                f"{labels[kind]}: {values['subject']}"[:250] + f" (imported, row {r.row_number})"
            )
            event["data"].update(
                {
                    "kind": kind,
                    "outcome": values.get("outcome", ""),
                    "duration_minutes": values.get("duration_minutes"),
                    "due_at": json_safe(values.get("due_at")),
                    "starts_at": json_safe(values.get("starts_at")),
                }
            )
            events.append(event)
            if r.external_id:
                keys.append((r.external_id, pk))
        model_insert(Activity, records)
        self.external_keys_insert(keys)
        model_insert(TimelineEvent, events)
        result.created_ranges.setdefault("activity", []).extend(runs_of(ids))

    def update_values(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        if row.extra.get("done") is False and old["done_at"] is not None:
            new["done_at"] = None
            before["done_at"] = json_safe(old["done_at"])
            changes["done_at"] = [str(old["done_at"]), None]
        guessed = row.extra.get("done_at_guessed")
        if guessed and old.get("done_at") is not None:
            # Already done: a row saying "done" without a Completed date keeps when it was done.
            new["done_at"] = old["done_at"]
            before.pop("done_at", None)
            changes.pop("done_at", None)
        elif guessed == "now":
            # The row has no time of its own; the record's end, start or due date may give one.
            own = self.own_time(new)
            if own is not None:
                new["done_at"] = own
                before["done_at"] = json_safe(old.get("done_at"))
                changes["done_at"] = [json_safe(old.get("done_at")), json_safe(own)]
        starts, ends = as_datetime(new.get("starts_at")), as_datetime(new.get("ends_at"))
        if starts and ends and ends < starts:
            return "The end is before the start; a meeting must end after it starts."
        return None

    def links_of(self, rid: int, values: dict[str, Any]) -> dict[str, Any]:
        links = {"activity_id": rid}
        links.update({k: values[k] for k in LINKS if values.get(k)})
        return links
