"""`rapport backup [-o FILE] [--format sqlite|pg_dump|jsonl]`: a consistent snapshot while Rapport runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.imports.services.backup import FORMATS, BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (safe while Rapport runs) with a manifest of row counts and checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="Backup file (default: var/backups/rapport-DATE-TIME.*).")
        parser.add_argument("--format", choices=FORMATS,
                            help="sqlite (SQLite), pg_dump (PostgreSQL, default when installed) or jsonl (portable).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(output=Path(options["output"]) if options.get("output") else None,
                                   fmt=options.get("format"))
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"Backed up {len(result.tables)} tables, {result.total_rows:,} rows ({result.format}) to "
                          f"{result.path}\nManifest: {result.manifest_path} (keep it with the backup).")
