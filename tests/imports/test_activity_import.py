"""Importing activities: calls, meetings, tasks and notes linked to contacts, companies, leads and deals by key."""

from __future__ import annotations

import datetime as dt

from rapport.activities.models import Activity, TimelineEvent
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from tests.factories import make_company, make_contact, make_deal
from tests.imports.helpers import make_job

HEADER = "Activity Type,Subject,Contact Email,Due Date,Status,Priority,Duration,Activity ID\n"


def run(job):
    return import_run(job.pk)


def test_task_export_headers_are_mapped(admin):
    job = make_job(admin, HEADER + "Call,Hello,a@example.com,,,,,T1\n", target="activities")
    assert job.mapping == {
        "0": "kind",
        "1": "subject",
        "2": "contact",
        "3": "due_at",
        "4": "status",
        "5": "priority",
        "6": "duration_minutes",
        "7": "external_id",
    }


def test_activities_are_created_linked_and_on_the_timeline(admin, pipeline):
    acme = make_company(by=admin, name="Acme")
    ada = make_contact(by=admin, first_name="Ada", emails=["ada@example.com"], company=acme)
    deal = make_deal(by=admin, pipeline=pipeline, name="Big deal", contact=ada)
    text = HEADER + (
        "Phone Call,Intro call,ada@example.com,,Completed,,15,A1\n"
        "To-do,Send offer,ada@example.com,2030-05-01 09:00,Not Started,High,,A2\n"
        "Note,Met at fair,,,,,,A3\n"
    )
    text = (
        text.replace("Activity ID\n", "Activity ID,Deal\n").replace("A1\n", "A1,\n").replace("A2\n", "A2,\n")
    )
    text = text.replace("A3\n", "A3,Big deal\n")
    job = run(make_job(admin, text, target="activities"))
    assert (job.created_count, job.rejected_count) == (3, 0)
    call = Activity.objects.get(subject="Intro call")
    assert (
        call.kind,
        call.contact,
        call.company,
        call.duration_minutes,
        call.done_at is not None,
        call.owner,
    ) == ("call", ada, acme, 15, True, admin)
    task = Activity.objects.get(subject="Send offer")
    assert (task.kind, task.priority, task.done_at, task.due_at) == (
        "task",
        "high",
        None,
        dt.datetime(2030, 5, 1, 9, 0, tzinfo=dt.UTC),
    )
    note = Activity.objects.get(subject="Met at fair")
    assert (note.kind, note.deal, note.contact, note.company) == ("note", deal, ada, acme)
    event = TimelineEvent.objects.get(activity=call)
    assert (event.kind, event.summary, event.contact, event.company) == (
        "imported",
        "Call: Intro call (imported, row 2)",
        ada,
        acme,
    )


