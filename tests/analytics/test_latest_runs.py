"""The latest finished run of each kind, as the contact page and its API read them: one query for all kinds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.analytics.models import AnalyticsRun, RunKind, RunStatus
from rapport.analytics.selectors import latest_runs
from rapport.analytics.services.runs import latest_run

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)


def _run(kind: str, status: str, hours: int | None) -> AnalyticsRun:
    finished = T0 + dt.timedelta(hours=hours) if hours is not None else None
    return AnalyticsRun.objects.create(kind=kind, status=status, as_of=dt.date(2026, 11, 1), finished_at=finished)


def test_latest_runs_finds_the_newest_finished_run_of_every_kind_in_one_query():
    _run(RunKind.RFM, RunStatus.DONE, 1)
    newest_rfm = _run(RunKind.RFM, RunStatus.DONE, 5)
    _run(RunKind.RFM, RunStatus.FAILED, 9)  # newer, but failed: not a result to show
    _run(RunKind.RFM, RunStatus.RUNNING, None)
    # Two runs finished at the same moment: the later one (higher id) wins, as in latest_run.
    _run(RunKind.CLV, RunStatus.DONE, 3)
    tied_clv = _run(RunKind.CLV, RunStatus.DONE, 3)
    only_abc = _run(RunKind.ABC, RunStatus.DONE, 2)
    _run(RunKind.KPI, RunStatus.QUEUED, None)
    with CaptureQueriesContext(connection) as queries:
        runs = latest_runs()
    assert len(queries.captured_queries) == 1
    assert runs == {RunKind.RFM: newest_rfm, RunKind.ABC: only_abc, RunKind.CLV: tied_clv, RunKind.KPI: None,
                    RunKind.SUMMARY: None}
    assert runs == {kind: latest_run(kind) for kind in RunKind.values}


def test_latest_runs_of_an_empty_database_are_all_none():
    assert latest_runs() == dict.fromkeys(RunKind.values)
