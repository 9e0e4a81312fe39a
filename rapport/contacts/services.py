"""Every write to companies and contacts: validated, permission-checked, atomic, on the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.activities.timeline import timeline_record
from rapport.contacts.choices import Channel, ConsentStatus, EmailKind, LifecycleStage, PhoneKind
from rapport.contacts.models import Company, Consent, Contact, ContactEmail, ContactPhone
from rapport.core.normalize import domain_normalize, email_normalize, phone_normalize
from rapport.core.records import ensure_assignable, ensure_can_create, ensure_editable, record_update
from rapport.customization.models import Tag
from rapport.customization.services import custom_values_clean, tags_named
from rapport.customization.validation import rules_check
from rapport.search.services import search_index_put

COUNTRY_HELP = "Use the two-letter country code, like DE or US."


def _country(value: str, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip().upper()
    if value and (len(value) != 2 or not value.isalpha()):
        errors.setdefault("country", []).append(COUNTRY_HELP)
    return value


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def tags_resolve(names: Iterable[str]) -> list[Tag]:
    """Tags by name, created when new (names trimmed, at most 50 characters)."""
    result = []
    for raw in names:
        name = str(raw).strip()
        if not name:
            continue
        if len(name) > 50:
            raise ValidationError({"tags": [f"Tag {name[:20]!r}… is too long: at most 50 characters."]})
        tag = tags_named([name]).get(name.upper()) or Tag.objects.create(name=name)
        result.append(tag)
    return result


# ---------------------------------------------------------------- companies


def _company_values(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors.setdefault("name", []).append("Enter the company's name.")
    if values.get("domain"):
        try:
            values["domain"] = domain_normalize(values["domain"])
        except ValidationError as exc:
            errors.setdefault("domain", []).extend(exc.messages)
    if values.get("phone"):
        try:
            values["phone"] = phone_normalize(values["phone"], values.get("country") or None)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    if "country" in values:
        values["country"] = _country(values["country"], errors)
    return values


@transaction.atomic
def company_create(*, by: Any, name: str, tags: Iterable[str] = (), custom: dict[str, Any] | None = None,
                   **values: Any) -> Company:
    """Create a company owned by `by` unless another owner is given."""
    ensure_can_create(by)
    errors: dict[str, list[str]] = {}
    values = _company_values({"name": name, **values}, errors)
    try:
        custom_clean = custom_values_clean("company", custom)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        custom_clean = {}
    _raise(errors)
    values.setdefault("owner", by)
    ensure_assignable(values["owner"], by)
    company = Company(custom=custom_clean, **values)
    rules_check("company", company)
    company.full_clean(exclude=["owner", "parent", "deleted_by"])
    company.save()
    if tags:
        company.tags.set(tags_resolve(tags))
    search_index_put("company", company)
    timeline_record(kind="created", summary=f"Company {company.name} created", actor=by, company=company)
    return company


@transaction.atomic
def company_update(*, company: Company, by: Any, expected_version: int | None = None,
                   tags: Iterable[str] | None = None, custom: dict[str, Any] | None = None, **values: Any) -> Company:
    """Change a company's fields; refuses a stale version with EditConflict."""
    ensure_editable(company, by)
    errors: dict[str, list[str]] = {}
    values = _company_values(dict(values), errors)
    if custom is not None:
        try:
            values["custom"] = custom_values_clean("company", custom, current=company.custom, partial=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if values.get("parent") is not None and values["parent"].pk == company.pk:
        errors.setdefault("parent", []).append("A company cannot be its own parent.")
    _raise(errors)
    rules_check("company", company, values)
    if "owner" in values and values["owner"] != company.owner:
        ensure_assignable(values["owner"], by)
    extra = {}
    if tags is not None:
        new_tags = tags_resolve(tags)
        old_names = sorted(t.name for t in company.tags.all())
        new_names = sorted(t.name for t in new_tags)
        if old_names != new_names:
            company.tags.set(new_tags)
            extra["tags"] = (old_names, new_names)
    company, _ = record_update(company, values, by=by, expected_version=expected_version, extra_changes=extra)
    search_index_put("company", company)
    return company


# ---------------------------------------------------------------- contacts


def _emails_clean(emails: Iterable[Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Accept strings or {email, kind, is_primary}; normalise; exactly one primary (the first by default)."""
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(emails):
        entry = {"email": item} if isinstance(item, str) else dict(item)
        try:
            email = email_normalize(entry.get("email", ""))
        except ValidationError as exc:
            errors.setdefault(f"emails.{i}", []).extend(exc.messages)
            continue
        if email in seen:
            continue
        seen.add(email)
        kind = entry.get("kind") or EmailKind.WORK
        if kind not in EmailKind.values:
            errors.setdefault(f"emails.{i}", []).append(f"Email kind must be one of {', '.join(EmailKind.values)}.")
        result.append({"email": email, "kind": kind, "is_primary": bool(entry.get("is_primary"))})
    return _one_primary(result, "emails", errors)


def _phones_clean(phones: Iterable[Any], country: str, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(phones):
        entry = {"number": item} if isinstance(item, str) else dict(item)
        try:
            number = phone_normalize(entry.get("number", ""), country or None)
        except ValidationError as exc:
            errors.setdefault(f"phones.{i}", []).extend(exc.messages)
            continue
        if number in seen:
            continue
        seen.add(number)
        kind = entry.get("kind") or PhoneKind.WORK
        if kind not in PhoneKind.values:
            errors.setdefault(f"phones.{i}", []).append(f"Phone kind must be one of {', '.join(PhoneKind.values)}.")
        result.append({"number": number, "kind": kind, "is_primary": bool(entry.get("is_primary"))})
    return _one_primary(result, "phones", errors)


def _one_primary(items: list[dict[str, Any]], field: str, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    primaries = [i for i in items if i["is_primary"]]
    if len(primaries) > 1:
        errors.setdefault(field, []).append("Mark only one as primary.")
    elif items and not primaries:
        items[0]["is_primary"] = True
    return items


def _consents_clean(consents: Iterable[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    result = []
    for i, item in enumerate(consents):
        channel, status = item.get("channel"), item.get("status")
        if channel not in Channel.values:
            errors.setdefault(f"consents.{i}", []).append(f"Channel must be one of {', '.join(Channel.values)}.")
            continue
        if status not in ConsentStatus.values:
            errors.setdefault(f"consents.{i}", []).append(
                f"Consent must be one of {', '.join(ConsentStatus.values)}."
            )
            continue
        result.append({"channel": channel, "status": status, "source": str(item.get("source") or "")[:100]})
    return result


def _contact_values(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    for field in ("first_name", "last_name", "title", "street", "city", "region", "postal_code"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if "country" in values:
        values["country"] = _country(values["country"], errors)
    if "lifecycle_stage" in values and values["lifecycle_stage"] not in LifecycleStage.values:
        errors.setdefault("lifecycle_stage", []).append(
            f"Lifecycle stage must be one of {', '.join(LifecycleStage.values)}."
        )
    if values.get("preferred_channel") and values["preferred_channel"] not in Channel.values:
        errors.setdefault("preferred_channel", []).append(f"Channel must be one of {', '.join(Channel.values)}.")
    return values


def _store_emails(contact: Contact, emails: list[dict[str, Any]]) -> None:
    contact.emails.all().delete()
    ContactEmail.objects.bulk_create([ContactEmail(contact=contact, **e) for e in emails])


def _store_phones(contact: Contact, phones: list[dict[str, Any]]) -> None:
    contact.phones.all().delete()
    ContactPhone.objects.bulk_create([ContactPhone(contact=contact, **p) for p in phones])


def _primary(items: list[dict[str, Any]], key: str) -> str:
    return next((i[key] for i in items if i["is_primary"]), "")


def consent_set(*, contact: Contact, channel: str, status: str, source: str = "", by: Any,
                recorded_at: Any = None) -> Consent:
    """Record the contact's consent for a channel (granted or withdrawn), with date and source."""
    errors: dict[str, list[str]] = {}
    clean = _consents_clean([{"channel": channel, "status": status, "source": source}], errors)
    _raise(errors)
    consent, _ = Consent.objects.update_or_create(
        contact=contact,
        channel=channel,
        defaults={"status": clean[0]["status"], "source": clean[0]["source"], "recorded_at": recorded_at or timezone.now()},
    )
    timeline_record(
        kind="updated",
        summary=f"Consent for {Channel(channel).label.lower()}: {ConsentStatus(status).label.lower()}",
        actor=by,
        data={"consent": {"channel": channel, "status": status, "source": source}},
        contact=contact,
    )
    return consent


@transaction.atomic
def contact_create(
    *,
    by: Any,
    emails: Iterable[Any] = (),
    phones: Iterable[Any] = (),
    tags: Iterable[str] = (),
    consents: Iterable[dict[str, Any]] = (),
    custom: dict[str, Any] | None = None,
    event_summary: str | None = None,
    **values: Any,
) -> Contact:
    """Create a person with emails, phones, tags and consent; owned by `by` unless told otherwise."""
    ensure_can_create(by)
    errors: dict[str, list[str]] = {}
    values = _contact_values(dict(values), errors)
    email_rows = _emails_clean(emails, errors)
    phone_rows = _phones_clean(phones, values.get("country", ""), errors)
    consent_rows = _consents_clean(consents, errors)
    try:
        custom_clean = custom_values_clean("contact", custom)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        custom_clean = {}
    if not (values.get("first_name") or values.get("last_name") or email_rows) and not errors:
        errors["last_name"] = ["Enter a name or an email address."]
    _raise(errors)
    values.setdefault("owner", by)
    ensure_assignable(values["owner"], by)
    contact = Contact(
        custom=custom_clean, email=_primary(email_rows, "email"), phone=_primary(phone_rows, "number"), **values
    )
    rules_check("contact", contact)
    contact.full_clean(exclude=["owner", "company", "deleted_by"])
    contact.save()
    _store_emails(contact, email_rows)
    _store_phones(contact, phone_rows)
    now = timezone.now()
    Consent.objects.bulk_create([Consent(contact=contact, recorded_at=now, **c) for c in consent_rows])
    if tags:
        contact.tags.set(tags_resolve(tags))
    search_index_put("contact", contact)
    timeline_record(
        kind="created",
        summary=event_summary or f"Contact {contact.full_name} created",
        actor=by,
        contact=contact,
        company=contact.company,
    )
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    by: Any,
    expected_version: int | None = None,
    emails: Iterable[Any] | None = None,
    phones: Iterable[Any] | None = None,
    tags: Iterable[str] | None = None,
    custom: dict[str, Any] | None = None,
    **values: Any,
) -> Contact:
    """Change a contact; emails/phones/tags given replace the current ones. Stale versions are refused."""
    ensure_editable(contact, by)
    errors: dict[str, list[str]] = {}
    values = _contact_values(dict(values), errors)
    extra: dict[str, tuple[Any, Any]] = {}
    if custom is not None:
        try:
            values["custom"] = custom_values_clean("contact", custom, current=contact.custom, partial=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    email_rows = _emails_clean(emails, errors) if emails is not None else None
    phone_rows = (
        _phones_clean(phones, values.get("country", contact.country), errors) if phones is not None else None
    )
    _raise(errors)
    if "owner" in values and values["owner"] != contact.owner:
        ensure_assignable(values["owner"], by)
    if email_rows is not None:
        old = [e.email for e in contact.emails.all()]
        if old != [e["email"] for e in email_rows] or _primary(email_rows, "email") != contact.email:
            _store_emails(contact, email_rows)
            extra["emails"] = (old, [e["email"] for e in email_rows])
        values["email"] = _primary(email_rows, "email")
    if phone_rows is not None:
        old = [p.number for p in contact.phones.all()]
        if old != [p["number"] for p in phone_rows] or _primary(phone_rows, "number") != contact.phone:
            _store_phones(contact, phone_rows)
            extra["phones"] = (old, [p["number"] for p in phone_rows])
        values["phone"] = _primary(phone_rows, "number")
    if tags is not None:
        new_tags = tags_resolve(tags)
        old_names = sorted(t.name for t in contact.tags.all())
        new_names = sorted(t.name for t in new_tags)
        if old_names != new_names:
            contact.tags.set(new_tags)
            extra["tags"] = (old_names, new_names)
    if "first_name" in values or "last_name" in values or "email" in values:
        first = values.get("first_name", contact.first_name)
        last = values.get("last_name", contact.last_name)
        if not (first or last or values.get("email", contact.email)):
            raise ValidationError({"last_name": ["Enter a name or an email address."]})
    rules_check("contact", contact, values)
    contact, _ = record_update(contact, values, by=by, expected_version=expected_version, extra_changes=extra)
    search_index_put("contact", contact)
    return contact


def contact_find_by_email(email: str) -> Contact | None:
    """The contact (not in the trash) having this email among any of their addresses."""
    try:
        normalized = email_normalize(email)
    except ValidationError:
        return None
    found = Contact.objects.filter(email=normalized).order_by("id").first()
    if found:
        return found
    return Contact.objects.filter(emails__email=normalized).order_by("id").first()


def company_find_by_domain(domain: str) -> Company | None:
    """The company with this web domain (from a domain, URL or email address)."""
    try:
        normalized = domain_normalize(domain)
    except ValidationError:
        return None
    return Company.objects.filter(domain=normalized).order_by("id").first()
