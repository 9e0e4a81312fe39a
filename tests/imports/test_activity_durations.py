"""Call durations as exports give them: minutes or h:mm (HubSpot, Pipedrive), or seconds (Salesforce's
CallDurationInSeconds), each kept in whole minutes; a column of seconds is never read as minutes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.activities.models import Activity
from rapport.imports.models import ImportRow
from rapport.imports.services.activities import duration_seconds_parse
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.imports.services.mapping import mapping_suggest
from tests.factories import make_contact
from tests.imports.helpers import make_job

SALESFORCE_TASKS = (
    "Subject,Contact Email,Task Subtype,CallDurationInSeconds\n"
    "Intro call,jane@example.com,Call,330\n"
    "Voicemail,jane@example.com,Call,20\n"
    "Missed,jane@example.com,Call,0\n"
    "Long,jane@example.com,Call,0:45:10\n"
    "Broken,jane@example.com,Call,about a minute\n"
    "Negative,jane@example.com,Call,-5\n"
)


@pytest.mark.parametrize(("cell", "minutes"), [("330", 6), ("329", 5), ("20", 1), ("0", 0), ("3600", 60),
                                               ("0:05:30", 6), ("1,234", 21)])
def test_seconds_become_whole_minutes_and_a_short_call_is_one(cell, minutes):
    assert duration_seconds_parse(cell) == minutes


@pytest.mark.parametrize("cell", ["-5", "about a minute", "86401"])
def test_what_is_no_number_of_seconds_is_refused_with_what_to_write(cell):
    with pytest.raises(ValidationError):
        duration_seconds_parse(cell)


def test_a_salesforce_task_export_reads_its_seconds(admin):
    jane = make_contact(by=admin, first_name="Jane", last_name="Doe", emails=["jane@example.com"])
    job = make_job(admin, SALESFORCE_TASKS, name="tasks.csv", target="activities")
    assert job.mapping["3"] == "duration_seconds"
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (4, 2)
    done = import_run(job.pk)
    assert (done.created_count, done.rejected_count) == (4, 2)
    assert dict(Activity.objects.filter(contact=jane).values_list("subject", "duration_minutes")) == {
        "Intro call": 6, "Voicemail": 1, "Missed": 0, "Long": 45}
    reasons = dict(ImportRow.objects.filter(job=done, outcome="rejected").values_list("row_number", "reason"))
    assert reasons[6] == ("CallDurationInSeconds: 'about a minute' is not a number of seconds; write it like 330 "
                          "(or 0:05:30).")
    assert reasons[7] == "CallDurationInSeconds: Duration must be between 0 and 86400 seconds (it is '-5')."


def test_minutes_stay_minutes_and_both_columns_at_once_are_refused(admin, db):
    suggested = mapping_suggest("activities", ["Subject", "Contact Email", "Call Duration", "Duration (seconds)"])
    assert (suggested["2"], suggested["3"]) == ("duration_minutes", "duration_seconds")
    job = make_job(admin, "Subject,Contact Email,Call Duration,Duration (seconds)\nX,a@example.com,5,300\n",
                   target="activities")
    with pytest.raises(ValidationError, match="Map one column to the duration, in minutes or in seconds"):
        import_job_configure(job=job, by=admin, mode="create")
