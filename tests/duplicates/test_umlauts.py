"""Umlauts written out (Müller as Mueller, Köln as Koeln, Åsa as Aasa): one name to the scans and checks.

A written "ae", "oe" or "ue" is never read back as an umlaut, so names that differ by such an "e"
(Samuel and Samul, Sanz and Sáenz, Bauer and Baur) stay as different as they are.
"""

from __future__ import annotations

import unicodedata

import pytest

from rapport.contacts.company_duplicates import (
    CompanyRow,
    company_features_of,
    company_pair_score,
    possible_company_duplicates,
    scan_company_rows,
)
from rapport.contacts.duplicate_check import possible_duplicates
from rapport.contacts.duplicates import Row, features_of, fold, pair_score, scan_rows, transliterated
from tests.factories import make_company, make_contact


def _pairs(rows: list[Row]) -> dict[tuple[int, int], tuple[int, str]]:
    return {(p.first_id, p.second_id): (p.score, p.reasons) for p in scan_rows(rows)}


def _score(a: Row, b: Row) -> tuple[int, str]:
    return pair_score(features_of(a), features_of(b))


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Jürgen Müller", "Juergen Mueller"),
        ("MÜLLER & SÖHNE", "MUeLLER & SOeHNE"),  # fold() lower-cases it afterwards
        ("Köln", "Koeln"),
        ("Åsa Øystein", "Aasa Oeystein"),
        ("Muller", ""),
        ("Samuel", ""),
        ("Sáenz", ""),  # an accent, not an umlaut: nothing to write out
    ],
)
def test_transliterated_writes_out_umlauts_and_nordic_letters_only(text, written):
    assert transliterated(text) == written


def test_a_decomposed_umlaut_is_written_out_like_a_composed_one():
    assert transliterated(unicodedata.normalize("NFD", "Müller")) == "Mueller"


def test_fold_keeps_ae_and_oe_ligatures_as_two_letters():
    assert (fold("Kjær"), fold("Œuvre")) == ("kjaer", "oeuvre")


def test_scan_pairs_a_person_at_a_firm_with_umlauts_with_the_same_written_out():
    rows = [
        Row(1, "Jürgen", "Müller", (), (), "Köln", "Müller & Söhne GmbH"),
        Row(2, "Juergen", "Mueller", (), (), "Koeln", "Mueller & Soehne GmbH"),
    ]
    assert _pairs(rows) == {(1, 2): (79, "same name; same city; same company")}


def test_an_umlaut_name_meets_both_of_its_ascii_spellings():
    mueller = _score(
        Row(1, "Jürgen", "Müller", (), ("+4930123456",), ""),
        Row(2, "Juergen", "Mueller", (), ("+4930123456",), ""),
    )
    muller = _score(
        Row(1, "Jürgen", "Müller", (), ("+4930123456",), ""),
        Row(3, "Jurgen", "Muller", (), ("+4930123456",), ""),
    )
    assert (mueller, muller) == ((98, "same phone; same name"), (98, "same phone; same name"))


def test_the_two_ascii_spellings_are_not_read_as_one_name():
    # Mueller and Muller may both stand for Müller, but neither shows it: they compare as written.
    assert _score(
        Row(2, "Juergen", "Mueller", (), ("+4930123456",), ""),
        Row(3, "Jurgen", "Muller", (), ("+4930123456",), ""),
    ) == (96, "same phone; names 92 % similar")


def test_names_written_out_on_different_words_of_each_side_are_the_same_name():
    assert _score(
        Row(1, "Jürgen", "Mueller", (), ("+4930123456",), ""),
        Row(2, "Juergen", "Müller", (), ("+4930123456",), ""),
    ) == (98, "same phone; same name")


@pytest.mark.parametrize(
    ("city", "other"), [("Köln", "Koeln"), ("München", "Muenchen"), ("Düsseldorf", "Duesseldorf")]
)
def test_a_city_with_an_umlaut_is_the_same_city_written_out(city, other):
    score = _score(
        Row(1, "Anna", "Schmidt", (), ("+4930123456",), city),
        Row(2, "Anna", "Schmidt", (), ("+4930123456",), other),
    )
    assert score == (100, "same phone; same name; same city")


def test_scandinavian_letters_written_out_are_the_same_name():
    assert _score(
        Row(1, "Åsa", "Sørensen", ("asa.s@example.dk",), (), ""),
        Row(2, "Aasa", "Soerensen", ("asa.s@example.dk",), (), ""),
    ) == (99, "same email; same name")
    assert _score(
        Row(1, "Øystein", "Berg", ("oystein@example.no",), (), ""),
        Row(2, "Oeystein", "Berg", ("oystein@example.no",), (), ""),
    ) == (99, "same email; same name")


