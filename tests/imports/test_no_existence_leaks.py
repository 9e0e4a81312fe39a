"""A row matching a record the importer may not see is skipped without naming it (no id, no owner)."""

from __future__ import annotations

from rapport.contacts.models import Company, Contact
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_run
from tests.factories import make_company, make_contact
from tests.imports.helpers import make_job


def _reasons(job):
    return list(ImportRow.objects.filter(job=job).values_list("reason", "object_id"))


def test_create_only_contacts_matching_another_teams_contact_are_skipped_unnamed(teammate, outsider, admin):
    make_contact(by=outsider, first_name="Olga", last_name="Out", emails=["olga@example.com"])
    job = import_run(make_job(teammate, "First Name,Email\nOlga,olga@example.com\n", mode="create").pk)
    assert (job.created_count, job.skipped_count) == (0, 1)
    assert _reasons(job) == [("Duplicate: already in Rapport as a contact you may not see (same email); ask a "
                              "manager to import this row.", None)]
    assert Contact.all_objects.count() == 1
    # An administrator sees every team's records: the same row names the contact.
    job = import_run(make_job(admin, "First Name,Email\nOlga,olga@example.com\n", mode="create").pk)
    olga = Contact.objects.get()
    assert _reasons(job) == [(f"Duplicate: already in Rapport as contact #{olga.pk} (same email).", olga.pk)]


def test_companies_of_another_team_are_never_named_in_create_or_update(teammate, outsider):
    theirs = make_company(by=outsider, name="Hooli", domain="hooli.com")
    text = "Company Name,Website,City\nHooli,hooli.com,Palo Alto\n"
    job = import_run(make_job(teammate, text, target="companies", mode="create").pk)
    assert _reasons(job) == [("Duplicate: already in Rapport as a company you may not see (same web domain); "
                              "ask a manager to import this row.", None)]
    job = import_run(make_job(teammate, text, target="companies", mode="create_or_update").pk)
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 1)
    assert _reasons(job) == [("Matches a company you may not see; ask a manager to import this row.", None)]
    theirs.refresh_from_db()
    assert theirs.city == ""
    assert Company.all_objects.filter(owner=outsider).count() == 1


def test_a_contact_is_never_linked_to_another_teams_company(teammate, outsider):
    theirs = make_company(by=outsider, name="Hooli")
    job = import_run(make_job(teammate, "First Name,Email,Account Name\nTom,tom@example.com,Hooli\n",
                              mode="create").pk)
    assert job.created_count == 1
    tom = Contact.objects.get(email="tom@example.com")
    assert tom.company_id != theirs.pk
    assert (tom.company.name, tom.company.owner_id) == ("Hooli", teammate.pk)
    # The rep's own Hooli is found by the next import; the other team's stays untouched.
    import_run(make_job(teammate, "First Name,Email,Account Name\nTim,tim@example.com,HOOLI\n", mode="create").pk)
    assert Contact.objects.get(email="tim@example.com").company_id == tom.company_id
    assert Company.objects.filter(name="Hooli").count() == 2


def test_a_deal_or_lead_does_not_take_its_contacts_company_when_the_importer_may_not_see_it(
        teammate, outsider, admin, pipeline):
    from rapport.sales.models import Deal, Lead

    theirs = make_company(by=outsider, name="Hooli")
    ours = make_company(by=teammate, name="Pied Piper")
    # An administrator linked the rep's contacts: one to another team's company, one to the rep's own.
    make_contact(by=teammate, emails=["gavin@example.com"], company=theirs)
    make_contact(by=teammate, emails=["richard@example.com"], company=ours)
    job = import_run(make_job(teammate, "Name,Contact Email\nBig deal,gavin@example.com\nSmall deal,"
                              "richard@example.com\n", target="deals").pk)
    assert (job.created_count, job.rejected_count) == (2, 0)
    assert dict(Deal.objects.values_list("name", "company_id")) == {"Big deal": None, "Small deal": ours.pk}
    job = import_run(make_job(teammate, "Email,Lead Source\ngavin@example.com,Web\nrichard@example.com,Web\n",
                              target="leads").pk)
    assert job.created_count == 2
    assert sorted(Lead.objects.values_list("company_id", flat=True), key=str) == sorted([None, ours.pk], key=str)
    # An administrator sees every company: the deal takes the contact's company.
    import_run(make_job(admin, "Name,Contact Email\nAdmin deal,gavin@example.com\n", target="deals").pk)
    assert Deal.objects.get(name="Admin deal").company_id == theirs.pk
