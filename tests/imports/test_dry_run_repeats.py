"""A later row repeating a record an earlier row of the same file creates: the dry run gives it the verdict
the import will (updated, "nothing changed", rejected by a rule), not "updated" whatever it holds."""

from __future__ import annotations

import pytest

from rapport.customization.models import ValidationRule
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run
from tests.factories import make_contact
from tests.imports.helpers import make_job


def verdicts_of_dry_run(report):
    rows = {m["row"]: m["outcome"] for m in report["matched"]}
    rows.update({r["row"]: "rejected" for r in report["rejections"]})
    return rows


def verdicts_of_run(job):
    return dict(ImportRow.objects.filter(job=job).values_list("row_number", "outcome"))


def dry_run_then_run(user, text, target, **configure):
    job = make_job(user, text, target=target, mode="create_or_update", **configure)
    report = import_dry_run(job=job, by=user)
    job = import_run(job.pk)
    counts = (job.created_count, job.updated_count, job.skipped_count, job.rejected_count)
    assert (report["created"], report["updated"], report["skipped"], report["rejected"]) == counts
    assert verdicts_of_dry_run(report) == verdicts_of_run(job)
    return report, job


COMPANIES = "Account Name,Website,Industry,Employees\n"


def test_a_company_repeated_with_the_same_size_class_changes_nothing_in_both(admin):
    # 50 and 60 people are both "medium": the second row leaves the new company as the first made it.
    text = COMPANIES + "Acme,acme.com,Robotics,50\nAcme,acme.com,Robotics,60\nAcme,acme.com,Space,60\n"
    report, job = dry_run_then_run(admin, text, "companies")
    assert [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]] == [
        (3, "skipped", []), (4, "updated", ["industry"])]
    assert report["matched"][0]["why"] == "Row 2 of this file already has these values; nothing changed."
    assert [(m["id"], m["of_row"]) for m in report["matched"]] == [(None, 2), (None, 2)]
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 1, 1)


def test_a_company_repeated_by_name_without_domain_is_judged_on_the_first_row(admin):
    text = COMPANIES + "Nova,,Energy,\nNova,,Energy,\nNOVA,,,12\n"
    report, _ = dry_run_then_run(admin, text, "companies")
    assert [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]] == [
        (3, "skipped", []), (4, "updated", ["name", "size"])]


def test_a_rule_broken_only_by_the_repeat_rejects_it_in_both(admin):
    ValidationRule.objects.create(entity="company", kind="required", field="industry", parameters={})
    text = COMPANIES + "Acme,acme.com,Robotics,5\nAcme,acme.com,,7\n"
    report, _ = dry_run_then_run(admin, text, "companies")
    # The repeat leaves the industry as it is (empty cells change nothing), so the rule holds.
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(3, "skipped")]


CONTACTS = "First Name,Last Name,E-mail Address,Phone,Job Title\n"


def test_a_contact_repeated_with_the_same_values_changes_nothing_in_both(admin):
    text = CONTACTS + ("Ann,Lee,ann@example.com,+46 8 123 456 78,Buyer\n"
                       "Ann,Lee,ANN@example.com,+46812345678,Buyer\n"
                       "Ann,Lee,ann@example.com,,Head buyer\n"
                       "Ann,Lee,ann@example.com,+46 8 765 432 10,\n")
    report, job = dry_run_then_run(admin, text, "contacts", options={"default_country": "SE"})
    assert [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]] == [
        (3, "skipped", []), (4, "updated", ["title"]), (5, "updated", ["phone"])]
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 2, 1)


def test_a_contact_repeat_adding_an_email_counts_as_an_update_in_both(admin):
    text = "First Name,Last Name,Email,Other Email\nBo,Ek,bo@example.com,\nBo,Ek,bo@example.com,bo@work.example\n"
    report, _ = dry_run_then_run(admin, text, "contacts")
    assert [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]] == [(3, "updated", ["email"])]