def test_bad_activity_rows_are_rejected_with_reasons(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    text = "Type,Subject,Contact Email,Start,End,Duration,Lead\n" + (
        "Meeting,Review,ada@example.com,2024-05-02 10:00,2024-05-02 09:00,,\n"
        "Meeting,No start,ada@example.com,,,,\n"
        "Telepathy,Odd,ada@example.com,,,,\n"
        "Call,Long,ada@example.com,,,2000,\n"
        "Call,Unlinked,,,,,\n"
        "Call,,ada@example.com,,,,\n"
        "Call,Lead call,,,,,LEAD-404\n"
        "Call,Nobody,nobody@example.com,,,,\n"
    )
    report = import_dry_run(job=make_job(admin, text, target="activities"), by=admin)
    assert {r["row"]: r["reason"] for r in report["rejections"]} == {
        2: "The end is before the start; a meeting must end after it starts.",
        3: "A meeting needs its start; map a Start column or import it as a note.",
        4: "Type: Type 'Telepathy' is not one of: call, meeting, task, note, email. Map this value to one of them or "
        "fix the cell.",
        5: "Duration: Duration must be between 0 and 1440 (it is '2000').",
        6: "This row names no contact, company, lead or deal; an activity must be linked to one of them.",
        7: "This row has no subject; every activity needs one.",
        8: "Lead: There is no lead with the external id 'LEAD-404'; import the leads first or fix the id.",
        9: "Contact Email: There is no contact with the email 'nobody@example.com'; import or add the contact first, or fix the email.",
    }


def test_activities_link_to_leads_imported_earlier_by_their_external_id(admin):
    run(make_job(admin, "Lead ID,Email\nL-1,lee@example.com\n", target="leads"))
    job = run(make_job(admin, "Subject,Lead\nFollow up,L-1\n", target="activities"))
    activity = Activity.objects.get()
    assert (job.created_count, activity.lead.contact.email, activity.contact.email) == (
        1,
        "lee@example.com",
        "lee@example.com",
    )


def test_update_by_external_id_and_undo(admin):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    run(
        make_job(
            admin,
            "Id,Type,Subject,Contact Email,Due Date\nT1,Task,Call back,ada@example.com,2030-01-01\n",
            target="activities",
        )
    )
    task = Activity.objects.get()
    before = {
        f.attname: getattr(task, f.attname) for f in Activity._meta.concrete_fields if f.name != "updated_at"
    }
    job = run(
        make_job(
            admin, "Id,Status,Subject\nT1,Done,Called back\nT2,,New one\n", target="activities", mode="update"
        )
    )
    assert (job.updated_count, job.skipped_count) == (1, 1)
    task.refresh_from_db()
    assert (task.subject, task.done_at is not None) == ("Called back", True)
    assert import_undo(job=job, by=admin)["restored"] == 1
    task.refresh_from_db()
    assert {
        f.attname: getattr(task, f.attname) for f in Activity._meta.concrete_fields if f.name != "updated_at"
    } == {**before, "version": 3}
    assert ada.activities.count() == 1


def test_undo_deletes_imported_activities_and_their_events(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    counts = (Activity.all_objects.count(), TimelineEvent.objects.count())
    job = run(
        make_job(admin, "Subject,Contact Email\nA,ada@example.com\nB,ada@example.com\n", target="activities")
    )
    assert import_undo(job=job, by=admin) == {"deleted": 2, "trashed": 0, "restored": 0}
    assert (Activity.all_objects.count(), TimelineEvent.objects.count()) == counts


def test_outsider_cannot_log_activities_on_another_teams_records_or_for_their_users(teammate, outsider):
    make_contact(by=teammate, emails=["tom.c@example.com"])
    make_company(by=teammate, name="Team A Corp")
    text = (
        "Subject,Contact Email,Company,Assigned To\n"
        f"A,tom.c@example.com,,\nB,,,{teammate.email}\nC,,Team A Corp,\nD,nobody@example.com,,\nE,,No Such Corp,\n"
    )
    job = run(make_job(outsider, text, target="activities"))
    assert job.rejected_count == 5
    # Another team's contact and company read exactly like ones that do not exist: no team is named.
    assert list(
        ImportRow.objects.filter(job=job).order_by("row_number").values_list("reason", flat=True)
    ) == [
        "Contact Email: There is no contact with the email 'tom.c@example.com'; import or add the contact first, or fix the email.",
        f"Assigned To: You can give activities only to yourself, not to '{teammate.email}'; leave the owner empty, or ask a manager or an administrator to do it.",
        "Company: There is no company 'Team A Corp'; import or add it under Companies first, or fix the name or domain.",
        "Contact Email: There is no contact with the email 'nobody@example.com'; import or add the contact first, or fix the email.",
        "Company: There is no company 'No Such Corp'; import or add it under Companies first, or fix the name or domain.",
    ]
    assert Activity.objects.count() == 0


def test_a_deal_name_another_team_also_uses_links_to_the_importers_own_deal(teammate, outsider, pipeline):
    make_deal(by=teammate, pipeline=pipeline, name="Renewal")
    mine = make_deal(by=outsider, pipeline=pipeline, name="Renewal")
    job = run(make_job(outsider, "Subject,Deal\nCall about it,Renewal\n", target="activities"))
    # Only deals the importer may see count: the other team's namesake does not make the name ambiguous.
    assert (job.created_count, job.rejected_count) == (1, 0)
    assert Activity.objects.get().deal == mine
