"""`rapport restore FILE [--force]`: load a backup into an empty database and verify every table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.imports.services.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `rapport backup`, verifying row counts and checksums per table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file (its .manifest.json must be next to it).")
        parser.add_argument("--force", action="store_true", help="Replace the data of a database that is not empty.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_restore(path=Path(options["file"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc))
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(f"Restored and verified {len(manifest['tables'])} tables, {rows:,} rows "
                          f"(backup of {manifest['created_at']}).")
