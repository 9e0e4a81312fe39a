"""vCard 3.0 / 4.0 (RFC 2426 / RFC 6350) export and import of contacts, written from the line format itself."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet

from rapport.contacts.choices import EmailKind, PhoneKind
from rapport.contacts.models import Company, Contact, ContactEmail, ContactPhone
from rapport.contacts.services import company_create, contact_create, contact_find_by_email, contact_update
from rapport.core.errors import NotAllowed
from rapport.core.normalize import email_normalize, phone_normalize
from rapport.core.records import ensure_can_create
from rapport.imports.services.values import country_code

VERSIONS = ("3.0", "4.0")
MAX_LINE_OCTETS = 75
MAX_CARDS = 10_000
MAX_BYTES = 20 * 1024 * 1024
PRODID = "-//Rapport CRM//rapport//EN"

EMAIL_TYPES: dict[str, str] = {EmailKind.WORK: "work", EmailKind.PERSONAL: "home", EmailKind.OTHER: ""}
PHONE_TYPES: dict[str, str] = {PhoneKind.WORK: "work,voice", PhoneKind.MOBILE: "cell", PhoneKind.HOME: "home,voice",
               PhoneKind.OTHER: "voice"}


# ---------------------------------------------------------------- the line format


def escape(value: str) -> str:
    """Escape a text value: backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets (never splitting a UTF-8 character), CRLF-ended."""
    parts: list[str] = []
    current, size = "", 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = MAX_LINE_OCTETS - 1  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def unfold(text: str) -> list[str]:
    """Split a vCard text into logical lines: a line starting with a space or tab continues the previous one."""
    lines: list[str] = []
    for raw in re.split(r"\r\n|\n|\r", text):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw.strip():
            lines.append(raw)
    return lines


def split_unescaped(value: str, sep: str) -> list[str]:
    """Split on `sep` where it is not escaped by a backslash."""
    parts, current, i = [], [], 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            current.append(value[i: i + 2])
            i += 2
            continue
        if char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@dataclass
class Property:
    name: str
    params: dict[str, list[str]]
    value: str

    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}


def parse_line(line: str) -> Property:
    """Parse `[group.]NAME;PARAM=a,b;PARAM="x:y":value`; raise ValueError when there is no name or colon."""
    i, in_quotes = 0, False
    while i < len(line):
        if line[i] == '"':
            in_quotes = not in_quotes
        elif line[i] == ":" and not in_quotes:
            break
        i += 1
    if i >= len(line):
        raise ValueError(f"the line {line[:40]!r} has no ':' between the property name and its value")
    head, value = line[:i], line[i + 1:]
    pieces = head.split(";")
    name = pieces[0].split(".")[-1].strip().upper()
    if not name or not re.fullmatch(r"[A-Z0-9-]+", name):
        raise ValueError(f"the line {line[:40]!r} does not start with a property name")
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        if "=" in piece:
            key, raw = piece.split("=", 1)
            values = [v.strip('"') for v in raw.split(",")]
            params.setdefault(key.strip().upper(), []).extend(v for v in values if v)
        elif piece.strip():  # vCard 2.1 bare types: TEL;CELL:…
            params.setdefault("TYPE", []).append(piece.strip())
    return Property(name=name, params=params, value=value)


# ---------------------------------------------------------------- export


def contacts_for_vcard(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    """Join and prefetch everything a card needs so exporting costs a fixed number of queries per chunk."""
    return qs.select_related("company").prefetch_related(
        "tags",
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "id")),
        Prefetch("phones", queryset=ContactPhone.objects.order_by("-is_primary", "id")),
    )


def vcard_of(contact: Contact, version: str = "3.0") -> str:
    """One contact as a vCard with all emails and phones (with types), organisation, title and address."""
    if version not in VERSIONS:
        raise ValidationError({"version": ["Use vCard version 3.0 or 4.0."]})
    v4 = version == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"PRODID:{PRODID}"]
    if v4:
        lines.append("KIND:individual")
    lines.append(f"UID:urn:rapport:contact:{contact.pk}")
    lines.append(f"N:{escape(contact.last_name)};{escape(contact.first_name)};;;")
    lines.append(f"FN:{escape(contact.full_name)}")
    if contact.company is not None:
        lines.append(f"ORG:{escape(contact.company.name)}")
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    for email in contact.emails.all():
        kind = str(EMAIL_TYPES.get(str(email.kind), ""))
        if v4:
            params = (f";TYPE={kind}" if kind else "") + (";PREF=1" if email.is_primary else "")
        else:
            types = ["internet", *([kind] if kind else []), *(["pref"] if email.is_primary else [])]
            params = ";TYPE=" + ",".join(types)
        lines.append(f"EMAIL{params}:{escape(email.email)}")
    for phone in contact.phones.all():
        kind = str(PHONE_TYPES.get(str(phone.kind), "voice"))
        if v4:
            params = f";VALUE=uri;TYPE=\"{kind}\"" + (";PREF=1" if phone.is_primary else "")
            lines.append(f"TEL{params}:tel:{phone.number}")
        else:
            params = f";TYPE={kind}" + (",pref" if phone.is_primary else "")
            lines.append(f"TEL{params}:{escape(phone.number)}")
    address = (contact.street, contact.city, contact.region, contact.postal_code, contact.country)
    if any(address):
        # ADR: post office box; extended address; street; locality; region; postal code; country.
        lines.append("ADR;TYPE=work:;;" + ";".join(escape(part) for part in address))
    tags = [t.name for t in contact.tags.all()]
    if tags:
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in tags))
    stamp = contact.updated_at.strftime("%Y%m%dT%H%M%SZ") if contact.updated_at else ""
    if stamp:
        lines.append(f"REV:{stamp}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def vcard_stream(qs: QuerySet[Contact], version: str = "3.0") -> Iterator[bytes]:
    """Cards of a queryset, streamed in chunks of 2000 contacts."""
    if version not in VERSIONS:
        raise ValidationError({"version": ["Use vCard version 3.0 or 4.0."]})
    for contact in contacts_for_vcard(qs).iterator(chunk_size=2000):
        yield vcard_of(contact, version).encode("utf-8")


# ---------------------------------------------------------------- import


@dataclass
class Card:
    """A parsed vCard, as values for contact_create; `error` holds why the card cannot be used."""

    number: int
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    title: str = ""
    org: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    address_taken: str = ""  # "" (none yet), "any" or "pref": which ADR the address came from
    emails: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def label(self) -> str:
        name = self.full_name or f"{self.first_name} {self.last_name}".strip()
        if not name and self.emails:
            name = self.emails[0]["email"]
        return f"Card {self.number}" + (f" ({name})" if name else "")


def _email_kind(types: set[str]) -> str:
    if "home" in types:
        return EmailKind.PERSONAL
    if "work" in types:
        return EmailKind.WORK
    return EmailKind.OTHER if types - {"internet", "pref", "x400"} else EmailKind.WORK


def _phone_kind(types: set[str]) -> str:
    if "cell" in types or "mobile" in types:
        return PhoneKind.MOBILE
    if "home" in types:
        return PhoneKind.HOME
    if "work" in types:
        return PhoneKind.WORK
    return PhoneKind.OTHER if types - {"voice", "pref"} else PhoneKind.WORK


def _is_pref(prop: Property) -> bool:
    return "pref" in prop.types() or bool(prop.params.get("PREF"))


def _address_from(card: Card, prop: Property) -> None:
    """The card's address from an ADR (the first one, or the one marked preferred); its parts are post office
    box; extended address; street; locality; region; postal code; country."""
    parts = [" ".join(unescape(p).split()) for p in split_unescaped(prop.value, ";")] + [""] * 7
    box, extended, street, city, region, postal_code, country = parts[:7]
    if not any((box, extended, street, city, region, postal_code, country)):
        return
    card.address_taken = "pref" if _is_pref(prop) else "any"
    card.street = ", ".join(p for p in (street or box, extended) if p)[:200]
    card.city, card.region, card.postal_code = city[:100], region[:100], postal_code[:20]
    card.country = ""
    if country:
        code = country_code(country)
        if code:
            card.country = code
        else:
            card.warnings.append(f"Country {country!r} was left out: write it as a two-letter code (DE) or an "
                                 "English name (Germany).")


def _card_from(number: int, lines: list[str]) -> Card:
    card = Card(number=number)
    try:
        props = [parse_line(line) for line in lines]
    except ValueError as exc:
        card.error = f"{card.label} could not be read: {exc}."
        return card
    for prop in props:
        if prop.params.get("ENCODING", [""])[0].upper() in ("QUOTED-PRINTABLE", "B", "BASE64") and prop.name != "PHOTO":
            card.warnings.append(f"{prop.name} was left out: encoded values are not supported.")
            continue
        name = prop.name
        if name == "N":
            parts = [unescape(p) for p in split_unescaped(prop.value, ";")] + ["", ""]
            card.last_name, card.first_name = parts[0].strip(), parts[1].strip()
        elif name == "FN":
            card.full_name = unescape(prop.value).strip()
        elif name == "TITLE":
            card.title = unescape(prop.value).strip()
        elif name == "ORG":
            card.org = unescape(split_unescaped(prop.value, ";")[0]).strip()
        elif name == "EMAIL":
            address = unescape(prop.value).strip()
            if address.lower().startswith("mailto:"):
                address = address[7:]
            card.emails.append({"email": address, "kind": _email_kind(prop.types()), "pref": _is_pref(prop)})
        elif name == "TEL":
            number_text = unescape(prop.value).strip()
            if number_text.lower().startswith("tel:"):
                number_text = number_text[4:]
            card.phones.append({"number": number_text, "kind": _phone_kind(prop.types()), "pref": _is_pref(prop)})
        elif name == "ADR" and card.address_taken != "pref" and (not card.address_taken or _is_pref(prop)):
            _address_from(card, prop)
        elif name == "CATEGORIES":
            card.tags.extend(t for t in (unescape(p).strip() for p in split_unescaped(prop.value, ",")) if t)
    if not (card.first_name or card.last_name) and card.full_name:
        first, _, last = card.full_name.rpartition(" ")
        card.first_name, card.last_name = (first, last) if first else ("", last)
    for items in (card.emails, card.phones):
        prefs = [i for i in items if i["pref"]]
        if prefs:
            items.remove(prefs[0])
            items.insert(0, prefs[0])
        for position, item in enumerate(items):
            item["is_primary"] = position == 0
            del item["pref"]
    if not (card.first_name or card.last_name or card.emails):
        card.error = f"{card.label} has neither a name (N or FN) nor an email address; add one of them."
    return card


def vcard_parse(data: bytes | str) -> list[Card]:
    """Every card of a .vcf file; a card that cannot be read carries an `error` sentence instead of values."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise ValidationError({"file": [f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it."]})
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ValidationError({"file": ["This is not a vCard file (it is binary); export a .vcf file."]})
        text = _decode(data)
    else:
        text = data
    lines = unfold(text)
    cards: list[Card] = []
    current: list[str] | None = None
    for line in lines:
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if current is not None:
                card = Card(number=len(cards) + 1)
                card.error = f"{card.label} has no END:VCARD line before the next card begins."
                cards.append(card)
            current = []
        elif upper == "END:VCARD":
            if current is None:
                continue
            cards.append(_card_from(len(cards) + 1, current))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        card = Card(number=len(cards) + 1)
        card.error = f"{card.label} has no END:VCARD line; the file may be cut short."
        cards.append(card)
    if not cards:
        raise ValidationError({"file": ["This file has no vCard in it (no BEGIN:VCARD line); "
                                        "export the contacts as a .vcf file from your address book."]})
    if len(cards) > MAX_CARDS:
        raise ValidationError({"file": [f"The file has {len(cards):,} cards; import at most {MAX_CARDS:,} at a time."]})
    return cards


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


