"""Cell values every importer parses the same way: country, owner, tags, custom fields, tag ids.

A mixin: the importer sets `target`, `owner_ids` (email or username -> user id), `assignable` (ids the
importing user may give records to), `custom_defs`, `date_order`, `decimal_comma`, `value_map` and an
empty `_tag_ids` dict.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from rapport.customization.choices import FieldType
from rapport.customization.models import CustomField, Tag
from rapport.customization.services import custom_value_clean, tags_named
from rapport.imports.services.transforms import date_parse, number_parse, value_map_lookup

COUNTRY_NAMES = {
    "germany": "DE",
    "deutschland": "DE",
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
    """Lower-cased country names in the languages of NAME_LANGUAGES -> code, from phonenumbers' locale data
    ("chile", "allemagne", "elfenbeinküste"), with COUNTRY_NAMES' short forms ("usa", "uk") on top."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    names: dict[str, str] = {}
    for code, by_language in LOCALE_DATA.items():
        for language in NAME_LANGUAGES:
            name = by_language.get(language, "")
            while name.startswith("*"):  # "*aa": the same as the name in that language
                name = by_language.get(name[1:], "")
            if name:
                names.setdefault(name.lower(), code)
    names.update(COUNTRY_NAMES)
    return names


def country_code(cell: str) -> str | None:
    """A cell's two-letter country code ("de", "Deutschland", "Chile" -> "DE", "CL"), or None if it names none."""
    value = " ".join(cell.split())
    if value.upper() in country_codes():
        return value.upper()
    return country_names().get(value.lower())


@functools.cache
def country_codes() -> frozenset[str]:
    from phonenumbers.geodata.locale import LOCALE_DATA

    return frozenset(LOCALE_DATA)


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
        owner_id = self.owner_ids.get(" ".join(cell.split()).lower())
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
