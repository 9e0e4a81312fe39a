"""Cell values every importer parses the same way: country, owner, tags, custom fields, tag ids.

A mixin: the importer sets `target`, `owner_ids` (email or username -> user id), `assignable` (ids the
importing user may give records to), `custom_defs`, `date_order`, `decimal_comma`, `value_map` and an
empty `_tag_ids` dict.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from email.utils import getaddresses
from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from rapport.core.normalize import NOT_COUNTRIES, region_names
from rapport.customization.choices import FieldType
from rapport.customization.models import CustomField, Tag
from rapport.customization.services import custom_value_clean, tags_named
from rapport.imports.services.fastnorm import email_fast
from rapport.imports.services.transforms import date_parse, number_parse, value_map_lookup

COUNTRY_NAMES = {
    "germany": "DE",
    "deutschland": "DE",
    "elfenbeinküste": "CI",  # the German name people write; the CLDR now says "Côte d’Ivoire"
    "ivory coast": "CI",
    "france": "FR",
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "spain": "ES",
    "espana": "ES",
    "españa": "ES",
    "italy": "IT",
    "italia": "IT",
    "netherlands": "NL",
    "nederland": "NL",
    "the netherlands": "NL",
    "austria": "AT",
    "österreich": "AT",
    "osterreich": "AT",
    "switzerland": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "belgium": "BE",
    "belgique": "BE",
    "portugal": "PT",
    "poland": "PL",
    "polska": "PL",
    "sweden": "SE",
    "denmark": "DK",
    "norway": "NO",
    "finland": "FI",
    "ireland": "IE",
    "canada": "CA",
    "australia": "AU",
    "brazil": "BR",
    "brasil": "BR",
    "mexico": "MX",
    "méxico": "MX",
    "india": "IN",
    "japan": "JP",
    "china": "CN",
}


NAME_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "pl")


@functools.cache
def country_names() -> dict[str, str]:
    """Lower-cased country names in the languages of NAME_LANGUAGES -> code, from the CLDR through Babel
    ("chile", "allemagne", "niederlande"), with COUNTRY_NAMES' short forms ("usa", "uk") on top.

    Babel reads one small file per language (about 17 MB for the ten); phonenumbers' locale table, used
    before, holds every language and cost each process that read it 100 MB.
    """
    from babel import Locale

    names: dict[str, str] = {}
    for language in NAME_LANGUAGES:
        for code, name in Locale(language).territories.items():
            if code in country_codes():
                names.setdefault(name_key(name), code)
    names.update({name_key(name): code for name, code in COUNTRY_NAMES.items()})
    return names


def name_key(name: str) -> str:
    """A country name as compared: lower case, no accents, straight apostrophes ("Côte d’Ivoire" and
    "cote d'ivoire" meet)."""
    folded = unicodedata.normalize("NFKD", " ".join(name.split()).lower().replace("’", "'"))
    return "".join(c for c in folded if not unicodedata.combining(c))


def country_code(cell: str) -> str | None:
    """A cell's two-letter country code ("de", "Deutschland", "Chile" -> "DE", "CL"), or None if it names none."""
    value = " ".join(cell.split())
    if value.upper() in country_codes():
        return value.upper()
    return country_names().get(name_key(value))


@functools.cache
def country_codes() -> frozenset[str]:
    """The two-letter codes of countries and territories (ISO 3166-1, as the CLDR names them)."""
    return frozenset(code for code in region_names() if code not in NOT_COUNTRIES)


AMBIGUOUS_OWNER = -1


def owner_keys() -> dict[str, int]:
    """How a file may name an active user, lower-cased: email, user name, "First Last" and "Last, First".

    Emails and user names win over names; a full name that two users share maps to AMBIGUOUS_OWNER.
    """
    from rapport.accounts.models import User

    keys: dict[str, int] = {}
    names: dict[str, set[int]] = {}
    for pk, email, username, first, last in User.objects.filter(is_active=True).values_list(
        "id", "email", "username", "first_name", "last_name"
    ):
        if email:
            keys.setdefault(email.lower(), pk)
        keys.setdefault(username.lower(), pk)
        first, last = " ".join(first.split()), " ".join(last.split())
        if first and last:
            for name in (f"{first} {last}", f"{last}, {first}", f"{last} {first}"):
                names.setdefault(name.lower(), set()).add(pk)
    for name, ids in names.items():
        if name not in keys:
            keys[name] = next(iter(ids)) if len(ids) == 1 else AMBIGUOUS_OWNER
    return keys


# A person as CRM exports write one with the address in brackets: "Anna Berg (anna@example.com)".
NAME_THEN_ADDRESS = re.compile(r"([^()<>@]+?)\s*\(\s*([^()\s<>]+@[^()\s<>]+)\s*\)")


def cell_addresses(cell: str) -> list[str]:
    """The email addresses in a cell read as a mail header's list of people, as written ("Jane@Example.com").

    Mail clients and CRM email logs (Outlook, Gmail, HubSpot) write a person as "Jane Doe <jane@…>",
    '"Doe, Jane" <jane@…>', "<jane@…>", "jane@… (Jane Doe)" or, in CRM exports, "Jane Doe (jane@…)";
    Outlook also leaves "Doe, Jane <jane@…>" unquoted, which getaddresses reads as a part "Doe" without an
    address and the person: only parts with an "@" count, each address once in any case (an unquoted
    "jane@… <jane@…>" reads as two). Several people are separated by commas or semicolons, or, as bare
    addresses, by spaces alone ("a@x.com b@y.com", which a mail header cannot read).
    """
    found: dict[str, str] = {}
    words = cell.split()
    if len(words) > 1 and all("@" in w for w in words) and not any(c in cell for c in '<>()",;'):
        for word in words:
            found.setdefault(word.lower(), word)
        return list(found.values())
    bracketed = NAME_THEN_ADDRESS.fullmatch(cell.strip())
    if bracketed:  # "Anna Berg (anna@…)": a mail header reads the brackets as a comment, not the address
        cell = f"{bracketed.group(1)} <{bracketed.group(2)}>"
    for _, address in getaddresses([cell]):
        if "@" in address:
            found.setdefault(address.lower(), address)
    return list(found.values())