DEALS = "Opportunity Name,Stage,Amount,Currency,Opportunity ID\n"


@pytest.mark.parametrize(("second", "verdict"), [
    ("Big deal,Qualification,1000,EUR,D-1", "skipped"),
    ("Big deal,Qualification,2500,EUR,D-1", "updated"),
])
def test_a_deal_repeated_by_external_id_gets_the_verdict_of_the_run(admin, pipeline, second, verdict):
    text = DEALS + "Big deal,Qualification,1000,EUR,D-1\n" + second + "\n"
    report, _ = dry_run_then_run(admin, text, "deals")
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(3, verdict)]


LEADS = "First Name,Last Name,Email,Company,Lead Status,Lead ID\n"


def test_a_lead_repeated_by_external_id_gets_the_verdict_of_the_run(admin):
    text = LEADS + ("Cy,Tan,cy@example.com,Tan AB,New,L-1\n"
                    "Cy,Tan,cy@example.com,Tan AB,new,L-1\n"
                    "Cy,Tan,cy@example.com,Tan AB,Contacted,L-1\n")
    report, _ = dry_run_then_run(admin, text, "leads")
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(3, "skipped"), (4, "updated")]


ACTIVITIES = "Activity Type,Subject,Contact Email,Due Date,Status,Activity ID\n"


def test_an_activity_repeated_by_external_id_gets_the_verdict_of_the_run(admin):
    make_contact(by=admin, first_name="Di", emails=["di@example.com"])
    text = ACTIVITIES + ("Call,Intro call,di@example.com,2026-03-02,Open,A-1\n"
                         "call,Intro call,di@example.com,2026-03-02,Open,A-1\n"
                         "Call,Intro call,di@example.com,2026-03-09,Open,A-1\n")
    report, _ = dry_run_then_run(admin, text, "activities")
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(3, "skipped"), (4, "updated")]


def test_a_contact_repeat_is_checked_against_the_rules_on_the_contact_the_first_row_makes(admin):
    ValidationRule.objects.create(entity="contact", kind="required", field="title", parameters={})
    text = CONTACTS + "Ann,Lee,ann@example.com,,Buyer\nAnn,Lee,ann@example.com,,\nAnn,Lee,ann@example.com,+46812345678,\n"
    report, _ = dry_run_then_run(admin, text, "contacts", options={"default_country": "SE"})
    # An empty Job Title keeps the title the first row gave: the rule holds for both repeats.
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(3, "skipped"), (4, "updated")]
    assert report["rejected"] == 0


def test_a_contact_repeat_naming_the_same_new_company_changes_nothing_and_another_one_does(admin):
    text = ("First Name,Last Name,Email,Account Name\nEva,Sten,eva@example.com,Sten Bygg AB\n"
            "Eva,Sten,eva@example.com,STEN BYGG AB\nEva,Sten,eva@example.com,Nord Kran AB\n")
    report, job = dry_run_then_run(admin, text, "contacts")
    assert [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]] == [
        (3, "skipped", []), (4, "updated", ["company"])]


def test_a_company_repeat_with_tags_the_first_row_gave_changes_nothing_in_both(admin):
    text = "Account Name,Website,Tags\nAcme,acme.com,vip\nAcme,acme.com,VIP\nAcme,acme.com,partner\n"
    report, _ = dry_run_then_run(admin, text, "companies")
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(3, "skipped"), (4, "updated")]


def test_the_page_names_the_row_whose_new_record_a_repeat_meets(admin, client_for):
    from django.urls import reverse

    job = make_job(admin, CONTACTS + "Ann,Lee,ann@example.com,,Buyer\nAnn,Lee,ann@example.com,,Buyer\n",
                   mode="create_or_update")
    import_dry_run(job=job, by=admin)
    page = client_for(admin).get(reverse("import-detail", args=[job.pk])).content.decode()
    assert '<span class="muted">the new contact of row 2</span>' in page
    assert "Row 2 of this file already has these values; nothing changed." in page
