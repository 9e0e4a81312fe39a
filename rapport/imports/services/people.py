"""The people a lead or an order file brings: a new email becomes a contact, with the name, phone and country
of its row, written set-based like an imported contact (emails, phones, search entry, timeline event) and
kept in the batch's created ranges, so undo deletes it with the rest.
"""

from __future__ import annotations

from typing import Any

from rapport.contacts.models import Contact
from rapport.imports.services import db
from rapport.imports.services.rows import BatchResult, Prepared, model_insert, runs_of


def split_name(full: str) -> tuple[str, str]:
    """'Berg, Anna' and 'Anna Berg' -> ('Anna', 'Berg'); one word is the last name."""
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    parts = full.split()
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


def people_create(
    importer: Any, rows: list[Prepared], result: BatchResult, *, email_key: str, stage: str, source: str
) -> int:
    """Create a contact for each row without `values["contact_id"]` (one per new email; rows without email
    one each) from `extra["person"]` (first_name, last_name, title, phone, country), and link the rows to it.

    `importer` is the RecordImporter (its user, job and clock); `source` says what brought the person
    ("a new lead") on the contact's timeline. Returns how many contacts were created.
    """
    from rapport.activities.models import TimelineEvent

    actor_id, now, job = importer.user.pk, importer.now, importer.job.pk

    wanted: list[Prepared] = []
    by_email: dict[str, Prepared] = {}
    for r in rows:
        if "contact_id" in r.values:
            continue
        email = r.keys.get(email_key)
        if email:
            if email in by_email:
                continue
            by_email[email] = r
        wanted.append(r)
    if not wanted:
        return 0
    ids = db.ids_reserve("contacts_contact", len(wanted))
    records, emails, phones, entries, events = [], [], [], [], []
    for pk, r in zip(ids, wanted, strict=True):
        person = r.extra.get("person", {})
        email = r.keys.get(email_key, "")
        owner_id = r.values.get("owner_id", actor_id)
        first, last = person.get("first_name", ""), person.get("last_name", "")
        phone = person.get("phone", "")
        records.append(
            {
                "id": pk,
                "created_at": now,
                "updated_at": now,
                "first_name": first,
                "last_name": last,
                "title": person.get("title", ""),
                "company_id": r.values.get("company_id"),
                "owner_id": owner_id,
                "lifecycle_stage": stage,
                "email": email,
                "phone": phone,
                "street": person.get("street", ""),
                "city": person.get("city", ""),
                "region": person.get("region", ""),
                "postal_code": person.get("postal_code", ""),
                "country": person.get("country", ""),
            }
        )
        if email:
            emails.append((pk, email, "work", True))
        if phone:
            phones.append((pk, phone, "work", True))
        name = f"{first} {last}".strip() or email or f"Contact #{pk}"
        text = " ".join(x for x in [first, last, email, phone, phone.lstrip("+")] if x)
        entries.append(("contact", pk, owner_id, name[:300], text))
        events.append(
            {
                "occurred_at": now,
                "actor_id": actor_id,
                "kind": "imported",
                "summary": f"Contact created from {source} (import #{job}, row {r.row_number})"[:300],
                "data": {"import": job, "row": r.row_number},
                "contact_id": pk,
                "company_id": r.values.get("company_id"),
            }
        )
        r.values["contact_id"] = pk
    model_insert(Contact, records)
    if emails:
        db.rows_insert("contacts_contactemail", ["contact_id", "email", "kind", "is_primary"], emails)
    if phones:
        db.rows_insert("contacts_contactphone", ["contact_id", "number", "kind", "is_primary"], phones)
    db.rows_insert("search_searchentry", ["kind", "object_id", "owner_id", "title", "text"], entries)
    model_insert(TimelineEvent, events)
    result.created_ranges.setdefault("contact", []).extend(runs_of(ids))
    for r in rows:
        email = r.keys.get(email_key)
        if "contact_id" not in r.values and email in by_email:
            r.values["contact_id"] = by_email[email].values["contact_id"]
    return len(ids)
