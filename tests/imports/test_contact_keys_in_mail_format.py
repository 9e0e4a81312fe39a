"""Contact and owner cells written as mail clients and CRM email logs write a person ("Jane Doe <jane@…>")
find that person by the address inside, in any case; a cell naming two people is refused with what to do."""

from __future__ import annotations

import pytest

from rapport.activities.models import Activity
from rapport.contacts.models import Contact
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.sales.models import Deal, Lead, Order
from tests.factories import make_company, make_contact, make_user
from tests.imports.helpers import make_job

TWO_PEOPLE = (
    "holds 2 email addresses; keep one person per cell: write the address of the one this row is about."
)


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


def dry_run_and_run(by, text: str, target: str):
    """The dry run's report and the finished job of the same file imported afterwards."""
    report = import_dry_run(job=make_job(by, text, target=target), by=by)
    job = import_run(make_job(by, text, target=target).pk)
    counts = (job.created_count, job.updated_count, job.skipped_count, job.rejected_count)
    assert (report["created"], report["updated"], report["skipped"], report["rejected"]) == counts
    assert {r["row"]: r["reason"] for r in report["rejections"]} == reasons(job)
    return report, job


@pytest.fixture
def acme(admin):
    return make_company(by=admin, name="Acme")


@pytest.fixture
def jane(admin, acme):
    return make_contact(by=admin, first_name="Jane", last_name="Doe", emails=["jane@example.com"], company=acme)


@pytest.fixture
def rosa(team_a):
    return make_user(role="rep", team=team_a, username="rosa", first_name="Rosa", last_name="Rep",
                     email="rosa@example.com")


# ------------------------------------------------------------ activities


def test_an_activity_finds_its_contact_by_the_address_inside_a_mail_style_cell(admin, jane, acme):
    text = (
        "Subject,Contact Email\n"
        "Outlook,Jane Doe <jane@example.com>\n"
        'Quoted,"""Doe, Jane"" <Jane@Example.com>"\n'
        "Brackets,<JANE@example.com>\n"
        "Comment,jane@example.com (Jane Doe)\n"
        'Unquoted comma,"Doe, Jane <jane@example.com>"\n'
        "Address as name,jane@example.com <JANE@example.com>\n"
        "Plain,Jane@Example.COM\n"
    )
    _, job = dry_run_and_run(admin, text, "activities")
    assert (job.created_count, job.rejected_count) == (7, 0)
    # Every row is linked to Jane, and takes her company, as a plain address does.
    assert {a.subject: (a.contact_id, a.company_id) for a in Activity.objects.all()} == {
        subject: (jane.pk, acme.pk)
        for subject in ("Outlook", "Quoted", "Brackets", "Comment", "Unquoted comma", "Address as name", "Plain")
    }


def test_a_cell_naming_two_people_or_an_unknown_one_is_rejected_with_what_to_do(admin, jane):
    text = (
        "Subject,Contact Email\n"
        'Two,"jane@example.com; ann@example.com"\n'
        'Two by name,"Jane Doe <jane@example.com>, Ann Berg <ann@example.com>"\n'
        "Nobody,Nobody Here <nobody@example.com>\n"
        "No domain,Jane <jane@>\n"
        "Fine,Jane Doe <jane@example.com>\n"
    )
    _, job = dry_run_and_run(admin, text, "activities")
    assert (job.created_count, job.rejected_count) == (1, 4)
    assert reasons(job) == {
        2: f"Contact Email: 'jane@example.com; ann@example.com' {TWO_PEOPLE}",
        3: f"Contact Email: 'Jane Doe <jane@example.com>, Ann Berg <ann@example.com>' {TWO_PEOPLE}",
        4: "Contact Email: There is no contact with the email 'nobody@example.com'; import or add the contact "
        "first, or fix the email.",
        5: "Contact Email: 'Jane <jane@>' is not a valid email address; write it like name@example.com.",
    }
    assert Activity.objects.get().contact_id == jane.pk


def test_a_rep_cannot_reach_another_teams_contact_through_a_mail_style_cell(teammate, outsider):
    make_contact(by=teammate, first_name="Jane", last_name="Doe", emails=["jane@example.com"])
    _, job = dry_run_and_run(outsider, "Subject,Contact Email\nCall,Jane Doe <jane@example.com>\n", "activities")
    # Exactly the reason of an address nobody has.
    assert reasons(job) == {
        2: "Contact Email: There is no contact with the email 'jane@example.com'; import or add the contact "
        "first, or fix the email."
    }
    assert Activity.objects.count() == 0


