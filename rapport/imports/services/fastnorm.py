"""Fast paths for email and phone normalisation on bulk imports, with the shared normalisers as the fallback.

`phonenumbers.parse` and Django's EmailValidator run at about 23,000 and 73,000 values a second here,
too slow for a million-row import. The common shapes (a plain address; a number with country code
or in the default country's national format) are decided here from the same phonenumbers metadata;
anything unusual goes to `rapport.core.normalize`, so results and error messages stay the same
(tests/imports/test_fastnorm.py checks both agree).
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from rapport.core.normalize import email_normalize, phone_normalize

# A strict subset of what Django's EmailValidator accepts: dot-separated atoms before the @, LDH
# labels after it, an alphabetic top-level domain.
_EMAIL_FAST = re.compile(
    r"[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_PHONE_JUNK = str.maketrans("", "", " -.()/\u00a0")
_DIGITS = re.compile(r"\+?[0-9]+")
FAST_MIN_DIGITS = 5


def email_fast(raw: str) -> str:
    """Return the email trimmed and lower-cased, or raise ValidationError (same rules as email_normalize)."""
    email = raw.strip().lower()
    if len(email) <= 254 and _EMAIL_FAST.fullmatch(email):
        return email
    return email_normalize(raw)


@lru_cache(maxsize=512)
def _region_rules(region: str) -> tuple[str, str | None, re.Pattern[str] | None, frozenset[int]] | None:
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.national_prefix_transform_rule:
        return None
    prefix = metadata.national_prefix
    parsing = metadata.national_prefix_for_parsing
    if parsing is not None and parsing != prefix:
        return None
    desc = metadata.general_desc
    if desc is None:
        return None
    lengths = frozenset(desc.possible_length or ()) | frozenset(desc.possible_length_local_only or ())
    pattern = re.compile(desc.national_number_pattern) if desc.national_number_pattern else None
    return str(metadata.country_code), prefix, pattern, lengths


@lru_cache(maxsize=512)
def _calling_code_rules(code: str) -> tuple[str | None, frozenset[int]] | None:
    regions = COUNTRY_CODE_TO_REGION_CODE.get(int(code))
    if not regions or regions[0] == "001":
        return None
    rules = _region_rules(regions[0])
    if rules is None:
        return None
    return rules[1], rules[3]


def phone_fast(raw: str, default_country: str | None = None) -> str:
    """Return the number in E.164, or raise ValidationError (same results as phone_normalize)."""
    text = raw.strip()
    digits = text.translate(_PHONE_JUNK)
    # Short digit runs go to phonenumbers: its parser refuses some ("1-0": under three digits with
    # punctuation) that the length metadata alone would accept. Real numbers are longer.
    if 0 < len(text) <= 40 and len(digits) >= FAST_MIN_DIGITS and _DIGITS.fullmatch(digits):
        if digits.startswith("+"):
            number = digits[1:]
            # No calling code starts with 0 ("+01…" is not +1); such text goes to phonenumbers.
            for size in (1, 2, 3) if not number.startswith("0") else ():
                rules = _calling_code_rules(number[:size])
                if rules is None:
                    continue
                prefix, lengths = rules
                national = number[size:]
                if (national.strip("0") and not (prefix and national.startswith(prefix))
                        and len(national) in lengths):
                    return "+" + number
                break
        else:
            region = (default_country or settings.RAPPORT_DEFAULT_COUNTRY or "US").upper()
            region_rules = _region_rules(region)
            if region_rules is not None and not digits.startswith("0" * 2):
                code, prefix, pattern, lengths = region_rules
                national = digits
                if prefix and digits.startswith(prefix):
                    national = digits[len(prefix):]
                    if pattern is None or not pattern.fullmatch(national) or national.startswith(prefix):
                        national = ""
                if national.strip("0") and not national.startswith(code) and len(national) in lengths and (
                    national is digits or pattern is not None
                ) and (pattern is None or pattern.fullmatch(national)):
                    return "+" + code + national
    return phone_normalize(raw, default_country)


__all__ = ["ValidationError", "email_fast", "phone_fast"]
