"""Importing companies: matching by web domain or name, outcome counts, rejections, search, timeline and undo."""

from __future__ import annotations

from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Company
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.search.models import SearchEntry
from tests.factories import make_company
from tests.imports.helpers import make_job

HEADER = (
    "Account Name,Website,Industry,Employees,Phone,Billing City,Billing Country,Account Owner,Account ID\n"
)


def run(job):
    return import_run(job.pk)


def test_salesforce_account_headers_are_mapped(admin):
    job = make_job(admin, HEADER + "Acme,acme.com,,,,,,,\n", target="companies")
    assert job.mapping == {
        "0": "name",
        "1": "domain",
        "2": "industry",
        "3": "size",
        "4": "phone",
        "5": "city",
        "6": "country",
        "7": "owner",
        "8": "external_id",
    }
    assert job.match_key == "domain"


def test_dry_run_counts_companies_and_writes_nothing(admin):
    make_company(by=admin, name="Old Name", domain="acme.com")
    text = HEADER + (
        "Acme,https://www.acme.com/about,Machinery,120,030 1234567,Berlin,Germany,,A-1\n"
        "Globex,globex.com,Energy,5,,Springfield,US,,A-2\n"
        "Broken,not a domain,,,,,,,A-3\n"
        "Initech,initech.com,,lots,,,,,A-4\n"
        "Globex Again,globex.com,,,,,,,A-5\n"
    )
    job = make_job(admin, text, target="companies", options={"default_country": "DE"})
    report = import_dry_run(job=job, by=admin)
    assert (report["rows"], report["created"], report["updated"], report["skipped"], report["rejected"]) == (
        5,
        1,
        2,
        0,
        2,
    )
    assert [r["row"] for r in report["rejections"]] == [4, 5]
    assert (
        report["rejections"][0]["reason"]
        == "Website: 'not a domain' is not a web domain; write it like example.com."
    )
    assert report["rejections"][1]["reason"].startswith("Employees: Size 'lots' is not one of: 1-9, 10-49")
    assert Company.all_objects.count() == 1


def test_run_creates_and_updates_companies_with_search_and_timeline(admin):
    existing = make_company(by=admin, name="Old Name", domain="acme.com")
    text = HEADER + (
        "Acme,https://www.acme.com/about,Machinery,120,030 1234567,Berlin,Germany,,A-1\n"
        "Globex,globex.com,Energy,5,,Springfield,US,,A-2\n"
        "Hooli,,,,,,,,A-3\n"
    )
    job = run(make_job(admin, text, target="companies", options={"default_country": "DE"}))
    assert job.status == JobStatus.DONE
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (2, 1, 0, 0)
    existing.refresh_from_db()
    assert (
        existing.name,
        existing.industry,
        existing.size,
        existing.phone,
        existing.city,
        existing.country,
        existing.version,
    ) == ("Acme", "Machinery", "50-249", "+49301234567", "Berlin", "DE", 2)
    globex = Company.objects.get(domain="globex.com")
    assert (globex.name, globex.size, globex.owner, globex.country) == ("Globex", "1-9", admin, "US")
    assert SearchEntry.objects.get(kind="company", object_id=globex.pk).text == "Globex globex.com"
    assert (
        SearchEntry.objects.get(kind="company", object_id=existing.pk).text
        == "Acme acme.com +49301234567 49301234567"
    )
    event = TimelineEvent.objects.get(company=globex)
    assert (event.kind, event.summary, event.data["row"]) == (
        "imported",
        "Imported from contacts.csv (row 3)",
        3,
    )
    assert Company.objects.filter(name="Hooli").count() == 1


def test_rows_without_domain_match_by_name_and_create_mode_skips_them(admin):
    make_company(by=admin, name="Hooli")
    job = run(
        make_job(
            admin,
            "Company Name,City\nHOOLI,Palo Alto\nPied Piper,Palo Alto\n",
            target="companies",
            mode="create",
        )
    )
    assert (job.created_count, job.skipped_count) == (1, 1)
    hooli = Company.objects.get(name="Hooli")
    assert (
        ImportRow.objects.get(job=job).reason
        == f"Duplicate: already in Rapport as company #{hooli.pk} (same name)."
    )


def test_external_id_updates_on_the_next_import(admin):
    run(make_job(admin, "Account ID,Account Name\n0011,Acme\n", target="companies", match_key="external_id"))
    job = run(
        make_job(
            admin,
            "Account ID,Industry\n0011,Robots\n",
            target="companies",
            mode="update",
            match_key="external_id",
        )
    )
    assert job.updated_count == 1
    assert Company.objects.get().industry == "Robots"


