"""The fast email and phone paths of bulk imports give exactly what rapport.core.normalize gives."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from rapport.core.normalize import email_normalize, phone_normalize
from rapport.imports.services.fastnorm import email_fast, phone_fast

COUNTRIES = ["DE", "US", "FR", "GB", "IT", "NL", "AT", "CH", "ES", "BR", "AR", "PL", "SE", "JP", "IN", "AU"]


def _same(fast, slow, *args):
    """Both give the same value, or both refuse with the same message."""
    try:
        expected = slow(*args)
    except ValidationError as exc:
        with pytest.raises(ValidationError) as got:
            fast(*args)
        assert got.value.messages == exc.messages
        return
    assert fast(*args) == expected


phone_text = st.one_of(
    st.from_regex(r"\+[1-9][0-9]{0,2}[ -]?[0-9]{2,4}[ -]?[0-9]{3,9}", fullmatch=True),
    st.from_regex(r"0?[0-9]{2,4}[ /-]?[0-9]{4,9}", fullmatch=True),
    st.from_regex(r"\(?[0-9]{3}\)? ?[0-9]{3}-[0-9]{4}", fullmatch=True),
    st.from_regex(r"00[1-9][0-9]{1,2} ?[0-9]{3,10}", fullmatch=True),
    st.from_regex(r" ?\+?[0-9 .()/-]{1,12} ?", fullmatch=True),
    st.text(alphabet="0123456789+-() ./", max_size=20),
)


@hsettings(max_examples=600, deadline=None)
@given(text=phone_text, country=st.sampled_from(COUNTRIES))
@example(text="1-0", country="DE")
@example(text="030 1234567", country="DE")
@example(text="+49 (0) 30 1234567", country="US")
@example(text="0049 30 1234567", country="DE")
@example(text="+1000-0000", country="DE")  # all zeros after the code: no number (found by CI)
def test_fast_phone_path_agrees_with_phone_normalize(text, country):
    _same(phone_fast, phone_normalize, text, country)


email_text = st.one_of(
    st.emails().map(str),
    st.emails().map(lambda e: f"  {e.upper()} "),
    st.text(max_size=30),
    st.from_regex(r"[A-Za-z0-9.+_%-]{1,12}@[A-Za-z0-9.-]{1,14}", fullmatch=True),
    st.from_regex(r"[a-z]{1,8}\.[a-z]{1,8}@[a-z]{1,8}\.(com|de|co\.uk|museum|x)", fullmatch=True),
)


@hsettings(max_examples=600, deadline=None)
@given(text=email_text)
@example(text="ADA@Example.COM")
@example(text="a..b@example.com")
@example(text="ada@-example.com")
@example(text="ada@example.123")
def test_fast_email_path_agrees_with_email_normalize(text):
    _same(email_fast, email_normalize, text)


@pytest.mark.parametrize(
    "raw, country, expected",
    [
        ("030 1234567", "DE", "+49301234567"),
        ("+49 30 1234567", "US", "+49301234567"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("+1 415 555 0100", "DE", "+14155550100"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("06 12 34 56 78", "FR", "+33612345678"),
    ],
)
def test_common_phone_shapes_are_normalised_to_e164(raw, country, expected):
    assert phone_fast(raw, country) == expected


def test_a_phone_too_short_to_be_real_is_refused_like_everywhere_else():
    with pytest.raises(ValidationError) as exc:
        phone_fast("1-0", "DE")
    assert exc.value.messages == [
        "'1-0' is not a phone number; write it with its country code, like +44 20 7946 0958."
    ]


def test_email_is_trimmed_and_lower_cased():
    assert email_fast("  Ada.Lovelace@Example.COM ") == "ada.lovelace@example.com"


def test_an_email_without_at_sign_is_refused_with_the_shared_message():
    with pytest.raises(ValidationError) as exc:
        email_fast("ada at example.com")
    assert exc.value.messages == [
        "'ada at example.com' is not a valid email address; write it like name@example.com."
    ]


@pytest.mark.parametrize("raw", ["+1000-0000", "+49 0000000", "0000000"])
def test_a_number_of_zeros_is_refused_by_both_paths(raw):
    for parse in (phone_normalize, phone_fast):
        with pytest.raises(ValidationError):
            parse(raw, "DE")