@dataclass
class CardOutcome:
    number: int
    label: str
    status: str  # created, updated, unchanged, rejected
    message: str
    contact_id: int | None = None
    warnings: list[str] = field(default_factory=list)


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


def _company_for(org: str, by: Any) -> Company | None:
    if not org:
        return None
    return Company.objects.visible_to(by).filter(name__uiexact=org).order_by("id").first() or company_create(
        by=by, name=org)


def _clean_card(card: Card) -> list[str]:
    """Check emails and phones up front so the sentence names the bad value."""
    problems = []
    for item in card.emails:
        try:
            email_normalize(item["email"])
        except ValidationError as exc:
            problems.append(f"the email {item['email']!r} is not valid ({' '.join(exc.messages)})")
    for item in card.phones:
        try:
            phone_normalize(item["number"], card.country or None)
        except ValidationError as exc:
            problems.append(f"the phone number {item['number']!r} is not valid ({' '.join(exc.messages)})")
    return problems


def _merge_into(existing: Contact, card: Card, by: Any) -> bool:
    """Add the card's new emails, phones and tags to a matched contact and fill its blank fields."""
    values: dict[str, Any] = {}
    for name in ("first_name", "last_name", "title"):
        if getattr(card, name) and not getattr(existing, name):
            values[name] = getattr(card, name)
    # The address is one thing: taken whole, and only by a contact that has none, so that a card's street
    # never lands beside another address's city.
    address = ("street", "city", "region", "postal_code", "country")
    if not any(getattr(existing, name) for name in address):
        values.update({name: getattr(card, name) for name in address if getattr(card, name)})
    if card.org and existing.company_id is None:
        values["company"] = _company_for(card.org, by)
    known_emails = [{"email": e.email, "kind": e.kind, "is_primary": e.is_primary} for e in existing.emails.all()]
    have = {e["email"] for e in known_emails}
    new_emails = [{**e, "is_primary": False} for e in card.emails if email_normalize(e["email"]) not in have]
    country = values.get("country", existing.country) or None
    known_phones = [{"number": p.number, "kind": p.kind, "is_primary": p.is_primary} for p in existing.phones.all()]
    have_phones = {p["number"] for p in known_phones}
    new_phones = [{**p, "is_primary": False} for p in card.phones
                  if phone_normalize(p["number"], country) not in have_phones]
    if new_emails:
        values["emails"] = known_emails + new_emails
    if new_phones:
        values["phones"] = known_phones + new_phones
    current_tags = [t.name for t in existing.tags.all()]
    lower = {t.lower() for t in current_tags}
    extra_tags = [t for t in card.tags if t.lower() not in lower]
    if extra_tags:
        values["tags"] = current_tags + extra_tags
    if not values:
        return False
    contact_update(contact=existing, by=by, **values)
    return True


