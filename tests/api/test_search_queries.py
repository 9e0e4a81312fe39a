"""Global search: one query finds the ids of every kind, then one query per kind with matches."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.search.selectors import global_search, search_ids
from tests.factories import make_company, make_contact, make_deal, make_lead, make_pipeline

pytestmark = pytest.mark.django_db


def _searches(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "search_searchentry" in q["sql"]]


def test_one_query_finds_the_ids_of_contacts_companies_leads_and_deals(admin, teammate):
    pipeline = make_pipeline(by=admin)
    company = make_company(by=teammate, name="Quokka Roasters", domain="quokka.example")
    contact = make_contact(by=teammate, first_name="Quinn", last_name="Quokka", company=company)
    lead = make_lead(by=teammate, contact=contact)
    deal = make_deal(by=teammate, pipeline=pipeline, name="Quokka espresso bar", contact=contact)
    with CaptureQueriesContext(connection) as captured:
        ids = search_ids(user=teammate, query="quokka")
    assert ids == {"contact": [contact.pk], "company": [company.pk], "lead": [lead.pk], "deal": [deal.pk]}
    assert len(captured.captured_queries) == 1


def test_search_caps_each_kind_at_the_limit(teammate):
    for i in range(5):
        make_contact(by=teammate, first_name=f"Wombat{i}", last_name="Wombatson")
    make_company(by=teammate, name="Wombat Works")
    ids = search_ids(user=teammate, query="wombat", limit=3)
    assert len(ids["contact"]) == 3
    assert len(ids["company"]) == 1
    assert ids["lead"] == [] and ids["deal"] == []


def test_search_queries_do_not_grow_with_the_matches(teammate):
    make_contact(
        by=teammate, first_name="Numbat", last_name="One", company=make_company(by=teammate, name="Numbat Co")
    )
    with CaptureQueriesContext(connection) as few:
        assert len(global_search(user=teammate, query="numbat")) == 2
    for i in range(6):
        make_contact(
            by=teammate, first_name=f"Numbat{i}", last_name="Many", company=make_company(by=teammate)
        )
    with CaptureQueriesContext(connection) as many:
        assert len(global_search(user=teammate, query="numbat")) == 8
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(_searches(many)) == 1


def test_search_of_another_teams_records_finds_nothing_in_one_query(teammate, outsider):
    make_contact(by=teammate, first_name="Quoll", last_name="Hidden")
    with CaptureQueriesContext(connection) as captured:
        assert global_search(user=outsider, query="quoll") == []
    assert len(_searches(captured)) == 1


def test_search_finds_every_record_of_a_kind_whatever_was_indexed_in_between(admin, teammate):
    pipeline = make_pipeline(by=admin)
    first = make_contact(by=teammate, first_name="Dingo", last_name="Early")
    make_company(by=teammate, name="Dingo Depot")
    make_deal(by=teammate, pipeline=pipeline, name="Dingo deal", contact=first)
    last = make_contact(by=teammate, first_name="Dingo", last_name="Late")
    ids = search_ids(user=teammate, query="dingo")
    assert sorted(ids["contact"]) == [first.pk, last.pk]
    assert len(ids["company"]) == 1 and len(ids["deal"]) == 1
    assert ids["lead"] == []
