"""Keeping the search index in step with the records (called explicitly by the record services)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from rapport.search.models import SearchEntry


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def search_text(kind: str, record: Any) -> tuple[str, str]:
    """Return (title, searchable text) of a record."""
    if kind == "contact":
        emails = [e.email for e in record.emails.all()] or ([record.email] if record.email else [])
        phones = [p.number for p in record.phones.all()] or ([record.phone] if record.phone else [])
        parts = [record.first_name, record.last_name, *emails, *phones, *[_digits(p) for p in phones]]
        return record.full_name, " ".join(p for p in parts if p)
    if kind == "company":
        parts = [record.name, record.domain, record.phone, _digits(record.phone)]
        return record.name, " ".join(p for p in parts if p)
    if kind == "lead":
        contact = record.contact
        parts = [contact.first_name, contact.last_name, contact.email, record.need]
        return str(record), " ".join(p for p in parts if p)
    if kind == "deal":
        parts = [record.name, record.company.name if record.company_id else ""]
        return record.name, " ".join(p for p in parts if p)
    raise ValueError(kind)


def search_index_put(kind: str, record: Any) -> None:
    """Index (or re-index) one record; a record in the trash is removed instead."""
    if getattr(record, "deleted_at", None) is not None:
        search_index_remove(kind, record.pk)
        return
    title, text = search_text(kind, record)
    SearchEntry.objects.update_or_create(
        kind=kind,
        object_id=record.pk,
        defaults={"title": title[:300], "text": text, "owner_id": getattr(record, "owner_id", None)},
    )


def search_index_remove(kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def search_index_rebuild() -> int:
    """Rebuild the whole index set-based in SQL (after bulk loads); returns the number of entries."""
    agg = "group_concat({col}, ' ')" if connection.vendor == "sqlite" else "string_agg({col}, ' ')"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_searchentry")
        cursor.execute(
            f"""
            INSERT INTO search_searchentry (kind, object_id, owner_id, title, text)
            SELECT 'contact', c.id, c.owner_id,
                   substr(trim(c.first_name || ' ' || c.last_name), 1, 300),
                   c.first_name || ' ' || c.last_name || ' ' ||
                   COALESCE((SELECT {agg.format(col='e.email')} FROM contacts_contactemail e
                             WHERE e.contact_id = c.id), c.email) || ' ' ||
                   COALESCE((SELECT {agg.format(col="p.number || ' ' || replace(p.number, '+', '')")}
                             FROM contacts_contactphone p WHERE p.contact_id = c.id), c.phone)
            FROM contacts_contact c WHERE c.deleted_at IS NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO search_searchentry (kind, object_id, owner_id, title, text)
            SELECT 'company', id, owner_id, substr(name, 1, 300), name || ' ' || domain || ' ' || phone
            FROM contacts_company WHERE deleted_at IS NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO search_searchentry (kind, object_id, owner_id, title, text)
            SELECT 'lead', l.id, l.owner_id,
                   substr(trim(c.first_name || ' ' || c.last_name) ||
                          CASE WHEN l.need <> '' THEN ' — ' || l.need ELSE '' END, 1, 300),
                   c.first_name || ' ' || c.last_name || ' ' || c.email || ' ' || l.need
            FROM sales_lead l JOIN contacts_contact c ON c.id = l.contact_id WHERE l.deleted_at IS NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO search_searchentry (kind, object_id, owner_id, title, text)
            SELECT 'deal', d.id, d.owner_id, substr(d.name, 1, 300), d.name || ' ' || COALESCE(co.name, '')
            FROM sales_deal d LEFT JOIN contacts_company co ON co.id = d.company_id WHERE d.deleted_at IS NULL
            """
        )
        cursor.execute("SELECT count(*) FROM search_searchentry")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