def test_an_activity_owner_is_found_by_the_address_inside_a_mail_style_cell(admin, jane, rosa):
    text = (
        "Subject,Contact Email,Assigned To\n"
        "Mail style,jane@example.com,Rosa Rep <ROSA@example.com>\n"
        "Plain,jane@example.com,rosa@example.com\n"
        'By name,jane@example.com,"Rep, Rosa"\n'
        'Two,jane@example.com,"Rosa Rep <rosa@example.com>; Alice <alice.admin@example.com>"\n'
        "Nobody,jane@example.com,No One <no.one@example.com>\n"
    )
    _, job = dry_run_and_run(admin, text, "activities")
    assert job.mapping["2"] == "owner"
    assert (job.created_count, job.rejected_count) == (3, 2)
    assert dict(Activity.objects.values_list("subject", "owner_id")) == {
        "Mail style": rosa.pk,
        "Plain": rosa.pk,
        "By name": rosa.pk,
    }
    assert reasons(job) == {
        5: f"Assigned To: 'Rosa Rep <rosa@example.com>; Alice <alice.admin@example.com>' {TWO_PEOPLE}",
        6: "Assigned To: There is no user 'No One <no.one@example.com>'; write a user's email, user name or full "
        "name as under Settings → Users, add them there, or leave the owner empty.",
    }


# ------------------------------------------------------------ deals and leads


def test_a_deal_finds_its_contact_and_owner_by_the_addresses_inside_mail_style_cells(admin, pipeline, jane, rosa):
    text = (
        "Opportunity Name,Contact Email,Opportunity Owner\n"
        'Big one,"""Doe, Jane"" <Jane@Example.com>",Rosa Rep <rosa@example.com>\n'
        'Two people,"jane@example.com; ann@example.com",\n'
        'Two owners,jane@example.com,"rosa@example.com, alice.admin@example.com"\n'
    )
    _, job = dry_run_and_run(admin, text, "deals")
    assert (job.created_count, job.rejected_count) == (1, 2)
    deal = Deal.objects.get()
    assert (deal.name, deal.contact_id, deal.company_id, deal.owner_id) == ("Big one", jane.pk, jane.company_id,
                                                                           rosa.pk)
    assert reasons(job) == {
        3: f"Contact Email: 'jane@example.com; ann@example.com' {TWO_PEOPLE}",
        4: f"Opportunity Owner: 'rosa@example.com, alice.admin@example.com' {TWO_PEOPLE}",
    }


def test_a_lead_finds_its_person_by_the_address_inside_a_mail_style_cell(admin, jane):
    text = (
        "First Name,Last Name,Email,Lead ID\n"
        "Jane,Doe,Jane Doe <JANE@example.com>,L1\n"
        "Ann,Berg,Ann Berg <ann@example.com>,L2\n"
        'Two,People,"jane@example.com, ann@example.com",L3\n'
    )
    _, job = dry_run_and_run(admin, text, "leads")
    assert (job.created_count, job.rejected_count) == (2, 1)
    leads = {lead.contact.email: lead.contact_id for lead in Lead.objects.select_related("contact")}
    assert leads["jane@example.com"] == jane.pk
    # A new address creates the person with the lead, by the address alone.
    assert Contact.objects.get(email="ann@example.com").pk == leads["ann@example.com"]
    assert reasons(job) == {4: f"Email: 'jane@example.com, ann@example.com' {TWO_PEOPLE}"}


# ------------------------------------------------------------ contacts files, orders, "Name (address)"


def test_a_contacts_files_owner_written_mail_style_is_the_user(admin, rosa):
    text = ("First Name,Email,Contact Owner\nAda,ada@example.com,Rosa Rep <ROSA@example.com>\n"
            "Bob,bob@example.com,rosa@example.com; someone@example.com\n")
    report, job = dry_run_and_run(admin, text, "contacts")
    assert (report["created"], report["rejected"]) == (1, 1)
    assert Contact.objects.get(email="ada@example.com").owner == rosa
    assert reasons(job)[3] == f"Contact Owner: 'rosa@example.com; someone@example.com' {TWO_PEOPLE}"


def test_a_person_written_with_the_address_in_brackets_is_found(admin, jane, rosa):
    text = "Subject,Contact,Assigned To\nCall,Jane Doe (jane@example.com),Rosa Rep (rosa@example.com)\n"
    report, job = dry_run_and_run(admin, text, "activities")
    assert (report["created"], report["rejected"]) == (1, 0)
    activity = Activity.objects.get()
    assert (activity.contact, activity.owner) == (jane, rosa)


def test_an_orders_customer_written_mail_style_is_the_contact(admin, jane):
    text = "Order Number,Customer Email,Description,Quantity,Unit Price\n5001,Jane Doe <jane@example.com>,Tea,2,4.50\n"
    report, job = dry_run_and_run(admin, text, "orders")
    assert (report["created"], report["rejected"]) == (1, 0)
    assert Order.objects.get().contact == jane


def test_bare_addresses_separated_by_a_space_are_two_people(admin, jane):
    text = "Subject,Contact Email\nCall,jane@example.com ida@example.com\nOne,jane@example.com \n"
    report, job = dry_run_and_run(admin, text, "activities")
    assert (report["created"], report["rejected"]) == (1, 1)
    assert reasons(job)[2] == f"Contact Email: 'jane@example.com ida@example.com' {TWO_PEOPLE}"
