"""Background work: analytics runs execute in the task worker (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def analytics_run_task(run_id: int) -> None:
    """Execute one queued analytics run (progress is written to the run as it goes)."""
    from rapport.analytics.services.runs import run_execute

    run_execute(run_id)


@task()
def analytics_nightly_task(claim_id: int) -> None:
    """Run the nightly recalculation of the day a worker claimed (safe to run twice: a finished day is skipped)."""
    from rapport.analytics.services.schedule import nightly_run_claimed

    nightly_run_claimed(claim_id)