def test_parent_company_is_found_by_name_and_an_unknown_one_rejects_the_row(admin):
    parent = make_company(by=admin, name="Umbrella Holding", domain="umbrella.com")
    text = "Name,Parent Account\nUmbrella Labs,umbrella.com\nUmbrella Retail,Nowhere Inc\n"
    job = run(make_job(admin, text, target="companies"))
    assert Company.objects.get(name="Umbrella Labs").parent == parent
    assert ImportRow.objects.get(job=job).reason == (
        "Parent Account: There is no company 'Nowhere Inc' in Rapport or in this file; add or import it first, or "
        "fix the name, web domain or id."
    )


def test_undo_restores_updated_companies_and_deletes_created_ones_exactly(admin):
    existing = make_company(by=admin, name="Old Name", domain="acme.com", city="Paris", tags=["vip"])
    before = {
        f.name: getattr(existing, f.attname)
        for f in Company._meta.concrete_fields
        if f.name not in ("version", "updated_at")
    }
    counts = (Company.all_objects.count(), SearchEntry.objects.count(), TimelineEvent.objects.count())
    text = 'Name,Website,City,Tags\nAcme,acme.com,Berlin,"vip, partner"\nNew Co,new.example,Rome,new\n'
    job = run(make_job(admin, text, target="companies"))
    assert (job.created_count, job.updated_count) == (1, 1)
    summary = import_undo(job=job, by=admin)
    assert summary == {"deleted": 1, "trashed": 0, "restored": 1}
    existing.refresh_from_db()
    assert {
        f.name: getattr(existing, f.attname)
        for f in Company._meta.concrete_fields
        if f.name not in ("version", "updated_at")
    } == before
    assert sorted(existing.tags.values_list("name", flat=True)) == ["vip"]
    assert SearchEntry.objects.get(kind="company", object_id=existing.pk).text == "Old Name acme.com"
    assert (Company.all_objects.count(), SearchEntry.objects.count()) == counts[:2]
    # The undo leaves one event on the restored company saying so; the import's own events are gone.
    assert TimelineEvent.objects.count() == counts[2] + 2
    assert list(TimelineEvent.objects.filter(company=existing).values_list("summary", flat=True)[:1]) == [
        f"Changes of import #{job.pk} undone"
    ]


def test_rep_cannot_give_imported_companies_to_another_team(teammate, outsider):
    job = run(make_job(teammate, f"Name,Owner\nAcme,{outsider.username}\n", target="companies"))
    assert job.rejected_count == 1
    assert ImportRow.objects.get(job=job).reason == (
        f"Owner: You can give companies only to yourself, not to '{outsider.username}'; leave the owner empty, or ask a manager or an administrator to do it."
    )


def test_rows_matching_another_teams_company_are_skipped(teammate, outsider):
    theirs = make_company(by=outsider, name="Theirs", domain="theirs.com")
    job = run(make_job(teammate, "Name,Website\nMine now,theirs.com\n", target="companies"))
    assert job.skipped_count == 1
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_value_too_long_is_rejected_with_its_column(admin):
    job = run(make_job(admin, "Name,City\n" + "x" * 201 + ",Berlin\n", target="companies"))
    assert (
        ImportRow.objects.get(job=job).reason
        == "Name: Company name is too long (201 characters; at most 200)."
    )


def test_the_dry_run_lists_what_happens_to_each_row_that_meets_a_company(admin):
    acme = make_company(by=admin, name="Acme", domain="acme.com", industry="Robotics")
    job = make_job(admin, HEADER + "Acme,acme.com,Robotics,,,,,,\nAcme Corp,www.acme.com,Space,,,,,,\n"
                   "Nova,nova.io,,,,,,,\n", target="companies", mode="create_or_update")
    report = import_dry_run(job=job, by=admin)
    assert [(m["row"], m["id"], m["outcome"], m["changes"]) for m in report["matched"]] == [
        (2, acme.pk, "skipped", []),
        (3, acme.pk, "updated", ["name", "industry"]),
    ]
    assert report["matched"][0]["why"] == f"Company #{acme.pk} already has these values; nothing changed."
    assert "domain" in report["matched"][1]["why"]


def test_rows_updating_one_company_twice_get_the_same_verdicts_in_the_dry_run_and_the_run(admin):
    make_company(by=admin, name="Acme", domain="acme.com")
    job = make_job(admin, HEADER + "Acme,acme.com,Space,,,,,,\nAcme,acme.com,Space,,,,,,\nAcme,acme.com,Mining,,,,,,\n",
                   target="companies", mode="create_or_update")
    report = import_dry_run(job=job, by=admin)
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(2, "updated"), (3, "skipped"), (4, "updated")]
    job = run(job)
    assert (job.updated_count, job.skipped_count) == (report["updated"], report["skipped"]) == (2, 1)
