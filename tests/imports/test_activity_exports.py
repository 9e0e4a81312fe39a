"""Activity exports of Zoho CRM and Pipedrive: completed dates, durations, done/open words, due dates and times."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.activities.models import Activity
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.imports.services.mapping import mapping_suggest
from tests.factories import make_contact
from tests.imports.helpers import make_job

UTC = dt.UTC


def run(job):
    return import_run(job.pk)


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


@pytest.fixture
def ada(admin):
    return make_contact(by=admin, first_name="Ada", emails=["ada@example.com"])


# ------------------------------------------------------------ completed dates

ZOHO_CALLS = (
    "Record Id,Subject,Call Type,Call Start Time,Call Duration,Call Status,Contact Email\n"
    "Z1,Intro call,Outbound,2025-12-01 10:00,05:30,Completed,ada@example.com\n"
    "Z2,Follow-up call,Outbound,2025-12-03 16:15,30 minutes,Completed,ada@example.com\n"
)
ZOHO_CALL_MAPPING = {
    "0": "external_id",
    "1": "subject",
    "3": "starts_at",
    "4": "duration_minutes",
    "5": "status",
    "6": "contact",
}


def test_a_completed_call_is_done_when_it_started_not_when_it_was_imported(admin, ada):
    job = run(
        make_job(admin, ZOHO_CALLS, target="activities", mapping=ZOHO_CALL_MAPPING, mode="create_or_update")
    )
    assert (job.created_count, job.rejected_count) == (2, 0)
    # "Call Type" is not mapped: a row with a start is a meeting, which has done when it ended (no end: started).
    assert {a.subject: (a.done_at, a.duration_minutes) for a in Activity.objects.all()} == {
        "Intro call": (at(2025, 12, 1, 10, 0) + dt.timedelta(minutes=330), 330),
        "Follow-up call": (at(2025, 12, 3, 16, 45), 30),
    }


def test_importing_the_same_completed_calls_again_changes_nothing(admin, ada):
    mapping = {**ZOHO_CALL_MAPPING, "2": "kind"}
    text = ZOHO_CALLS.replace("Outbound", "Call")
    run(make_job(admin, text, target="activities", mapping=mapping, mode="create_or_update"))
    assert dict(Activity.objects.values_list("subject", "done_at")) == {
        "Intro call": at(2025, 12, 1, 10, 0),
        "Follow-up call": at(2025, 12, 3, 16, 15),
    }
    again = make_job(admin, text, target="activities", mapping=mapping, mode="create_or_update")
    report = import_dry_run(job=again, by=admin)
    assert (report["created"], report["updated"], report["skipped"]) == (0, 0, 2)
    job = run(again)
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 2)
    ids = dict(Activity.objects.values_list("subject", "id"))
    assert sorted(ImportRow.objects.filter(job=job).values_list("reason", flat=True)) == [
        f"Activity #{ids['Intro call']} already has these values; nothing changed.",
        f"Activity #{ids['Follow-up call']} already has these values; nothing changed.",
    ]


def test_done_tasks_take_their_end_start_due_or_created_date_in_that_order(admin, ada):
    text = (
        "Id,Type,Subject,Contact Email,Start,End,Due Date,Created Time,Status\n"
        "T1,Meeting,Review,ada@example.com,2025-11-20 09:00,2025-11-20 10:30,2025-11-19,2025-11-01,Completed\n"
        "T2,Task,Send offer,ada@example.com,,,2025-11-21 17:00,2025-11-02 08:00,Done\n"
        "T3,Task,Old one,ada@example.com,,,,2025-11-03 08:00,Erledigt\n"
        "T4,Task,Nothing known,ada@example.com,,,,,Closed\n"
        "T5,Task,Ahead,ada@example.com,,,2099-01-01,,Completed\n"
    )
    mapping = {
        "0": "external_id",
        "1": "kind",
        "2": "subject",
        "3": "contact",
        "4": "starts_at",
        "5": "ends_at",
        "6": "due_at",
        "7": "created_at",
        "8": "status",
    }
    before = dt.datetime.now(UTC)
    job = run(make_job(admin, text, target="activities", mapping=mapping))
    after = dt.datetime.now(UTC)
    assert job.created_count == 5
    done = dict(Activity.objects.values_list("subject", "done_at"))
    assert (done["Review"], done["Send offer"], done["Old one"]) == (
        at(2025, 11, 20, 10, 30),
        at(2025, 11, 21, 17, 0),
        at(2025, 11, 3, 8, 0),
    )
    # No time of its own: the import's; a due date ahead: done by now, not in the future.
    assert before <= done["Nothing known"] <= after
    assert before <= done["Ahead"] <= after


def test_a_completed_date_column_still_wins(admin, ada):
    text = (
        "Id,Subject,Contact Email,Due Date,Status,Closed Time\n"
        "T1,Offer,ada@example.com,2025-11-21,Completed,2025-11-25 12:00\n"
    )
    mapping = {
        "0": "external_id",
        "1": "subject",
        "2": "contact",
        "3": "due_at",
        "4": "status",
        "5": "done_at",
    }
    run(make_job(admin, text, target="activities", mapping=mapping))
    assert Activity.objects.get().done_at == at(2025, 11, 25, 12, 0)


def test_updating_an_activity_already_done_keeps_when_it_was_done(admin, ada):
    text = "Id,Type,Subject,Contact Email,Due Date,Status\nT1,Task,Call back,ada@example.com,2025-11-10 09:00,Not started\n"
    run(make_job(admin, text, target="activities"))
    task = Activity.objects.get()
    marked = at(2025, 11, 12, 15, 45)  # done in Rapport, on another day than the due date
    Activity.objects.filter(pk=task.pk).update(done_at=marked)
    done = text.replace("Not started", "Completed")
    job = run(make_job(admin, done, target="activities", mode="update"))
    assert (job.updated_count, job.skipped_count) == (0, 1)
    assert (
        ImportRow.objects.get(job=job).reason
        == f"Activity #{task.pk} already has these values; nothing changed."
    )
    task.refresh_from_db()
    assert task.done_at == marked


def test_an_update_marking_an_open_task_done_takes_the_stored_due_date(admin, ada):
    run(
        make_job(
            admin,
            "Id,Subject,Contact Email,Due Date\nT1,Call back,ada@example.com,2025-11-10 09:00\n",
            target="activities",
        )
    )
    job = run(make_job(admin, "Id,Status\nT1,Done\n", target="activities", mode="update"))
    assert job.updated_count == 1
    assert Activity.objects.get().done_at == at(2025, 11, 10, 9, 0)
    again = run(make_job(admin, "Id,Status\nT1,Done\n", target="activities", mode="update"))
    assert (again.updated_count, again.skipped_count) == (0, 1)


def test_a_logged_call_without_status_is_done_when_it_started(admin, ada):
    text = "Subject,Type,Contact Email,Start\nQuick call,Call,ada@example.com,2025-10-05 11:00\n"
    run(make_job(admin, text, target="activities"))
    assert Activity.objects.get().done_at == at(2025, 10, 5, 11, 0)


# ------------------------------------------------------------ durations

DURATIONS = {
    "30": 30,
    "30.0": 30,
    "00:30": 30,
    "01:30": 90,
    "05:30": 330,
    "1:30:00": 90,
    "0:29:40": 30,
    "30 min": 30,
    "30 minutes": 30,
    "1h 30m": 90,
    "1 h": 60,
    "90m": 90,
    "1.5 h": 90,
    "2 hours 15 minutes": 135,
}


def test_durations_in_minutes_hours_and_minutes_or_with_units(admin, ada):
    rows = "".join(f"Call,D{i},ada@example.com,{cell}\n" for i, cell in enumerate(DURATIONS))
    job = run(make_job(admin, "Type,Subject,Contact Email,Duration\n" + rows, target="activities"))
    assert (job.created_count, job.rejected_count) == (len(DURATIONS), 0)
    found = dict(Activity.objects.values_list("subject", "duration_minutes"))
    assert {cell: found[f"D{i}"] for i, cell in enumerate(DURATIONS)} == DURATIONS


def test_durations_that_are_not_durations_or_too_long_are_rejected(admin, ada):
    text = "Type,Subject,Contact Email,Duration\n" + (
        "Call,A,ada@example.com,half an hour\n"
        "Call,B,ada@example.com,25:00\n"
        "Call,C,ada@example.com,1:75\n"
        "Call,D,ada@example.com,2000\n"
    )
    job = run(make_job(admin, text, target="activities"))
    assert reasons(job) == {
        2: "Duration: 'half an hour' is not a duration; write minutes (30) or hours and minutes (1:30).",
        3: "Duration: Duration must be between 0 and 1440 (it is '25:00').",
        4: "Duration: '1:75' is not a duration; write minutes (30) or hours and minutes (1:30).",
        5: "Duration: Duration must be between 0 and 1440 (it is '2000').",
    }


# ------------------------------------------------------------ done and open words


def test_pipedrive_not_done_and_zoho_waiting_are_open(admin, ada):
    words = [
        "Not done",
        "not completed",
        "Undone",
        "Incomplete",
        "Open",
        "Waiting for input",
        "Waiting on someone else",
        "nicht erledigt",
        "offen",
        "non fait",
        "à faire",
    ]
    rows = "".join(f"Task,W{i},ada@example.com,{word}\n" for i, word in enumerate(words))
    rows += f"Task,W{len(words)},ada@example.com,Done\n"
    job = run(make_job(admin, "Type,Subject,Contact Email,Done\n" + rows, target="activities"))
    assert (job.created_count, job.rejected_count) == (len(words) + 1, 0)
    done = dict(Activity.objects.values_list("subject", "done_at"))
    assert [done[f"W{i}"] for i in range(len(words))] == [None] * len(words)
    assert done[f"W{len(words)}"] is not None


def test_a_status_that_is_neither_is_still_rejected(admin, ada):
    job = run(
        make_job(
            admin, "Type,Subject,Contact Email,Status\nTask,A,ada@example.com,Maybe\n", target="activities"
        )
    )
    assert reasons(job) == {
        2: "Status: Status 'Maybe' is neither done nor open; use Completed or Not started."
    }


# ------------------------------------------------------------ due date and time, meetings

PIPEDRIVE = (
    "ID,Type,Subject,Due date,Due time,Duration,Done,Person email\n"
    "P1,Meeting,Demo,2025-12-05,14:30,01:30,Not done,ada@example.com\n"
    "P2,Call,Check in,2025-12-06,09:15,00:30,Done,ada@example.com\n"
    "P3,Meeting,All day,2025-12-07,,,Not done,ada@example.com\n"
    "P4,Task,Send it,2025-12-08,2:30 PM,,Not done,ada@example.com\n"
)
PIPEDRIVE_MAPPING = {
    "0": "external_id",
    "1": "kind",
    "2": "subject",
    "3": "due_at",
    "4": "due_time",
    "5": "duration_minutes",
    "6": "status",
    "7": "contact",
}


def test_pipedrive_meetings_start_at_their_due_date_and_time(admin, ada):
    job = run(make_job(admin, PIPEDRIVE, target="activities", mapping=PIPEDRIVE_MAPPING))
    assert (job.created_count, job.rejected_count) == (4, 0)
    got = {a.subject: (a.kind, a.due_at, a.starts_at, a.ends_at, a.done_at) for a in Activity.objects.all()}
    assert got == {
        "Demo": ("meeting", at(2025, 12, 5, 14, 30), at(2025, 12, 5, 14, 30), at(2025, 12, 5, 16, 0), None),
        "Check in": ("call", at(2025, 12, 6, 9, 15), None, None, at(2025, 12, 6, 9, 15)),
        "All day": ("meeting", at(2025, 12, 7), at(2025, 12, 7), None, None),
        "Send it": ("task", at(2025, 12, 8, 14, 30), None, None, None),
    }


def test_importing_the_pipedrive_file_again_changes_nothing(admin, ada):
    run(make_job(admin, PIPEDRIVE, target="activities", mapping=PIPEDRIVE_MAPPING))
    job = run(
        make_job(admin, PIPEDRIVE, target="activities", mapping=PIPEDRIVE_MAPPING, mode="create_or_update")
    )
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 4)


def test_the_due_time_is_in_the_imports_time_zone(admin, ada, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    run(make_job(admin, PIPEDRIVE, target="activities", mapping=PIPEDRIVE_MAPPING))
    demo = Activity.objects.get(subject="Demo")
    assert (demo.starts_at, demo.ends_at) == (at(2025, 12, 5, 13, 30), at(2025, 12, 5, 15, 0))


def test_a_due_time_goes_with_the_start_when_there_is_no_due_date(admin, ada):
    text = "Subject,Type,Contact Email,Start,Due time\nPrep,Task,ada@example.com,2025-12-09 08:00,11:45\n"
    mapping = {"0": "subject", "1": "kind", "2": "contact", "3": "starts_at", "4": "due_time"}
    run(make_job(admin, text, target="activities", mapping=mapping))
    prep = Activity.objects.get()
    assert (prep.starts_at, prep.due_at) == (at(2025, 12, 9, 8, 0), at(2025, 12, 9, 11, 45))


def test_bad_due_times_and_meetings_without_any_date_are_rejected(admin, ada):
    text = (
        "Type,Subject,Contact Email,Due date,Due time\n"
        "Task,A,ada@example.com,2025-12-05,half past two\n"
        "Task,B,ada@example.com,,14:30\n"
        "Meeting,C,ada@example.com,,\n"
    )
    mapping = {"0": "kind", "1": "subject", "2": "contact", "3": "due_at", "4": "due_time"}
    job = run(make_job(admin, text, target="activities", mapping=mapping))
    assert reasons(job) == {
        2: "Due time: 'half past two' is not a time of day; write it like 14:30.",
        3: "Due time: A due time needs a date; map a Due date column.",
        4: "A meeting needs its start; map a Start column or import it as a note.",
    }


def test_a_meeting_with_a_start_and_a_duration_ends_after_it(admin, ada):
    text = (
        "Type,Subject,Contact Email,Start,Duration\nMeeting,Lunch,ada@example.com,2025-12-10 12:00,1h 15m\n"
    )
    run(make_job(admin, text, target="activities"))
    lunch = Activity.objects.get()
    assert (lunch.starts_at, lunch.ends_at, lunch.duration_minutes) == (
        at(2025, 12, 10, 12, 0),
        at(2025, 12, 10, 13, 15),
        75,
    )


def test_the_due_time_header_is_suggested(admin):
    assert mapping_suggest("activities", PIPEDRIVE.splitlines()[0].split(","))["4"] == "due_time"
