"""Activities find their contact by name (Zoho's "Contact Name", Pipedrive's "Person") and read a "Related To"
as a company or a deal, by the module column beside it or by what the name is."""

from __future__ import annotations

import pytest

from rapport.activities.models import Activity
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.imports.services.mapping import mapping_suggest
from tests.factories import make_company, make_contact, make_deal
from tests.imports.helpers import make_job

NO_ANNA = (
    "Contact Name: There is no contact called 'Anna Berg'; import or add the contact first, or fix the name "
    "(or write the contact's email)."
)


def run(job):
    return import_run(job.pk)


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


def links(subject: str) -> tuple[int | None, int | None, int | None]:
    activity = Activity.objects.get(subject=subject)
    return activity.contact_id, activity.company_id, activity.deal_id


@pytest.fixture
def acme(admin):
    return make_company(by=admin, name="Acme")


@pytest.fixture
def anna(admin, acme):
    return make_contact(
        by=admin, first_name="Anna", last_name="Berg", emails=["anna@example.com"], company=acme
    )


# ------------------------------------------------------------ contact by name


def test_zoho_and_pipedrive_name_columns_are_mapped_to_the_contact():
    assert mapping_suggest("activities", ["Subject", "Contact Name", "Related To", "$se_module"]) == {
        "0": "subject",
        "1": "contact",
        "2": "deal",
        "3": "related_module",
    }
    assert mapping_suggest("activities", ["Subject", "Person", "Organization", "Deal"]) == {
        "0": "subject",
        "1": "contact",
        "2": "company",
        "3": "deal",
    }
    # With both an email and a name column, the email is the contact.
    assert mapping_suggest("activities", ["Subject", "Contact Name", "Contact Email"]) == {
        "0": "subject",
        "2": "contact",
    }


def test_a_contact_is_found_by_its_name_either_way_round(admin, anna, acme):
    text = 'Subject,Contact Name\nFirst call,Anna Berg\nSecond call,"Berg, Anna"\nThird call,Berg Anna\n'
    job = run(make_job(admin, text, target="activities"))
    assert (job.created_count, job.rejected_count) == (3, 0)
    # The contact's company comes along, as with a contact found by email.
    assert {a.subject: (a.contact_id, a.company_id) for a in Activity.objects.all()} == {
        "First call": (anna.pk, acme.pk),
        "Second call": (anna.pk, acme.pk),
        "Third call": (anna.pk, acme.pk),
    }


def test_names_match_in_any_case_with_their_accents_and_spacing(admin):
    jurgen = make_contact(by=admin, first_name="Jürgen", last_name="Müller", emails=["j@mueller.de"])
    eric = make_contact(by=admin, first_name="Éric", last_name="Le Roux", emails=["e@roux.fr"])
    text = (
        "Subject,Contact Name\n"
        "A,JÜRGEN MÜLLER\n"
        'B,"müller,   jürgen"\n'
        "C,éric le roux\n"
        "D,  ÉRIC   LE ROUX \n"
        "E,Jurgen Muller\n"
    )
    job = run(make_job(admin, text, target="activities"))
    assert (job.created_count, job.rejected_count) == (4, 1)
    assert dict(Activity.objects.values_list("subject", "contact_id")) == {
        "A": jurgen.pk,
        "B": jurgen.pk,
        "C": eric.pk,
        "D": eric.pk,
    }
    # Another spelling is another name, as for company names.
    assert reasons(job) == {
        6: "Contact Name: There is no contact called 'Jurgen Muller'; import or add the contact first, or fix "
        "the name (or write the contact's email)."
    }


def test_a_name_several_contacts_share_is_rejected_with_what_to_do(admin, anna):
    make_contact(by=admin, first_name="ANNA", last_name="berg", emails=["anna.b@example.org"])
    make_contact(by=admin, first_name="Ida", last_name="Berg", emails=["ida@example.com"])
    text = "Subject,Contact Name\nCall,Anna Berg\nOther call,Ida Berg\nBy email,\n"
    job = run(make_job(admin, text.replace("By email,", "By email,anna@example.com"), target="activities"))
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert reasons(job) == {
        2: "Contact Name: Several contacts are called 'Anna Berg'; write the contact's email instead of the name."
    }
    # The same column takes an email, which finds the one contact it belongs to.
    assert Activity.objects.get(subject="By email").contact_id == anna.pk


def test_a_name_no_contact_has_is_rejected_with_what_to_do(admin):
    job = run(make_job(admin, "Subject,Contact Name\nCall,Anna Berg\n", target="activities"))
    assert (job.created_count, job.rejected_count) == (0, 1)
    assert reasons(job) == {2: NO_ANNA}


