"""`rapport quickstart`: migrate, load demo data into an empty database, print the logins, serve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from rapport.accounts.models import User
from rapport.analytics.services.segment_tags import settings_save
from rapport.core.demo import DemoLogin, demo_load, demo_logins_valid
from rapport.core.management.commands.serve import add_server_arguments, serve, server_url

QUICKSTART_CONTACTS = 2000


def quickstart_banner(url: str, logins: Sequence[DemoLogin]) -> str:
    """The text that tells a new user where Rapport runs and how to log in."""
    lines = ["", "=" * 64, f"  Rapport is running at {url}", ""]
    shown = [d for d in logins if d.shown]
    if shown:
        lines.append("  Log in with one of the demo users:")
        lines.append("")
        width = max(len(d.username) for d in shown)
        for login in shown:
            team = f", {login.team}" if login.team else ""
            lines.append(
                f"    {login.username:<{width}}  password {login.password:<14} ({login.label}{team})"
            )
    else:
        lines.append("  Log in with your user name and password.")
        lines.append("  Add people with: rapport createuser NAME --role admin|manager|rep|readonly")
    lines += ["", "  Stop the server with Ctrl+C.", "=" * 64, ""]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Set up the database, load demo data when it is empty, print the logins and start the server."

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)
        parser.add_argument(
            "--contacts",
            type=int,
            default=QUICKSTART_CONTACTS,
            help="Demo contacts to load into an empty database (default 2,000).",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare and print, but do not start the server."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Setting up the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not User.objects.exists():
            self.stdout.write(f"Loading demo data ({options['contacts']:,} contacts, three years of orders)…")
            result = demo_load(contacts=options["contacts"], seed=42)
            self.stdout.write(f"  {result.rows:,} rows in {result.seconds:.1f} s.")
            # Example costs per activity, so the ABC page shows a cost to serve (changeable under
            # Analytics → Rules & targets).
            settings_save(by=User.objects.get(username="admin"),
                          activity_costs={"call": "12.00", "meeting": "85.00", "task": "6.00", "email": "2.50"})
            self.stdout.write("Computing segments, lifetime value and KPIs for the demo data…")
            call_command("analytics", "nightly", verbosity=0)
        url = server_url(options["host"], options["port"])
        self.stdout.write(quickstart_banner(url, demo_logins_valid()))
        if not options["no_serve"]:
            serve(
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                dev=options["dev"],
                stdout=self.stdout,
            )