def vcard_import(*, data: bytes | str, by: Any) -> list[CardOutcome]:
    """Create a contact per card (or complete the contact with the same email); each card is all or nothing."""
    ensure_can_create(by)
    outcomes: list[CardOutcome] = []
    for card in vcard_parse(data):
        if card.error:
            outcomes.append(CardOutcome(card.number, card.label, "rejected", card.error, warnings=card.warnings))
            continue
        problems = _clean_card(card)
        if problems:
            outcomes.append(CardOutcome(card.number, card.label, "rejected",
                                        f"{card.label} was not imported: {'; '.join(problems)}.",
                                        warnings=card.warnings))
            continue
        existing = next((c for c in (contact_find_by_email(e["email"]) for e in card.emails) if c), None)
        try:
            with transaction.atomic():
                if existing is not None:
                    if not Contact.objects.editable_by(by).filter(pk=existing.pk).exists():
                        outcomes.append(CardOutcome(
                            card.number, card.label, "rejected",
                            f"{card.label} was not imported: a contact with this email already exists and you "
                            "may not change it; ask its owner or an administrator.", warnings=card.warnings))
                        continue
                    changed = _merge_into(existing, card, by)
                    outcomes.append(CardOutcome(
                        card.number, card.label, "updated" if changed else "unchanged",
                        f"{card.label} matched {existing.full_name} by email"
                        + (" and added the new details." if changed else "; nothing new to add."),
                        contact_id=existing.pk, warnings=card.warnings))
                    continue
                contact = contact_create(
                    by=by, first_name=card.first_name, last_name=card.last_name, title=card.title,
                    street=card.street, city=card.city, region=card.region, postal_code=card.postal_code,
                    country=card.country, emails=card.emails, phones=card.phones, tags=card.tags,
                    company=_company_for(card.org, by), event_summary=None,
                )
        except ValidationError as exc:
            outcomes.append(CardOutcome(card.number, card.label, "rejected",
                                        f"{card.label} was not imported: {_messages(exc)}", warnings=card.warnings))
            continue
        except NotAllowed as exc:
            outcomes.append(CardOutcome(card.number, card.label, "rejected",
                                        f"{card.label} was not imported: {exc}", warnings=card.warnings))
            continue
        outcomes.append(CardOutcome(card.number, card.label, "created", f"{card.label} was added.",
                                    contact_id=contact.pk, warnings=card.warnings))
    return outcomes


def outcome_counts(outcomes: Iterable[CardOutcome]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts
