"""Turning spreadsheet cells into field values: dates, numbers, choices, booleans; errors as sentences."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

_DATE_PARTS = re.compile(
    r"^(\d{1,4})([./\-])(\d{1,2})[./\-](\d{1,4})"
    r"(?:,?[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp]\.?[Mm]\.?(?!\w))?)?"
)
# Group numbers of _DATE_PARTS: first part, separator, second part, third part, hour, minute, second, am/pm.
_A, _SEP, _B, _C, _HOUR, _MINUTE, _SECOND, _MERIDIEM = range(1, 9)
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january", "januar", "janvier", "enero", "gennaio"),
            ("feb", "february", "februar", "fevrier", "février", "febrero", "febbraio"),
            ("mar", "march", "märz", "maerz", "mars", "marzo"),
            ("apr", "april", "avril", "abril", "aprile"),
            ("may", "mai", "mayo", "maggio"),
            ("jun", "june", "juni", "juin", "junio", "giugno"),
            ("jul", "july", "juli", "juillet", "julio", "luglio"),
            ("aug", "august", "août", "aout", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre", "settembre"),
            ("oct", "october", "oktober", "octobre", "octubre", "ottobre", "okt"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "dezember", "décembre", "decembre", "diciembre", "dicembre", "dez"),
        ]
    )
    for m in names
}
_TEXT_DATE = re.compile(
    r"^(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})$|^([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})$"
)


def date_parse(text: str, order: str = "DMY") -> dt.date:
    """Parse 2024-03-01, 01.03.2024, 03/01/2024 (by `order`: DMY, MDY or YMD), 1 March 2024, March 1, 2024.

    Dotted dates (31.03.2024) are day first whatever the order: no country writes a month first with dots.
    """
    value = text.strip()
    match = _DATE_PARTS.match(value)
    try:
        if match:
            a, b, c = match.group(_A), match.group(_B), match.group(_C)
            if len(a) == 4:
                return _day(int(a), int(b), int(c), text, hint=False)
            year = int(c) + (2000 if len(c) == 2 and int(c) < 70 else 1900 if len(c) == 2 else 0)
            first, second = int(a), int(b)
            if order == "MDY" and match.group(_SEP) != ".":
                return _day(year, first, second, text)
            return _day(year, second, first, text)
        match = _TEXT_DATE.match(value.lower())
        if match:
            if match.group(1):
                day, month_name, year_text = match.group(1), match.group(2), match.group(3)
            else:
                month_name, day, year_text = match.group(4), match.group(5), match.group(6)
            month = _MONTHS.get(month_name)
            if month:
                return dt.date(int(year_text), month, int(day))
    except ValueError:
        pass
    raise ValidationError(f"{text!r} is not a date; write it like 2024-03-31 or 31.03.2024.")


def _day(year: int, month: int, day: int, text: str, *, hint: bool = True) -> dt.date:
    """The date, or a sentence saying why the numbers make none (31 November, month 13)."""
    if not 1 <= month <= 12:
        raise ValidationError(
            f"{text!r} is not a date: there is no month {month}."
            + (
                " If the file writes the month first (03/31/2024) or the day first (31/03/2024), choose that "
                "under “Dates like 03/04/2024 mean”."
                if hint
                else ""
            )
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(f"{text!r} is not a date: {_MONTH_NAMES[month - 1]} {year} has no day {day}.")


_MONTH_NAMES = [dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)]


def datetime_parse(text: str, order: str = "DMY") -> dt.datetime:
    """Parse a date with an optional time (HH:MM[:SS], 2:30 PM); the current time zone applies, stored in UTC."""
    value = text.strip()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        match = _DATE_PARTS.match(value)
        time_only = None if match else _TEXT_TIME.search(value)  # "March 1, 2024 2:30 PM"
        day = date_parse(value[: time_only.start()] if time_only else value, order)
        hour = minute = second = 0
        if match and match.group(_HOUR):
            hour, minute = int(match.group(_HOUR)), int(match.group(_MINUTE))
            second = int(match.group(_SECOND) or 0)
            meridiem = (match.group(_MERIDIEM) or "").replace(".", "").lower()
            if meridiem:
                if not 1 <= hour <= 12:
                    raise ValidationError(f"{text!r} has an impossible time; write it like 2:30 PM or 14:30.")
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
        elif time_only:
            hour, minute = _clock(time_only)
        try:
            parsed = dt.datetime(day.year, day.month, day.day, hour, minute, second)
        except ValueError:
            raise ValidationError(f"{text!r} has an impossible time; write it like 2024-03-31 14:30.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.get_current_timezone())
    return parsed


_TEXT_TIME = re.compile(r",?\s+(?:at\s+|um\s+|à\s+)?(\d{1,2}):(\d{2})\s*([AaPp]\.?[Mm]\.?)?\s*$")


def _clock(match: re.Match[str]) -> tuple[int, int]:
    hour, minute = int(match.group(1)), int(match.group(2))
    meridiem = (match.group(3) or "").replace(".", "").lower()
    if meridiem and 1 <= hour <= 12:
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    return hour, minute


def date_order_guess(samples: list[str], default: str | None = "DMY", *, strict: bool = False) -> str | None:
    """Guess DMY or MDY from sample dates: a first part above 12 means DMY, a second part above 12 MDY.

    `strict` looks only at cells that are plainly dates (two short parts and a four-digit year), for columns
    that are not mapped to a date field; `default` is the answer when no sample decides.
    """
    for text in samples:
        match = _DATE_PARTS.match(text.strip())
        if not match or len(match.group(_A)) == 4 or match.group(_SEP) == ".":
            continue
        if strict and (len(match.group(_A)) > 2 or len(match.group(_C)) != 4):
            continue
        if int(match.group(_A)) > 12:
            return "DMY"
        if int(match.group(_B)) > 12:
            return "MDY"
    return default


def number_parse(text: str, decimal_comma: bool = False) -> Decimal:
    """Parse 1234.56, 1,234.56, 1.234,56, 1 234,56, -12, (12.00) and currency signs; refuse anything else."""
    value = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    for sign in ("€", "$", "£", "EUR", "USD", "GBP", "CHF"):
        value = value.replace(sign, "")
    negative = value.startswith("(") and value.endswith(")")
    if negative:
        value = value[1:-1]
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif "," in value:
        parts = value.split(",")
        # "1,234" alone is ambiguous; the file's number style decides. "1,5" and "1,234,567" are not.
        if len(parts) > 2 or (len(parts[-1]) == 3 and not decimal_comma):
            value = value.replace(",", "")
        else:
            value = value.replace(",", ".")
    elif value.count(".") > 1 or (decimal_comma and re.fullmatch(r"-?\d{1,3}\.\d{3}", value)):
        value = value.replace(".", "")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(f"{text!r} is not a number; write it like 1234.56 or 1.234,56.")
    if not number.is_finite():
        raise ValidationError(f"{text!r} is not a number; write it like 1234.56 or 1.234,56.")
    return -number if negative else number


_TRUE = {"1", "true", "yes", "y", "x", "on", "ja", "oui", "si", "sí", "wahr", "vrai"}
_FALSE = {"0", "false", "no", "n", "off", "nein", "non", "falsch", "faux", ""}


def boolean_parse(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError(f"{text!r} is not yes or no.")


def value_key(text: str) -> str:
    """How the user's value mapping compares file values: any case, runs of spaces as one."""
    return " ".join(text.split()).casefold()


