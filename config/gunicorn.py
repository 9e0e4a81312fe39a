"""gunicorn settings used by `rapport serve`: start one background-task worker with the web server.

The default task backend keeps the queue in the database (no extra server); something must still
run the tasks. `rapport serve` starts one worker process next to gunicorn and stops it with gunicorn,
unless RAPPORT_START_WORKER=false (when workers run elsewhere: `rapport worker`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

_worker: subprocess.Popen[bytes] | None = None


def _wanted() -> bool:
    return os.environ.get("RAPPORT_START_WORKER", "true").strip().lower() not in {"0", "false", "no", "off"}


def on_starting(server: Any) -> None:
    """Start the task worker when the gunicorn master starts."""
    global _worker
    if _wanted():
        _worker = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-m", "rapport.cli", "worker", "--no-startup-delay"]
        )
        server.log.info("Started the background-task worker (pid %s)", _worker.pid)


def on_exit(server: Any) -> None:
    """Stop the task worker with gunicorn."""
    if _worker is not None and _worker.poll() is None:
        _worker.terminate()
        try:
            _worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _worker.kill()
