"""The duplicate scan: finds typos, swaps, nicknames and formatting variants; leaves namesakes apart."""

from __future__ import annotations

from rapport.contacts.duplicates import (
    Row,
    email_canonical,
    features_of,
    pair_score,
    phone_canonical,
    scan_contacts,
    scan_rows,
)
from rapport.core.records import record_trash
from tests.factories import make_company, make_contact


def _pairs(rows: list[Row]) -> dict[tuple[int, int], tuple[int, str]]:
    return {(p.first_id, p.second_id): (p.score, p.reasons) for p in scan_rows(rows)}


def test_gmail_dots_plus_tags_and_case_are_one_mailbox():
    assert email_canonical("John.Smith+crm@GoogleMail.com") == "johnsmith@gmail.com"
    assert email_canonical("j.smith+news@example.com") == "j.smith@example.com"
    assert email_canonical("not an email") == ""


def test_phone_written_three_ways_is_one_number():
    assert phone_canonical("+49 30 1234567") == "+49301234567"
    assert phone_canonical("0049 (30) 123-4567") == "+49301234567"
    assert phone_canonical("030 1234567", "DE") == "+49301234567"


def test_scan_finds_a_typo_with_the_same_phone_and_explains_why():
    rows = [
        Row(1, "Katharina", "Schneider", ("k.schneider@web.de",), ("+4915112345678",), "Berlin"),
        Row(2, "Katharina", "Schnieder", (), ("0151 12345678",), "Berlin", "", "DE"),
    ]
    assert _pairs(rows) == {(1, 2): (99, "same phone; names 94 % similar; same city")}


def test_scan_finds_swapped_first_and_last_name_with_the_same_email():
    rows = [
        Row(1, "Martin", "Laurent", ("martin.laurent@orange.fr",), (), "Lyon"),
        Row(2, "Laurent", "Martin", ("Martin.Laurent@orange.fr",), (), "Lyon"),
    ]
    assert _pairs(rows) == {(1, 2): (100, "same email; same name; first and last name swapped; same city")}


def test_scan_finds_a_nickname_at_the_same_company_and_city():
    rows = [
        Row(1, "Robert", "Fischer", ("robert.fischer@acme.com",), (), "Boston", "Acme International Inc."),
        Row(2, "Bob", "Fischer", (), (), "Boston", "ACME Intl"),
    ]
    assert _pairs(rows) == {(1, 2): (79, "same name; nickname; same city; same company")}


def test_scan_finds_gmail_variants_of_one_mailbox():
    rows = [
        Row(1, "Ana", "Costa", ("ana.costa@gmail.com",), (), ""),
        Row(2, "", "", ("AnaCosta+shop@googlemail.com",), (), ""),
    ]
    assert _pairs(rows) == {(1, 2): (61, "same email")}


def test_two_people_with_a_common_name_in_different_cities_are_not_duplicates():
    rows = [
        Row(1, "John", "Smith", ("john.smith@gmail.com",), ("+12025550101",), "Chicago"),
        Row(2, "John", "Smith", ("jsmith@yahoo.com",), ("+13125550199",), "Houston"),
    ]
    assert _pairs(rows) == {}


def test_namesakes_in_the_same_city_with_nothing_else_in_common_are_not_duplicates():
    rows = [
        Row(1, "John", "Smith", ("john.smith@acme.com",), ("+12025550101",), "Chicago"),
        Row(2, "John", "Smith", ("js1980@yahoo.com",), ("+13125550199",), "Chicago"),
    ]
    assert _pairs(rows) == {}


def test_a_couple_sharing_a_home_phone_are_not_duplicates():
    a = features_of(Row(1, "Mary", "Jones", (), ("+441632960001",), "Leeds"))
    b = features_of(Row(2, "Peter", "Jones", (), ("+441632960001",), "Leeds"))
    assert pair_score(a, b) == (4, "same phone; different names; same city")


def test_scan_from_the_database_streams_contacts_and_skips_the_trash(admin):
    acme = make_company(by=admin, name="Acme GmbH")
    first = make_contact(by=admin, first_name="Jürgen", last_name="Müller", emails=["jm@acme.de"],
                         phones=["+49 30 1234567"], city="Berlin", company=acme)
    second = make_contact(by=admin, first_name="Juergen", last_name="Mueller", emails=["juergen@example.org",
                                                                                       "JM@acme.de"],
                          phones=[], city="Berlin")
    make_contact(by=admin, first_name="Hans", last_name="Weber", emails=["hw@example.org"], city="Berlin")
    trashed = make_contact(by=admin, first_name="Hans", last_name="Weber", emails=["hw@example.org"], city="Berlin")
    record_trash(trashed, by=admin)
    pairs = scan_contacts()
    assert [(p.first_id, p.second_id, p.score, p.reasons) for p in pairs] == [
        (first.pk, second.pk, 100, "same email; same name; same city")
    ]


def test_a_scan_queued_under_the_old_module_path_still_finds_its_task():
    from django.utils.module_loading import import_string

    from rapport.contacts.duplicate_scan import duplicate_scan_task

    assert import_string("rapport.contacts.duplicates.duplicate_scan_task") is duplicate_scan_task
