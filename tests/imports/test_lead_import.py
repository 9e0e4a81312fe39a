"""Importing leads: the person by email (new emails create the contact with the lead), company, product, deal, undo."""

from __future__ import annotations

from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Company, Contact, ContactEmail
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.sales.models import Lead
from rapport.search.models import SearchEntry
from tests.factories import make_company, make_contact, make_deal, make_product
from tests.imports.helpers import make_job

HEADER = "First Name,Last Name,Email,Company,Lead Status,Lead Source,Product,Lead ID\n"


def run(job):
    return import_run(job.pk)


def test_crm_lead_headers_are_mapped(admin):
    job = make_job(admin, HEADER + "Ada,L,a@example.com,Acme,Open,Web,,00Q1\n", target="leads")
    assert job.mapping == {
        "0": "first_name",
        "1": "last_name",
        "2": "email",
        "3": "company",
        "4": "status",
        "5": "source",
        "6": "product",
        "7": "external_id",
    }


def test_leads_match_existing_contacts_by_email_and_create_new_people_with_the_lead(admin):
    ada = make_contact(by=admin, first_name="Ada", last_name="Lovelace", emails=["ada@example.com"])
    acme = make_company(by=admin, name="Acme", domain="acme.com")
    product = make_product(by=admin, sku="WIDGET-1")
    text = HEADER + (
        "Ada,Other Name,ADA@example.com,,Working - Contacted,Trade Show,WIDGET-1,L1\n"
        "Bob,Builder,bob@acme.com,acme.com,,,,L2\n"
        "Cy,Newco,cy@newco.example,Newco Ltd,Qualified,Partner Referral,,L3\n"
        "Cy,Again,cy@newco.example,Newco Ltd,,,,L4\n"
    )
    job = run(make_job(admin, text, target="leads"))
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (4, 0, 0, 0)
    first = Lead.objects.get(contact=ada)
    assert (first.status, first.source, first.product, first.owner) == ("working", "event", product, admin)
    ada.refresh_from_db()
    assert ada.last_name == "Lovelace"  # the lead points at the contact; it never rewrites the person
    bob = Contact.objects.get(email="bob@acme.com")
    assert (bob.first_name, bob.company, bob.lifecycle_stage, bob.owner) == ("Bob", acme, "lead", admin)
    assert Lead.objects.get(contact=bob).source == "import"
    cy = Contact.objects.get(email="cy@newco.example")
    assert Lead.objects.filter(contact=cy).count() == 2
    assert Contact.objects.filter(emails__email="cy@newco.example").count() == 1
    assert cy.company.name == "Newco Ltd"
    assert Company.objects.filter(name="Newco Ltd").count() == 1
    assert SearchEntry.objects.get(kind="lead", object_id=first.pk).title == "Ada Lovelace"
    assert SearchEntry.objects.get(kind="contact", object_id=bob.pk).text == "Bob Builder bob@acme.com"
    assert TimelineEvent.objects.filter(lead=first, kind="imported").count() == 1


def test_unknown_product_deal_and_choices_are_rejected_with_reasons(admin, pipeline):
    text = "Email,Product,Deal,Lead Status,Lead Source,Score\n" + (
        "a@example.com,NOPE-1,,,,\n"
        "b@example.com,,No such deal,,,\n"
        "c@example.com,,,Sleeping,,\n"
        "d@example.com,,,,Carrier pigeon,\n"
        "e@example.com,,,,,1.5\n"
        "not-an-email,,,,,\n"
        ",,,,,\n"
        "f@example.com,,,Closed - Converted,,\n"
    )
    report = import_dry_run(job=make_job(admin, text, target="leads"), by=admin)
    reasons = {r["row"]: r["reason"] for r in report["rejections"]}
    assert reasons[2] == "Product: There is no product with SKU 'NOPE-1'; add it under Products or fix the SKU."
    assert reasons[3] == (
        "Deal: There is no deal with the external id or name 'No such deal'; import the deals first or fix it."
    )
    assert reasons[4].startswith("Lead Status: Lead status 'Sleeping' is not one of: new, working, nurturing")
    assert reasons[5].startswith("Lead Source: Lead source 'Carrier pigeon' is not one of: web_form, import")
    assert reasons[6] == "Score: Score must be a whole number (it is '1.5')."
    assert reasons[7] == "Email: 'not-an-email' is not a valid email address; write it like name@example.com."
    assert reasons[9] == (
        "A converted lead needs the deal it became; map a Deal column or import it with another status."
    )
    assert len(reasons) == 7
    assert (report["rows"], report["created"]) == (7, 0)


