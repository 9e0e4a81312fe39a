"""A Salesforce accounts export names parent accounts the same file brings: by name, web domain or the
parent's account id. A parent above its subsidiaries is found in the dry run and the import alike (in the
same batch too); one further down is refused with what to do, and found when the rejected rows come again."""

from __future__ import annotations

import pytest

from rapport.contacts.models import Company
from rapport.imports.models import ImportRow
from rapport.imports.services import jobs
from rapport.imports.services.jobs import import_dry_run, import_run
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
    missing = ("Parent Account: There is no company 'Nobody Inc' yet; add or import it first, or fix the name, "
               "web domain or id. If a later row of this file creates it, import the rejected rows again once "
               "this import is done.")
    assert report["rejections"] == [{"row": 6, "reason": missing}]
    done = import_run(job.pk, batch_rows=batch_rows)
    assert (done.created_count, done.rejected_count) == (4, 1)
    assert reasons(done) == {6: missing}
    parents = dict(Company.objects.values_list("name", "parent__name"))
    assert parents == {"Edge Communications": None, "Edge Europe": "Edge Communications",
                       "Edge Paris": "Edge Europe", "Edge Lyon": "Edge Paris"}


def test_a_parent_further_down_is_found_when_the_rejected_rows_come_again(admin):
    job = make_job(admin, LATER, name="accounts.csv", target="companies")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (1, 1)
    done = import_run(job.pk)
    assert reasons(done)[2].startswith("Parent Account: There is no company 'Late Parent AG' yet")
    fixed = "".join(rejected_rows_csv(done)).lstrip("\ufeff")
    again = make_job(admin, fixed, name="accounts-rejected.csv", target="companies")
    assert again.mapping["5"] == "parent"  # the Row and Reason columns come first
    assert import_dry_run(job=again, by=admin)["created"] == 1
    assert import_run(again.pk).created_count == 1
    assert Company.objects.get(name="Child GmbH").parent.name == "Late Parent AG"


def test_an_existing_parent_wins_over_a_namesake_the_file_would_create(admin):
    existing = Company.objects.create(name="Holding SA", domain="holding.example")
    text = ("Account Name,Website,Parent Account\nHolding SA,holding.example,\n"
            "Daughter SA,daughter.example,Holding SA\n")
    job = make_job(admin, text, name="accounts.csv", target="companies")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["updated"] + report["skipped"]) == (1, 1)
    import_run(job.pk)
    assert Company.objects.get(name="Daughter SA").parent_id == existing.pk
