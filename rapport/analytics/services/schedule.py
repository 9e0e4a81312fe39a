"""The nightly recalculation, run by the task worker itself (no cron needed).

Every worker checks the clock about once a minute (`nightly_tick`). From RAPPORT_ANALYTICS_NIGHTLY_HOUR
(local time, RAPPORT_TIME_ZONE) until CATCH_UP_HOURS later, the first worker to insert today's
NightlyClaim row (the day is unique) enqueues the nightly task; every other worker, and every later
check that day, finds the day taken and does nothing. So it runs once a day however many workers run.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rapport.analytics.models import NightlyClaim

log = logging.getLogger(__name__)
CATCH_UP_HOURS = 6  # a worker started (or back) within this many hours after the hour still runs the day
CHECK_SECONDS = 60.0


def nightly_hour() -> int | None:
    """The configured local hour (0-23), or None when the nightly run is turned off."""
    raw = str(getattr(settings, "RAPPORT_ANALYTICS_NIGHTLY_HOUR", "2")).strip().lower()
    if raw in ("off", "none", "false", "no", "-1"):
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise ImproperlyConfigured(
            f"RAPPORT_ANALYTICS_NIGHTLY_HOUR must be an hour from 0 to 23, or off; not {raw!r}."
        )
    return int(raw)


def nightly_due(now: dt.datetime, hour: int | None) -> dt.date | None:
    """The local day whose nightly run is due at `now`, or None outside the hours it may start."""
    if hour is None:
        return None
    local = timezone.localtime(now)
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if start <= local < start + dt.timedelta(hours=CATCH_UP_HOURS):
        return local.date()
    return None


def nightly_claim(day: dt.date, *, worker: str, now: dt.datetime) -> NightlyClaim | None:
    """Claim the day for this worker; None when another worker (or an earlier check) has it already."""
    try:
        with transaction.atomic():
            return NightlyClaim.objects.create(day=day, worker=worker[:100], claimed_at=now)
    except IntegrityError:
        return None


def nightly_tick(*, now: dt.datetime, worker: str) -> NightlyClaim | None:
    """If the nightly run is due and nobody claimed today, claim it and enqueue the run; return the claim."""
    day = nightly_due(now, nightly_hour())
    if day is None or NightlyClaim.objects.filter(day=day).exists():
        return None
    claim = nightly_claim(day, worker=worker, now=now)
    if claim is not None:
        from rapport.analytics.tasks import analytics_nightly_task

        log.info("Worker %s claimed the nightly analytics run of %s", worker, day)
        transaction.on_commit(lambda: analytics_nightly_task.enqueue(claim.pk))
    return claim


def nightly_run_claimed(claim_id: int) -> NightlyClaim:
    """Run the nightly sequence for a claimed day and record when it finished and what failed."""
    from rapport.analytics.models import RunStatus
    from rapport.analytics.services.recalculate import nightly

    claim = NightlyClaim.objects.get(pk=claim_id)
    if claim.finished_at is not None:
        return claim  # a retried task: the day is done already
    runs = nightly(as_of=claim.day)
    failed = [f"{run.get_kind_display()}: {run.message}" for run in runs if run.status == RunStatus.FAILED]
    NightlyClaim.objects.filter(pk=claim.pk).update(finished_at=timezone.now(), message="\n".join(failed))
    claim.refresh_from_db()
    return claim


class NightlyScheduler:
    """A daemon thread in the worker process that calls nightly_tick about once a minute."""

    def __init__(self, *, worker: str, interval: float = CHECK_SECONDS, clock: Any = timezone.now) -> None:
        self.worker, self.interval, self.clock = worker, interval, clock
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="rapport-nightly", daemon=True)

    def start(self) -> None:
        if nightly_hour() is not None:
            self.thread.start()

    def stop(self) -> None:
        self.stopped.set()

    def loop(self) -> None:
        while not self.stopped.is_set():
            try:
                nightly_tick(now=self.clock(), worker=self.worker)
            except Exception:  # the worker keeps running tasks; the next check tries again
                log.exception("The nightly analytics check failed")
            finally:
                if threading.current_thread() is self.thread:
                    connection.close()  # this thread's own connection: do not hold it (or a SQLite lock) idle
            self.stopped.wait(self.interval)
