"""Importing activities (calls, meetings, tasks, notes, logged emails) linked to contacts, companies,
leads and deals found by their keys."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from rapport.activities.choices import ActivityKind, CallOutcome, Priority
from rapport.activities.models import Activity
from rapport.imports.choices import MatchKey
from rapport.imports.services import db
from rapport.imports.services.base import RecordImporter
from rapport.imports.services.rows import (
    BatchResult,
    Outcomes,
    Prepared,
    as_datetime,
    json_safe,
    model_insert,
    runs_of,
)

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
    "in progress",
    "waiting",
    "waiting on someone else",
    "deferred",
    "pending",
    "no",
    "false",
    "0",
    "offen",
    "in bearbeitung",
    "ouvert",
    "en cours",
    "abierto",
    "pendiente",
    "planned",
    "scheduled",
}
MAX_DURATION = 24 * 60
LINKS = ("contact_id", "company_id", "lead_id", "deal_id")


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
            row.keys["contact"] = self.email(cell)
        elif name == "company":
            row.keys["company"] = self.text(cell, "Company", 253)
        elif name == "lead":
            row.keys["lead"] = self.text(cell, "Lead", 100)
        elif name == "deal":
            row.keys["deal"] = self.text(cell, "Deal", 200)
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
            row.values["duration_minutes"] = self.integer(cell, "Duration", 0, MAX_DURATION)
        elif name == "created_at":
            row.extra["created_at"] = self.datetime(cell, "Created date", past=True)

    def finish_row(self, row: Prepared, errors: list[str]) -> None:
        values = row.values
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
        starts, ends = values.get("starts_at"), values.get("ends_at")
        if starts and ends and ends < starts:
            errors.append("The end is before the start; a meeting must end after it starts.")
        done = row.extra.get("done")
        if done is False:
            values["done_at"] = None
        elif done and "done_at" not in values:
            values["done_at"] = self.now

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
        rows = self.link_deal(rows, out)
        rows = self.link_contact(rows, out)
        rows = self.link_company(rows, out)
        self._fill_links(rows)
        return rows

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
                if source[0] and not values.get("contact_id") and not r.keys.get("contact"):
                    values["contact_id"] = source[0]
                if source[1] and not values.get("company_id") and not r.keys.get("company"):
                    values["company_id"] = source[1]

    def sample(self, row: Prepared) -> dict[str, Any]:
        values = {k: json_safe(v) for k, v in row.values.items() if not k.endswith("_id") and v is not None}
        values.update({k: v for k, v in row.keys.items() if v})
        return {"row": row.row_number, "values": values}

    def write_creates(self, rows: list[Prepared], result: BatchResult, out: Outcomes) -> None:
        from rapport.activities.models import TimelineEvent

        if not rows:
            return
        ids = db.ids_reserve("activities_activity", len(rows))
        records, events, keys = [], [], []
        labels = dict(ActivityKind.choices)
        for pk, r in zip(ids, rows, strict=True):
            values = dict(r.values)
            values.setdefault("owner_id", self.user.pk)
            kind = values["kind"]
            if kind in (ActivityKind.CALL, ActivityKind.NOTE, ActivityKind.EMAIL) and "done_at" not in values:
                values["done_at"] = r.extra.get("created_at") or self.now
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
        starts, ends = as_datetime(new.get("starts_at")), as_datetime(new.get("ends_at"))
        if starts and ends and ends < starts:
            return "The end is before the start; a meeting must end after it starts."
        return None

    def links_of(self, rid: int, values: dict[str, Any]) -> dict[str, Any]:
        links = {"activity_id": rid}
        links.update({k: values[k] for k in LINKS if values.get(k)})
        return links
