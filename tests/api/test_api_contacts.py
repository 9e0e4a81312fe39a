"""Companies and contacts through the API: create, read, filter, update with versions, trash, bulk."""

from __future__ import annotations

import pytest

from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Company, Consent, Contact
from rapport.customization.services import custom_field_create
from tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def test_teammate_creates_a_contact_with_emails_phones_tags_consents_and_custom(api_for, teammate, admin):
    custom_field_create(entity="contact", key="segment", label="Segment", field_type="choice",
                        choices=["A", "B"], by=admin)
    company = make_company(by=teammate, name="Acme")
    response = api_for(teammate).post("/contacts", {
        "first_name": "Ada", "last_name": "Lovelace", "company_id": company.pk, "country": "gb",
        "emails": ["ADA@Example.com", {"email": "ada@home.org", "kind": "personal"}],
        "phones": ["020 7946 0958"], "tags": ["VIP", "press"],
        "consents": [{"channel": "email", "status": "granted", "source": "web form"}],
        "custom": {"segment": "b"},
    })
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["emails"] == [
        {"email": "ada@example.com", "kind": "work", "is_primary": True},
        {"email": "ada@home.org", "kind": "personal", "is_primary": False},
    ]
    assert body["phone"] == "+442079460958"
    assert body["tags"] == ["VIP", "press"]
    assert body["company"] == {"id": company.pk, "name": "Acme"}
    assert body["owner"]["id"] == teammate.pk
    assert body["custom"] == {"segment": "B"}
    assert body["country"] == "GB"
    assert [(c["channel"], c["status"], c["source"]) for c in body["consents"]] == [("email", "granted", "web form")]
    contact = Contact.objects.get(pk=body["id"])
    assert contact.version == 1
    assert TimelineEvent.objects.filter(contact=contact, kind="created").count() == 1


def test_get_contact_returns_the_record(api_for, teammate):
    contact = make_contact(by=teammate, first_name="Grace", last_name="Hopper", emails=["grace@navy.mil"])
    body = api_for(teammate).get(f"/contacts/{contact.pk}").json()
    assert (body["id"], body["full_name"], body["email"], body["version"]) == (
        contact.pk, "Grace Hopper", "grace@navy.mil", 1)


def test_patch_changes_only_the_fields_sent_and_bumps_the_version(api_for, teammate):
    contact = make_contact(by=teammate, first_name="Grace", last_name="Hopper", title="Admiral")
    response = api_for(teammate).patch(f"/contacts/{contact.pk}", {
        "version": 1, "title": "Rear admiral", "consents": [{"channel": "sms", "status": "withdrawn"}],
    })
    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["title"], body["version"]) == ("Grace", "Rear admiral", 2)
    assert Consent.objects.get(contact=contact).status == "withdrawn"


def test_stale_version_is_refused_with_409_and_the_changed_fields(api_for, teammate, manager):
    contact = make_contact(by=teammate, first_name="Grace", last_name="Hopper")
    assert api_for(manager).patch(f"/contacts/{contact.pk}", {"version": 1, "last_name": "Murray"}).status_code == 200
    response = api_for(teammate).patch(f"/contacts/{contact.pk}", {"version": 1, "first_name": "G."})
    assert response.status_code == 409
    body = response.json()
    assert body["errors"] == {"last_name": ["now 'Murray'"]}
    assert body["current_version"] == 2
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.version) == ("Grace", "Murray", 2)


def test_delete_moves_to_trash_and_restore_brings_it_back(api_for, teammate):
    contact = make_contact(by=teammate)
    api = api_for(teammate)
    assert api.delete(f"/contacts/{contact.pk}").status_code == 204
    assert api.get(f"/contacts/{contact.pk}").status_code == 404
    assert Contact.all_objects.get(pk=contact.pk).deleted_at is not None
    assert api.get("/contacts").json()["results"] == []
    response = api.post(f"/contacts/{contact.pk}/restore")
    assert response.status_code == 200
    assert response.json()["id"] == contact.pk
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert api.post(f"/contacts/{contact.pk}/restore").status_code == 404