def person_name(cell: str) -> str:
    """The name written with the address in a person cell, or "": "Jane Doe <jane@…>" and "jane@… (Jane Doe)"
    give "Jane Doe"; '"Doe, Jane" <jane@…>' and Outlook's unquoted "Doe, Jane <jane@…>" give "Doe, Jane"
    (people.split_name reads both orders)."""
    text = cell.strip()
    bracketed = NAME_THEN_ADDRESS.fullmatch(text)
    if bracketed:
        name = bracketed.group(1)
    elif text.endswith(">") and "<" in text:
        name = text[:text.rindex("<")]
    else:
        people = [(n, a) for n, a in getaddresses([text]) if "@" in a]
        name = people[0][0] if len(people) == 1 else ""
    name = " ".join(name.strip().strip("\"'").split())
    return "" if "@" in name else name


def several_people(cell: str, addresses: list[str]) -> str:
    """The reason for a cell that names more than one person by email."""
    return (
        f"{cell!r} holds {len(addresses)} email addresses; keep one person per cell: write the address of "
        "the one this row is about."
    )


def person_email(cell: str) -> str:
    """The email address, lower-cased, of the one person a contact cell names: a plain address, or the
    address inside a person as mail clients write one ("Jane Doe <jane@example.com>", see cell_addresses).

    A plain address takes the fast path as before, so its result and its reasons do not change; only a
    cell that is no address as it stands is read as a mail header. A cell with several addresses is
    refused (a row links one contact); one whose address is no address either keeps the plain reason,
    which quotes the cell.
    """
    try:
        return email_fast(cell)
    except ValidationError as not_an_address:
        addresses = cell_addresses(cell)
        if len(addresses) > 1:
            raise ValidationError(several_people(cell, addresses)) from None
        if len(addresses) == 1 and addresses[0] != cell.strip():
            try:
                return email_fast(addresses[0])
            except ValidationError:
                pass
        raise not_an_address


class CellValues:
    """Parsers of the cells whose meaning does not depend on the target."""

    target: ClassVar[str]
    user: Any
    owner_ids: dict[str, int]
    assignable: set[int]
    custom_defs: dict[str, CustomField]
    date_order: str
    decimal_comma: bool
    value_map: dict[str, dict[str, str]]
    _tag_ids: dict[str, int]

    def country(self, cell: str) -> str:
        code = country_code(cell)
        if code:
            return code
        raise ValidationError(f"{cell!r} is not a country; write its two-letter code (DE) or its name (Germany).")

    def owner(self, cell: str) -> int:
        """The user an owner cell names: their email, user name or full name, also when it is written as mail
        clients write a person ("Rosa Rep <rosa@example.com>" is the user with that email, in any case).

        A cell that is a user's key as it stands is looked up as it is; only otherwise is the address
        inside it the key. A cell naming several people is refused; one whose address is no user's keeps
        the reason that quotes the cell.
        """
        key = " ".join(cell.split()).lower()
        if "@" in cell and key not in self.owner_ids:
            addresses = cell_addresses(cell)
            if len(addresses) > 1:
                raise ValidationError(several_people(cell, addresses))
            if len(addresses) == 1 and addresses[0].strip().lower() in self.owner_ids:
                key = addresses[0].strip().lower()
        owner_id = self.owner_ids.get(key)
        if owner_id is None:
            raise ValidationError(
                f"There is no user {cell!r}; write a user's email, user name or full name as under "
                "Settings → Users, add them there, or leave the owner empty."
            )
        if owner_id == AMBIGUOUS_OWNER:
            raise ValidationError(f"Several users are called {cell!r}; write the one you mean by email.")
        if owner_id not in self.assignable:
            from rapport.accounts.permissions import owner_refusal

            raise ValidationError(owner_refusal(self.user, repr(cell), self.target))
        return owner_id

    def tags(self, cell: str) -> list[str]:
        names = [t.strip() for t in cell.replace(";", ",").split(",") if t.strip()]
        for name in names:
            if len(name) > 50:
                raise ValidationError(f"Tag {name[:20]!r}… is too long: at most 50 characters.")
        return list(dict.fromkeys(names))

    def custom_value(self, key: str, cell: str) -> Any:
        definition = self.custom_defs.get(key)
        if definition is None:
            raise ValidationError(f"There is no custom field {key!r} on {self.target}.")
        value: Any = cell
        if definition.field_type == FieldType.DATE:
            value = date_parse(cell, self.date_order)
        elif definition.field_type in (FieldType.NUMBER, FieldType.MONEY):
            value = str(number_parse(cell, self.decimal_comma))
        elif definition.field_type == FieldType.CHOICE and self.value_map.get(f"custom.{key}"):
            value = value_map_lookup(cell, self.value_map[f"custom.{key}"]) or cell
        return custom_value_clean(definition, value)

    def tag_ids(self, names: set[str]) -> dict[str, int]:
        for name in names:
            if name.lower() not in self._tag_ids:
                tag = tags_named([name]).get(name.upper()) or Tag.objects.create(name=name)
                self._tag_ids[name.lower()] = tag.pk
        return {n: self._tag_ids[n.lower()] for n in names}
