"""Background work of imports: take ids, safe to run twice (a second run finds the job claimed or done)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django_tasks import task


@task()
def import_run_task(job_id: int) -> str:
    """Run (or resume) an import job from its last checkpoint."""
    from rapport.imports.services.jobs import import_run

    try:
        job = import_run(job_id)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return job.status


@task()
def import_dry_run_task(job_id: int, version: int | None = None) -> str:
    """Dry-run an import job in the background (large files), for the settings `version` it was started for.

    Beats the job's heartbeat at every batch and stops there if the settings changed, the check was stopped
    or the job was deleted meanwhile; a job gone before the worker took the task is left alone.
    """
    from rapport.imports.choices import JobStatus
    from rapport.imports.models import ImportJob
    from rapport.imports.services.jobs import CheckSuperseded, import_dry_run
    from rapport.imports.services.value_maps import unknown_values

    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "deleted"
    if job.status != JobStatus.CHECKING or (version is not None and version != job.settings_version):
        return "superseded"
    version = job.settings_version
    try:
        import_dry_run(job=job, by=job.created_by, version=version)
    except CheckSuperseded:
        return "superseded"
    except ValidationError as exc:
        # Back to the settings, with the reason on the page (unless the settings changed meanwhile).
        ImportJob.objects.filter(pk=job_id, settings_version=version, status=JobStatus.CHECKING).update(
            status=JobStatus.DRAFT, error=" ".join(exc.messages)[:2000], next_row=0, dry_run={})
        return "invalid"
    # The values no choice knows, found now so that the page shows them without a second read.
    unknown_values(job, job.created_by)
    return "checked"
