"""Company pages: visible lists, filters, detail with people, create/edit/delete."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.contacts.models import Company
from rapport.contacts.services import company_update
from tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [c.name for c in response.context["page"].rows]


def test_company_list_shows_only_visible_companies(client_for, teammate, outsider):
    make_company(by=teammate, name="Acme")
    make_company(by=outsider, name="Other Corp")
    assert _names(client_for(outsider).get(reverse("company-list"))) == ["Other Corp"]
    assert _names(client_for(teammate).get(reverse("company-list"))) == ["Acme"]


def test_company_list_filters_by_industry_size_and_country(client_for, teammate):
    make_company(by=teammate, name="A", industry="Retail", size="10-49", country="DE")
    make_company(by=teammate, name="B", industry="Banking", size="10-49", country="FR")
    client = client_for(teammate)
    assert _names(client.get(reverse("company-list"), {"industry": "retail"})) == ["A"]
    assert _names(client.get(reverse("company-list"), {"size": "10-49", "country": "FR"})) == ["B"]


def test_company_list_query_count_does_not_grow_with_rows(client_for, teammate, django_assert_max_num_queries):
    for _ in range(3):
        make_company(by=teammate, tags=["a"])
    client = client_for(teammate)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("company-list"))
    for i in range(27):
        make_company(by=teammate, tags=[f"t{i}"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("company-list"))
    assert len(response.context["page"].rows) == 30


def test_company_detail_lists_its_people(client_for, teammate):
    company = make_company(by=teammate, name="Acme")
    make_contact(by=teammate, first_name="Ann", last_name="Employee", company=company)
    html = client_for(teammate).get(reverse("company-detail", args=[company.pk])).content.decode()
    assert "Ann Employee" in html
    assert "Company Acme created" in html


def test_company_detail_of_another_team_is_404(client_for, teammate, outsider):
    company = make_company(by=teammate)
    assert client_for(outsider).get(reverse("company-detail", args=[company.pk])).status_code == 404
    assert client_for(outsider).get(reverse("company-edit", args=[company.pk])).status_code == 404


def test_create_company_with_bad_domain_shows_sentence(client_for, teammate):
    response = client_for(teammate).post(reverse("company-create"), {"name": "Acme", "domain": "not a domain"})
    assert response.status_code == 400
    assert "is not a web domain; write it like example.com." in response.content.decode()
    assert not Company.objects.exists()


def test_create_company_without_name_is_refused(client_for, teammate):
    response = client_for(teammate).post(reverse("company-create"), {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_create_company_normalises_domain_and_tags(client_for, teammate):
    response = client_for(teammate).post(reverse("company-create"), {
        "name": "Acme", "domain": "https://www.Acme.example/about", "tags": "partner, partner, key"})
    company = Company.objects.get()
    assert response.status_code == 302
    assert company.domain == "acme.example"
    assert sorted(t.name for t in company.tags.all()) == ["key", "partner"]


def test_stale_company_edit_shows_conflict(client_for, teammate, manager):
    company = make_company(by=teammate, name="Acme", industry="Retail")
    version = company.version
    company_update(company=company, by=manager, industry="Banking", expected_version=version)
    response = client_for(teammate).post(reverse("company-edit", args=[company.pk]),
                                         {"name": "Acme Renamed", "industry": "Retail", "version": version})
    assert response.status_code == 409
    assert "Banking" in response.content.decode()
    company.refresh_from_db()
    assert (company.name, company.industry) == ("Acme", "Banking")


def test_delete_company_moves_it_to_trash(client_for, teammate):
    company = make_company(by=teammate, name="Temporary")
    client = client_for(teammate)
    client.post(reverse("company-delete", args=[company.pk]))
    assert _names(client.get(reverse("company-list"))) == []
    client.post(reverse("trash-restore", args=["company", company.pk]))
    assert _names(client.get(reverse("company-list"))) == ["Temporary"]
