"""Start analytics runs in the background, and the nightly sequence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from rapport.analytics.models import AnalyticsRun, RunKind, RunStatus
from rapport.analytics.services.runs import ensure_can_recalculate, run_create, run_execute


def recalculate(*, kind: str, by: Any, as_of: dt.date | None = None, params: dict[str, Any] | None = None
                ) -> AnalyticsRun:
    """Queue a run and hand it to the task worker; the page polls the run for progress."""
    from rapport.analytics.tasks import analytics_run_task

    ensure_can_recalculate(by)
    busy = AnalyticsRun.objects.filter(kind=kind, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
    if busy is not None:
        return busy
    run = run_create(kind=kind, as_of=as_of, params=params, by=by)
    transaction.on_commit(lambda: analytics_run_task.enqueue(run.pk))
    return run


def nightly(as_of: dt.date | None = None) -> list[AnalyticsRun]:
    """Rebuild summaries, then RFM, ABC, CLV and KPIs in this process (for cron or a systemd timer)."""
    runs = []
    for kind in (RunKind.SUMMARY, RunKind.RFM, RunKind.ABC, RunKind.CLV, RunKind.KPI):
        run = run_create(kind=kind, as_of=as_of, by=None)
        runs.append(run_execute(run.pk))
    return runs
