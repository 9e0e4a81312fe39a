"""vCard export and import: the line format, a round trip into an empty database, and bad cards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.contacts.models import Company, Contact
from rapport.imports.services.vcard import escape, fold, unfold, vcard_import, vcard_of, vcard_parse
from tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def test_escape_and_fold_follow_the_rfc():
    assert escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    line = "NOTE:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")[:-1]
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert parts[1].startswith(" ")
    assert unfold(folded) == [line]


def _snapshot(contacts) -> list[tuple]:
    return sorted(
        (c.first_name, c.last_name, c.title, c.company.name if c.company else "", c.city, c.country,
         tuple((e.email, e.kind, e.is_primary) for e in c.emails.order_by("-is_primary", "id")),
         tuple((p.number, p.kind, p.is_primary) for p in c.phones.order_by("-is_primary", "id")))
        for c in contacts
    )


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_round_trip_into_an_empty_database(version, teammate, client_for):
    company = make_company(by=teammate, name="Müller; Söhne, GmbH")
    make_contact(by=teammate, first_name="Jörg", last_name="O'Neil, Jr.", title="Head of Sales\nEMEA",
                 company=company, city="Köln", country="DE",
                 emails=["jorg@example.de", {"email": "jorg@home.example", "kind": "personal"}],
                 phones=[{"number": "+49 221 1234567", "kind": "mobile"}, {"number": "+49 221 7654321",
                                                                         "kind": "home"}])
    make_contact(by=teammate, first_name="", last_name="Solo", emails=["solo@example.org"], phones=[])
    before = _snapshot(Contact.objects.all())
    response = client_for(teammate).get(reverse("export-contacts-vcf") + f"?version={version}")
    data = b"".join(response.streaming_content)
    assert data.count(b"BEGIN:VCARD") == 2
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    Contact.all_objects.all().delete()
    Company.all_objects.all().delete()
    outcomes = vcard_import(data=data, by=teammate)
    assert [o.status for o in outcomes] == ["created", "created"]
    assert _snapshot(Contact.objects.all()) == before


def test_import_matches_an_existing_contact_by_email_instead_of_duplicating(teammate):
    existing = make_contact(by=teammate, first_name="Ann", last_name="Lee", emails=["ann@example.com"])
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\nTITLE:CEO\r\n"
            "EMAIL;TYPE=INTERNET,HOME:ANN@example.com\r\nEMAIL:ann.lee@work.example\r\n"
            "TEL;TYPE=CELL:+44 20 7946 0018\r\nEND:VCARD\r\n")
    outcomes = vcard_import(data=card, by=teammate)
    assert [(o.status, o.contact_id) for o in outcomes] == [("updated", existing.pk)]
    assert Contact.objects.count() == 1
    existing.refresh_from_db()
    assert existing.title == "CEO"
    assert sorted(e.email for e in existing.emails.all()) == ["ann.lee@work.example", "ann@example.com"]
    assert [p.number for p in existing.phones.all()] == ["+442079460018"]
    again = vcard_import(data=card, by=teammate)
    assert again[0].status == "unchanged"


def test_malformed_card_gets_a_sentence_and_writes_nothing(teammate):
    data = ("BEGIN:VCARD\nVERSION:3.0\nN:Good;Gina\nEMAIL:gina@example.com\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nN:Bad;Bob\nEMAIL:bob@\nORG:Never Created Ltd\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nthis line has no colon\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nNOTE:nobody\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nN:Cut;Carl\n")
    outcomes = vcard_import(data=data, by=teammate)
    assert [o.status for o in outcomes] == ["created", "rejected", "rejected", "rejected", "rejected"]
    assert outcomes[1].message.startswith("Card 2 (Bob Bad) was not imported: the email 'bob@' is not valid")
    assert outcomes[2].message == ("Card 3 could not be read: the line 'this line has no colon' has no ':' between "
                                   "the property name and its value.")
    assert outcomes[3].message == "Card 4 has neither a name (N or FN) nor an email address; add one of them."
    assert outcomes[4].message == "Card 5 has no END:VCARD line; the file may be cut short."
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Good"]
    assert not Company.objects.filter(name="Never Created Ltd").exists()


def test_a_file_without_cards_is_refused_with_a_sentence(teammate, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.vcf", b"\x00\x01binary\x00", content_type="text/vcard")
    response = client_for(teammate).post(reverse("vcard-import"), {"file": upload})
    assert response.status_code == 422
    assert "This is not a vCard file" in response.content.decode()
    empty = SimpleUploadedFile("x.vcf", b"hello", content_type="text/vcard")
    response = client_for(teammate).post(reverse("vcard-import"), {"file": empty})
    assert response.status_code == 422 and "no BEGIN:VCARD line" in response.content.decode()


def test_readonly_user_cannot_import(readonly, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.vcf", b"BEGIN:VCARD\nFN:A B\nEND:VCARD\n")
    response = client_for(readonly).post(reverse("vcard-import"), {"file": upload})
    assert response.status_code == 403
    assert Contact.objects.count() == 0


def test_import_page_shows_each_card_outcome(teammate, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.vcf", b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoe Park\r\n"
                                         b"TEL;VALUE=uri;TYPE=cell:tel:+1-202-555-0143\r\nEND:VCARD\r\n")
    response = client_for(teammate).post(reverse("vcard-import"), {"file": upload})
    assert response.status_code == 200
    assert "Card 1 (Zoe Park) was added." in response.content.decode()
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.phone) == ("Zoe", "Park", "+12025550143")
    assert contact.phones.get().kind == "mobile"


def test_single_contact_vcard_is_404_for_an_outsider(teammate, outsider, client_for):
    contact = make_contact(by=teammate, first_name="Private", last_name="Person")
    assert client_for(outsider).get(reverse("contact-vcard", args=[contact.pk])).status_code == 404
    response = client_for(teammate).get(reverse("contact-vcard", args=[contact.pk]))
    assert response.status_code == 200
    cards = vcard_parse(response.content)
    assert (cards[0].first_name, cards[0].last_name) == ("Private", "Person")


def test_vcard_of_writes_types_and_pref(teammate):
    contact = make_contact(by=teammate, first_name="T", last_name="Y", emails=["t@example.com"],
                           phones=[{"number": "+4930123456", "kind": "mobile"}])
    text = vcard_of(contact, "4.0")
    assert "EMAIL;TYPE=work;PREF=1:t@example.com\r\n" in text
    assert 'TEL;VALUE=uri;TYPE="cell";PREF=1:tel:+4930123456\r\n' in text
    text3 = vcard_of(contact, "3.0")
    assert "EMAIL;TYPE=internet,work,pref:t@example.com\r\n" in text3
    assert "TEL;TYPE=cell,pref:+4930123456\r\n" in text3
