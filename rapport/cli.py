"""The `rapport` command: every subcommand is a Django management command (serve, demo, createuser, …)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

USAGE = """Usage: rapport COMMAND [options]

  quickstart        set up the database, load demo data when empty, print the logins, serve
  serve             run the web server (gunicorn; --dev for the development server)
  demo              load demo data (--contacts N --seed S)
  createuser NAME   add a user (--role admin|manager|rep|readonly --team T)
  worker            run background work (imports, analytics, duplicate scans); serve starts one
  import FILE       import a CSV/XLSX file (--target contacts --dry-run)
  export LIST       export a list (contacts, companies, deals, … --format csv|xlsx|vcf)
  backup / restore  consistent snapshot with checksums, and verified restore
  analytics JOB     recompute rfm | abc | clv | kpis | nightly
  migrate           create or update the database tables

Every Django management command works too (rapport help lists them); rapport COMMAND --help
explains one. The database is SQLite in var/ unless DATABASE_URL says otherwise.
"""

# Friendlier names for Django commands that come from libraries (`worker` is our own command now).
ALIASES: dict[str, str] = {}


def main(argv: list[str] | None = None) -> None:
    """Run a rapport subcommand."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return
    # Running from a checkout without installing: make `config` importable.
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args[0] = ALIASES.get(args[0], args[0])
    execute_from_command_line(["rapport", *args])


if __name__ == "__main__":
    main()