def value_map_lookup(text: str, value_map: dict[str, str] | None) -> str | None:
    """The choice the user mapped this file value to (exact text first, then any case), or None."""
    if not value_map:
        return None
    value = text.strip()
    found = value_map.get(value)
    if found is None:
        key = value_key(value)
        found = next((choice for written, choice in value_map.items() if value_key(written) == key), None)
    return found or None


def choice_parse(
    text: str, choices: list[tuple[str, str]], label: str, value_map: dict[str, str] | None = None
) -> str:
    """Match a cell to a choice by value or label (any case), after the user's own value mapping."""
    value = text.strip()
    mapped = value_map_lookup(value, value_map)
    if mapped is not None:
        value = mapped
    low = value.lower()
    for key, name in choices:
        if low == key.lower() or low == str(name).lower():
            return key
    allowed = ", ".join(key for key, _ in choices)
    raise ValidationError(
        f"{label} {text!r} is not one of: {allowed}. Map this value to one of them or fix the cell."
    )


def synonym_key(text: str) -> str:
    """A cell as the synonym tables write it: lower case, single spaces, "_" as a space ("Closed_Won")."""
    return " ".join(text.strip().lower().replace("_", " ").split())


def choice_or_synonym(
    text: str, choices: list[tuple[str, str]], label: str, value_map: dict[str, str] | None = None,
    synonyms: Mapping[str, str] | None = None,
) -> str:
    """choice_parse, then the names other CRMs give the same choice (synonyms, keyed by synonym_key)."""
    try:
        return choice_parse(text, choices, label, value_map)
    except ValidationError:
        found = synonyms.get(synonym_key(text)) if synonyms else None
        if found is None:
            raise
        return found


def text_clean(text: str, label: str, max_length: int) -> str:
    value = " ".join(text.split())
    if len(value) > max_length:
        raise ValidationError(f"{label} is too long ({len(value)} characters; at most {max_length}).")
    return value


def value_summary(value: Any) -> Any:
    """A value as JSON for the dry-run sample."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
