"""Helpers for import tests: files from text, jobs from files."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile

from rapport.imports.services.jobs import import_job_configure, import_job_create


def upload(text: str | bytes, name: str = "contacts.csv") -> ContentFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return ContentFile(data, name=name)


def make_job(by: Any, text: str | bytes, name: str = "contacts.csv", target: str = "contacts", **configure: Any):
    job = import_job_create(by=by, file=upload(text, name), name=name, target=target)
    if configure:
        job = import_job_configure(job=job, by=by, **configure)
    return job


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def configure_form(job: Any, **fields: str) -> dict[str, str]:
    """The import page's settings form as a browser posts it (the job's own mapping), with `fields` changed."""
    return {"mode": "create_or_update", "match_key": "number", "delimiter": ",", "encoding": "utf-8",
            "default_country": "SE", "date_order": "DMY", "action": "check",
            **{f"map_{i}": field for i, field in job.mapping.items()}, **fields}
