"""`rapport export contacts --format csv|xlsx --filter country=DE -o file`: a list to a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from rapport.accounts.models import User
from rapport.imports.services.export import ENTITIES, FORMATS, csv_chunks, export_table, xlsx_write
from rapport.imports.services.vcard import vcard_stream


class Command(BaseCommand):
    help = "Export a list (contacts, companies, leads, deals, orders, activities) to CSV, XLSX or vCard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=ENTITIES)
        parser.add_argument("--format", default="csv", choices=[*FORMATS, "vcf"],
                            help="csv (default), xlsx, or vcf (contacts only).")
        parser.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE",
                            help="A list filter, as in the list page's address (repeatable), e.g. country=DE.")
        parser.add_argument("-o", "--output", help="File to write (default: standard output for csv and vcf).")
        parser.add_argument("--user", help="Export as this user (their permissions apply; default: first admin).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options.get("user"))
        params = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"Write each filter as NAME=VALUE, e.g. country=DE (got {item!r}).")
            params.appendlist(name.strip(), value)
        fmt, output = options["format"], options.get("output")
        if fmt == "xlsx" and not output:
            raise CommandError("Name the file to write with -o, e.g. -o contacts.xlsx.")
        try:
            if fmt == "vcf":
                if options["entity"] != "contacts":
                    raise CommandError("vCard export is for contacts only.")
                from rapport.contacts.filters import ContactFilter
                from rapport.contacts.selectors import contact_list

                chunks = vcard_stream(contact_list(user=user, filters=ContactFilter.from_params(params)))
                self._write(chunks, output)
                return
            table = export_table(entity=options["entity"], user=user, params=params)
            if fmt == "xlsx":
                with Path(str(output)).open("wb") as f:
                    xlsx_write(table, f)
            else:
                self._write(csv_chunks(table), output)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        if output:
            self.stderr.write(f"Wrote {output}.")

    def _write(self, chunks: Any, output: str | None) -> None:
        if output:
            with Path(output).open("wb") as f:
                for chunk in chunks:
                    f.write(chunk)
        else:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"There is no active user {username!r}.")
            return user
        user = User.objects.filter(is_active=True, role="admin").order_by("id").first()
        if user is None:
            raise CommandError("Create an administrator first (rapport createuser), or pass --user.")
        return user
