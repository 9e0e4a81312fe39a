"""Create many contacts at once, set-based: the checks of contact_create, a fixed number of queries.

Every item is validated in memory first (the custom field definitions, validation rules and the
owners the caller may assign are each read once); if any item is invalid nothing is written. Then
each table gets one multi-row INSERT: contacts, emails, phones, consents, tags, search entries and
timeline events. (On SQLite Django splits an INSERT into statements of at most 999 parameters, so
1,000 contacts take ~25 contact INSERTs; on PostgreSQL it is one statement per table.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from rapport.accounts.permissions import assignable_users, owner_refusal
from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Consent, Contact, ContactEmail, ContactPhone
from rapport.contacts.services import (
    _consents_clean,
    _contact_values,
    _emails_clean,
    _phones_clean,
    _primary,
)
from rapport.core.records import ensure_can_create
from rapport.customization.models import CustomField, Tag
from rapport.customization.services import custom_value_clean, tags_named
from rapport.customization.validation import rules_for, values_from_record
from rapport.search.models import SearchEntry
from rapport.search.services import search_text

MAX_TAG_LENGTH = 50


def _custom_clean(
    definitions: dict[str, CustomField], values: Any, errors: dict[str, list[str]]
) -> dict[str, Any]:
    """custom_values_clean with the definitions read once for the whole request."""
    values = values or {}
    if not isinstance(values, dict):
        errors["custom"] = ["Custom fields must be an object of field name to value."]
        return {}
    result: dict[str, Any] = {}
    for key in values:
        if key not in definitions:
            errors[f"custom.{key}"] = [f"There is no custom field called {key!r} on this record type."]
    for key, field in definitions.items():
        try:
            cleaned = custom_value_clean(field, values.get(key))
        except ValidationError as exc:
            errors[f"custom.{key}"] = list(exc.messages)
            continue
        if cleaned is not None:
            result[key] = cleaned
    return result


def _tag_names(names: Sequence[Any], errors: dict[str, list[str]]) -> list[str]:
    result: list[str] = []
    for raw in names:
        name = str(raw).strip()
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            errors.setdefault("tags", []).append(f"Tag {name[:20]!r}… is too long: at most 50 characters.")
        elif name.lower() not in {n.lower() for n in result}:
            result.append(name)
    return result


class _Prepared:
    """One valid item, ready to write."""

    def __init__(
        self,
        contact: Contact,
        emails: list[dict[str, Any]],
        phones: list[dict[str, Any]],
        consents: list[dict[str, Any]],
        tags: list[str],
    ) -> None:
        self.contact, self.emails, self.phones, self.consents, self.tags = (
            contact,
            emails,
            phones,
            consents,
            tags,
        )


def _prepare(
    item: dict[str, Any], by: Any, definitions: dict[str, CustomField], rules: Any, assignable: set[int]
) -> _Prepared:
    """Validate one item as contact_create does (same messages, same order of checks)."""
    values = dict(item)
    emails, phones = values.pop("emails", ()), values.pop("phones", ())
    tags, consents = values.pop("tags", ()), values.pop("consents", ())
    custom = values.pop("custom", None)
    errors: dict[str, list[str]] = {}
    values = _contact_values(values, errors)
    email_rows = _emails_clean(emails, errors)
    phone_rows = _phones_clean(phones, values.get("country", ""), errors)
    consent_rows = _consents_clean(consents, errors)
    custom_clean = _custom_clean(definitions, custom, errors)
    tag_names = _tag_names(tags, errors)
    if not (values.get("first_name") or values.get("last_name") or email_rows) and not errors:
        errors["last_name"] = ["Enter a name or an email address."]
    if errors:
        raise ValidationError(errors)
    values.setdefault("owner", by)
    owner = values["owner"]
    if owner is not None and owner.pk not in assignable:
        raise ValidationError({"owner": [owner_refusal(by, owner)]})
    contact = Contact(
        custom=custom_clean,
        email=_primary(email_rows, "email"),
        phone=_primary(phone_rows, "number"),
        **values,
    )
    if not rules.empty:
        rules.check(values_from_record("contact", contact))
    contact.full_clean(exclude=["owner", "company", "deleted_by"])
    return _Prepared(contact, email_rows, phone_rows, consent_rows, tag_names)


def _tags_resolve(names: set[str]) -> dict[str, Tag]:
    """Tags by lower-case name, the missing ones created (a concurrent creator of the same name is fine)."""
    if not names:
        return {}
    found = tags_named(names)
    missing = {n.upper(): n for n in sorted(names) if n.upper() not in found}
    if missing:
        Tag.objects.bulk_create([Tag(name=n) for n in missing.values()], ignore_conflicts=True)
        found.update(tags_named(missing.values()))
    return {n.lower(): found[n.upper()] for n in names if n.upper() in found}


def contacts_bulk_create(
    *, by: Any, items: Sequence[dict[str, Any]], errors: dict[str, list[str]] | None = None
) -> list[Contact]:
    """Create every item as a contact, or none: errors are keyed items.<index>.<field>.

    Items carry what contact_create takes (owner and company as records, emails, phones, tags,
    consents, custom); the caller has already checked that the user may see the company and owner,
    and passes the problems it found there in `errors` so they are reported with the items' own.
    """
    ensure_can_create(by)
    definitions = {f.key: f for f in CustomField.objects.filter(entity="contact")}
    rules = rules_for("contact")
    owner_ids = {item["owner"].pk for item in items if item.get("owner") is not None} | {by.pk}
    assignable = set(assignable_users(by).filter(pk__in=owner_ids).values_list("pk", flat=True))
    prepared: list[_Prepared] = []
    errors = dict(errors or {})
    for i, item in enumerate(items):
        try:
            prepared.append(_prepare(item, by, definitions, rules, assignable))
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            for field, messages in problems.items():
                errors[f"items.{i}.{field}" if field else f"items.{i}"] = list(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contacts = Contact.objects.bulk_create([p.contact for p in prepared])
        ContactEmail.objects.bulk_create(
            [ContactEmail(contact=p.contact, **e) for p in prepared for e in p.emails]
        )
        ContactPhone.objects.bulk_create(
            [ContactPhone(contact=p.contact, **ph) for p in prepared for ph in p.phones]
        )
        now = timezone.now()
        Consent.objects.bulk_create(
            [Consent(contact=p.contact, recorded_at=now, **c) for p in prepared for c in p.consents]
        )
        tags = _tags_resolve({name for p in prepared for name in p.tags})
        through = Contact.tags.through
        through.objects.bulk_create(
            [
                through(contact_id=p.contact.pk, tag_id=tags[name.lower()].pk)
                for p in prepared
                for name in p.tags
            ]
        )
        prefetch_related_objects(contacts, "emails", "phones")
        entries = []
        for contact in contacts:
            title, text = search_text("contact", contact)
            entries.append(
                SearchEntry(
                    kind="contact",
                    object_id=contact.pk,
                    title=title[:300],
                    text=text,
                    owner_id=contact.owner_id,
                )
            )
        SearchEntry.objects.bulk_create(entries)
        actor = by if getattr(by, "pk", None) else None
        TimelineEvent.objects.bulk_create(
            [
                TimelineEvent(
                    kind="created",
                    summary=f"Contact {c.full_name} created"[:300],
                    actor=actor,
                    data={},
                    occurred_at=now,
                    contact=c,
                    company_id=c.company_id,
                )
                for c in contacts
            ]
        )
    return contacts