def test_list_filters_by_tag_country_lifecycle_and_custom_field(api_for, teammate, admin):
    custom_field_create(entity="contact", key="tier", label="Tier", field_type="text", by=admin)
    wanted = make_contact(by=teammate, last_name="Wanted", country="DE", tags=["vip"], custom={"tier": "gold"},
                          lifecycle_stage="customer")
    make_contact(by=teammate, last_name="Other", country="DE", tags=["vip"], custom={"tier": "silver"})
    make_contact(by=teammate, last_name="Third", country="FR", tags=["vip"], custom={"tier": "gold"})
    api = api_for(teammate)
    ids = [c["id"] for c in api.get("/contacts", {"tag": "VIP", "country": "de", "cf_tier": "gol"}).json()["results"]]
    assert ids == [wanted.pk]
    ids = [c["id"] for c in api.get("/contacts", {"lifecycle_stage": "customer"}).json()["results"]]
    assert ids == [wanted.pk]


def test_list_searches_by_part_of_an_email(api_for, teammate):
    wanted = make_contact(by=teammate, emails=["zebra.stripes@example.net"])
    make_contact(by=teammate, emails=["other@example.net"])
    results = api_for(teammate).get("/contacts", {"q": "stripes"}).json()["results"]
    assert [c["id"] for c in results] == [wanted.pk]


def test_list_sorts_by_name_both_ways(api_for, teammate):
    make_contact(by=teammate, first_name="A", last_name="Brown")
    make_contact(by=teammate, first_name="B", last_name="Adams")
    make_contact(by=teammate, first_name="A", last_name="Adams")
    api = api_for(teammate)
    names = [c["full_name"] for c in api.get("/contacts", {"sort": "name"}).json()["results"]]
    assert names == ["A Adams", "B Adams", "A Brown"]
    names = [c["full_name"] for c in api.get("/contacts", {"sort": "-name"}).json()["results"]]
    assert names == ["A Brown", "B Adams", "A Adams"]


def test_unknown_sort_is_refused_with_the_valid_choices(api_for, teammate):
    response = api_for(teammate).get("/contacts", {"sort": "password"})
    assert response.status_code == 422
    assert response.json()["errors"]["sort"] == [
        "Sort by one of: company, created, email, name, stage, updated (prefix - to reverse)."]


def test_bulk_create_makes_every_contact_in_one_go(api_for, teammate):
    items = [{"first_name": "P", "last_name": f"N{i}", "emails": [f"p{i}@example.com"]} for i in range(5)]
    response = api_for(teammate).post("/contacts/bulk", {"items": items})
    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 5
    assert sorted(Contact.objects.values_list("email", flat=True)) == [f"p{i}@example.com" for i in range(5)]
    assert sorted(body["ids"]) == sorted(Contact.objects.values_list("id", flat=True))


def test_bulk_create_is_all_or_nothing_with_errors_keyed_by_item(api_for, teammate):
    items = [
        {"last_name": "Fine", "emails": ["fine@example.com"]},
        {"last_name": "Broken", "emails": ["ok@example.com", "not-an-email"]},
        {"last_name": "Phone", "phones": ["12"]},
        {"last_name": "Also fine"},
    ]
    response = api_for(teammate).post("/contacts/bulk", {"items": items})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"items.1.emails.1", "items.2.phones.0"}
    assert "not a valid email" in errors["items.1.emails.1"][0]
    assert Contact.all_objects.count() == 0
    assert TimelineEvent.objects.count() == 0


def test_bulk_create_refuses_more_than_1000_items(api_for, teammate):
    response = api_for(teammate).post("/contacts/bulk", {"items": [{"last_name": "x"}] * 1001})
    assert response.status_code == 422
    assert "items" in response.json()["errors"]
    assert Contact.all_objects.count() == 0


def test_company_crud(api_for, teammate):
    api = api_for(teammate)
    response = api.post("/companies", {"name": "Acme GmbH", "domain": "https://www.Acme.de/about", "country": "de",
                                       "size": "10-49", "tags": ["partner"]})
    assert response.status_code == 201
    body = response.json()
    assert (body["domain"], body["country"], body["size"], body["tags"]) == ("acme.de", "DE", "10-49", ["partner"])
    company_id = body["id"]
    response = api.patch(f"/companies/{company_id}", {"version": 1, "industry": "Robotics", "tags": []})
    assert response.status_code == 200
    assert (response.json()["industry"], response.json()["tags"], response.json()["version"]) == ("Robotics", [], 2)
    assert [c["id"] for c in api.get("/companies", {"country": "DE"}).json()["results"]] == [company_id]
    assert api.delete(f"/companies/{company_id}").status_code == 204
    assert Company.all_objects.get(pk=company_id).deleted_at is not None
    assert api.post(f"/companies/{company_id}/restore").status_code == 200