def test_a_contact_is_found_by_its_external_id_in_a_who_id_column(admin):
    run(make_job(admin, "Contact ID,First Name,Last Name,Email\n0035g00001,Anna,Berg,anna@example.com\n"))
    job = run(make_job(admin, "Subject,Who Id\nCall,0035g00001\n", target="activities"))
    assert job.created_count == 1
    assert Activity.objects.get().contact.email == "anna@example.com"


def test_a_rep_cannot_reach_another_teams_contact_by_name_nor_learn_that_it_exists(teammate, outsider):
    make_contact(by=teammate, first_name="Anna", last_name="Berg", emails=["anna@example.com"])
    text = "Subject,Contact Name\nCall,Anna Berg\n"
    job = run(make_job(outsider, text, target="activities"))
    assert (job.created_count, job.rejected_count) == (0, 1)
    # Exactly the reason of a name nobody has.
    assert reasons(job) == {2: NO_ANNA}
    report = import_dry_run(job=make_job(outsider, text, target="activities"), by=outsider)
    assert report["rejections"] == [{"row": 2, "reason": NO_ANNA}]
    assert Activity.objects.count() == 0


def test_another_teams_namesake_does_not_make_a_name_ambiguous(teammate, outsider):
    make_contact(by=teammate, first_name="Anna", last_name="Berg", emails=["anna@example.com"])
    mine = make_contact(by=outsider, first_name="Anna", last_name="Berg", emails=["anna.b@example.org"])
    job = run(make_job(outsider, "Subject,Contact Name\nCall,Anna Berg\n", target="activities"))
    assert (job.created_count, job.rejected_count) == (1, 0)
    assert Activity.objects.get().contact_id == mine.pk


def test_a_contact_found_by_name_does_not_bring_a_company_the_importer_may_not_see(admin, teammate, outsider):
    theirs = make_company(by=teammate, name="Team A Corp")
    olga = make_contact(by=admin, owner=outsider, first_name="Olga", last_name="Out", company=theirs)
    job = run(make_job(outsider, "Subject,Person\nCall,Olga Out\n", target="activities"))
    assert job.created_count == 1
    assert links("Call") == (olga.pk, None, None)


# ------------------------------------------------------------ Related To: a company or a deal


def test_a_module_column_says_whether_related_to_is_a_company_or_a_deal(admin, acme, pipeline):
    acme_deal = make_deal(by=admin, pipeline=pipeline, name="Acme")
    big = make_deal(by=admin, pipeline=pipeline, name="Big deal", company=acme)
    text = (
        "Subject,Related To,$se_module\n"
        "On the account,Acme,Accounts\n"
        "On the deal,Acme,Deals\n"
        "On a potential,Big deal,Potentials\n"
        "Salesforce type,ACME,Account\n"
    )
    job = run(make_job(admin, text, target="activities"))
    assert job.mapping == {"0": "subject", "1": "deal", "2": "related_module"}
    assert (job.created_count, job.rejected_count) == (4, 0)
    assert links("On the account") == (None, acme.pk, None)
    assert links("On the deal") == (None, None, acme_deal.pk)
    assert links("On a potential") == (None, acme.pk, big.pk)  # the deal's company comes along
    assert links("Salesforce type") == (None, acme.pk, None)


def test_without_a_module_column_related_to_is_a_deal_first_then_a_company(admin, acme, pipeline):
    globex = make_company(by=admin, name="Globex")
    globex_deal = make_deal(by=admin, pipeline=pipeline, name="Globex", company=globex)
    big = make_deal(by=admin, pipeline=pipeline, name="Big deal")
    text = "Subject,Related To\nA,Acme\nB,big deal\nC,Globex\nD,Nowhere\n"
    job = run(make_job(admin, text, target="activities"))
    assert (job.created_count, job.rejected_count) == (3, 1)
    assert links("A") == (None, acme.pk, None)
    assert links("B") == (None, None, big.pk)
    # A name that is a deal and a company is the deal, which brings its company.
    assert links("C") == (None, globex.pk, globex_deal.pk)
    assert reasons(job) == {
        5: "Related To: There is no deal or company called 'Nowhere'; import it first, or fix the name (or the "
        "external id)."
    }


