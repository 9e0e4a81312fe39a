"""Names with accents meet themselves, in any case, on both databases: a re-imported 'Müller & Söhne GmbH'
links to the company already there instead of becoming a second one (SQLite's built-in UPPER folded only
A-Z; rapport.core.sqlite_functions gives it Python's case rules)."""

from __future__ import annotations

from django.db import connection

from rapport.activities.models import Activity
from rapport.contacts.models import Company, Contact
from rapport.core.sqlite_functions import CaseFold
from rapport.imports.services import db
from rapport.imports.services.jobs import import_run
from tests.factories import make_company, make_contact, make_deal
from tests.imports.helpers import make_job


def test_the_database_folds_case_as_python_does(admin):
    make_company(by=admin, name="Müller & Söhne, Ærø, Łódź")
    assert list(Company.objects.annotate(key=CaseFold("name")).values_list("key", flat=True)) == [
        "MÜLLER & SÖHNE, ÆRØ, ŁÓDŹ"]
    assert list(Company.objects.annotate(key=CaseFold("name")).filter(key="MÜLLER & SÖHNE, ÆRØ, ŁÓDŹ")
                .values_list("name", flat=True)) == ["Müller & Söhne, Ærø, Łódź"]


def test_contacts_naming_an_accented_company_in_any_case_link_to_it(admin):
    muller = make_company(by=admin, name="Müller & Söhne GmbH")
    job = import_run(make_job(admin, "First Name,Last Name,E-mail Address,Account Name\n"
                                     "Jürgen,Müller,j@mueller.de,Müller & Söhne GmbH\n"
                                     "Anke,Roth,a@mueller.de,MÜLLER & SÖHNE GMBH\n"
                                     "Éric,Roux,e@mueller.de,müller & söhne gmbh\n", mode="create").pk)
    assert job.created_count == 3
    assert Company.all_objects.filter(name__icontains="hne").count() == 1
    assert set(Contact.objects.values_list("company_id", flat=True)) == {muller.pk}


def test_a_company_file_imported_twice_updates_its_accented_companies(admin):
    rows = "Account Name,City\nCafé Français,Lyon\nÖkobäckerei Groß,Köln\n"
    first = import_run(make_job(admin, rows, target="companies", mode="create_or_update").pk)
    assert first.created_count == 2
    again = import_run(make_job(admin, rows.replace("Lyon", "Paris").replace("Café Français", "CAFÉ FRANÇAIS"),
                                target="companies", mode="create_or_update").pk)
    assert (again.created_count, again.updated_count, again.skipped_count) == (0, 1, 1)
    assert Company.all_objects.count() == 2
    assert Company.objects.get(name="CAFÉ FRANÇAIS").city == "Paris"  # the row's spelling and city, one company


def test_an_activity_finds_its_accented_deal_and_company_by_name(admin, pipeline):
    company = make_company(by=admin, name="Ökobäckerei Groß")
    deal = make_deal(by=admin, pipeline=pipeline, name="Érneuerung Wartung")
    contact = make_contact(by=admin, first_name="Ida", emails=["ida@example.com"])
    job = import_run(make_job(admin, "Subject,Deal,Company,Contact Email\n"
                                     "Anruf,ÉRNEUERUNG WARTUNG,ökobäckerei groß,ida@example.com\n",
                              target="activities").pk)
    assert (job.created_count, job.rejected_count) == (1, 0)
    activity = Activity.objects.get()
    assert (activity.deal_id, activity.company_id, activity.contact_id) == (deal.pk, company.pk, contact.pk)


def test_the_company_name_index_serves_accented_names_and_stays_consistent(admin):
    company = make_company(by=admin, name="Straße & Söhne")
    assert db.names_find("contacts_company", ["straße & söhne", "STRASSE & SÖHNE"]) == [
        (company.pk, "STRASSE & SÖHNE")]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN SELECT id FROM contacts_company WHERE rapport_upper(name) = 'X'")
            assert "company_name_upper" in " ".join(str(r[-1]) for r in cursor.fetchall())
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchall() == [("ok",)]


def test_a_company_typed_in_another_case_on_a_contact_form_or_in_a_vcard_is_the_existing_one(admin, client_for):
    from django.urls import reverse

    from rapport.imports.services.vcard import vcard_import

    muller = make_company(by=admin, name="Müller & Söhne GmbH")
    # The index serves the comparison on both databases.
    assert Company.objects.filter(name__uiexact="MÜLLER & SÖHNE GMBH").get() == muller
    assert not Company.objects.filter(name__uiexact="Müller & Söhne").exists()
    response = client_for(admin).post(reverse("contact-create"), {
        "first_name": "Jürgen", "last_name": "Müller", "company_name": "MÜLLER & SÖHNE GMBH",
        "lifecycle_stage": "lead", "owner": admin.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contact.objects.get(first_name="Jürgen").company == muller
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anke Roth\r\nN:Roth;Anke;;;\r\nORG:MÜLLER & SÖHNE GMBH\r\n" \
           "EMAIL:anke@mueller.de\r\nEND:VCARD\r\n"
    vcard_import(data=card.encode("utf-8"), by=admin)
    assert Contact.objects.get(first_name="Anke").company == muller
    assert Company.all_objects.count() == 1


def test_a_team_or_pipeline_named_again_in_another_case_with_accents_is_refused(admin):
    import pytest
    from django.core.exceptions import ValidationError

    from rapport.accounts.services import team_create
    from rapport.sales.services.pipelines import pipeline_create

    team_create(by=admin, name="Übersee")
    with pytest.raises(ValidationError, match="There is already a team called 'ÜBERSEE'"):
        team_create(by=admin, name="ÜBERSEE")
    pipeline_create(by=admin, name="Großkunden")
    with pytest.raises(ValidationError):
        pipeline_create(by=admin, name="GROßKUNDEN")
