"""Normalisation of emails, phones and domains, shared by forms, API, import and duplicate checks."""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

_email_validator = EmailValidator()
_domain_re = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def email_normalize(raw: str) -> str:
    """Return the email trimmed and lower-cased, or raise ValidationError."""
    email = (raw or "").strip().lower()
    if not email:
        raise ValidationError("Enter an email address.")
    if len(email) > 254:
        raise ValidationError("This email address is too long (at most 254 characters).")
    try:
        _email_validator(email)
    except ValidationError:
        raise ValidationError(f"{raw!r} is not a valid email address; write it like name@example.com.")
    return email


def phone_normalize(raw: str, default_country: str | None = None) -> str:
    """Return the number in E.164 (+4930123456), or raise ValidationError."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter a phone number.")
    if len(text) > 40:
        raise ValidationError("This phone number is too long.")
    region = (default_country or settings.RAPPORT_DEFAULT_COUNTRY or "US").upper()
    try:
        number = phonenumbers.parse(text, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{raw!r} is not a phone number; write it with its country code, like +44 20 7946 0958.")
    # All zeros after the country code: no number, and phonenumbers would hand back the raw text for it.
    if not phonenumbers.is_possible_number(number) or number.national_number == 0:
        raise ValidationError(f"{raw!r} does not look like a real phone number; check the digits and country code.")
    if number.country_code_source == phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY and not national_shape_ok(
        region, phonenumbers.national_significant_number(number)
    ):
        # "0711 123456" read as a US number gives +10711123456: no US number looks like that.
        raise ValidationError(
            f"{raw!r} cannot be a phone number in {_region_name(region)} ({region}); write it with its country "
            "code, like +49 711 123456."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Two-letter region codes of the CLDR that are no country: the European Union, the eurozone, the United
# Nations, Outlying Oceania, pseudo-locales and "unknown region".
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@functools.cache
def region_names() -> dict[str, str]:
    """English name per two-letter region code ("DE": "Germany"), from the CLDR through Babel."""
    from babel import Locale

    return {code: name for code, name in Locale("en").territories.items() if len(code) == 2 and code.isalpha()}


def _region_name(region: str) -> str:
    return region_names().get(region, region)


@functools.cache
def _national_pattern(region: str) -> re.Pattern[str] | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    desc = metadata.general_desc if metadata is not None else None
    return re.compile(desc.national_number_pattern) if desc is not None and desc.national_number_pattern else None


def national_shape_ok(region: str, national: str) -> bool:
    """Whether a national number has a shape the region's numbers can have (its numbering plan's pattern)."""
    pattern = _national_pattern(region)
    return pattern is None or pattern.fullmatch(national) is not None


def phone_display(e164: str) -> str:
    """Return a stored E.164 number in international format for people to read."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def domain_normalize(raw: str) -> str:
    """Return a bare lower-case domain from a domain, URL or email, or raise ValidationError."""
    text = (raw or "").strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    text = text.split("/")[0].split("@")[-1].split(":")[0]
    if text.startswith("www."):
        text = text[4:]
    if not _domain_re.match(text):
        raise ValidationError(f"{raw!r} is not a web domain; write it like example.com.")
    return text