def test_company_cannot_be_its_own_parent(api_for, teammate):
    company = make_company(by=teammate)
    response = api_for(teammate).patch(f"/companies/{company.pk}", {"version": 1, "parent_id": company.pk})
    assert response.status_code == 422
    assert response.json()["errors"] == {"parent": ["A company cannot be its own parent."]}


def test_custom_fields_hidden_for_a_role_are_omitted_and_refused(api_for, admin, teammate):
    custom_field_create(entity="contact", key="margin", label="Margin", field_type="number",
                        hidden_for_roles=["rep"], by=admin)
    custom_field_create(entity="contact", key="segment", label="Segment", field_type="text", by=admin)
    contact = make_contact(by=teammate, custom={"margin": 12, "segment": "retail"})
    rep = api_for(teammate)
    assert rep.get(f"/contacts/{contact.pk}").json()["custom"] == {"segment": "retail"}
    assert rep.get("/contacts").json()["results"][0]["custom"] == {"segment": "retail"}
    assert api_for(admin).get(f"/contacts/{contact.pk}").json()["custom"] == {"margin": 12, "segment": "retail"}
    response = rep.patch(f"/contacts/{contact.pk}", {"version": 1, "custom": {"margin": 99}})
    assert response.status_code == 422
    assert response.json()["errors"] == {"custom.margin": ["There is no custom field called 'margin' on this record type."]}
    assert rep.post("/contacts", {"last_name": "X", "custom": {"margin": 1}}).status_code == 422
    assert rep.get("/contacts", {"cf_margin": "12"}).status_code == 422
    contact.refresh_from_db()
    assert contact.custom == {"margin": 12, "segment": "retail"}
    assert Contact.all_objects.count() == 1


def test_readonly_user_sees_team_contacts_but_cannot_change_them(api_for, teammate, readonly):
    contact = make_contact(by=teammate)
    api = api_for(readonly, "read")
    assert api.get(f"/contacts/{contact.pk}").status_code == 200
    session_api = api_for(readonly, "read")
    assert session_api.patch(f"/contacts/{contact.pk}", {"version": 1, "title": "x"}).status_code == 403


def test_readonly_role_with_session_gets_403_on_change(client_for, teammate, readonly):
    contact = make_contact(by=teammate)
    response = client_for(readonly).patch(f"/api/v1/contacts/{contact.pk}", data={"version": 1, "title": "x"},
                                          content_type="application/json")
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.title == ""


def test_bulk_contacts_get_search_entries_timeline_events_tags_consents_and_custom(api_for, teammate, admin):
    from rapport.contacts.models import ContactEmail, ContactPhone
    from rapport.customization.models import Tag
    from rapport.search.models import SearchEntry

    custom_field_create(entity="contact", key="tier", label="Tier", field_type="choice", choices=["Gold", "Silver"],
                        by=admin)
    Tag.objects.create(name="VIP")
    company = make_company(by=teammate, name="Acme")
    items = [
        {"first_name": "Ada", "last_name": "Lovelace", "company_id": company.pk, "country": "gb",
         "emails": ["ADA@Example.com", {"email": "ada@home.org", "kind": "personal"}], "phones": ["020 7946 0958"],
         "tags": ["vip", "press", "Press"], "consents": [{"channel": "email", "status": "granted"}],
         "custom": {"tier": "gold"}},
        {"last_name": "Babbage", "tags": ["press"]},
    ]
    response = api_for(teammate).post("/contacts/bulk", {"items": items})
    assert response.status_code == 201, response.content
    ada, charles = (Contact.objects.get(pk=pk) for pk in response.json()["ids"])
    assert (ada.email, ada.phone, ada.company_id, ada.owner_id, ada.custom) == (
        "ada@example.com", "+442079460958", company.pk, teammate.pk, {"tier": "Gold"})
    assert list(ContactEmail.objects.filter(contact=ada).values_list("email", "is_primary")) == [
        ("ada@example.com", True), ("ada@home.org", False)]
    assert ContactPhone.objects.filter(contact=ada).count() == 1
    assert sorted(t.name for t in ada.tags.all()) == ["VIP", "press"]
    assert [t.name for t in charles.tags.all()] == ["press"]
    assert Tag.objects.count() == 2
    assert list(Consent.objects.filter(contact=ada).values_list("channel", "status")) == [("email", "granted")]
    entry = SearchEntry.objects.get(kind="contact", object_id=ada.pk)
    assert (entry.title, entry.owner_id) == ("Ada Lovelace", teammate.pk)
    assert "ada@home.org" in entry.text and "442079460958" in entry.text
    events = TimelineEvent.objects.filter(kind="created", contact__in=[ada, charles]).order_by("contact_id")
    assert [(e.summary, e.actor_id, e.company_id) for e in events] == [
        ("Contact Ada Lovelace created", teammate.pk, company.pk), ("Contact Babbage created", teammate.pk, None)]
    found = api_for(teammate).get("/search", {"q": "lovelace"}).json()["results"]
    assert [r["id"] for r in found] == [ada.pk]


