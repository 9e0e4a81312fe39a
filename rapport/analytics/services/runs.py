"""The life of an analytics run: queue it, execute it (usually in the task worker), report progress, prune."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.analytics.models import AbcClass, AnalyticsRun, ClvScore, RfmScore, RunKind, RunStatus
from rapport.analytics.services.btyd import FitError
from rapport.analytics.services.sql import execute

log = logging.getLogger(__name__)
KEEP_RUNS = 3  # per kind: the current run, the previous one (movement) and one more


def ensure_can_recalculate(by: Any) -> None:
    from rapport.accounts.choices import Role
    from rapport.core.errors import NotAllowed

    if by is not None and not (by.is_admin or by.role == Role.MANAGER):
        raise NotAllowed("Only managers and administrators start analytics runs; the results are shown to everyone.")


def run_create(*, kind: str, as_of: dt.date | None = None, params: dict[str, Any] | None = None, by: Any = None
               ) -> AnalyticsRun:
    """Queue a run after checking who asks and what they ask for."""
    ensure_can_recalculate(by)
    if kind not in RunKind.values:
        raise ValidationError({"kind": [f"Choose one of {', '.join(RunKind.values)}."]})
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": ["The as-of date cannot be in the future."]})
    return AnalyticsRun.objects.create(kind=kind, as_of=as_of, params=params or {}, requested_by=by)


def run_progress(run: AnalyticsRun, percent: int, step: str) -> None:
    """Record progress (committed at once, so the page polling this run sees it move)."""
    run.progress, run.step = percent, step
    AnalyticsRun.objects.filter(pk=run.pk).update(progress=percent, step=step[:200])


def _runner(kind: str) -> Callable[[AnalyticsRun], dict[str, Any]]:
    from rapport.analytics.services import abc, clv, kpis, rfm, summary

    return {
        RunKind.RFM: rfm.rfm_compute,
        RunKind.ABC: abc.abc_compute,
        RunKind.CLV: clv.clv_compute,
        RunKind.KPI: kpis.kpi_compute,
        RunKind.SUMMARY: lambda run: {"customers": summary.purchase_summary_rebuild()},
    }[RunKind(kind)]


def run_execute(run_id: int) -> AnalyticsRun:
    """Execute a queued run; a run that cannot be computed ends as failed with the reason in its message."""
    run = AnalyticsRun.objects.get(pk=run_id)
    AnalyticsRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=1, step="Starting")
    try:
        result = _runner(run.kind)(run)
    except (ValidationError, FitError) as exc:
        _discard_rows(run)
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        AnalyticsRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, message=text, step="Stopped",
                                                      finished_at=timezone.now())
    except Exception:
        log.exception("Analytics run %s failed", run.pk)
        _discard_rows(run)
        AnalyticsRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, step="Stopped", finished_at=timezone.now(),
            message="The computation stopped on an unexpected error; the previous results are still shown. "
                    "Try again, and tell your administrator if it happens again.")
    else:
        AnalyticsRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, progress=100, step="Done", finished_at=timezone.now(), result=result,
            customers=int(result.get("customers", 0) or 0), message="\n".join(result.get("warnings", [])))
        run_prune(run.kind)
    run.refresh_from_db()
    return run


def _discard_rows(run: AnalyticsRun) -> None:
    for model in (RfmScore, AbcClass, ClvScore):
        execute(f"DELETE FROM {model._meta.db_table} WHERE run_id = %s", [run.pk])


def run_prune(kind: str, keep: int = KEEP_RUNS) -> None:
    """Delete the per-customer rows of old runs (raw DELETE: no objects loaded), keeping the latest `keep`."""
    old = list(AnalyticsRun.objects.filter(kind=kind, status=RunStatus.DONE).order_by("-finished_at", "-id")
               .values_list("pk", flat=True)[keep:])
    old += list(AnalyticsRun.objects.filter(kind=kind, status=RunStatus.FAILED,
                                            created_at__lt=timezone.now() - dt.timedelta(days=30))
                .values_list("pk", flat=True))
    if not old:
        return
    with transaction.atomic():
        for model in (RfmScore, AbcClass, ClvScore):
            marks = ", ".join(["%s"] * len(old))
            execute(f"DELETE FROM {model._meta.db_table} WHERE run_id IN ({marks})", old)
        AnalyticsRun.objects.filter(pk__in=old).delete()


def latest_run(kind: str, *, before: AnalyticsRun | None = None) -> AnalyticsRun | None:
    """The most recent finished run of a kind (or the one before a given run)."""
    runs = AnalyticsRun.objects.filter(kind=kind, status=RunStatus.DONE)
    if before is not None:
        runs = runs.exclude(pk=before.pk).filter(finished_at__lte=before.finished_at or timezone.now())
    return runs.order_by("-finished_at", "-id").first()


def run_now(*, kind: str, as_of: dt.date | None = None, params: dict[str, Any] | None = None, by: Any = None
            ) -> AnalyticsRun:
    """Create and execute a run in this process (CLI, tests, the task worker)."""
    run = run_create(kind=kind, as_of=as_of, params=params, by=by)
    return run_execute(run.pk)
