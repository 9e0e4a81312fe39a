"""Companies and people a contact or lead file names that Rapport does not have: created with the rows,
counted in the dry run as in the run (each once, whatever the batches), and undone with the rest."""

from __future__ import annotations

from rapport.contacts.models import Company, Contact
from rapport.imports.services import jobs
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from tests.factories import make_company, make_contact
from tests.imports.helpers import make_job


def created_companies(job):
    return sum(last - first + 1 for batch in job.batches.all()
               for first, last in (batch.created_ranges or {}).get("company", []))


def test_a_contact_file_counts_the_companies_it_brings_in_the_dry_run_as_the_run_makes_them(admin, monkeypatch):
    make_company(by=admin, name="Known AB")
    make_contact(by=admin, first_name="Old", emails=["old@example.com"])
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)  # the second "Nord Kran AB" is in another batch: counted once
    text = ("First Name,Last Name,Email,Account Name\n"
            "Ann,Lee,ann@example.com,Nord Kran AB\n"
            "Bo,Ek,bo@example.com,NORD KRAN AB\n"  # the same new company, in another case
            "Cy,Tan,cy@example.com,Known AB\n"  # a company Rapport has
            "Old,Timer,old@example.com,Sten Bygg AB\n"  # an update naming a new company
            "Di,Berg,di@example.com,\n")
    job = make_job(admin, text, mode="create_or_update")
    report = import_dry_run(job=job, by=admin)
    assert report["new_companies"] == 2
    assert not Company.all_objects.filter(name__in=["Nord Kran AB", "Sten Bygg AB"]).exists()
    job = import_run(job.pk, batch_rows=2)
    assert created_companies(job) == 2
    assert set(Company.objects.values_list("name", flat=True)) == {"Known AB", "Nord Kran AB", "Sten Bygg AB"}
    assert Contact.objects.get(first_name="Old").company.name == "Sten Bygg AB"
    # Undo removes the companies too, also the one only an updated contact named.
    import_undo(job=job, by=admin)
    assert set(Company.objects.values_list("name", flat=True)) == {"Known AB"}
    assert Contact.objects.get(first_name="Old").company_id is None


def test_a_lead_file_counts_new_companies_and_people_in_the_dry_run_as_the_run_makes_them(admin):
    make_contact(by=admin, first_name="Known", emails=["known@example.com"])
    text = ("First Name,Last Name,Email,Company,Lead ID\n"
            "Ann,Lee,ann@example.com,Lee Consulting,L-1\n"
            "Ann,Lee,ann@example.com,Lee Consulting,L-2\n"  # the same person and company again
            "Kay,Known,known@example.com,,L-3\n"  # a person Rapport has
            "Max,Mo,,Mo & Co,L-4\n")  # no email: a person of their own
    job = make_job(admin, text, target="leads")
    report = import_dry_run(job=job, by=admin)
    assert (report.get("new_companies"), report.get("new_contacts")) == (2, 2)
    contacts_before = Contact.objects.count()
    job = import_run(job.pk)
    assert created_companies(job) == 2
    assert Contact.objects.count() - contacts_before == 2


def test_the_import_page_shows_the_new_companies_in_the_dry_run_and_the_outcome(admin, client_for):
    from django.urls import reverse

    text = "First Name,Last Name,Email,Account Name\nAnn,Lee,ann@example.com,Nord Kran AB\nBo,Ek,bo@example.com,Sten AB\n"
    job = make_job(admin, text)
    client = client_for(admin)
    import_dry_run(job=job, by=admin)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert '<div class="new-companies"><span class="muted">New companies</span><strong>2</strong>' in page
    import_run(job.pk)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "It also created 2 companies the file named and Rapport did not have; undo removes them with the rest." in page
    import_undo(job=job, by=admin)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "New companies" not in page and not Company.objects.exists()
