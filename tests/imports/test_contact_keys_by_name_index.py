"""An administrator's activity file names contacts by their full name. On SQLite the lookup narrows the
contacts through the name index (last name, first name) first; on both databases it finds every contact the
whole upper-cased name finds, in any case, with accents, spaces and either order, in the same number of
queries for a batch of any size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.activities.models import Activity
from rapport.contacts.models import Contact
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.imports.services.related import name_splits
from tests.factories import make_company, make_contact
from tests.imports.helpers import make_job


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


def no_contact(name: str) -> str:
    return (
        f"Contact Name: There is no contact called {name!r}; import or add the contact first, or fix the name "
        "(or write the contact's email)."
    )


@pytest.fixture
def people(admin):
    acme = make_company(by=admin, name="Acme")
    found = {
        "asa": make_contact(by=admin, first_name="Åsa", last_name="Berg", emails=["asa@example.se"], company=acme),
        "ayse": make_contact(by=admin, first_name="Ayşe", last_name="Yıldız", emails=["ayse@example.com.tr"]),
        "anna": make_contact(by=admin, first_name="Anna Maria", last_name="van der Berg", emails=["am@example.nl"]),
        "nord": make_contact(by=admin, first_name="", last_name="Nordström", emails=["n@example.se"]),
        "orjan": make_contact(by=admin, first_name="Ørjan", last_name="Lie", emails=["orjan@example.no"]),
    }
    # Stored with the spaces an old import or another program left: the comparison trims them.
    Contact.objects.filter(pk=found["orjan"].pk).update(first_name="  Ørjan", last_name="Lie ")
    # Two contacts of one name in different cases: the name is ambiguous.
    make_contact(by=admin, first_name="Ida", last_name="Berg", emails=["ida@example.se"])
    make_contact(by=admin, first_name="IDA", last_name="berg", emails=["ida.b@example.se"])
    return found, acme


def test_names_resolve_in_any_case_and_order_with_their_accents_through_the_name_index(admin, people):
    found, acme = people
    text = (
        "Subject,Contact Name\n"
        "A,ÅSA BERG\n"
        'B,"berg, åsa"\n'
        "C,  åsa   BERG \n"
        'D,"YILDIZ, AYŞE"\n'  # "ı" upper-cases to the ASCII "I" the file writes
        "E,anna maria VAN DER BERG\n"
        'F,"van der Berg, Anna Maria"\n'
        "G,NORDSTRÖM\n"
        "H,ørjan lie\n"
        "I,Ida Berg\n"
        "J,Asa Berg\n"
        "K,Berg\n"
    )
    report = import_dry_run(job=make_job(admin, text, target="activities"), by=admin)
    job = import_run(make_job(admin, text, target="activities").pk)
    counts = (job.created_count, job.updated_count, job.skipped_count, job.rejected_count)
    assert counts == (8, 0, 0, 3)
    assert (report["created"], report["updated"], report["skipped"], report["rejected"]) == counts
    assert {r["row"]: r["reason"] for r in report["rejections"]} == reasons(job)
    assert {a.subject: (a.contact_id, a.company_id) for a in Activity.objects.all()} == {
        "A": (found["asa"].pk, acme.pk),
        "B": (found["asa"].pk, acme.pk),
        "C": (found["asa"].pk, acme.pk),
        "D": (found["ayse"].pk, None),
        "E": (found["anna"].pk, None),
        "F": (found["anna"].pk, None),
        "G": (found["nord"].pk, None),
        "H": (found["orjan"].pk, None),
    }
    assert reasons(job) == {
        10: "Contact Name: Several contacts are called 'Ida Berg'; write the contact's email instead of the name.",
        11: no_contact("Asa Berg"),  # another spelling is another name
        12: no_contact("Berg"),
    }


def test_a_contact_in_the_trash_is_not_found_by_its_name(admin, people):
    found, _ = people
    Contact.objects.filter(pk=found["asa"].pk).update(deleted_at=found["asa"].created_at)
    job = import_run(make_job(admin, "Subject,Contact Name\nA,Åsa Berg\n", target="activities").pk)
    assert reasons(job) == {2: no_contact("Åsa Berg")}


def test_names_are_looked_up_in_the_same_queries_for_a_batch_of_any_size(admin):
    berg = [make_contact(by=admin, first_name=f"Åsa{n}", last_name="Berg", emails=[]) for n in range(30)]
    others = [make_contact(by=admin, first_name="Jürgen", last_name=f"Müller{n}", emails=[]) for n in range(30)]

    def queries(count: int) -> int:
        rows = "".join(
            f'Call {n},"{b.last_name.lower()}, {b.first_name.upper()}"\nVisit {n},JÜRGEN {o.last_name.upper()}\n'
            for n, (b, o) in enumerate(zip(berg[:count], others[:count], strict=True))
        )
        job = make_job(admin, "Subject,Contact Name\n" + rows, target="activities")
        with CaptureQueriesContext(connection) as captured:
            done = import_run(job.pk)
        assert (done.created_count, done.rejected_count) == (2 * count, 0)
        return len(captured.captured_queries)

    assert queries(30) == queries(3)
    assert {a.contact_id for a in Activity.objects.all()} == {c.pk for c in berg + others}


def test_a_name_splits_into_first_and_last_name_at_each_space():
    assert name_splits("Anna Maria van Berg") == [
        ("Anna", "Maria van Berg"),
        ("Anna Maria", "van Berg"),
        ("Anna Maria van", "Berg"),
        ("", "Anna Maria van Berg"),
        ("Anna Maria van Berg", ""),
    ]
    assert name_splits("Nordström") == [("", "Nordström"), ("Nordström", "")]
