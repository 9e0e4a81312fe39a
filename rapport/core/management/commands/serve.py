"""`rapport serve`: run Rapport with gunicorn (WSGI sync workers, persistent database connections).

PERFORMANCE-FACTS.md: WSGI with persistent connections serves about twice the requests of ASGI or of
a connection per request; `--dev` runs Django's auto-reloading development server instead.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def default_workers() -> int:
    """Two workers per core, at least two and at most eight."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    """The command line that starts gunicorn for this project."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--chdir",
        str(settings.BASE_DIR),
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--access-logfile",
        "-",
        # Starts and stops the background-task worker with the web server (config/gunicorn.py).
        "--config",
        "python:config.gunicorn",
    ]


def server_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - only formats a URL
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


class Command(BaseCommand):
    help = "Run the web server (gunicorn; --dev for Django's development server)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            dev=options["dev"],
            stdout=self.stdout,
        )


def add_server_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--host",
        default=os.environ.get("RAPPORT_HOST", "127.0.0.1"),
        help="Address to listen on (default 127.0.0.1: this machine only).",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("RAPPORT_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=None, help="Worker processes (default: 2 per core).")
    parser.add_argument("--dev", action="store_true", help="Django's auto-reloading development server.")


def serve(*, host: str, port: int, workers: int | None, dev: bool, stdout: Any) -> None:
    """Replace this process with the server."""
    if not 1 <= port <= 65535:
        raise CommandError("--port must be from 1 to 65535.")
    if workers is not None and not 1 <= workers <= 64:
        raise CommandError("--workers must be from 1 to 64.")
    if dev:
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        call_command("runserver", address)
        return
    argv = gunicorn_argv(host=host, port=port, workers=workers or default_workers())
    stdout.write(
        f"Serving Rapport at {server_url(host, port)} (gunicorn, {argv[argv.index('--workers') + 1]} workers; "
        "stop with Ctrl+C)"
    )
    stdout.flush()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.execv(sys.executable, argv)  # noqa: S606 - argv is built above, no shell
