"""`rapport worker`: run background tasks (django-tasks database backend) and the nightly analytics schedule.

The task loop is django-tasks' own `db_worker`; this command adds a thread that starts the nightly
recalculation at RAPPORT_ANALYTICS_NIGHTLY_HOUR (see rapport/analytics/services/schedule.py), so a
server started with `rapport serve` needs no cron job. Several workers may run: one claims each day.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run background tasks and the nightly analytics recalculation (RAPPORT_ANALYTICS_NIGHTLY_HOUR)."

    def handle(self, *args: Any, **options: Any) -> None:
        from rapport.analytics.services.schedule import NightlyScheduler

        worker = f"{socket.gethostname()}:{os.getpid()}:{options.get('worker_id', '')[:8]}"
        scheduler = NightlyScheduler(worker=worker)
        scheduler.start()
        try:
            super().handle(*args, **options)
        finally:
            scheduler.stop()
