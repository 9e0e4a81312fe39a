"""Global search: the dropdown partial and the full results page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def test_search_partial_groups_matches_by_kind(client_for, teammate):
    make_contact(by=teammate, first_name="Zelda", last_name="Quartz", emails=["zelda@quartzco.example"])
    make_company(by=teammate, name="Quartzco", domain="quartzco.example")
    response = client_for(teammate).get(reverse("search"), {"q": "quartz"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert [g["label"] for g in response.context["groups"]] == ["Contacts", "Companies"]
    assert "Zelda Quartz" in html and "Quartzco" in html
    assert "<html" not in html


def test_search_partial_never_shows_the_outsiders_records(client_for, teammate, outsider):
    make_contact(by=teammate, first_name="Secret", last_name="Person")
    response = client_for(outsider).get(reverse("search"), {"q": "secret"}, HTTP_HX_REQUEST="true")
    assert response.context["groups"] == []
    assert "Secret" not in response.content.decode().replace("“secret”", "")


def test_search_with_short_term_asks_for_more_characters(client_for, teammate):
    response = client_for(teammate).get(reverse("search"), {"q": "ab"}, HTTP_HX_REQUEST="true")
    assert "Type at least 3 characters." in response.content.decode()


def test_search_page_without_htmx_is_a_full_page(client_for, teammate):
    make_contact(by=teammate, first_name="Zelda", last_name="Quartz")
    response = client_for(teammate).get(reverse("search"), {"q": "zelda"})
    html = response.content.decode()
    assert "<html" in html and "Zelda Quartz" in html


def test_search_requires_login(client):
    response = client.get(reverse("search"), {"q": "anything"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
