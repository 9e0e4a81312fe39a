"""Large files are checked in the background: a progress bar, a stop button, and a report that is always the
one of the current settings (a check of earlier settings stops, or is dropped when it finishes late)."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob
from rapport.imports.services import jobs
from rapport.imports.services.jobs import (
    CheckSuperseded,
    check_stalled,
    import_check_begin,
    import_dry_run,
    import_job_configure,
    import_start,
)
from rapport.imports.services.readers import rows_estimate
from rapport.imports.services.rejected import dry_run_rejected_path, rejected_rows_csv
from rapport.imports.tasks import import_dry_run_task
from tests.imports.helpers import make_job, xlsx_bytes

CSV = "First Name,Last Name,Email\nAda,Lovelace,ada@example.com\nBob,Brown,not-an-email\nCy,Young,cy@example.com\n"
FORM = {"map_0": "first_name", "map_1": "last_name", "map_2": "email", "mode": "create", "match_key": "email",
        "default_country": "DE", "date_order": "DMY", "delimiter": ",", "encoding": "utf-8", "action": "check"}


def page(response) -> str:
    return html.unescape(response.content.decode())


def leftovers(job: ImportJob) -> list[str]:
    """The dry-run files next to the upload (rejected rows of any version, half-written ones)."""
    upload = Path(job.file.path)
    return sorted(p.name.removeprefix(upload.name) for p in upload.parent.glob(f"{upload.name}.*"))


@pytest.fixture
def large(monkeypatch):
    """Every file counts as large: the page checks it in the background."""
    monkeypatch.setattr(jobs, "SYNC_DRY_RUN_BYTES", 0)


def test_a_large_file_is_checked_in_the_background_with_a_progress_bar(teammate, client_for, large,
                                                                       django_capture_on_commit_callbacks):
    job = make_job(teammate, CSV)
    client = client_for(teammate)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("import-configure", args=[job.pk]), FORM)
    assert response.status_code == 302 and len(queued) == 1  # the task goes to the worker once committed
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKING and job.estimated_rows == 3 and job.percent == 0
    shown = page(client.get(reverse("import-detail", args=[job.pk])))
    assert "Dry run: checking the whole file" in shown
    assert "Waiting for the background worker to start the check of about 3 rows." in shown
    assert 'hx-trigger="every 1s"' in shown and "Stop the check and change the settings" in shown
    assert 'name="map_0"' not in shown  # the settings form is not offered while the check runs
    # The worker's run (what the queued callback enqueues): the report replaces the progress bar.
    assert import_dry_run_task.call(job.pk, job.settings_version) == "checked"
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    assert (job.dry_run["created"], job.dry_run["rejected"]) == (2, 1)
    polled = client.get(reverse("import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    shown = page(client.get(reverse("import-detail", args=[job.pk])))
    assert "Dry run: what would happen" in shown and "Download the 1 rejected row" in shown
    download = b"".join(client.get(reverse("import-rejected", args=[job.pk])).streaming_content).decode()
    assert "not-an-email" in download


def test_the_bar_moves_with_the_rows_checked_and_stops_short_of_done(teammate, client_for):
    job = make_job(teammate, CSV)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKING, dry_run={"estimated_rows": 4000},
                                               next_row=1000, heartbeat_at=timezone.now())
    job.refresh_from_db()
    assert job.percent == 25
    polled = client_for(teammate).get(reverse("import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled  # still checking: the bar goes on polling
    assert "25 % · row 1,000 of about 4,000." in page(polled)
    ImportJob.objects.filter(pk=job.pk).update(next_row=4100)  # the estimate was low
    job.refresh_from_db()
    assert job.percent == 99


def test_a_check_follows_its_heartbeat_and_stops_when_the_settings_change_mid_way(teammate, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 1)
    job = make_job(teammate, CSV)
    import_dry_run(job=job, by=teammate)  # an earlier check, with its rejected rows
    earlier = dry_run_rejected_path(job)
    job = import_check_begin(job=job, by=teammate)
    version = job.settings_version
    beats = []

    def change_settings(current: ImportJob) -> None:
        beats.append(ImportJob.objects.get(pk=current.pk).next_row)
        if len(beats) == 1:  # someone changes a setting while the worker reads the file
            import_job_configure(job=ImportJob.objects.get(pk=current.pk), by=teammate, mode="create")

    with pytest.raises(CheckSuperseded, match="were changed"):
        import_dry_run(job=ImportJob.objects.get(pk=job.pk), by=teammate, version=version,
                       progress=change_settings)
    assert beats == [2]  # the first batch's checkpoint was written with the heartbeat, then the check stopped
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and job.dry_run == {} and job.settings_version == version + 1
    assert not any(name.endswith(".part") for name in leftovers(job))
    assert earlier is not None and earlier.exists()  # kept until a later check has its own...
    served = "".join(rejected_rows_csv(job))
    assert "not-an-email" not in served  # ...but not served: it was found with other settings
    import_dry_run(job=job, by=teammate)
    assert leftovers(job) == [f".dry-run-rejected.{job.settings_version}.csv"]
    assert "not-an-email" in "".join(rejected_rows_csv(job))


def test_a_check_of_earlier_settings_finishing_late_is_dropped(teammate):
    job = make_job(teammate, CSV)
    job = import_check_begin(job=job, by=teammate)
    late = job.settings_version
    job = import_job_configure(job=ImportJob.objects.get(pk=job.pk), by=teammate,
                               mapping={"0": "first_name", "1": "last_name"}, mode="create")  # no email now
    report = import_dry_run(job=job, by=teammate)
    assert report["rejected"] == 0
    assert import_dry_run_task.call(job.pk, late) == "superseded"
    with pytest.raises(CheckSuperseded, match="were changed"):
        import_dry_run(job=ImportJob.objects.get(pk=job.pk), by=teammate, version=late)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and job.dry_run["rejected"] == 0  # the current report stands
    assert leftovers(job) == [f".dry-run-rejected.{job.settings_version}.csv"]  # the late check left nothing


def test_stopping_a_check_goes_back_to_the_settings(teammate, client_for, large,
                                                    django_capture_on_commit_callbacks):
    job = make_job(teammate, CSV)
    client = client_for(teammate)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("import-configure", args=[job.pk]), FORM)
    version = ImportJob.objects.get(pk=job.pk).settings_version
    with pytest.raises(ValidationError, match="still being checked"):
        import_start(job=ImportJob.objects.get(pk=job.pk), by=teammate)
    again = page(client.post(reverse("import-recheck", args=[job.pk]), follow=True))
    assert "The file is being checked now; this page shows the report when the check is done." in again
    assert ImportJob.objects.get(pk=job.pk).settings_version == version  # asking again does not restart it
    response = client.post(reverse("import-edit", args=[job.pk]), follow=True)
    shown = page(response)
    assert "The check was stopped. Change the settings and check the file again." in shown
    assert 'name="map_0"' in shown
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and job.settings_version == version + 1
    assert import_dry_run_task.call(job.pk, version) == "superseded"  # the worker comes to it later
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and job.dry_run == {}


def test_a_stalled_check_says_so_and_a_moving_one_does_not(teammate, client_for):
    job = make_job(teammate, CSV)
    start = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKING, heartbeat_at=start)
    job.refresh_from_db()
    assert not check_stalled(job, now=start + dt.timedelta(minutes=1))
    assert check_stalled(job, now=start + dt.timedelta(minutes=3))
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=start - dt.timedelta(minutes=5))
    shown = page(client_for(teammate).get(reverse("import-detail", args=[job.pk])))
    assert "The check has not moved for over two minutes" in shown


def test_a_stalled_check_can_be_started_again_and_the_lost_one_is_dropped(teammate, client_for, large,
                                                                          django_capture_on_commit_callbacks):
    job = make_job(teammate, CSV)
    client = client_for(teammate)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("import-configure", args=[job.pk]), FORM)
    lost = ImportJob.objects.get(pk=job.pk).settings_version
    # The worker that had the check was restarted: the job has not moved for five minutes.
    ImportJob.objects.filter(pk=job.pk).update(next_row=20000,
                                               heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    shown = page(client.get(reverse("import-detail", args=[job.pk])))
    assert f'action="{reverse("import-recheck", args=[job.pk])}"' in shown and "Start the check again" in shown
    with django_capture_on_commit_callbacks(execute=False) as queued:
        again = page(client.post(reverse("import-recheck", args=[job.pk]), follow=True))
    assert "The check starts again from the first row." in again and len(queued) == 1
    job.refresh_from_db()
    assert (job.status, job.settings_version, job.next_row) == (JobStatus.CHECKING, lost + 1, 0)
    assert import_dry_run_task.call(job.pk, lost + 1) == "checked"  # the worker takes the new check
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and job.dry_run["created"] == 2
    assert import_dry_run_task.call(job.pk, lost) == "superseded"  # the lost one, if it ever comes back
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and job.dry_run["created"] == 2


def test_the_worker_leaves_a_job_deleted_before_it_came_alone(teammate):
    job = make_job(teammate, CSV)
    job = import_check_begin(job=job, by=teammate)
    version = job.settings_version
    ImportJob.objects.filter(pk=job.pk).delete()
    assert import_dry_run_task.call(job.pk, version) == "deleted"
    assert leftovers(job) == []


def test_a_file_the_worker_cannot_check_goes_back_to_the_settings_with_the_reason(teammate, client_for):
    job = make_job(teammate, "First Name,Last Name,Email\nAda,Lovelace,ada@example.com\n")
    job = import_check_begin(job=job, by=teammate)
    Path(job.file.path).write_text("First Name,Last Name,Email\n")  # the rows are gone by the time it reads
    assert import_dry_run_task.call(job.pk, job.settings_version) == "invalid"
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and job.error.startswith("The file has a header but no data rows")
    shown = page(client_for(teammate).get(reverse("import-detail", args=[job.pk])))
    assert "The file has a header but no data rows" in shown and 'name="map_0"' in shown


def test_changing_the_settings_drops_the_last_reports_rejected_rows(teammate, client_for):
    job = make_job(teammate, CSV)
    import_dry_run(job=job, by=teammate)
    client = client_for(teammate)
    before = b"".join(client.get(reverse("import-rejected", args=[job.pk])).streaming_content).decode()
    assert "not-an-email" in before
    client.post(reverse("import-configure", args=[job.pk]), {**FORM, "action": "save"})
    after = b"".join(client.get(reverse("import-rejected", args=[job.pk])).streaming_content).decode()
    assert "not-an-email" not in after and after.splitlines() == [before.splitlines()[0]]


def test_a_deleted_import_takes_every_dry_run_file_with_it(teammate, django_capture_on_commit_callbacks):
    job = make_job(teammate, CSV)
    import_dry_run(job=job, by=teammate)
    first = dry_run_rejected_path(job)
    job = import_check_begin(job=job, by=teammate)
    assert first is not None and first.exists() and dry_run_rejected_path(job) != first
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_delete(job=ImportJob.objects.get(pk=job.pk), by=teammate)
    assert leftovers(job) == [] and not Path(job.file.path).exists()


def test_another_users_check_cannot_be_stopped(teammate, outsider, client_for):
    job = make_job(teammate, CSV)
    job = import_check_begin(job=job, by=teammate)
    response = client_for(outsider).post(reverse("import-edit", args=[job.pk]))
    assert response.status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.CHECKING


@pytest.mark.parametrize(("text", "expected"), [
    ("A,B\n1,2\n3,4\n", 2),
    ("A,B\n1,2\n3,4", 2),  # no line break after the last row
    ("A,B\r\n1,2\r\n3,4\r\n", 2),
    ("A,B\n", 0),
])
def test_the_row_estimate_counts_line_breaks(tmp_path, text, expected):
    path = tmp_path / "f.csv"
    path.write_text(text, newline="")
    assert rows_estimate(path, {}) == expected


def test_the_row_estimate_reads_utf16_and_a_sheets_dimension(tmp_path):
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("Name,Email\nÅsa,a@x.se\nÖrn,o@x.se\n".encode("utf-16"))
    assert rows_estimate(utf16, {"encoding": "utf-16"}) == 2
    book = tmp_path / "b.xlsx"
    book.write_bytes(xlsx_bytes({"Intro": [["x"]], "People": [["Name"], ["Ada"], ["Bob"], ["Cy"]]}))
    assert rows_estimate(book, {"format": "xlsx", "sheet": "People"}) == 3
    assert rows_estimate(book, {"format": "xlsx", "sheet": "Missing"}) is None


def test_the_estimate_of_a_million_rows_is_read_in_one_pass(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("Email\n")
        f.writelines(f"p{i}@example.com\n" for i in range(1_000_000))
    assert rows_estimate(path, {}) == 1_000_000



def test_the_api_checks_a_large_file_in_the_background_and_is_followed_by_get(teammate, client_for, large,
                                                                              django_capture_on_commit_callbacks):
    job = make_job(teammate, CSV)
    client = client_for(teammate)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(f"/api/v1/imports/{job.pk}/dry-run")
    assert response.status_code == 202 and len(queued) == 1
    body = response.json()
    assert (body["status"], body["percent"], body["dry_run"]) == ("checking", 0, {"estimated_rows": 3})
    refused = client.post(f"/api/v1/imports/{job.pk}/start")
    assert refused.status_code == 422 and "still being checked" in refused.json()["detail"]
    import_dry_run_task.call(job.pk, ImportJob.objects.get(pk=job.pk).settings_version)
    followed = client.get(f"/api/v1/imports/{job.pk}").json()
    assert followed["status"] == "checked"
    assert (followed["dry_run"]["created"], followed["dry_run"]["rejected"]) == (2, 1)


def test_the_api_checks_a_small_file_at_once(teammate, client_for):
    job = make_job(teammate, CSV)
    response = client_for(teammate).post(f"/api/v1/imports/{job.pk}/dry-run")
    assert response.status_code == 200 and response.json()["status"] == "checked"
