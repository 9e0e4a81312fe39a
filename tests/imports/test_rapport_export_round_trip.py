"""A Rapport export edited in a spreadsheet and imported again updates the records it came from: the file is
recognised by its headers, its ID column maps to Rapport ID and the match key follows. Only records the
user may see match, and when the row's Created day is not the record's (another Rapport's export), the row
is not taken for that record."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.contacts.models import Company, Contact
from rapport.imports.choices import MatchKey
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run, import_undo
from rapport.imports.services.rapport_ids import rapport_id_parse
from rapport.sales.models import Deal
from tests.factories import make_company, make_contact, make_deal
from tests.imports.helpers import make_job

pytestmark = pytest.mark.django_db


def _exported(client, name: str) -> list[list[str]]:
    data = b"".join(client.get(reverse(f"export-{name}")).streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data)))


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_an_edited_deals_export_updates_its_deals_instead_of_duplicating_them(teammate, client_for, pipeline):
    deal = make_deal(by=teammate, pipeline=pipeline, name="Espresso bar", amount="1000.00")
    other = make_deal(by=teammate, pipeline=pipeline, name="Grinder", amount="300.00")
    rows = _exported(client_for(teammate), "deals")
    header = rows[0]
    amount = header.index("Amount")
    for row in rows[1:]:
        if row[0] == str(deal.pk):
            row[amount] = "1250.00"
    job = make_job(teammate, _csv(rows), name="deals-edited.csv", target="deals")
    assert job.mapping["0"] == "rapport_id" and job.match_key == MatchKey.RAPPORT_ID
    report = import_dry_run(job=job, by=teammate)
    assert (report["created"], report["updated"], report["skipped"]) == (0, 1, 1)
    done = import_run(job.pk)
    assert (done.created_count, done.updated_count) == (0, 1)
    assert Deal.objects.count() == 2
    deal.refresh_from_db()
    other.refresh_from_db()
    assert (str(deal.amount), str(other.amount)) == ("1250.00", "300.00")
    import_undo(job=done, by=teammate)
    deal.refresh_from_db()
    assert str(deal.amount) == "1000.00"


def test_an_edited_contacts_export_updates_by_id_even_when_the_email_changed(teammate, client_for):
    contact = make_contact(by=teammate, first_name="Ines", last_name="Roth", emails=["ines@old.example"])
    rows = _exported(client_for(teammate), "contacts")
    email = rows[0].index("Email")
    rows[1][email] = "ines@new.example"
    rows[1][rows[0].index("City")] = "Berlin"
    job = make_job(teammate, _csv(rows), name="contacts-edited.csv")
    assert job.mapping["0"] == "rapport_id" and job.match_key == MatchKey.RAPPORT_ID
    done = import_run(job.pk)
    assert (done.created_count, done.updated_count) == (0, 1)
    contact.refresh_from_db()
    assert contact.city == "Berlin"
    assert sorted(contact.emails.values_list("email", flat=True)) == ["ines@new.example", "ines@old.example"]


def test_another_rapports_export_does_not_change_the_records_its_ids_name_here(teammate, client_for):
    company = make_company(by=teammate, name="Here GmbH", domain="here.example")
    rows = [["ID", "Name", "Domain", "Industry", "Size", "Phone", "Street", "City", "Created", "Updated"],
            [str(company.pk), "There Ltd", "there.example", "", "", "", "", "London", "2019-03-04 10:00:00",
             "2019-03-05 10:00:00"]]
    job = make_job(teammate, _csv(rows), name="companies-elsewhere.csv", target="companies")
    assert job.match_key == MatchKey.RAPPORT_ID
    done = import_run(job.pk)
    assert (done.created_count, done.updated_count) == (1, 0)
    company.refresh_from_db()
    assert company.name == "Here GmbH"
    assert Company.objects.filter(name="There Ltd", city="London").exists()


def test_an_id_of_a_record_the_user_may_not_see_matches_nothing(teammate, outsider):
    theirs = make_contact(by=outsider, first_name="Olga", last_name="Other", emails=["olga@example.com"])
    job = make_job(teammate, f"ID,First name,Last name,Email\n{theirs.pk},Olga,Changed,olga@mine.example\n")
    job = import_job_configure(job=job, by=teammate, mode="update", match_key=MatchKey.RAPPORT_ID,
                               mapping={"0": "rapport_id", "1": "first_name", "2": "last_name", "3": "email"})
    report = import_dry_run(job=job, by=teammate)
    assert report["skipped"] == 1 and report["updated"] == 0
    import_run(job.pk)
    theirs.refresh_from_db()
    assert theirs.last_name == "Other"


@pytest.mark.parametrize(("cell", "value"), [("1234", 1234), ("#1234", 1234), ("1234.0", 1234)])
def test_rapport_id_cells_as_spreadsheets_write_them(cell, value):
    assert rapport_id_parse(cell) == value


@pytest.mark.parametrize("cell", ["abc", "-3", "0", "12.5", "9" * 30])
def test_a_cell_that_is_no_rapport_id_is_refused_with_what_it_should_be(cell):
    with pytest.raises(ValidationError) as exc:
        rapport_id_parse(cell)
    assert exc.value.messages == [f"{cell!r} is not a Rapport ID; it is the number in the ID column of a Rapport "
                                  "export. Leave it empty for a new record."]


def test_updating_by_rapport_id_needs_the_column(admin):
    job = make_job(admin, "First name,Email\nAda,ada@example.com\n")
    with pytest.raises(ValidationError, match="map a column \\(the export's ID\\) to Rapport ID"):
        import_job_configure(job=job, by=admin, mode="update", match_key=MatchKey.RAPPORT_ID)


def test_a_file_of_another_crm_with_an_id_column_keeps_it_as_external_id(admin):
    job = make_job(admin, "ID,First Name,Last Name,Email\n0031,Ada,Lovelace,ada@example.com\n")
    assert job.mapping["0"] == "external_id" and job.match_key == MatchKey.EMAIL
    assert Contact.objects.count() == 0


def test_an_unchanged_export_changes_nothing_even_with_two_companies_of_one_name(teammate, client_for, pipeline):
    first = make_company(by=teammate, name="Horizon Partners SA")
    second = make_company(by=teammate, name="Horizon Partners SA")  # a namesake, e.g. a duplicate not merged yet
    contact = make_contact(by=teammate, first_name="Julie", last_name="Bertin", company=second)
    deal = make_deal(by=teammate, pipeline=pipeline, name="Service plan", company=second, contact=contact)
    client = client_for(teammate)
    for target, record in (("contacts", contact), ("deals", deal)):
        job = make_job(teammate, _csv(_exported(client, target)), name=f"{target}.csv", target=target)
        report = import_dry_run(job=job, by=teammate)
        assert (report["updated"], report["skipped"], report["rejected"]) == (0, 1, 0), target
        import_run(job.pk)
        record.refresh_from_db()
        assert record.company_id == second.pk != first.pk


def test_a_row_naming_another_company_still_moves_the_record(teammate, client_for):
    make_company(by=teammate, name="Old GmbH")
    contact = make_contact(by=teammate, first_name="Julie", last_name="Bertin",
                           company=make_company(by=teammate, name="Old GmbH"))
    new = make_company(by=teammate, name="New AG")
    rows = _exported(client_for(teammate), "contacts")
    rows[1][rows[0].index("Company")] = "new ag"
    import_run(make_job(teammate, _csv(rows), name="contacts.csv").pk)
    contact.refresh_from_db()
    assert contact.company_id == new.pk


def test_a_leads_export_keeps_each_lead_on_its_own_deal_of_an_ambiguous_name(teammate, client_for, pipeline):
    from rapport.sales.models import Lead
    from tests.factories import make_lead

    make_deal(by=teammate, pipeline=pipeline, name="Machine upgrade")
    second = make_deal(by=teammate, pipeline=pipeline, name="Machine upgrade")
    lead = make_lead(by=teammate)
    Lead.objects.filter(pk=lead.pk).update(deal=second)
    rows = _exported(client_for(teammate), "leads")
    assert rows[1][rows[0].index("Deal")] == "Machine upgrade"
    job = make_job(teammate, _csv(rows), name="leads.csv", target="leads")
    report = import_dry_run(job=job, by=teammate)
    assert (report["updated"], report["skipped"], report["rejected"]) == (0, 1, 0)
    # A new row (no ID) naming the ambiguous deal is still refused with what to do.
    rows.append(["", *rows[1][1:]])
    rows[2][rows[0].index("Contact email")] = "someone.new@example.com"
    again = import_dry_run(job=make_job(teammate, _csv(rows), name="leads2.csv", target="leads"), by=teammate)
    assert again["rejected"] == 1
    assert "Several deals are called 'Machine upgrade'" in again["rejections"][0]["reason"]
