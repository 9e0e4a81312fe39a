"""A Salesforce accounts export names parent accounts the same file brings: by name, web domain or the
parent's account id. A parent above its subsidiaries is found in the dry run and the import alike (in the
same batch too); a new company whose parent is further down waits for it and gets it when the last row is
in (also after a resume), and the outcome says so; an update cannot wait and is refused with what to do."""

from __future__ import annotations

import pytest

from rapport.contacts.models import Company
from rapport.imports.models import ImportJob, ImportRow
from rapport.imports.services import jobs
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.imports.services.rejected import rejected_rows_csv
from tests.imports.helpers import make_job

ACCOUNTS = (
    "Account ID,Account Name,Website,Parent Account\n"
    "001A,Edge Communications,edgecomm.com,\n"
    "001B,Edge Europe,edge.eu,Edge Communications\n"  # by name
    "001C,Edge Paris,edge.fr,edge.eu\n"  # by web domain, a parent that itself has one
    "001D,Edge Lyon,,001C\n"  # by the parent's account id
    "001E,Orphan Ltd,orphan.example,Nobody Inc\n"
)
LATER = (
    "Account ID,Account Name,Website,Parent Account\n"
    "002A,Child GmbH,child.example,Late Parent AG\n"
    "002B,Late Parent AG,late.example,\n"
)


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


@pytest.mark.parametrize("batch_rows", [20000, 1])
def test_parents_named_by_earlier_rows_are_found_in_the_dry_run_and_the_import(admin, monkeypatch, batch_rows):
    monkeypatch.setattr(jobs, "BATCH_ROWS", batch_rows)  # one batch for the file, or a batch per row
    job = make_job(admin, ACCOUNTS, name="accounts.csv", target="companies")
    assert job.mapping["3"] == "parent"
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (4, 1)
    missing = ("Parent Account: There is no company 'Nobody Inc' in Rapport or in this file; add or import it "
               "first, or fix the name, web domain or id.")
    assert report["rejections"] == [{"row": 6, "reason": missing}]
    done = import_run(job.pk, batch_rows=batch_rows)
    assert (done.created_count, done.rejected_count) == (4, 1)
    assert reasons(done) == {6: missing}
    parents = dict(Company.objects.values_list("name", "parent__name"))
    assert parents == {"Edge Communications": None, "Edge Europe": "Edge Communications",
                       "Edge Paris": "Edge Europe", "Edge Lyon": "Edge Paris"}


LINKED_DRY = ("1 new company will get its parent company from rows further down the file, linked when the "
              "last row is in.")
LINKED_DONE = "1 new company got its parent company from rows further down the file, linked when the last row was in."


@pytest.mark.parametrize("batch_rows", [20000, 1])
def test_a_parent_further_down_is_linked_when_the_last_row_is_in(admin, monkeypatch, batch_rows):
    monkeypatch.setattr(jobs, "BATCH_ROWS", batch_rows)
    job = make_job(admin, LATER, name="accounts.csv", target="companies")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"], report["parents_later"]) == (2, 0, 1)
    assert report["notes"] == [LINKED_DRY]
    done = import_run(job.pk, batch_rows=batch_rows)
    assert (done.created_count, done.rejected_count) == (2, 0)
    assert done.notes == [LINKED_DONE]
    assert Company.objects.get(name="Child GmbH").parent.name == "Late Parent AG"
    assert Company.objects.get(name="Late Parent AG").parent is None


def test_a_resumed_import_still_links_the_parents_of_its_first_batches(admin):
    text = ("Account ID,Account Name,Website,Parent Account\n"
            "003A,Child One,one.example,003C\n"  # by the parent's account id
            "003B,Child Two,two.example,late.example\n"  # by its web domain
            "003C,Late Parent AG,late.example,\n")
    job = make_job(admin, text, name="accounts.csv", target="companies")
    stopped = import_run(job.pk, batch_rows=1, stop_after_batches=2)
    assert stopped.next_row == 3 and Company.objects.count() == 2
    ImportJob.objects.filter(pk=job.pk).update(status="failed")  # as a crash leaves it
    done = import_run(job.pk, batch_rows=1)
    assert done.status == "done" and done.created_count == 3
    parents = dict(Company.objects.values_list("name", "parent__name"))
    assert parents == {"Child One": "Late Parent AG", "Child Two": "Late Parent AG", "Late Parent AG": None}
    assert done.notes == ["2 new companies got their parent companies from rows further down the file, linked when "
                          "the last row was in."]
    import_undo(job=done, by=admin)
    assert not Company.objects.exists()