def test_samuel_berg_and_manuel_berg_at_one_company_are_not_paired():
    rows = [
        Row(1, "Samuel", "Berg", ("samuel.berg@acme.de",), (), "Berlin", "Acme GmbH"),
        Row(2, "Manuel", "Berg", ("manuel.berg@acme.de",), (), "Berlin", "Acme GmbH"),
    ]
    assert _pairs(rows) == {}


def test_a_written_ue_is_not_read_as_an_umlaut_so_samuel_and_samul_are_only_similar():
    # Reading every "ue" as "ü" would make these "the same name".
    assert _score(
        Row(1, "Samuel", "Berg", (), ("+4930123456",), ""), Row(2, "Samul", "Berg", (), ("+4930123456",), "")
    ) == (96, "same phone; names 95 % similar")


def test_names_with_the_same_umlaut_are_compared_as_written():
    # Written out on both sides, Bähm and Bähr (75 % similar) would look 80 % similar: with the company
    # and city that would pair two different people.
    rows = [
        Row(1, "Ada", "Bähm", (), (), "München", "Acme GmbH"),
        Row(2, "Ada", "Bähr", (), (), "München", "Acme GmbH"),
    ]
    assert _pairs(rows) == {}
    assert _score(*rows) == (29, "names 87 % similar; same city; same company")


@pytest.mark.parametrize(("last", "other"), [("Sanz", "Sáenz"), ("Bauer", "Baur")])
def test_lookalike_colleagues_that_differ_by_an_e_are_not_paired(last, other):
    # Reading "ae"/"ue" as an umlaut would make these one name; with the company and city that is
    # enough to pair two different people whose emails differ.
    rows = [
        Row(1, "María", last, ("maria.1@acme.es",), (), "Madrid", "Acme S.L."),
        Row(2, "María", other, ("maria.2@acme.es",), (), "Madrid", "Acme S.L."),
    ]
    assert _pairs(rows) == {}


def test_company_scan_pairs_a_firm_with_umlauts_with_the_same_firm_written_out():
    rows = [
        CompanyRow(1, "Müller & Söhne GmbH", "", "", "Köln", "DE"),
        CompanyRow(2, "Mueller & Soehne GmbH", "", "", "Koeln", "DE"),
        CompanyRow(3, "Müller & Söhne GmbH", "", "", "Düsseldorf", "DE"),
        CompanyRow(4, "Mueller und Soehne", "", "", "Duesseldorf", "DE"),
    ]
    assert [tuple(p) for p in scan_company_rows(rows)] == [
        (1, 2, 61, "same name; same city"),
        (3, 4, 61, "same name; same city"),
    ]


def test_company_names_with_the_same_umlaut_are_compared_as_written():
    # Written out on both sides ("hoess", "hoeft") the two names would no longer count as different,
    # and a shared switchboard number would make one firm of two.
    a = company_features_of(CompanyRow(1, "Höss", "", "+49 221 123456", "Köln", "DE"))
    b = company_features_of(CompanyRow(2, "Höft", "", "+49 221 123456", "Köln", "DE"))
    assert company_pair_score(a, b) == (6, "same phone; different names; same city")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Müller & Söhne GmbH", "Mueller & Soehne"),
        ("Mueller & Soehne GmbH", "Müller & Söhne"),
        ("Müller & Söhne GmbH", "MUELLER UND SOEHNE"),
    ],
)
def test_company_check_on_entry_finds_the_other_spelling(teammate, stored, typed):
    existing = make_company(by=teammate, name=stored, city="Köln")
    make_company(by=teammate, name="Schmidt Bau GmbH", city="Köln")
    found = possible_company_duplicates(name=typed, city="Koeln", user=teammate)
    assert [(c.pk, score, reasons) for c, score, reasons in found] == [
        (existing.pk, 61, "same name; same city")
    ]


@pytest.mark.django_db
def test_contact_check_on_entry_calls_the_written_out_name_the_same_name(teammate):
    existing = make_contact(
        by=teammate, first_name="Jürgen", last_name="Müller", emails=["j.mueller@example.de"], city="Köln"
    )
    matches = possible_duplicates(
        first_name="Juergen",
        last_name="Mueller",
        emails=["J.Mueller@example.de"],
        city="Koeln",
        user=teammate,
    )
    assert [(c.pk, score, reasons) for c, score, reasons in matches] == [
        (existing.pk, 100, "same email; same name; same city")
    ]
