"""The on-entry check: "possible duplicate of …" while a contact is being typed in."""

from __future__ import annotations

from rapport.contacts.duplicate_check import possible_duplicates
from tests.factories import make_company, make_contact


def test_check_finds_the_existing_contact_by_email_in_another_case(teammate):
    existing = make_contact(by=teammate, first_name="Robert", last_name="Fischer", emails=["r.fischer@acme.com"])
    matches = possible_duplicates(first_name="Bob", last_name="Fischer", emails=["R.Fischer@ACME.com"], phones=[],
                                  user=teammate)
    assert [(c.pk, score, reasons) for c, score, reasons in matches] == [(existing.pk, 99, "same email; same name; nickname")]


def test_check_finds_the_existing_contact_by_phone_written_differently(teammate):
    existing = make_contact(by=teammate, first_name="Ana", last_name="Costa", emails=[], phones=["+351 912 345 678"])
    matches = possible_duplicates(first_name="Ana", last_name="Costa", emails=[], phones=["00351912345678"],
                                  user=teammate)
    assert [(c.pk, score, reasons) for c, score, reasons in matches] == [(existing.pk, 98, "same phone; same name")]


def test_check_finds_swapped_names_with_the_same_email(teammate):
    existing = make_contact(by=teammate, first_name="Laurent", last_name="Martin", emails=["lm@example.fr"])
    matches = possible_duplicates(first_name="Martin", last_name="Laurent", emails=["lm@example.fr"], user=teammate)
    assert [c.pk for c, _, _ in matches] == [existing.pk]


def test_check_ignores_the_contact_being_edited(teammate):
    existing = make_contact(by=teammate, first_name="Ana", last_name="Costa", emails=["ana@example.org"])
    assert possible_duplicates(first_name="Ana", last_name="Costa", emails=["ana@example.org"],
                               exclude_id=existing.pk, user=teammate) == []


def test_check_does_not_reveal_contacts_the_user_cannot_see(teammate, outsider):
    make_contact(by=teammate, first_name="Ana", last_name="Costa", emails=["ana@example.org"])
    assert possible_duplicates(first_name="Ana", last_name="Costa", emails=["ana@example.org"], user=outsider) == []


def test_check_with_a_name_alone_is_not_enough(teammate):
    make_contact(by=teammate, first_name="John", last_name="Smith", emails=["john@example.org"], city="Leeds")
    assert possible_duplicates(first_name="John", last_name="Smith", emails=["other@example.com"], user=teammate) == []


def test_check_with_nothing_typed_finds_nothing_in_no_queries(teammate, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert possible_duplicates(first_name="", last_name="", emails=[], phones=[], user=teammate) == []


def test_check_query_count_does_not_grow_with_matches(teammate, django_assert_max_num_queries):
    for n in range(6):
        make_contact(by=teammate, first_name="Ana", last_name="Costa", emails=[f"ana{n}@example.org"],
                     phones=["+351912345678"])
    with django_assert_max_num_queries(8):
        matches = possible_duplicates(first_name="Ana", last_name="Costa", phones=["+351912345678"], user=teammate)
    assert len(matches) == 5


def test_check_finds_mueller_when_mueller_is_stored_with_its_umlaut_and_the_other_way_round(teammate):
    # No email or phone in common: the name (looked up in both spellings) with the same company and city.
    company = make_company(by=teammate, name="Müller & Söhne GmbH")
    stored = make_contact(by=teammate, first_name="Jürgen", last_name="Müller", emails=[], city="Köln",
                          company=company)
    matches = possible_duplicates(first_name="Juergen", last_name="Mueller", user=teammate, city="Koeln",
                                  company="Mueller & Soehne GmbH")
    assert [(c.pk, reasons) for c, _, reasons in matches] == [(stored.pk, "same name; same city; same company")]
    other = make_company(by=teammate, name="Boehm Bau")
    written = make_contact(by=teammate, first_name="Hans", last_name="Boehm", emails=[], city="Graz", company=other)
    matches = possible_duplicates(first_name="Hans", last_name="Böhm", user=teammate, city="Graz",
                                  company="Böhm Bau")
    assert [c.pk for c, _, _ in matches] == [written.pk]
