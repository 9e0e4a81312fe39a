"""Custom field definitions (admins define, roles see what they may) and the global search endpoint."""

from __future__ import annotations

import pytest

from rapport.customization.models import CustomField
from rapport.customization.services import custom_field_create
from tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def test_admin_adds_a_custom_field_that_then_works_on_contacts(api_for, admin, teammate):
    response = api_for(admin).post("/custom-fields", {"entity": "contact", "key": "renewal", "label": "Renewal",
                                                      "field_type": "date"})
    assert response.status_code == 201
    assert (response.json()["key"], response.json()["field_type"]) == ("renewal", "date")
    rep = api_for(teammate)
    created = rep.post("/contacts", {"last_name": "Date", "custom": {"renewal": "2027-05-01"}})
    assert created.json()["custom"] == {"renewal": "2027-05-01"}
    bad = rep.post("/contacts", {"last_name": "Date", "custom": {"renewal": "soon"}})
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"custom.renewal": ["Renewal must be a date written as YYYY-MM-DD."]}


def test_rep_cannot_add_custom_fields(api_for, teammate):
    response = api_for(teammate).post("/custom-fields", {"entity": "deal", "key": "x", "label": "X",
                                                         "field_type": "text"})
    assert response.status_code == 403
    assert CustomField.objects.count() == 0


def test_bad_custom_field_key_is_refused(api_for, admin):
    response = api_for(admin).post("/custom-fields", {"entity": "deal", "key": "Bad Key", "label": "X",
                                                      "field_type": "text"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["key"]


def test_fields_hidden_for_a_role_are_not_listed_for_it(api_for, admin, teammate):
    hidden = custom_field_create(entity="deal", key="margin", label="Margin", field_type="number",
                                 hidden_for_roles=["rep"], by=admin)
    custom_field_create(entity="deal", key="region", label="Region", field_type="text", by=admin)
    rep = api_for(teammate)
    assert [f["key"] for f in rep.get("/custom-fields", {"entity": "deal"}).json()] == ["region"]
    assert rep.get(f"/custom-fields/{hidden.pk}").status_code == 404
    assert [f["key"] for f in api_for(admin).get("/custom-fields").json()] == ["margin", "region"]


def test_search_finds_only_what_the_user_may_see(api_for, teammate, outsider):
    mine = make_contact(by=teammate, first_name="Zora", last_name="Quintana", emails=["zora@quintana.example"])
    make_contact(by=outsider, first_name="Zora", last_name="Quintero", emails=["zq@other.example"])
    company = make_company(by=teammate, name="Quintana Labs", domain="quintana.example")
    results = api_for(teammate).get("/search", {"q": "quint"}).json()["results"]
    assert sorted((r["kind"], r["id"]) for r in results) == [("company", company.pk), ("contact", mine.pk)]
    outsider_results = api_for(outsider).get("/search", {"q": "quintana"}).json()["results"]
    assert outsider_results == []


def test_search_with_a_short_term_returns_nothing_and_too_long_is_refused(api_for, teammate):
    make_contact(by=teammate, first_name="Al")
    api = api_for(teammate)
    assert api.get("/search", {"q": "Al"}).json() == {"results": []}
    assert api.get("/search", {"q": "x" * 101}).status_code == 422


def test_admin_changes_and_deletes_a_custom_field_and_a_rep_cannot(api_for, admin, teammate):
    field = custom_field_create(entity="lead", key="budget", label="Budget", field_type="money", by=admin)
    rep = api_for(teammate)
    assert rep.patch(f"/custom-fields/{field.pk}", {"label": "Hacked"}).status_code == 403
    assert rep.delete(f"/custom-fields/{field.pk}").status_code == 403
    api = api_for(admin)
    response = api.patch(f"/custom-fields/{field.pk}", {"label": "Yearly budget", "hidden_for_roles": ["readonly"]})
    assert response.status_code == 200
    assert (response.json()["label"], response.json()["hidden_for_roles"]) == ("Yearly budget", ["readonly"])
    assert api.patch(f"/custom-fields/{field.pk}", {"field_type": "text"}).status_code == 422
    assert api.delete(f"/custom-fields/{field.pk}").status_code == 204
    assert CustomField.objects.count() == 0
