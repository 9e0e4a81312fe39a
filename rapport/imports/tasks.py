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
def import_dry_run_task(job_id: int) -> str:
    """Dry-run an import job (large files are checked in the background too)."""
    from rapport.imports.models import ImportJob
    from rapport.imports.services.jobs import import_dry_run
    from rapport.imports.services.value_maps import unknown_values

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        import_dry_run(job=job, by=job.created_by)
    except ValidationError as exc:
        ImportJob.objects.filter(pk=job_id).update(error=" ".join(exc.messages))
        return "invalid"
    # The values no choice knows, found now so that the page shows them without a second read.
    unknown_values(job, job.created_by)
    return "checked"
