"""A contacts file's own Email column as mail clients write people ("Jane Doe <jane@…>", which also gives
the name), several addresses and numbers in Other emails / Other phones (as Rapport's own export writes
them), and the Home and Other phone columns of Salesforce and Outlook exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from rapport.contacts.models import Contact, ContactEmail, ContactPhone
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.imports.services.values import person_name
from tests.factories import make_contact
from tests.imports.helpers import make_job

pytestmark = pytest.mark.django_db


def _people() -> dict[str, tuple[str, str, list[str]]]:
    return {c.email: (c.first_name, c.last_name, sorted(e.email for e in c.emails.all()))
            for c in Contact.objects.prefetch_related("emails")}


@pytest.mark.parametrize(("cell", "name"), [
    ("Jane Doe <jane@example.com>", "Jane Doe"),
    ('"Doe, Jane" <jane@example.com>', "Doe, Jane"),
    ("Doe, Jane <jane@example.com>", "Doe, Jane"),
    ("jane@example.com (Jane Doe)", "Jane Doe"),
    ("Jane Doe (jane@example.com)", "Jane Doe"),
    ("<jane@example.com>", ""),
    ("jane@example.com <jane@example.com>", ""),
])
def test_person_name_reads_the_name_mail_clients_write_beside_the_address(cell, name):
    assert person_name(cell) == name


def test_an_email_column_of_mail_style_people_gives_address_and_name(admin):
    out = io.StringIO()
    csv.writer(out).writerows([["Email"], ["Jane Doe <Jane@Example.com>"], ['"Berg, Anna" <anna@example.com>'],
                               ["Oneil, John <john@example.com>"], ["li@example.com (Li Wei)"], ["plain@example.com"]])
    job = make_job(admin, out.getvalue())
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (5, 0)
    import_run(job.pk)
    assert _people() == {
        "jane@example.com": ("Jane", "Doe", ["jane@example.com"]),
        "anna@example.com": ("Anna", "Berg", ["anna@example.com"]),
        "john@example.com": ("John", "Oneil", ["john@example.com"]),
        "li@example.com": ("Li", "Wei", ["li@example.com"]),
        "plain@example.com": ("", "", ["plain@example.com"]),
    }


def test_name_columns_win_over_the_name_in_the_email_cell(admin):
    job = make_job(admin, "First Name,Last Name,Email\nJanet,Doe-Smith,Jane Doe <jane@example.com>\n")
    import_run(job.pk)
    assert _people() == {"jane@example.com": ("Janet", "Doe-Smith", ["jane@example.com"])}


def test_two_people_in_the_email_column_are_refused_with_a_sentence(admin):
    job = make_job(admin, 'Name,Email\nJane,"Jane <jane@example.com>; Bob <bob@example.com>"\n')
    report = import_dry_run(job=job, by=admin)
    assert report["rejected"] == 1
    assert report["rejections"][0]["reason"] == (
        "Email: 'Jane <jane@example.com>; Bob <bob@example.com>' holds 2 email addresses; keep one person per "
        "cell: write the address of the one this row is about.")


def test_a_salesforce_export_keeps_home_and_other_phones_with_their_kinds(admin):
    text = ("First Name,Last Name,Email,Phone,Home Phone,Mobile,Other Phone\n"
            "Ines,Roth,ines@example.de,030 1234567,030 7654321,0151 2345678,030 5555555\n")
    job = make_job(admin, text)
    assert [job.mapping.get(str(i)) for i in range(3, 7)] == ["phone", "home_phone", "mobile", "other_phones"]
    import_job_configure(job=job, by=admin, options={"default_country": "DE"})
    import_run(job.pk)
    phones = list(ContactPhone.objects.order_by("-is_primary", "id").values_list("number", "kind", "is_primary"))
    assert phones == [("+49301234567", "work", True), ("+49307654321", "home", False),
                      ("+491512345678", "mobile", False), ("+49305555555", "other", False)]


def test_several_other_emails_and_phones_in_one_cell_each_count(admin):
    text = ("Email,Other emails,Other phones\n"
            'ines@example.de,"ines@home.example, Ines R <ines.r@mail.example>",+49 30 1111111; +49 30 2222222\n')
    job = make_job(admin, text)
    import_run(job.pk)
    contact = Contact.objects.get()
    assert list(contact.emails.order_by("-is_primary", "id").values_list("email", flat=True)) == [
        "ines@example.de", "ines@home.example", "ines.r@mail.example"]
    assert list(contact.phones.order_by("id").values_list("number", "kind")) == [
        ("+49301111111", "other"), ("+49302222222", "other")]


def test_a_bad_number_among_other_phones_rejects_the_row_and_names_the_column(admin):
    job = make_job(admin, "Email,Other phones\nines@example.de,+49 30 1111111; 12\n")
    report = import_dry_run(job=job, by=admin)
    assert report["rejected"] == 1
    assert report["rejections"][0]["reason"].startswith("Other phones: ")
    assert not Contact.objects.exists()


def test_an_export_imports_back_with_every_email_and_phone(teammate, client_for):
    make_contact(by=teammate, first_name="Ines", last_name="Roth", country="DE",
                 emails=["ines@example.de", {"email": "ines@home.example", "kind": "personal"}],
                 phones=[{"number": "+49 30 1111111", "kind": "work"}, {"number": "+49 151 2345678", "kind": "mobile"},
                         {"number": "+49 30 2222222", "kind": "home"}],
                 street="Torstraße 12", city="Berlin", postal_code="10119")
    exported = b"".join(client_for(teammate).get(reverse("export-contacts")).streaming_content)
    header = next(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    before = (set(ContactEmail.objects.values_list("email", flat=True)),
              set(ContactPhone.objects.values_list("number", flat=True)))
    Contact.all_objects.all().delete()
    job = make_job(teammate, exported, name="rapport-contacts.csv")
    mapped = {header[int(i)]: field for i, field in job.mapping.items()}
    assert mapped["Other emails"] == "email_2" and mapped["Other phones"] == "other_phones"
    assert mapped["Street"] == "street" and mapped["Postal code"] == "postal_code"
    import_run(job.pk)
    contact = Contact.objects.get()
    after = (set(contact.emails.values_list("email", flat=True)), set(contact.phones.values_list("number", flat=True)))
    assert after == before
    assert (contact.first_name, contact.street, contact.postal_code, contact.country) == (
        "Ines", "Torstraße 12", "10119", "DE")
