"""Contact pages: list visibility and filters, detail 360°, create/edit validation, conflicts, trash."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.contacts.models import Contact
from rapport.contacts.services import contact_update
from rapport.customization.services import custom_field_create
from tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [c.full_name for c in response.context["page"].rows]


def test_contact_list_shows_only_records_the_user_may_see(client_for, teammate, outsider):
    make_contact(by=teammate, first_name="Ada", last_name="Lovelace")
    make_contact(by=outsider, first_name="Olga", last_name="Other")
    response = client_for(outsider).get(reverse("contact-list"))
    assert response.status_code == 200
    assert _names(response) == ["Olga Other"]
    assert b"Lovelace" not in response.content


def test_contact_list_filters_by_stage_tag_and_country(client_for, teammate):
    make_contact(by=teammate, first_name="Ann", last_name="A", lifecycle_stage="customer", country="DE", tags=["vip"])
    make_contact(by=teammate, first_name="Ben", last_name="B", lifecycle_stage="lead", country="DE")
    make_contact(by=teammate, first_name="Cat", last_name="C", lifecycle_stage="customer", country="FR")
    client = client_for(teammate)
    assert _names(client.get(reverse("contact-list"), {"lifecycle_stage": "customer"})) == ["Ann A", "Cat C"]
    assert _names(client.get(reverse("contact-list"), {"tag": "vip"})) == ["Ann A"]
    assert _names(client.get(reverse("contact-list"), {"country": "de"})) == ["Ann A", "Ben B"]


def test_contact_list_search_finds_part_of_an_email(client_for, teammate):
    make_contact(by=teammate, first_name="Ann", last_name="A", emails=["ann@northwind.example"])
    make_contact(by=teammate, first_name="Ben", last_name="B", emails=["ben@contoso.example"])
    response = client_for(teammate).get(reverse("contact-list"), {"q": "northwind"})
    assert _names(response) == ["Ann A"]


def test_contact_list_sorts_and_pages_without_counting(client_for, teammate):
    for i in range(55):
        make_contact(by=teammate, first_name="P", last_name=f"N{i:02d}")
    client = client_for(teammate)
    first = client.get(reverse("contact-list"), {"sort": "-name"})
    assert len(first.context["page"].rows) == 50
    assert first.context["page"].rows[0].last_name == "N54"
    assert first.context["page"].has_next is True
    second = client.get(reverse("contact-list"), {"sort": "-name", "page": 2})
    assert [c.last_name for c in second.context["page"].rows] == ["N04", "N03", "N02", "N01", "N00"]
    assert second.context["page"].has_next is False
    assert b'rel="prev"' in second.content


def test_contact_list_bad_filter_is_a_sentence_and_400(client_for, teammate):
    response = client_for(teammate).get(reverse("contact-list"), {"sort": "shoe_size"})
    assert response.status_code == 400
    assert "Sort by one of" in response.content.decode()


def test_contact_list_query_count_does_not_grow_with_rows(client_for, teammate, django_assert_max_num_queries):
    company = make_company(by=teammate, name="Acme")
    for i in range(3):
        make_contact(by=teammate, company=company, tags=["vip", "x"])
    client = client_for(teammate)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("contact-list"))
    for i in range(27):
        make_contact(by=teammate, company=make_company(by=teammate), tags=[f"t{i}"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("contact-list"))
    assert len(response.context["page"].rows) == 30


def test_contact_detail_of_another_team_is_404(client_for, teammate, outsider):
    contact = make_contact(by=teammate)
    assert client_for(outsider).get(reverse("contact-detail", args=[contact.pk])).status_code == 404
    assert client_for(outsider).get(reverse("contact-edit", args=[contact.pk])).status_code == 404
    assert client_for(outsider).post(reverse("contact-delete", args=[contact.pk])).status_code == 404


def test_contact_detail_shows_emails_phones_consent_and_timeline(client_for, teammate):
    contact = make_contact(
        by=teammate, first_name="Ada", last_name="Lovelace",
        emails=["ada@work.example", {"email": "ada@home.example", "kind": "personal"}],
        phones=["+44 20 7946 0958"], consents=[{"channel": "email", "status": "granted", "source": "web form"}],
    )
    response = client_for(teammate).get(reverse("contact-detail", args=[contact.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "ada@home.example" in html and "primary" in html
    assert "+44 20 7946 0958" in html
    assert "web form" in html
    assert "Contact Ada Lovelace created" in html


def test_create_contact_with_two_emails_and_primary_choice(client_for, teammate):
    response = client_for(teammate).post(reverse("contact-create"), {
        "first_name": "Grace", "last_name": "Hopper", "lifecycle_stage": "lead", "tags": "navy, vip",
        "email_value": ["grace@navy.example", "grace@home.example"], "email_kind": ["work", "personal"],
        "email_primary": "1", "phone_value": ["+1 202 555 0143"], "phone_kind": ["mobile"], "phone_primary": "0",
        "consent_email": "granted", "consent_source_email": "trade fair",
    })
    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Hopper")
    assert contact.email == "grace@home.example"
    assert contact.phone == "+12025550143"
    assert sorted(t.name for t in contact.tags.all()) == ["navy", "vip"]
    assert contact.consents.get(channel="email").source == "trade fair"
    assert contact.owner == teammate


def test_create_contact_with_bad_email_shows_a_sentence_and_saves_nothing(client_for, teammate):
    response = client_for(teammate).post(reverse("contact-create"), {
        "first_name": "Bad", "lifecycle_stage": "lead", "email_value": ["not-an-email"], "email_kind": ["work"],
    })
    assert response.status_code == 400
    assert "is not a valid email address" in response.content.decode()
    assert not Contact.objects.filter(first_name="Bad").exists()


def test_create_contact_without_name_or_email_is_refused(client_for, teammate):
    response = client_for(teammate).post(reverse("contact-create"), {"lifecycle_stage": "lead"})
    assert response.status_code == 400
    assert "Enter a name or an email address." in response.content.decode()


def test_create_contact_with_unknown_stage_is_refused(client_for, teammate):
    response = client_for(teammate).post(reverse("contact-create"), {"first_name": "X", "lifecycle_stage": "boss"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_create_contact_links_existing_company_by_name(client_for, teammate):
    company = make_company(by=teammate, name="Acme Ltd")
    client_for(teammate).post(reverse("contact-create"), {
        "first_name": "Wile", "last_name": "Coyote", "lifecycle_stage": "lead", "company_name": "acme ltd",
    })
    assert Contact.objects.get(last_name="Coyote").company == company


def test_stale_edit_shows_what_the_other_person_changed(client_for, teammate, manager):
    contact = make_contact(by=teammate, first_name="Old", last_name="Name", city="Paris")
    client = client_for(teammate)
    form_page = client.get(reverse("contact-edit", args=[contact.pk]))
    version = form_page.context["form"].initial["version"]
    contact_update(contact=contact, by=manager, city="Lyon", expected_version=version)
    response = client.post(reverse("contact-edit", args=[contact.pk]), {
        "first_name": "New", "last_name": "Name", "city": "Paris", "lifecycle_stage": "lead",
        "email_value": [contact.email], "email_kind": ["work"], "email_primary": "0", "version": version,
    })
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this record" in html
    assert "Lyon" in html
    assert 'value="New"' in html
    contact.refresh_from_db()
    assert (contact.first_name, contact.city) == ("Old", "Lyon")
    assert response.context["form"].data["version"] == str(contact.version)


def test_edit_saves_changes_and_records_them_on_the_timeline(client_for, teammate):
    contact = make_contact(by=teammate, first_name="Old", last_name="Name")
    client = client_for(teammate)
    response = client.post(reverse("contact-edit", args=[contact.pk]), {
        "first_name": "New", "last_name": "Name", "lifecycle_stage": "customer",
        "email_value": [contact.email], "email_kind": ["work"], "email_primary": "0", "version": contact.version,
    })
    assert response.status_code == 302
    detail = client.get(reverse("contact-detail", args=[contact.pk])).content.decode()
    assert "Old" in detail and "New" in detail and "→" in detail


def test_readonly_user_cannot_open_edit_form(client_for, teammate, readonly):
    contact = make_contact(by=teammate)
    assert client_for(readonly).get(reverse("contact-detail", args=[contact.pk])).status_code == 200
    assert client_for(readonly).get(reverse("contact-edit", args=[contact.pk])).status_code == 404


def test_consent_form_records_withdrawal(client_for, teammate):
    contact = make_contact(by=teammate)
    response = client_for(teammate).post(reverse("contact-consent", args=[contact.pk]),
                                         {"channel": "sms", "status": "withdrawn", "source": "phone call"})
    assert response.status_code == 302
    consent = contact.consents.get(channel="sms")
    assert (consent.status, consent.source) == ("withdrawn", "phone call")


def test_delete_moves_contact_to_trash_and_restore_brings_it_back(client_for, teammate):
    contact = make_contact(by=teammate, first_name="Gone", last_name="Soon")
    client = client_for(teammate)
    assert client.post(reverse("contact-delete", args=[contact.pk])).status_code == 302
    assert client.get(reverse("contact-detail", args=[contact.pk])).status_code == 404
    trash = client.get(reverse("trash"))
    assert "Gone Soon" in trash.content.decode()
    restore = client.post(reverse("trash-restore", args=["contact", contact.pk]))
    assert restore.status_code == 302
    assert client.get(reverse("contact-detail", args=[contact.pk])).status_code == 200


def test_outsider_cannot_restore_a_trashed_contact(client_for, teammate, outsider):
    contact = make_contact(by=teammate)
    client_for(teammate).post(reverse("contact-delete", args=[contact.pk]))
    assert client_for(outsider).post(reverse("trash-restore", args=["contact", contact.pk])).status_code == 404
    assert "Number" not in client_for(outsider).get(reverse("trash")).content.decode()


def test_custom_field_appears_in_form_detail_and_filter(client_for, admin, teammate):
    custom_field_create(entity="contact", key="tier", label="Customer tier", field_type="choice",
                        choices=["Gold", "Silver"], by=admin)
    client = client_for(teammate)
    assert "Customer tier" in client.get(reverse("contact-create")).content.decode()
    client.post(reverse("contact-create"), {"first_name": "Goldie", "lifecycle_stage": "lead", "cf_tier": "Gold"})
    client.post(reverse("contact-create"), {"first_name": "Silvia", "lifecycle_stage": "lead", "cf_tier": "Silver"})
    goldie = Contact.objects.get(first_name="Goldie")
    assert goldie.custom == {"tier": "Gold"}
    detail = client.get(reverse("contact-detail", args=[goldie.pk])).content.decode()
    assert "Customer tier" in detail and "Gold" in detail
    assert _names(client.get(reverse("contact-list"), {"cf_tier": "Gold"})) == ["Goldie"]


def test_custom_field_with_bad_value_is_shown_on_the_field(client_for, admin, teammate):
    custom_field_create(entity="contact", key="seats", label="Seats", field_type="number", by=admin)
    response = client_for(teammate).post(reverse("contact-create"), {
        "first_name": "N", "lifecycle_stage": "lead", "cf_seats": "many"})
    assert response.status_code == 400
    assert "Enter a number." in response.content.decode()
