"""`rapport import FILE --target contacts|companies|leads|deals|orders|activities [--mapping …] [--dry-run]`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.accounts.models import User
from rapport.imports.choices import MatchKey, Mode, Target
from rapport.imports.models import ImportJob
from rapport.imports.services.jobs import (
    import_dry_run,
    import_job_configure,
    import_job_create,
    import_run,
    import_undo,
)
from rapport.imports.services.readers import rows_estimate
from rapport.imports.services.rejected import rejected_rows_csv


class Progress:
    """A one-line progress bar on stderr (rows done, rate)."""

    def __init__(self, total: int | None, stream: Any) -> None:
        self.total = total
        self.stream = stream
        self.start = time.monotonic()

    def __call__(self, job: ImportJob) -> None:
        done = job.next_row
        rate = done / max(time.monotonic() - self.start, 1e-6)
        if self.total:
            share = min(done / self.total, 1.0)
            bar = "#" * int(share * 30)
            self.stream.write(f"\r[{bar:<30}] {share * 100:5.1f}%  {done:,} rows  {rate:,.0f} rows/s ")
        else:
            self.stream.write(f"\r{done:,} rows  {rate:,.0f} rows/s ")
        self.stream.flush()


class Command(BaseCommand):
    help = ("Import contacts, companies, leads, deals, orders (one row per line) or activities from a CSV or XLSX "
            "file, with a dry run, resume and undo.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV or XLSX file to import.")
        parser.add_argument("--target", default=Target.CONTACTS, choices=Target.values)
        parser.add_argument("--user", help="User name of the person importing (default: the first administrator).")
        parser.add_argument("--mapping", help='JSON {"Column header": "field"} or a file containing it; '
                                              'unmapped columns use the suggestions, "" ignores a column.')
        parser.add_argument("--mode", default=Mode.CREATE_OR_UPDATE, choices=Mode.values)
        parser.add_argument("--match", choices=MatchKey.values,
                            help="How rows find existing records (default per target: email for contacts, web "
                                 "domain for companies, order number for orders, else external id).")
        parser.add_argument("--currency", help="Currency of amounts that name none, e.g. EUR (deals, orders).")
        parser.add_argument("--sheet", help="Sheet of an XLSX workbook.")
        parser.add_argument("--delimiter", help="CSV delimiter (default: detected).")
        parser.add_argument("--encoding", help="File encoding (default: detected).")
        parser.add_argument("--country", help="Default country for phone numbers, e.g. DE.")
        parser.add_argument("--date-order", choices=["DMY", "MDY", "YMD"])
        parser.add_argument("--decimal-comma", action="store_true", help="Numbers are written like 1.234,56.")
        parser.add_argument("--new-customers", choices=["reject", "create"],
                            help="Orders: a customer email no contact has rejects the order (default) or creates "
                                 "the contact from the row.")
        parser.add_argument("--new-products", choices=["reject", "create", "without"],
                            help="Orders: a SKU no product has rejects the order (default), creates the product "
                                 "(managers and admins), or imports the line without a product.")
        parser.add_argument("--dry-run", action="store_true", help="Check the whole file; write nothing.")
        parser.add_argument("--rejected", help="Write rejected rows with reasons to this CSV file.")
        parser.add_argument("--resume", type=int, metavar="JOB", help="Resume an interrupted import job.")
        parser.add_argument("--undo", type=int, metavar="JOB", help="Undo an import job.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options.get("user"))
        try:
            if options.get("undo"):
                job = ImportJob.objects.get(pk=options["undo"])
                summary = import_undo(job=job, by=user)
                self.stdout.write(f"Import #{job.pk} undone: {summary['deleted']} deleted, {summary['trashed']} moved "
                                  f"to the trash (used since), {summary['restored']} restored.")
                return
            if options.get("resume"):
                job = ImportJob.objects.get(pk=options["resume"])
            else:
                job = self._create(user, options)
            self._run(job, options)
        except ImportJob.DoesNotExist:
            raise CommandError("There is no import job with that number; list them on the Import page.")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"There is no active user {username!r}.")
            return user
        user = User.objects.filter(is_active=True, role="admin").order_by("id").first() or User.objects.filter(
            is_active=True, is_superuser=True).order_by("id").first()
        if user is None:
            raise CommandError("Create an administrator first (rapport createuser), or pass --user.")
        return user

    def _create(self, user: User, options: dict[str, Any]) -> ImportJob:
        if not options.get("file"):
            raise CommandError("Name the file to import, e.g. rapport import deals.csv --target deals.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        reader_options = {k: v for k, v in {"sheet": options.get("sheet"), "delimiter": options.get("delimiter"),
                                            "encoding": options.get("encoding")}.items() if v}
        with path.open("rb") as f:
            job = import_job_create(by=user, file=File(f, name=path.name), name=path.name, target=options["target"],
                                    options=reader_options)
        extra: dict[str, Any] = {}
        if options.get("country"):
            extra["default_country"] = options["country"].upper()
        if options.get("date_order"):
            extra["date_order"] = options["date_order"]
        if options.get("decimal_comma"):
            extra["decimal_comma"] = True
        if options.get("currency"):
            extra["currency"] = options["currency"].upper()
        for key in ("new_customers", "new_products"):
            if options.get(key):
                if options["target"] != Target.ORDERS:
                    raise CommandError(f"--{key.replace('_', '-')} is for order imports (--target orders).")
                extra[key] = options[key]
        mapping = dict(job.mapping)
        if options.get("mapping"):
            text = options["mapping"]
            if Path(text).is_file():
                text = Path(text).read_text()
            try:
                by_header = json.loads(text)
            except json.JSONDecodeError:
                raise CommandError('--mapping must be JSON like {"E-mail": "email", "Notes": ""}.')
            for header, field in by_header.items():
                if header not in job.headers:
                    raise CommandError(f"The file has no column {header!r}; its columns are: {', '.join(job.headers)}.")
                mapping[str(job.headers.index(header))] = field
        job = import_job_configure(job=job, by=user, mapping=mapping, options=extra, mode=options["mode"],
                                   match_key=options.get("match"))
        self.stdout.write(f"Import #{job.pk}: {job.original_name} ({job.options.get('format')}, "
                          f"{job.options.get('encoding')}, delimiter {job.options.get('delimiter')!r})")
        for index, header in enumerate(job.headers):
            self.stdout.write(f"  {header!r:32} -> {job.mapping.get(str(index)) or '(ignored)'}")
        return job

    def _run(self, job: ImportJob, options: dict[str, Any]) -> None:
        if options.get("dry_run"):
            # The bar's end is an estimate (the file's line breaks): the report counts the rows really read.
            about = rows_estimate(job.file.path, job.options)
            report = import_dry_run(job=job, by=job.created_by, progress=Progress(about, sys.stderr))
            sys.stderr.write("\n")
            self.stdout.write(
                f"Dry run of {report['rows']:,} rows: {report['created']:,} would be created, "
                f"{report['updated']:,} updated, {report['skipped']:,} skipped, {report['rejected']:,} rejected."
            )
            for item in report["rejections"][:20]:
                self.stdout.write(f"  row {item['row']}: {item['reason']}")
            for note in report.get("notes", []):
                self.stdout.write(note)
            if report.get("matched"):
                self.stdout.write("Rows that meet records already in Rapport:")
            for item in report.get("matched", [])[:20]:
                record = (f"#{item['id']}" if item["id"] else f"the new record of row {item['of_row']}"
                          if item.get("of_row") else "a new record of an earlier row")
                if item["outcome"] == "updated":
                    changes = f" ({', '.join(item['changes'])})" if item["changes"] else ""
                    self.stdout.write(f"  row {item['row']}: updates {record}{changes}: {item['why']}")
                else:
                    self.stdout.write(f"  row {item['row']}: skipped: {item['why']}")
            return
        job = import_run(job.pk, progress=Progress(job.total_rows, sys.stderr))
        sys.stderr.write("\n")
        self.stdout.write(
            f"Import #{job.pk} {job.get_status_display().lower()}: {job.processed_count:,} "
            f"row{'' if job.processed_count == 1 else 's'} = "
            f"{job.created_count:,} created + {job.updated_count:,} updated + {job.skipped_count:,} skipped + "
            f"{job.rejected_count:,} rejected."
        )
        for note in job.notes:
            self.stdout.write(note)
        if job.rejected_count and options.get("rejected"):
            with open(options["rejected"], "w", encoding="utf-8", newline="") as out:
                for chunk in rejected_rows_csv(job):
                    out.write(chunk)
            self.stdout.write(f"Rejected rows with reasons: {options['rejected']}")
        self.stdout.write(f"Undo with: rapport import --undo {job.pk}")
