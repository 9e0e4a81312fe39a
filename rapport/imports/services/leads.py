"""Importing leads: the person is matched by email (a new email creates the contact with the lead), the
company by name or domain (created when new), product by SKU and deal by external id or name."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from rapport.contacts.choices import LifecycleStage
from rapport.contacts.models import Company
from rapport.imports.choices import MatchKey
from rapport.imports.services import db
from rapport.imports.services.base import RecordImporter
from rapport.imports.services.people import people_create, split_name
from rapport.imports.services.rows import (
    BatchResult,
    Outcomes,
    Prepared,
    json_safe,
    model_insert,
    runs_of,
    search_reindex,
)
from rapport.imports.services.values import person_email
from rapport.sales.choices import LeadSource, LeadStatus
from rapport.sales.models import Lead

STATUS_SYNONYMS = {
    "open": LeadStatus.NEW,
    "open - not contacted": LeadStatus.NEW,
    "not contacted": LeadStatus.NEW,
    "attempted to contact": LeadStatus.WORKING,
    "working - contacted": LeadStatus.WORKING,
    "contacted": LeadStatus.WORKING,
    "in progress": LeadStatus.WORKING,
    "attempting contact": LeadStatus.WORKING,
    "nurture": LeadStatus.NURTURING,
    "open deal": LeadStatus.QUALIFIED,
    "sales qualified": LeadStatus.QUALIFIED,
    "marketing qualified": LeadStatus.QUALIFIED,
    "closed - converted": LeadStatus.CONVERTED,
    "closed - not converted": LeadStatus.DISQUALIFIED,
    "unqualified": LeadStatus.DISQUALIFIED,
    "junk": LeadStatus.DISQUALIFIED,
    "junk lead": LeadStatus.DISQUALIFIED,
    "lost lead": LeadStatus.DISQUALIFIED,
    "bad timing": LeadStatus.NURTURING,
    "neu": LeadStatus.NEW,
    "in bearbeitung": LeadStatus.WORKING,
    "qualifiziert": LeadStatus.QUALIFIED,
    "disqualifiziert": LeadStatus.DISQUALIFIED,
    "konvertiert": LeadStatus.CONVERTED,
    "nouveau": LeadStatus.NEW,
    "en cours": LeadStatus.WORKING,
    "qualifié": LeadStatus.QUALIFIED,
    "qualifie": LeadStatus.QUALIFIED,
    "disqualifié": LeadStatus.DISQUALIFIED,
    "converti": LeadStatus.CONVERTED,
    "nuevo": LeadStatus.NEW,
    "en proceso": LeadStatus.WORKING,
    "calificado": LeadStatus.QUALIFIED,
    "cualificado": LeadStatus.QUALIFIED,
    "descalificado": LeadStatus.DISQUALIFIED,
    "convertido": LeadStatus.CONVERTED,
}
SOURCE_SYNONYMS = {
    "web": LeadSource.WEB_FORM,
    "website": LeadSource.WEB_FORM,
    "web site": LeadSource.WEB_FORM,
    "web form": LeadSource.WEB_FORM,
    "webform": LeadSource.WEB_FORM,
    "form": LeadSource.WEB_FORM,
    "landing page": LeadSource.WEB_FORM,
    "organic search": LeadSource.WEB_FORM,
    "website form": LeadSource.WEB_FORM,
    "webseite": LeadSource.WEB_FORM,
    "site web": LeadSource.WEB_FORM,
    "sitio web": LeadSource.WEB_FORM,
    "referral": LeadSource.REFERRAL,
    "partner referral": LeadSource.REFERRAL,
    "employee referral": LeadSource.REFERRAL,
    "external referral": LeadSource.REFERRAL,
    "partner": LeadSource.REFERRAL,
    "word of mouth": LeadSource.REFERRAL,
    "empfehlung": LeadSource.REFERRAL,
    "recommandation": LeadSource.REFERRAL,
    "recomendación": LeadSource.REFERRAL,
    "trade show": LeadSource.EVENT,
    "tradeshow": LeadSource.EVENT,
    "seminar": LeadSource.EVENT,
    "webinar": LeadSource.EVENT,
    "conference": LeadSource.EVENT,
    "messe": LeadSource.EVENT,
    "salon": LeadSource.EVENT,
    "feria": LeadSource.EVENT,
    "evento": LeadSource.EVENT,
    "événement": LeadSource.EVENT,
    "email": LeadSource.CAMPAIGN,
    "email marketing": LeadSource.CAMPAIGN,
    "advertisement": LeadSource.CAMPAIGN,
    "paid search": LeadSource.CAMPAIGN,
    "paid social": LeadSource.CAMPAIGN,
    "social media": LeadSource.CAMPAIGN,
    "kampagne": LeadSource.CAMPAIGN,
    "campagne": LeadSource.CAMPAIGN,
    "campaña": LeadSource.CAMPAIGN,
    "cold call": LeadSource.MANUAL,
    "phone inquiry": LeadSource.MANUAL,
    "offline": LeadSource.MANUAL,
    "other": LeadSource.MANUAL,
    "manual": LeadSource.MANUAL,
    "sales": LeadSource.MANUAL,
}
OPEN = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING, LeadStatus.QUALIFIED)


# The new contact's address (a lead's person), as a contacts file has it.
ADDRESS_TEXT = {"street": ("Street", 200), "city": ("City", 100), "region": ("Region", 100),
                "postal_code": ("Postal code", 20)}

class LeadImporter(RecordImporter):
    """Transform, match and write lead rows of one job (with the contacts and companies they bring)."""

    target = "leads"
    kind = "lead"
    model = Lead
    noun = "lead"
    match_keys = (MatchKey.EXTERNAL_ID, MatchKey.RAPPORT_ID)
    update_columns = (
        "status",
        "source",
        "disqualified_reason",
        "score",
        "need",
        "product_id",
        "deal_id",
        "owner_id",
        "company_id",
        "contact_id",
        "converted_at",
        "custom",
    )
    search_kind = "lead"
    rules_entity = "lead"

    def check_mapping(self) -> None:
        if self.job.mode != "update" and not self.mapped & {"email", "first_name", "last_name", "full_name"}:
            raise ValidationError(
                "Map a column to the person's Email (or name): a lead points at the contact it came from."
            )

    def parse_cell(self, name: str, cell: str, row: Prepared) -> None:
        person = row.extra.setdefault("person", {})
        if name == "email":
            # The person's address, also as mail clients write a person ("Jane Doe <jane@…>").
            row.keys["email"] = person_email(cell)
        elif name in ("first_name", "last_name", "title"):
            person[name] = self.text(
                cell, {"first_name": "First name", "last_name": "Last name", "title": "Job title"}[name], 100
            )
        elif name == "full_name":
            person["full_name"] = self.text(cell, "Full name", 201)
        elif name == "phone":
            person["phone_raw"] = cell
        elif name in ADDRESS_TEXT:
            label, size = ADDRESS_TEXT[name]
            person[name] = self.text(cell, label, size)
        elif name == "country":
            person["country"] = self.country(cell)
        elif name == "company":
            row.keys["company"] = self.text(cell, "Company", 200)
        elif name == "status":
            row.values["status"] = self.choice(
                cell, "status", "Lead status", list(LeadStatus.choices), STATUS_SYNONYMS
            )
        elif name == "source":
            row.values["source"] = self.choice(
                cell, "source", "Lead source", list(LeadSource.choices), SOURCE_SYNONYMS
            )
        elif name == "disqualified_reason":
            row.values["disqualified_reason"] = self.text(cell, "Disqualified reason", 200)
        elif name == "score":
            row.values["score"] = self.integer(cell, "Score", -1_000_000, 1_000_000)
        elif name == "need":
            row.values["need"] = self.text(cell, "Need", 200)
        elif name == "product":
            row.keys["product"] = self.text(cell, "Product SKU", 64)
        elif name == "deal":
            row.keys["deal"] = self.text(cell, "Deal", 200)
        elif name == "created_at":
            row.extra["created_at"] = self.datetime(cell, "Created date", past=True)

    def finish_row(self, row: Prepared, errors: list[str]) -> None:
        person = row.extra.get("person", {})
        if person.get("full_name") and not (person.get("first_name") or person.get("last_name")):
            first, last = split_name(person.pop("full_name"))
            if len(first) > 100 or len(last) > 100:
                errors.append("Full name is too long (at most 100 characters each for first and last name).")
            person["first_name"], person["last_name"] = first, last
        if person.get("phone_raw"):
            try:
                person["phone"] = self.phone(person.pop("phone_raw"), person.get("country", ""))
            except ValidationError as exc:
                errors.append(f"Phone: {' '.join(exc.messages)}")
        if row.values.get("status") == LeadStatus.CONVERTED and not row.keys.get("deal"):
            errors.append(
                "A converted lead needs the deal it became; map a Deal column or import it with another "
                "status."
            )

    def create_problem(self, row: Prepared) -> str | None:
        person = row.extra.get("person", {})
        if not (row.keys.get("email") or person.get("first_name") or person.get("last_name")):
            return "This row has no email and no name; a lead needs the person it came from."
        return None

    def rule_values(self, values: dict[str, Any], custom: dict[str, Any]) -> dict[str, Any]:
        result = super().rule_values(values, custom)
        result.setdefault("status", LeadStatus.NEW)
        result.setdefault("source", LeadSource.IMPORT)
        return result

    def sample(self, row: Prepared) -> dict[str, Any]:
        sample = super().sample(row)
        sample["values"].update({k: v for k, v in row.extra.get("person", {}).items() if v})
        return sample

    # ------------------------------------------------------------ related records

    def resolve(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Link the product, deal, company and person each row names; a new company or person is created later.

        Only companies and contacts the user may see are found (companies_find, contacts_find): one of
        another team is, for this user, not there, and the lead brings its own, as for any new name or
        email. Rejecting the row instead would tell the user that the other team's record exists.
        """
        rows = self.link_product(rows, out)
        rows = self.link_deal(rows, out)
        companies = self.companies_find({r.keys["company"] for r in rows if r.keys.get("company")})
        contacts = self.contacts_find({r.keys["email"] for r in rows if r.keys.get("email")})
        for r in rows:
            name = r.keys.get("company")
            if name and name in companies:
                r.values["company_id"] = companies[name]
            email = r.keys.get("email")
            if email and email in contacts:
                contact_id, company_id = contacts[email]
                r.values["contact_id"] = contact_id
                if company_id and not name:
                    r.values["company_id"] = company_id
        return rows

    def _companies_create(self, rows: list[Prepared], result: BatchResult) -> None:
        from rapport.activities.models import TimelineEvent

        new: dict[str, str] = {}
        for r in rows:
            name = r.keys.get("company")
            if name and "company_id" not in r.values:
                new.setdefault(name.upper(), name)
        if not new:
            return
        ids = db.ids_reserve("contacts_company", len(new))
        records, events = [], []
        for pk, name in zip(ids, sorted(new.values()), strict=True):
            domain = name.lower() if "." in name and " " not in name and len(name) <= 253 else ""
            records.append(
                {
                    "id": pk,
                    "created_at": self.now,
                    "updated_at": self.now,
                    "name": name,
                    "domain": domain,
                    "owner_id": self.user.pk,
                }
            )
            events.append(
                {
                    "occurred_at": self.now,
                    "actor_id": self.user.pk,
                    "kind": "imported",
                    "summary": f"Company {name} created with a lead of import #{self.job.pk}"[:300],
                    "data": {"import": self.job.pk},
                    "company_id": pk,
                }
            )
            self._company_cache[name.upper()] = pk
        model_insert(Company, records)
        result.new_companies += len(ids)
        runs = runs_of(ids)
        search_reindex("company", runs)
        model_insert(TimelineEvent, events)
        result.created_ranges.setdefault("company", []).extend(runs)
        for r in rows:
            if r.keys.get("company") and "company_id" not in r.values:
                r.values["company_id"] = self._company_cache[r.keys["company"].upper()]

    def _contacts_create(self, rows: list[Prepared], result: BatchResult) -> None:
        """Create the people these leads bring (one per new email; people without email one each)."""
        result.new_contacts += people_create(self, rows, result, email_key="email", stage=LifecycleStage.LEAD,
                                             source="a new lead")

    def count_alongside(self, creates: list[Prepared], result: BatchResult) -> None:
        """Dry run: the companies and people the new leads bring that Rapport does not have (each once)."""
        companies = {f"company:{r.keys['company'].upper()}": r.row_number
                     for r in creates if r.keys.get("company") and "company_id" not in r.values}
        people = {f"person:{r.keys['email']}": r.row_number
                  for r in creates if r.keys.get("email") and "contact_id" not in r.values}
        seen = set(self.memory.first_rows([*companies, *people]))
        result.new_companies = len(set(companies) - seen)
        # A lead without email brings a person of its own.
        result.new_contacts = len(set(people) - seen) + sum(
            1 for r in creates if not r.keys.get("email") and "contact_id" not in r.values)
        self.memory.remember([*companies.items(), *people.items()])

    def new_values(self, row: Prepared) -> dict[str, Any]:
        values = super().new_values(row)
        values.setdefault("source", LeadSource.IMPORT)
        values.setdefault("status", LeadStatus.NEW)
        if values["status"] == LeadStatus.CONVERTED:
            values["converted_at"] = self.now
        return values

    def write_creates(self, rows: list[Prepared], result: BatchResult, out: Outcomes) -> None:
        from rapport.activities.models import TimelineEvent

        if not rows:
            return
        self._companies_create(rows, result)
        self._contacts_create(rows, result)
        ids = db.ids_reserve("sales_lead", len(rows))
        records, events, keys = [], [], []
        for pk, r in zip(ids, rows, strict=True):
            values = self.new_values(r)
            created = r.extra.get("created_at") or self.now
            records.append({"id": pk, "created_at": created, "updated_at": self.now, **values})
            events.append(
                self.event(
                    pk,
                    r,
                    {
                        "lead_id": pk,
                        "contact_id": values["contact_id"],
                        "company_id": values.get("company_id"),
                    },
                )
            )
            if r.external_id:
                keys.append((r.external_id, pk))
        model_insert(Lead, records)
        self.external_keys_insert(keys)
        runs = runs_of(ids)
        search_reindex("lead", runs)
        model_insert(TimelineEvent, events)
        result.created_ranges.setdefault("lead", []).extend(runs)

    def update_values(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        if new["status"] == LeadStatus.CONVERTED and old["status"] != LeadStatus.CONVERTED:
            if not new.get("deal_id"):
                return "A converted lead needs the deal it became; map a Deal column."
            new["converted_at"] = self.now
            before["converted_at"] = json_safe(old["converted_at"])
        return None