def test_a_converted_lead_links_its_deal_by_external_id_or_name(admin, pipeline):
    deal = make_deal(by=admin, pipeline=pipeline, name="Big deal")
    job = run(make_job(admin, "Email,Lead Status,Deal\nz@example.com,Converted,Big deal\n", target="leads"))
    lead = Lead.objects.get()
    assert (job.created_count, lead.status, lead.deal, lead.converted_at is not None) == (
        1,
        "converted",
        deal,
        True,
    )


def test_update_by_external_id_and_undo_restore_the_database_exactly(admin):
    run(make_job(admin, HEADER + "Ada,L,ada@example.com,,New,,,L1\n", target="leads"))
    lead = Lead.objects.get()
    before = {
        f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields if f.name != "updated_at"
    }
    counts = (
        Lead.all_objects.count(),
        Contact.all_objects.count(),
        Company.all_objects.count(),
        ContactEmail.objects.count(),
        SearchEntry.objects.count(),
        TimelineEvent.objects.count(),
    )
    text = (
        "Lead ID,Lead Status,Score,Email,Company\nL1,Nurturing,42,,\nL9,New,,new@example.com,Brand New Co\n"
    )
    job = run(make_job(admin, text, target="leads"))
    assert (job.created_count, job.updated_count) == (1, 1)
    lead.refresh_from_db()
    assert (lead.status, lead.score) == ("nurturing", 42)
    assert import_undo(job=job, by=admin) == {"deleted": 3, "trashed": 0, "restored": 1}
    lead.refresh_from_db()
    assert {
        f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields if f.name != "updated_at"
    } == {**before, "version": 3}
    # The timeline is immutable: the updated lead keeps the import's change and the undo as two events.
    assert (
        Lead.all_objects.count(),
        Contact.all_objects.count(),
        Company.all_objects.count(),
        ContactEmail.objects.count(),
        SearchEntry.objects.count(),
        TimelineEvent.objects.count(),
    ) == (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5] + 2)


def test_undo_moves_a_contact_created_with_a_lead_and_used_since_to_the_trash(admin, pipeline):
    job = run(make_job(admin, "Email\nkept@example.com\ngone@example.com\n", target="leads"))
    kept = Contact.objects.get(email="kept@example.com")
    make_deal(by=admin, pipeline=pipeline, contact=kept)
    assert import_undo(job=job, by=admin) == {"deleted": 3, "trashed": 1, "restored": 0}
    assert Contact.all_objects.get(pk=kept.pk).deleted_at is not None
    assert not Contact.all_objects.filter(email="gone@example.com").exists()
    assert Lead.all_objects.count() == 0


def test_outsider_cannot_attach_leads_to_another_teams_contact_company_or_owner(teammate, outsider):
    theirs = make_contact(by=teammate, emails=["tom.lead@example.com"])
    their_company = make_company(by=teammate, name="Team A Corp")
    job = run(
        make_job(
            outsider,
            "Email,Company,Lead Owner\n"
            f"tom.lead@example.com,Team A Corp,\nnew@example.com,,{teammate.username}\n",
            target="leads",
        )
    )
    # For the outsider the other team's person and company are not there: the lead brings its own,
    # exactly as for an email and a company name never seen, and no row says that they exist.
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert list(ImportRow.objects.filter(job=job).values_list("reason", flat=True)) == [
        f"Lead Owner: You can give leads only to yourself, not to '{teammate.username}'; leave the owner empty, or ask a manager or an administrator to do it.",
    ]
    lead = Lead.objects.get()
    assert (lead.owner, lead.contact.owner, lead.company.owner) == (outsider, outsider, outsider)
    assert (lead.contact.email, lead.company.name) == ("tom.lead@example.com", "Team A Corp")
    assert lead.contact_id != theirs.pk and lead.company_id != their_company.pk
    assert not Lead.objects.filter(contact=theirs).exists()
    theirs.refresh_from_db()
    assert (theirs.owner, theirs.version) == (teammate, 1)


def test_a_second_import_of_the_same_leads_links_to_what_the_first_created_not_the_hidden_records(
    teammate, outsider
):
    make_contact(by=teammate, emails=["tom.lead@example.com"])
    make_company(by=teammate, name="Team A Corp")
    run(make_job(outsider, "Email,Company\ntom.lead@example.com,Team A Corp\n", target="leads"))
    first = Lead.objects.get()
    run(make_job(outsider, "Email,Company\ntom.lead@example.com,Team A Corp\n", target="leads"))
    second = Lead.objects.exclude(pk=first.pk).get()
    assert (second.contact_id, second.company_id) == (first.contact_id, first.company_id)
    # One of each for the teammate and one for the outsider, who never learns of the teammate's.
    assert Contact.objects.filter(email="tom.lead@example.com").count() == 2
    assert Company.objects.filter(name="Team A Corp").count() == 2