def test_a_parent_whose_row_is_rejected_leaves_the_company_without_one_and_says_so(admin):
    text = ("Account Name,Website,Parent Account,Billing Country\n"
            "Child GmbH,child.example,Late Parent AG,DE\n"
            "Late Parent AG,late.example,Nobody Inc,DE\n"  # passes its cells, refused for its own parent
            "Bad Child,bad.example,Broken AG,DE\n"
            "Broken AG,broken.example,,Atlantis\n"  # its cells fail: not a company the file brings
            "Other Child,other.example,Holding Z,DE\n"
            "Holding Z,z.example,,DE\n")
    unlinked = ("Row 2: the parent company 'Late Parent AG' {} left empty, because row 3, which brings that "
                "company, {} rejected. Fix row 3 and import it, then set the parent on the company's page.")
    job = make_job(admin, text, name="accounts.csv", target="companies")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (3, 3)
    assert [r["row"] for r in report["rejections"]] == [3, 4, 5]
    assert report["rejections"][1]["reason"].startswith("Parent Account: There is no company 'Broken AG' in "
                                                        "Rapport or in this file")
    assert report["notes"] == [LINKED_DRY, unlinked.format("will be", "is")]
    done = import_run(job.pk)
    assert (done.created_count, done.rejected_count) == (3, 3)
    assert done.notes == [LINKED_DONE, unlinked.format("was", "was")]
    parents = dict(Company.objects.values_list("name", "parent__name"))
    assert parents == {"Child GmbH": None, "Other Child": "Holding Z", "Holding Z": None}


def test_an_update_whose_parent_is_further_down_is_refused_with_what_to_do(admin):
    Company.objects.create(name="Child GmbH", domain="child.example")
    job = make_job(admin, LATER, name="accounts.csv", target="companies")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["updated"], report["rejected"]) == (1, 0, 1)
    assert report["rejections"] == [{"row": 2, "reason": (
        "Parent Account: The parent company 'Late Parent AG' is created by a later row of this file, and this row "
        "updates a company Rapport already has; import the rejected rows again once this import is done.")}]
    done = import_run(job.pk)
    fixed = "".join(rejected_rows_csv(done)).lstrip("\ufeff")
    again = make_job(admin, fixed, name="accounts-rejected.csv", target="companies")
    assert again.mapping["5"] == "parent"  # the Row and Reason columns come first
    import_run(again.pk)
    assert Company.objects.get(name="Child GmbH").parent.name == "Late Parent AG"


def test_a_company_naming_itself_as_parent_is_refused(admin):
    job = make_job(admin, "Account Name,Website,Parent Account\nSelf AG,self.example,self.example\n",
                   name="accounts.csv", target="companies")
    report = import_dry_run(job=job, by=admin)
    assert report["rejections"] == [{"row": 2, "reason": (
        "Parent Account: A company cannot be its own parent; fix the parent company.")}]


def test_an_existing_parent_wins_over_a_namesake_the_file_would_create(admin):
    existing = Company.objects.create(name="Holding SA", domain="holding.example")
    text = ("Account Name,Website,Parent Account\nHolding SA,holding.example,\n"
            "Daughter SA,daughter.example,Holding SA\n")
    job = make_job(admin, text, name="accounts.csv", target="companies")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["updated"] + report["skipped"]) == (1, 1)
    import_run(job.pk)
    assert Company.objects.get(name="Daughter SA").parent_id == existing.pk


def test_the_import_page_shows_the_notes_of_the_dry_run_and_the_outcome(admin, client_for):
    from django.urls import reverse

    job = make_job(admin, LATER, name="accounts.csv", target="companies")
    import_dry_run(job=job, by=admin)
    client = client_for(admin)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert f'<ul class="import-notes"><li>{LINKED_DRY}</li></ul>' in page
    import_run(job.pk)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert f'<ul class="import-notes"><li>{LINKED_DONE}</li></ul>' in page