def test_a_module_column_is_followed_even_when_the_other_kind_has_the_name(admin, acme, pipeline):
    make_deal(by=admin, pipeline=pipeline, name="Big deal")
    text = (
        "Subject,Related To,Related To Module\n"
        "A,Big deal,Accounts\n"
        "B,Acme,Deals\n"
        "C,Acme,Cases\n"
        "D,,Cases\n"
        "E,Acme,\n"
    )
    job = run(
        make_job(
            admin, text, target="activities", mapping={"0": "subject", "1": "deal", "2": "related_module"}
        )
    )
    assert (job.created_count, job.rejected_count) == (1, 4)
    assert reasons(job) == {
        2: "Related To: There is no company 'Big deal'; import or add it under Companies first, or fix the name or "
        "domain.",
        3: "Related To: There is no deal with the external id or name 'Acme'; import the deals first or fix it.",
        4: "Related To Module: 'Cases' is not a kind of record an activity can be related to; write Accounts (for "
        "a company) or Deals, or leave the cell empty.",
        5: "This row names no contact, company, lead or deal; an activity must be linked to one of them.",
    }
    # An empty module cell: the name decides, as without the column.
    assert links("E") == (None, acme.pk, None)


def test_related_to_and_a_company_column_must_name_the_same_company(admin, acme, anna):
    make_company(by=admin, name="Globex")
    text = (
        "Subject,Contact Email,Account Name,Related To,$se_module\n"
        "Same,anna@example.com,Acme,ACME,Accounts\n"
        "Other,anna@example.com,Globex,Acme,Accounts\n"
    )
    job = run(make_job(admin, text, target="activities"))
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert links("Same") == (anna.pk, acme.pk, None)
    assert reasons(job) == {
        3: "Related To: 'Acme' is a company, but Account Name names 'Globex'; an activity is linked to one "
        "company, so fix one of them."
    }


def test_a_rep_cannot_relate_an_activity_to_another_teams_company_or_deal(teammate, outsider, pipeline):
    make_company(by=teammate, name="Team A Corp")
    make_deal(by=teammate, pipeline=pipeline, name="Team A deal")
    text = "Subject,Related To\nA,Team A Corp\nB,Team A deal\nC,No such thing\n"
    job = run(make_job(outsider, text, target="activities"))
    assert (job.created_count, job.rejected_count) == (0, 3)
    assert reasons(job) == {
        row: f"Related To: There is no deal or company called {name!r}; import it first, or fix the name (or the "
        "external id)."
        for row, name in ((2, "Team A Corp"), (3, "Team A deal"), (4, "No such thing"))
    }


# ------------------------------------------------------------ the dry run says what the import does


def test_the_dry_run_counts_and_reasons_are_those_of_the_import(admin, anna, acme, pipeline):
    make_contact(by=admin, first_name="Ida", last_name="Berg", emails=["ida@example.com"])
    make_contact(by=admin, first_name="Ida", last_name="Berg", emails=["ida.b@example.org"])
    make_deal(by=admin, pipeline=pipeline, name="Big deal")
    text = (
        "Task Id,Subject,Contact Name,Related To,$se_module,Status\n"
        "T1,Call,Anna Berg,Acme,Accounts,Completed\n"
        'T2,Offer,"Berg, Anna",Big deal,Deals,Not Started\n'
        "T3,Ask,Ida Berg,,,Not Started\n"
        "T4,Visit,Nobody Here,Acme,,Not Started\n"
        "T5,Check,anna@example.com,Acme,Cases,Not Started\n"
        "T6,Plan,,Acme,,Not Started\n"
        "T7,Lost,,Nowhere,,Not Started\n"
    )
    report = import_dry_run(job=make_job(admin, text, target="activities"), by=admin)
    job = run(make_job(admin, text, target="activities"))
    counts = (job.created_count, job.updated_count, job.skipped_count, job.rejected_count)
    assert counts == (3, 0, 0, 4)
    assert (report["created"], report["updated"], report["skipped"], report["rejected"]) == counts
    assert {r["row"]: r["reason"] for r in report["rejections"]} == reasons(job)
    assert sorted(reasons(job)) == [4, 5, 6, 8]
    assert Activity.objects.filter(contact=anna).count() == 2


def test_names_and_related_records_are_looked_up_per_batch_not_per_row(admin, acme, pipeline):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [make_contact(by=admin, first_name=f"Person{n}", last_name="Berg", emails=[]) for n in range(40)]
    for n in range(40):
        make_deal(by=admin, pipeline=pipeline, name=f"Deal {n}")

    def queries(count: int) -> int:
        rows = "".join(
            f"Call {n},{p.first_name} Berg,{'Acme' if n % 2 else f'Deal {n}'}\n"
            for n, p in enumerate(people[:count])
        )
        job = make_job(admin, "Subject,Contact Name,Related To\n" + rows, target="activities")
        with CaptureQueriesContext(connection) as captured:
            done = run(job)
        assert (done.created_count, done.rejected_count) == (count, 0)
        return len(captured.captured_queries)

    assert queries(40) == queries(4)
