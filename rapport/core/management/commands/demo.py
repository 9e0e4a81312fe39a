"""`rapport demo --contacts N --seed S`: load realistic demo data, reproducible with the seed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.contacts.models import Contact
from rapport.core.demo import demo_load


class Command(BaseCommand):
    help = "Load realistic demo data: companies, contacts, leads, deals, activities, products and orders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contacts", type=int, default=2000, help="Number of contacts (default 2,000).")
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed: the same seed gives the same data."
        )
        parser.add_argument("--years", type=int, default=3, help="Years of history (default 3).")
        parser.add_argument(
            "--append", action="store_true", help="Add demo data to a database that has contacts."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        contacts: int = options["contacts"]
        if contacts < 0 or contacts > 20_000_000:
            raise CommandError("--contacts must be a whole number from 0 to 20,000,000.")
        if not 1 <= options["years"] <= 20:
            raise CommandError("--years must be from 1 to 20.")
        existing = Contact.all_objects.count()
        if existing and not options["append"]:
            raise CommandError(
                f"The database has {existing:,} contacts already. Add --append to add demo data to them, "
                "or point DATABASE_URL at an empty database."
            )
        verbose = options["verbosity"] > 0
        if verbose:
            self.stdout.write(f"Loading demo data for {contacts:,} contacts (seed {options['seed']})…")
        result = demo_load(
            contacts=contacts,
            seed=options["seed"],
            years=options["years"],
            progress=(lambda line: self.stdout.write("  " + line)) if verbose else None,
        )
        if verbose:
            for table, count in result.counts.items():
                self.stdout.write(f"  {table:<32} {count:>12,}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {result.rows:,} rows in {result.seconds:.1f} s "
                    f"({result.rows / max(result.seconds, 1e-9):,.0f} rows/s; search index {result.search_seconds:.1f} s)."
                )
            )
