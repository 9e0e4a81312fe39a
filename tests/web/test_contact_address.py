"""A contact's own mailing address (street, city, region, postal code, country): form, page, API, list
export, vCard, merge, and imports from other CRMs' exports (Salesforce "Mailing Street", Outlook
"Business Street", HubSpot "Street Address"), with undo."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from rapport.contacts.merge import contact_merge, contact_merge_undo
from rapport.contacts.models import Contact
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.imports.services.vcard import vcard_import, vcard_of, vcard_parse
from tests.api.conftest import api_client
from tests.factories import make_contact
from tests.imports.helpers import make_job

pytestmark = pytest.mark.django_db

ADDRESS = ("street", "city", "region", "postal_code", "country")


def _address(contact: Contact) -> tuple[str, ...]:
    contact.refresh_from_db()
    return tuple(getattr(contact, name) for name in ADDRESS)


def _form(**fields: str) -> dict[str, str]:
    return {"first_name": "Ines", "last_name": "Roth", "lifecycle_stage": "lead", "email_value": "ines@example.de",
            "email_kind": "work", "email_primary": "0", **fields}


def test_the_form_saves_the_address_and_the_page_writes_it_as_on_an_envelope(client_for, teammate):
    client = client_for(teammate)
    response = client.post(reverse("contact-create"), _form(
        street="Torstraße 12", city="Berlin", region="Berlin", postal_code="10119", country="de"))
    assert response.status_code == 302
    contact = Contact.objects.get(email="ines@example.de")
    assert _address(contact) == ("Torstraße 12", "Berlin", "Berlin", "10119", "DE")
    page = client.get(contact.get_absolute_url()).content.decode()
    assert '<address class="address">Torstraße 12<br>10119 Berlin, Berlin<br>Germany</address>' in page
    edit = client.get(reverse("contact-edit", args=[contact.pk])).content.decode()
    assert 'name="postal_code"' in edit and 'value="10119"' in edit and 'value="Torstraße 12"' in edit


def test_a_postal_code_too_long_is_a_sentence_on_the_field_and_nothing_is_saved(client_for, teammate):
    response = client_for(teammate).post(reverse("contact-create"), _form(postal_code="1" * 21))
    assert response.status_code == 400
    assert "Ensure this value has at most 20 characters (it has 21)." in response.content.decode()
    assert not Contact.objects.filter(email="ines@example.de").exists()


def test_an_address_is_written_in_its_countrys_order_and_with_what_there_is(client_for, teammate):
    us = make_contact(by=teammate, street="1 Main St", city="Springfield", region="IL", postal_code="62704",
                      country="US")
    city_only = make_contact(by=teammate, city="Lyon")
    code_only = make_contact(by=teammate, postal_code="69001")
    nothing = make_contact(by=teammate, last_name="Nowhere")
    client = client_for(teammate)

    def address(contact: Contact) -> str:
        page = client.get(contact.get_absolute_url()).content.decode()
        return page.split("<dt>Address</dt><dd>", 1)[1].split("</dd>", 1)[0].strip()

    assert address(us) == '<address class="address">1 Main St<br>Springfield, IL 62704<br>United States</address>'
    assert address(city_only) == '<address class="address">Lyon</address>'
    assert address(code_only) == '<address class="address">69001</address>'
    assert address(nothing) == '<span class="muted">—</span>'


def test_the_api_reads_writes_and_patches_the_address(teammate):
    api = api_client(teammate)
    created = api.post("/contacts", {"last_name": "Roth", "street": " Torstraße 12 ", "postal_code": "10119",
                                     "city": "Berlin", "region": "Berlin", "country": "de"})
    assert created.status_code == 201
    body = created.json()
    assert tuple(body[name] for name in ADDRESS) == ("Torstraße 12", "Berlin", "Berlin", "10119", "DE")
    patched = api.patch(f"/contacts/{body['id']}", {"version": body["version"], "postal_code": "10117"}).json()
    assert tuple(patched[name] for name in ADDRESS) == ("Torstraße 12", "Berlin", "Berlin", "10117", "DE")
    too_long = api.patch(f"/contacts/{body['id']}", {"version": patched["version"], "street": "x" * 201})
    assert too_long.status_code == 422
    assert _address(Contact.objects.get(pk=body["id"]))[0] == "Torstraße 12"


def test_the_csv_export_has_the_address_columns(client_for, teammate):
    make_contact(by=teammate, last_name="Roth", street="Torstraße 12", city="Berlin", region="Berlin",
                 postal_code="10119", country="DE")
    response = client_for(teammate).get(reverse("export-contacts"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["Street"], r["City"], r["Region"], r["Postal code"], r["Country"]) for r in rows] == [
        ("Torstraße 12", "Berlin", "Berlin", "10119", "DE")]


def test_a_vcard_carries_the_whole_address_both_ways(teammate):
    contact = make_contact(by=teammate, last_name="Roth", street="Torstraße 12; Hinterhaus", city="Berlin",
                           region="Berlin", postal_code="10119", country="DE")
    card = vcard_of(contact, "3.0")
    assert "ADR;TYPE=work:;;Torstraße 12\\; Hinterhaus;Berlin;Berlin;10119;DE\r\n" in card
    parsed = vcard_parse(card)[0]
    assert (parsed.street, parsed.city, parsed.region, parsed.postal_code, parsed.country) == (
        "Torstraße 12; Hinterhaus", "Berlin", "Berlin", "10119", "DE")


def test_a_vcard_address_takes_the_preferred_adr_and_reads_country_names(teammate):
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Roth;Ines;;;\r\nEMAIL:ines@example.de\r\n"
            "ADR;TYPE=home:;;Gartenweg 3;Potsdam;Brandenburg;14467;Germany\r\n"
            "ADR;TYPE=work,pref:PO Box 7;Building B;;Berlin;;10119;Deutschland\r\n"
            "END:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ola Nord\r\nEMAIL:ola@example.no\r\n"
            "ADR:;;Storgata 1;Oslo;;0155;Norvege du Nord\r\nEND:VCARD\r\n")
    first, second = vcard_parse(card)
    assert (first.street, first.city, first.region, first.postal_code, first.country) == (
        "PO Box 7, Building B", "Berlin", "", "10119", "DE")
    assert (second.street, second.city, second.country) == ("Storgata 1", "Oslo", "")
    assert second.warnings == ["Country 'Norvege du Nord' was left out: write it as a two-letter code (DE) or an "
                               "English name (Germany)."]
    outcomes = vcard_import(data=card, by=teammate)
    assert [o.status for o in outcomes] == ["created", "created"]
    assert _address(Contact.objects.get(email="ines@example.de")) == ("PO Box 7, Building B", "Berlin", "", "10119",
                                                                      "DE")


def test_a_vcard_fills_a_missing_address_whole_and_never_mixes_two(teammate):
    without = make_contact(by=teammate, last_name="Roth", emails=["ines@example.de"])
    with_city = make_contact(by=teammate, last_name="Nord", emails=["ola@example.no"], city="Bergen")
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:{n};;;;\r\nEMAIL:{e}\r\nADR:;;Storgata 1;Oslo;;0155;NO\r\nEND:VCARD\r\n"
        for n, e in (("Roth", "ines@example.de"), ("Nord", "ola@example.no")))
    outcomes = vcard_import(data=cards, by=teammate)
    assert [o.status for o in outcomes] == ["updated", "unchanged"]
    assert _address(without) == ("Storgata 1", "Oslo", "", "0155", "NO")
    assert _address(with_city) == ("", "Bergen", "", "", "")


def test_a_merge_can_keep_the_other_contacts_street_and_undo_puts_it_back(teammate):
    survivor = make_contact(by=teammate, last_name="Roth", street="Alte Straße 1", postal_code="10115")
    loser = make_contact(by=teammate, last_name="Roth", street="Torstraße 12", postal_code="10119", region="Berlin")
    merge = contact_merge(survivor=survivor, loser=loser, by=teammate,
                          choices={"street": "loser", "postal_code": "loser"})
    assert _address(survivor) == ("Torstraße 12", "", "Berlin", "10119", "")
    assert merge.survivor_before["street"] == "Alte Straße 1"
    contact_merge_undo(merge=merge, by=teammate)
    assert _address(survivor) == ("Alte Straße 1", "", "", "10115", "")


SALESFORCE = (
    "First Name,Last Name,Email,Mailing Street,Mailing City,Mailing State/Province,Mailing Zip/Postal Code,"
    "Mailing Country,Other Street,Other City\n"
    "Ines,Roth,ines@example.de,Torstraße 12,Berlin,Berlin,10119,Germany,Gartenweg 3,Potsdam\n"
    "Ola,Nord,ola@example.no,Storgata 1,Oslo,,0155,NO,,\n"
)


def test_a_salesforce_export_maps_the_mailing_address_and_leaves_the_other_one(admin):
    job = make_job(admin, SALESFORCE, name="salesforce-contacts.csv")
    assert {job.mapping.get(str(i)) for i in range(3, 8)} == {"street", "city", "region", "postal_code", "country"}
    assert "8" not in job.mapping and "9" not in job.mapping  # the second address is not mixed in
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (2, 0)
    import_run(job.pk)
    assert _address(Contact.objects.get(email="ines@example.de")) == ("Torstraße 12", "Berlin", "Berlin", "10119",
                                                                      "DE")
    assert _address(Contact.objects.get(email="ola@example.no")) == ("Storgata 1", "Oslo", "", "0155", "NO")


@pytest.mark.parametrize("headers", [
    "Business Street,Business City,Business State,Business Postal Code,Business Country/Region",  # Outlook
    "Street Address,City,State/Region,Postal Code,Country/Region",  # HubSpot
    "Address 1 - Street,Address 1 - City,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country",  # Google
    "Straße,Ort,Bundesland,PLZ,Land",
])
def test_address_headers_of_other_exports_are_suggested(admin, headers):
    job = make_job(admin, f"Email,{headers}\nines@example.de,Torstraße 12,Berlin,Berlin,10119,DE\n")
    assert [job.mapping.get(str(i)) for i in range(1, 6)] == list(ADDRESS)


def test_an_update_changes_the_address_and_undo_restores_it(admin):
    contact = make_contact(by=admin, last_name="Roth", emails=["ines@example.de"], street="Alte Straße 1",
                           city="Berlin", postal_code="10115", country="DE")
    job = make_job(admin, "Email,Street,Postal Code\nines@example.de,Torstraße 12,10119\n",
                   mode="update", match_key="email")
    report = import_dry_run(job=job, by=admin)
    assert report["updated"] == 1
    import_run(job.pk)
    assert _address(contact) == ("Torstraße 12", "Berlin", "", "10119", "DE")
    job.refresh_from_db()
    import_undo(job=job, by=admin)
    assert _address(contact) == ("Alte Straße 1", "Berlin", "", "10115", "DE")


def test_an_imported_postal_code_too_long_is_rejected_with_its_column(admin):
    job = make_job(admin, "Email,Zip\nines@example.de,12345678901234567890123\nola@example.no,0155\n")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (1, 1)
    assert report["rejections"][0]["row"] == 2
    assert "Postal code" in report["rejections"][0]["reason"] and "20" in report["rejections"][0]["reason"]


def test_a_salesforce_leads_export_gives_the_new_contact_its_address_and_phone_country(admin):
    text = ("First Name,Last Name,Email,Phone,Company,Street,City,State/Province,Zip/Postal Code,Country,Lead Status\n"
            "Ines,Roth,ines@example.de,030 1234567,Roth GmbH,Torstraße 12,Berlin,Berlin,10119,Germany,Open\n")
    job = make_job(admin, text, name="salesforce-leads.csv", target="leads")
    assert [job.mapping.get(str(i)) for i in range(5, 10)] == list(ADDRESS)
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (1, 0)
    import_run(job.pk)
    contact = Contact.objects.get(email="ines@example.de")
    assert _address(contact) == ("Torstraße 12", "Berlin", "Berlin", "10119", "DE")
    assert contact.phone == "+49301234567"  # the row's country, not the default (US)
