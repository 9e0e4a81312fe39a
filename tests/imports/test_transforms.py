"""Cell transforms: numbers, dates and choices; header suggestions (email and phone fast paths: test_fastnorm)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.imports.services.mapping import header_key, mapping_suggest
from rapport.imports.services.transforms import choice_parse, date_order_guess, date_parse, number_parse


@pytest.mark.parametrize(
    "text, decimal_comma, expected",
    [
        ("1.234,56", False, "1234.56"),
        ("1,234.56", False, "1234.56"),
        ("1 234,56 €", False, "1234.56"),
        ("1,5", False, "1.5"),
        ("1,234", False, "1234"),
        ("1,234", True, "1.234"),
        ("1.234", True, "1234"),
        ("(12.00)", False, "-12.00"),
        ("1,234,567", False, "1234567"),
        ("$99", False, "99"),
    ],
)
def test_numbers_in_both_styles_are_read(text, decimal_comma, expected):
    assert number_parse(text, decimal_comma) == Decimal(expected)


def test_a_word_is_not_a_number():
    with pytest.raises(ValidationError) as exc:
        number_parse("twelve")
    assert exc.value.messages == ["'twelve' is not a number; write it like 1234.56 or 1.234,56."]


@pytest.mark.parametrize(
    "text, order, expected",
    [
        ("2024-03-31", "DMY", dt.date(2024, 3, 31)),
        ("31.03.2024", "DMY", dt.date(2024, 3, 31)),
        ("03/04/2024", "DMY", dt.date(2024, 4, 3)),
        ("03/04/2024", "MDY", dt.date(2024, 3, 4)),
        ("1 March 2024", "DMY", dt.date(2024, 3, 1)),
        ("March 1, 2024", "DMY", dt.date(2024, 3, 1)),
        ("5. Mai 2023", "DMY", dt.date(2023, 5, 5)),
        ("31.03.24", "DMY", dt.date(2024, 3, 31)),
    ],
)
def test_dates_in_common_formats_are_read(text, order, expected):
    assert date_parse(text, order) == expected


def test_impossible_date_is_refused():
    with pytest.raises(ValidationError) as exc:
        date_parse("31.02.2024")
    assert exc.value.messages == ["'31.02.2024' is not a date: February 2024 has no day 31."]


def test_date_order_is_guessed_from_samples():
    assert date_order_guess(["01/02/2024", "12/25/2024"]) == "MDY"
    assert date_order_guess(["25/12/2024"]) == "DMY"


def test_choice_matches_value_label_or_the_users_mapping():
    choices = [("lead", "Lead"), ("customer", "Customer")]
    assert choice_parse("CUSTOMER", choices, "Stage") == "customer"
    assert choice_parse("Hot", choices, "Stage", {"Hot": "lead"}) == "lead"
    with pytest.raises(ValidationError) as exc:
        choice_parse("Hot", choices, "Stage")
    assert exc.value.messages == ["Stage 'Hot' is not one of: lead, customer. Map this value to one of them or fix the cell."]


def test_headers_of_other_crms_and_languages_are_suggested(admin):
    headers = ["E-mail Address", "First Name", "Nachname", "Account Name", "Mobile Phone", "Lead Status", "Created Date",
               "Téléphone", "Notizen"]
    assert header_key("E-mail Address") == "emailaddress"
    assert mapping_suggest("contacts", headers, user=admin) == {
        "0": "email", "1": "first_name", "2": "last_name", "3": "company", "4": "mobile", "5": "lifecycle_stage",
        "6": "created_at", "7": "phone",
    }


@pytest.mark.parametrize("header", ["Mobiltelefon", "Handynummer", "Téléphone portable", "Numéro de portable",
                                    "Teléfono móvil", "Telefono cellulare", "Mobiele telefoon", "Cell Phone"])
def test_mobile_phone_headers_in_several_languages_map_to_mobile(admin, header):
    assert mapping_suggest("contacts", ["Vorname", header], user=admin) == {"0": "first_name", "1": "mobile"}