def test_bulk_reports_reference_and_field_errors_together_and_writes_nothing(api_for, teammate, outsider,
                                                                             manager):
    theirs = make_company(by=outsider)
    items = [
        {"last_name": "Fine"},
        {"last_name": "Hidden company", "company_id": theirs.pk},
        {"last_name": "Their rep", "owner_id": outsider.pk},
        {"last_name": "Nobody", "owner_id": 999999},
        {"emails": ["broken"]},
        {"first_name": ""},
    ]
    response = api_for(teammate).post("/contacts/bulk", {"items": items})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["errors"] == {
        "items.1.company_id": [f"There is no company with id {theirs.pk} that you can see; check the id."],
        "items.2.owner": [f"You can give records only to yourself, not to {outsider}; leave the owner empty, or ask a manager or an administrator to do it."],
        "items.3.owner_id": ["There is no active user with id 999999 that you can see; check the id."],
        "items.4.emails.0": body["errors"]["items.4.emails.0"],
        "items.5.last_name": ["Enter a name or an email address."],
    }
    assert "not a valid email" in body["errors"]["items.4.emails.0"][0]
    assert Contact.all_objects.count() == 0
    assert TimelineEvent.objects.filter(kind="created", contact__isnull=False).count() == 0


def test_manager_hands_bulk_contacts_to_a_teammate(api_for, manager, teammate):
    response = api_for(manager).post("/contacts/bulk", {"items": [{"last_name": "Handed", "owner_id": teammate.pk}]})
    assert response.status_code == 201
    assert Contact.objects.get(pk=response.json()["ids"][0]).owner_id == teammate.pk


def test_bulk_contacts_follow_the_validation_rules(api_for, admin, teammate):
    from rapport.customization.services import validation_rule_create

    validation_rule_create(entity="contact", name="Customers have a company", kind="conditional", field="company",
                           parameters={"when": {"field": "lifecycle_stage", "operator": "equals",
                                                "value": "customer"}, "then": {"kind": "required"}}, by=admin)
    items = [{"last_name": "Lead"}, {"last_name": "Customer", "lifecycle_stage": "customer"}]
    response = api_for(teammate).post("/contacts/bulk", {"items": items})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "items.1.company": ["Company is required when Lifecycle stage is customer; enter a value."]}
    assert Contact.all_objects.count() == 0


def test_readonly_cannot_bulk_create(api_for, readonly):
    response = api_for(readonly, scope="read").post("/contacts/bulk", {"items": [{"last_name": "x"}]})
    assert response.status_code == 403
    assert Contact.all_objects.count() == 0


def test_bulk_create_meets_an_accented_tag_in_any_case(api_for, teammate):
    from rapport.customization.models import Tag

    first = api_for(teammate).post("/contacts/bulk", {"items": [{"last_name": "A", "tags": ["Österreich"]}]})
    assert first.status_code == 201
    again = api_for(teammate).post("/contacts/bulk", {"items": [
        {"last_name": "B", "tags": ["Österreich"]}, {"last_name": "C", "tags": ["ÖSTERREICH", "Über uns"]}]})
    assert again.status_code == 201, again.json()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Österreich", "Über uns"]
    tagged = Contact.objects.filter(tags__name="Österreich").values_list("last_name", flat=True)
    assert sorted(tagged) == ["A", "B", "C"]
    listed = api_for(teammate).get("/contacts", {"tag": "österreich"}).json()
    assert sorted(c["last_name"] for c in listed["results"]) == ["A", "B", "C"]
