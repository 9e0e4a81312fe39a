"""Deleting imports that never wrote a row (uploaded, maybe checked, never imported): page, API and service."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from rapport.contacts.models import Contact
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob, ImportRow
from rapport.imports.services.jobs import import_dry_run, import_job_delete, import_run
from rapport.imports.services.rejected import dry_run_rejected_path
from tests.imports.helpers import make_job

CSV = "First Name,Email\nAda,ada@example.com\nBob,not-an-email\n"
WROTE_ROWS = (
    "This import has written rows, so it cannot be deleted: undo it instead, which takes back what it "
    "created and changed (undo needs the import and its rows)."
)


def ran(job: ImportJob) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    return import_run(job.pk)


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_owner_deletes_a_checked_import_with_its_rows_and_files(
    teammate, client_for, django_capture_on_commit_callbacks
):
    job = make_job(teammate, CSV)
    import_dry_run(job=job, by=teammate)
    upload, rejected = Path(job.file.path), dry_run_rejected_path(job)
    assert upload.exists() and rejected is not None and rejected.exists()
    # Row outcomes of the job go with it (a job that wrote nothing has none but what a failed start left).
    ImportRow.objects.create(job=job, row_number=3, outcome="rejected", reason="Email: not valid.")
    client = client_for(teammate)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-delete", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("import-list")
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not ImportRow.objects.filter(job_id=job.pk).exists()
    assert not upload.exists() and not rejected.exists()
    listing = page(client.get(reverse("import-list")))
    assert f"Import #{job.pk} (contacts.csv) deleted, with its uploaded file." in listing
    assert "No imports yet." in listing


def test_the_list_offers_delete_only_for_imports_that_wrote_nothing(teammate, client_for):
    draft = make_job(teammate, CSV, name="draft.csv")
    done = ran(make_job(teammate, CSV, name="done.csv"))
    assert done.status == JobStatus.DONE
    listing = client_for(teammate).get(reverse("import-list")).content.decode()
    assert f'action="{reverse("import-delete", args=[draft.pk])}"' in listing
    assert f'action="{reverse("import-delete", args=[done.pk])}"' not in listing
    assert f"return confirm('Delete import #{draft.pk} (draft.csv)?" in listing


def test_the_detail_page_offers_delete_before_the_import_runs_and_not_after(teammate, client_for):
    job = make_job(teammate, CSV)
    client = client_for(teammate)
    delete = f'action="{reverse("import-delete", args=[job.pk])}"'
    assert delete in client.get(reverse("import-detail", args=[job.pk])).content.decode()
    import_dry_run(job=job, by=teammate)
    assert delete in client.get(reverse("import-detail", args=[job.pk])).content.decode()
    ran(job)
    detail = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert delete not in detail and "Undo this import" in detail


def test_a_file_name_with_quotes_cannot_break_out_of_the_confirm_script(teammate, client_for):
    job = make_job(teammate, CSV, name="x');alert(1);('.csv")
    detail = client_for(teammate).get(reverse("import-detail", args=[job.pk])).content.decode()
    assert f"Delete import #{job.pk} (x\\u0027)\\u003Balert(1)\\u003B(\\u0027.csv)?" in detail
    assert "x');alert" not in detail


def test_another_users_import_is_not_found_and_stays(teammate, outsider, client_for):
    job = make_job(teammate, CSV)
    response = client_for(outsider).post(reverse("import-delete", args=[job.pk]))
    assert response.status_code == 404
    assert ImportJob.objects.filter(pk=job.pk).exists() and Path(job.file.path).exists()
    assert client_for(outsider).post(reverse("import-delete", args=[987654])).status_code == 404


def test_an_admin_may_delete_anyones_unstarted_import(
    admin, teammate, client_for, django_capture_on_commit_callbacks
):
    job = make_job(teammate, CSV)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(reverse("import-delete", args=[job.pk]))
    assert response.status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists() and not Path(job.file.path).exists()


def test_deleting_an_import_that_wrote_rows_is_refused_with_a_sentence(teammate, client_for):
    job = ran(make_job(teammate, CSV))
    assert (job.created_count, job.rejected_count) == (1, 1)
    response = client_for(teammate).post(reverse("import-delete", args=[job.pk]))
    assert response.status_code == 409
    assert WROTE_ROWS in page(response)
    assert ImportJob.objects.filter(pk=job.pk).exists() and Path(job.file.path).exists()
    assert ImportRow.objects.filter(job=job, outcome="rejected").count() == 1
    assert Contact.objects.filter(email="ada@example.com").exists()


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (
            JobStatus.RUNNING,
            "This import is running; wait until it finishes, then undo it if you do not want what "
            "it imported.",
        ),
        (
            JobStatus.UNDONE,
            "This import wrote records and was undone; it stays in the list as the record of what was "
            "imported and taken back.",
        ),
        (JobStatus.DONE, WROTE_ROWS),
    ],
)
def test_running_finished_and_undone_imports_are_not_deleted(teammate, client_for, status, sentence):
    job = make_job(teammate, CSV)
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    response = client_for(teammate).post(reverse("import-delete", args=[job.pk]))
    assert response.status_code == 409
    assert sentence in page(response)
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_a_failed_import_may_be_deleted_only_if_it_stopped_before_writing(teammate, client_for):
    before = make_job(teammate, CSV, name="before.csv")
    ImportJob.objects.filter(pk=before.pk).update(
        status=JobStatus.FAILED, error="The import stopped unexpectedly."
    )
    after = make_job(teammate, CSV, name="after.csv")
    ImportJob.objects.filter(pk=after.pk).update(status=JobStatus.FAILED, next_row=2, created_count=1)
    client = client_for(teammate)
    assert client.post(reverse("import-delete", args=[after.pk])).status_code == 409
    assert client.post(reverse("import-delete", args=[before.pk])).status_code == 302
    assert list(ImportJob.objects.values_list("original_name", flat=True)) == ["after.csv"]


def test_a_queued_import_deleted_before_the_worker_claims_it_is_not_run(teammate):
    job = make_job(teammate, CSV)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    job.refresh_from_db()
    import_job_delete(job=job, by=teammate)
    with pytest.raises(ValidationError, match="This import was deleted before it started."):
        import_run(job.pk)
    assert Contact.objects.count() == 0


def test_a_dry_run_of_an_import_deleted_meanwhile_leaves_no_file_behind(teammate):
    job = make_job(teammate, CSV)
    ImportJob.objects.filter(pk=job.pk).delete()  # deleted while the background check reads the file
    with pytest.raises(ValidationError, match="This import was deleted while its file was being checked."):
        import_dry_run(job=job, by=teammate)
    rejected = dry_run_rejected_path(job)
    assert rejected is not None and not rejected.exists()


def test_delete_only_answers_a_post_with_its_csrf_token(teammate, client_for):
    job = make_job(teammate, CSV)
    assert client_for(teammate).get(reverse("import-delete", args=[job.pk])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teammate)
    assert strict.post(reverse("import-delete", args=[job.pk])).status_code == 403
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_the_api_deletes_an_unstarted_import_and_refuses_one_that_wrote_rows(
    teammate, outsider, client_for, django_capture_on_commit_callbacks
):
    draft = make_job(teammate, CSV)
    done = ran(make_job(teammate, CSV))
    client = client_for(teammate)
    assert client_for(outsider).delete(f"/api/v1/imports/{draft.pk}").status_code == 404
    refused = client.delete(f"/api/v1/imports/{done.pk}")
    assert refused.status_code == 409
    assert refused.json() == {"detail": WROTE_ROWS, "errors": {}}
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(f"/api/v1/imports/{draft.pk}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(f"/api/v1/imports/{draft.pk}").status_code == 404
    assert not Path(draft.file.path).exists()
    assert ImportJob.objects.filter(pk=done.pk).exists()
