"""The worker's nightly recalculation: due at the configured local hour, claimed once a day, clock injected."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import get_commands
from django.test import override_settings

from rapport.analytics.models import AnalyticsRun, NightlyClaim, RunKind, RunStatus
from rapport.analytics.services.schedule import NightlyScheduler, nightly_due, nightly_hour, nightly_tick
from tests.analytics.helpers import buy
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
BERLIN = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=BERLIN)


@override_settings(TIME_ZONE="Europe/Berlin", RAPPORT_ANALYTICS_NIGHTLY_HOUR="2")
def test_the_run_is_due_from_the_local_hour_for_six_hours():
    assert nightly_due(at(1, 59), nightly_hour()) is None
    assert nightly_due(at(2, 0), nightly_hour()) == dt.date(2025, 3, 10)
    assert nightly_due(at(7, 59), nightly_hour()) == dt.date(2025, 3, 10)
    assert nightly_due(at(8, 0), nightly_hour()) is None
    # 01:30 UTC is 02:30 in Berlin: local time decides.
    assert nightly_due(dt.datetime(2025, 3, 10, 1, 30, tzinfo=dt.UTC), 2) == dt.date(2025, 3, 10)


@override_settings(TIME_ZONE="Europe/Berlin", RAPPORT_ANALYTICS_NIGHTLY_HOUR="2", TASKS=IMMEDIATE)
def test_the_first_worker_claims_the_day_and_runs_everything_once(admin, django_capture_on_commit_callbacks):
    buy(admin, make_contact(by=admin), "2025-03-01", "80.00")
    with django_capture_on_commit_callbacks(execute=True):
        assert nightly_tick(now=at(1, 30), worker="a") is None
        claim = nightly_tick(now=at(2, 1), worker="a")
    assert claim is not None and claim.worker == "a"
    kinds = sorted(AnalyticsRun.objects.values_list("kind", flat=True))
    assert kinds == sorted([RunKind.SUMMARY, RunKind.RFM, RunKind.ABC, RunKind.CLV, RunKind.KPI])
    assert AnalyticsRun.objects.get(kind=RunKind.RFM).status == RunStatus.DONE
    claim.refresh_from_db()
    assert claim.finished_at is not None
    assert "Lifetime value and churn:" in claim.message  # one customer cannot fit the model: said, not raised
    with django_capture_on_commit_callbacks(execute=True):
        assert nightly_tick(now=at(2, 2), worker="b") is None  # another worker, same day
        assert nightly_tick(now=at(3, 0), worker="a") is None  # a later check, same day
    assert AnalyticsRun.objects.count() == 5
    assert list(NightlyClaim.objects.values_list("day", "worker")) == [(dt.date(2025, 3, 10), "a")]


@override_settings(TIME_ZONE="Europe/Berlin", RAPPORT_ANALYTICS_NIGHTLY_HOUR="2")
def test_a_day_already_claimed_by_another_worker_is_not_claimed_again(django_capture_on_commit_callbacks):
    NightlyClaim.objects.create(day=dt.date(2025, 3, 10), worker="elsewhere")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert nightly_tick(now=at(2, 5), worker="here") is None
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=False) as next_day:
        assert nightly_tick(now=at(2, 5, day=11), worker="here") is not None
    assert len(next_day) == 1  # the task is enqueued once the claim commits


@override_settings(RAPPORT_ANALYTICS_NIGHTLY_HOUR="off")
def test_off_turns_the_schedule_off_and_nonsense_is_refused_with_a_sentence():
    assert nightly_hour() is None
    assert nightly_tick(now=at(2), worker="a") is None
    with override_settings(RAPPORT_ANALYTICS_NIGHTLY_HOUR="25"), pytest.raises(ImproperlyConfigured) as bad:
        nightly_hour()
    assert str(bad.value) == "RAPPORT_ANALYTICS_NIGHTLY_HOUR must be an hour from 0 to 23, or off; not '25'."


@override_settings(TIME_ZONE="Europe/Berlin", RAPPORT_ANALYTICS_NIGHTLY_HOUR="2")
def test_the_scheduler_thread_checks_with_the_injected_clock_until_stopped(monkeypatch):
    seen = []
    scheduler = NightlyScheduler(worker="w", interval=0, clock=lambda: at(4))

    def tick(*, now, worker):
        seen.append((now, worker))
        scheduler.stop()

    monkeypatch.setattr("rapport.analytics.services.schedule.nightly_tick", tick)
    scheduler.loop()
    assert seen == [(at(4), "w")]


def test_rapport_worker_is_the_task_worker_with_the_schedule():
    assert get_commands()["worker"] == "rapport.core"
    from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

    from rapport.core.management.commands.worker import Command

    assert issubclass(Command, DatabaseWorker)


def test_the_worker_command_runs_the_schedule_beside_the_task_loop_and_stops_it(monkeypatch):
    from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

    from rapport.core.management.commands.worker import Command

    events = []
    monkeypatch.setattr(
        NightlyScheduler, "start", lambda self: events.append(("start", self.worker.count(":")))
    )
    monkeypatch.setattr(NightlyScheduler, "stop", lambda self: events.append(("stop", 0)))
    monkeypatch.setattr(DatabaseWorker, "handle", lambda self, *a, **kw: events.append(("tasks", 0)))
    Command().handle(worker_id="abcdefgh12345")
    assert events == [("start", 2), ("tasks", 0), ("stop", 0)]
