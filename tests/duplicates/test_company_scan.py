"""Company duplicates: normalised names and domains, blocking, scores with reasons, the scan and the review list."""

from __future__ import annotations

import pytest

from rapport.contacts.company_duplicates import (
    CompanyRow,
    company_candidate_pairs,
    company_duplicate_dismiss,
    company_features_of,
    company_name_key,
    company_pairs_for,
    domain_stem,
    possible_company_duplicates,
    scan_company_rows,
)
from rapport.contacts.duplicate_scan import duplicate_scan_start
from rapport.contacts.models import CompanyDuplicateCandidate, DuplicateScan
from tests.factories import make_company


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME Robotics GmbH", "acme robotics"),
        ("Acme Robotics G.m.b.H.", "acme robotics"),
        ("Société Générale S.A.", "societe generale"),
        ("Müller & Söhne KG", "muller sohne"),
        ("Widgets Inc.", "widgets"),
        ("Bäckerei Schmidt SARL", "backerei schmidt"),
        ("Intl. Mfg Ltd", "international manufacturing"),
        ("GmbH", "gmbh"),
    ],
)
def test_company_name_key_drops_legal_forms_accents_and_punctuation(name, key):
    assert company_name_key(name) == key


@pytest.mark.parametrize(
    ("domain", "stem"),
    [
        ("acme.de", "acme"),
        ("shop.acme.com", "acme"),
        ("acme.co.uk", "acme"),
        ("x.io", ""),
        ("", ""),
    ],
)
def test_domain_stem_is_the_registrable_name(domain, stem):
    assert domain_stem(domain) == stem


def test_free_mail_domains_are_not_company_domains():
    assert company_features_of(CompanyRow(1, "Ann's shop", "gmail.com")).domain == ""


ROWS = [
    CompanyRow(1, "ACME Robotics GmbH", "acme.de", "+49 30 1234567", "Berlin", "DE"),
    CompanyRow(2, "Acme Robotics", "www.acme.com", "", "Berlin", "DE"),
    CompanyRow(3, "Acme Robotcs G.m.b.H.", "", "", "Berlin", "DE"),
    CompanyRow(4, "Acme Robotics Inc", "", "", "Boston", "US"),
    CompanyRow(5, "Müller Bau SARL", "", "", "Lyon", "FR"),
    CompanyRow(6, "Muller Bau", "", "", "Lyon", "FR"),
    CompanyRow(7, "Beta Logistics Ltd", "beta.co.uk", "", "London", "GB"),
    CompanyRow(8, "Beta Ltd.", "https://beta.co.uk/about", "", "", "GB"),
    CompanyRow(9, "Gamma Consulting", "", "+49 30 1234567", "Berlin", "DE"),
]


def test_scan_finds_pairs_with_scores_and_reasons():
    pairs = [tuple(p) for p in scan_company_rows(ROWS)]
    assert pairs == [
        (1, 2, 96, "same domain name with another ending; same name; same city"),
        (7, 8, 86, "same domain; one name contains the other"),
        (5, 6, 61, "same name; same city"),
        (1, 3, 50, "names 96 % similar; same city"),
        (2, 3, 50, "names 96 % similar; same city"),
    ]


def test_same_name_in_another_country_or_a_shared_phone_alone_is_not_a_duplicate():
    found = {(p.first_id, p.second_id) for p in scan_company_rows(ROWS)}
    assert (1, 4) not in found and (2, 4) not in found
    assert (1, 9) not in found


def test_blocking_compares_only_companies_that_share_a_key():
    rows = [
        CompanyRow(i, f"Company {word}", f"{word}.com", "", "Paris", "FR")
        for i, word in enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"], 1)
    ]
    rows.append(CompanyRow(8, "Alpha SAS", "alpha.com", "", "Paris", "FR"))
    pairs = company_candidate_pairs([company_features_of(r) for r in rows])
    # "Company x" names share a 4-letter start in Paris, so they meet there; Alpha SAS meets Company Alpha by domain.
    assert (0, 7) in pairs
    assert all(i < j for i, j in pairs)


@pytest.mark.django_db
def test_scan_stores_company_pairs_and_the_list_shows_only_editable_undismissed_pairs(teammate, outsider):
    first = make_company(by=teammate, name="Acme Robotics GmbH", domain="acme.de", city="Berlin")
    second = make_company(by=teammate, name="ACME Robotics", domain="acme.de", city="Berlin")
    make_company(by=outsider, name="Acme Robotics AG", domain="acme.de", city="Berlin")
    scan = duplicate_scan_start(by=teammate)
    scan.refresh_from_db()
    assert (scan.status, scan.companies, scan.company_pairs) == (DuplicateScan.Status.DONE, 3, 3)
    assert CompanyDuplicateCandidate.objects.count() == 3
    visible = [(p.first_id, p.second_id, p.reasons) for p in company_pairs_for(user=teammate)]
    assert visible == [(first.pk, second.pk, "same domain; same name; same city")]
    company_duplicate_dismiss(first=second, second=first, by=teammate)
    assert list(company_pairs_for(user=teammate)) == []
    duplicate_scan_start(by=teammate)
    assert list(company_pairs_for(user=teammate)) == []


@pytest.mark.django_db
def test_possible_company_duplicates_on_entry_respects_visibility(teammate, outsider):
    mine = make_company(by=teammate, name="Acme Robotics GmbH", domain="acme.de", city="Berlin", country="DE")
    make_company(by=outsider, name="Acme Robotics", domain="acme.de", city="Berlin", country="DE")
    found = possible_company_duplicates(name="ACME Robotics", domain="https://www.acme.de", user=teammate)
    assert [(c.pk, score, reasons) for c, score, reasons in found] == [
        (mine.pk, 100, "same domain; same name")
    ]
    assert possible_company_duplicates(name="Acme Robotics", exclude_id=mine.pk, user=teammate) == []
    same_name_only = possible_company_duplicates(name="Acme Robotics AG", user=teammate)
    assert [(c.pk, reasons) for c, _, reasons in same_name_only] == [(mine.pk, "same name")]
    assert possible_company_duplicates(name="Zeta", user=teammate) == []


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Müller & Söhne GmbH", "MÜLLER & SÖHNE", "müller & söhne kg", "Müller und Söhne"])
def test_a_company_name_with_accents_is_found_on_entry_however_it_is_typed(teammate, typed):
    muller = make_company(by=teammate, name="Müller & Söhne GmbH", city="Köln")
    make_company(by=teammate, name="Schmidt Bau GmbH", city="Köln")
    found = possible_company_duplicates(name=typed, user=teammate)
    assert [(c.pk, reasons) for c, _, reasons in found] == [(muller.pk, "same name")]
