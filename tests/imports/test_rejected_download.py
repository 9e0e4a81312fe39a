"""The rejected-rows download: the file's own delimiter and encoding by default, comma-separated UTF-8 on request,
and the downloaded file imports again in either format."""

from __future__ import annotations

import codecs
import csv
import html
import io

import pytest
from django.urls import reverse

from rapport.contacts.models import Contact
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.imports.services.rejected import rejected_rows_download
from tests.imports.helpers import make_job, xlsx_bytes

# A German Excel export: semicolons, Windows-1252, an owner nobody is (its reason names Settings → Users).
GERMAN = (
    "Vorname;Nachname;E-Mail;Besitzer\n"
    "Jürgen;Müller;juergen(at)example.de;\n"
    "Anaïs;Dupont;anais@example.fr;Nobody Here\n"
    "Zoë;Ärger;zoe@example.de;\n"
)


def download(client, job, query: str = ""):
    response = client.get(reverse("import-rejected", args=[job.pk]) + query)
    return response, b"".join(response.streaming_content) if response.status_code == 200 else response.content


def rows_of(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def checked(by, body: bytes, name: str = "kontakte.csv") -> ImportJob:
    job = make_job(by, body, name=name)
    import_dry_run(job=job, by=by)
    job.refresh_from_db()
    return job


def test_a_semicolon_windows_1252_file_gets_its_rejected_rows_the_same_way(teammate, client_for):
    job = checked(teammate, GERMAN.encode("cp1252"))
    assert (job.options["encoding"], job.options["delimiter"]) == ("cp1252", ";")
    response, body = download(client_for(teammate), job)
    assert response["Content-Type"] == "text/csv; charset=windows-1252"
    assert response["Content-Disposition"] == 'attachment; filename="kontakte-rejected.csv"'
    assert not body.startswith(codecs.BOM_UTF8)
    assert b"J\xfcrgen;M\xfcller;juergen(at)example.de;" in body  # ü as Windows-1252 writes it
    rows = rows_of(body.decode("cp1252"), ";")
    assert rows[0] == ["Row", "Reason", "Vorname", "Nachname", "E-Mail", "Besitzer"]
    assert [r[0] for r in rows[1:]] == ["2", "3"]
    assert rows[1][1].startswith("E-Mail: 'juergen(at)example.de' is not a valid email address")
    # Windows-1252 has no arrow: the reason says "->" instead; the data cells are never changed.
    assert "Settings -> Users" in rows[2][1]
    assert rows[2][2:] == ["Anaïs", "Dupont", "anais@example.fr", "Nobody Here"]


def test_comma_separated_utf8_is_offered_as_the_other_download(teammate, client_for):
    job = checked(teammate, GERMAN.encode("cp1252"))
    client = client_for(teammate)
    detail = html.unescape(client.get(reverse("import-detail", args=[job.pk])).content.decode())
    assert "Semicolon-separated, Windows-1252 (Western European), as your file was" in detail
    assert (
        f'href="{reverse("import-rejected", args=[job.pk])}?format=comma-utf8">Comma-separated, UTF-8 instead'
        in detail
    )
    response, body = download(client, job, "?format=comma-utf8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(codecs.BOM_UTF8)
    rows = rows_of(body.decode("utf-8-sig"), ",")
    assert rows[0][:3] == ["Row", "Reason", "Vorname"]
    assert "Settings → Users" in rows[2][1]  # UTF-8 holds every character
    assert rows[1][2:4] == ["Jürgen", "Müller"]


@pytest.mark.parametrize("query", ["", "?format=comma-utf8"])
def test_the_downloaded_rejected_rows_import_again_once_fixed(teammate, client_for, query):
    first = make_job(teammate, GERMAN.encode("cp1252"), name="kontakte.csv")
    ImportJob.objects.filter(pk=first.pk).update(status=JobStatus.QUEUED)
    first = import_run(first.pk)
    assert (first.created_count, first.rejected_count) == (1, 2)
    _, body = download(client_for(teammate), first, query)
    fixed = (
        body.replace(b"juergen(at)example.de", b"juergen@example.de")
        .replace(b";Nobody Here", b";")
        .replace(b",Nobody Here", b",")
    )
    again = make_job(teammate, fixed, name="kontakte-rejected.csv")
    expected = ("cp1252", ";") if not query else ("utf-8-sig", ",")
    assert (again.options["encoding"], again.options["delimiter"]) == expected
    assert again.headers[:3] == ["Row", "Reason", "Vorname"]
    # Row and Reason are not data: the columns after them take the first import's mapping.
    assert again.mapping == {"2": "first_name", "3": "last_name", "4": "email", "5": "owner"}
    assert again.options["mapping_from"] == f"import #{first.pk} (kontakte.csv)"
    ImportJob.objects.filter(pk=again.pk).update(status=JobStatus.QUEUED)
    again = import_run(again.pk)
    assert (again.created_count, again.rejected_count) == (2, 0)
    assert sorted(Contact.objects.values_list("first_name", "last_name")) == [
        ("Anaïs", "Dupont"),
        ("Jürgen", "Müller"),
        ("Zoë", "Ärger"),
    ]


def test_a_tab_separated_utf16_file_gets_its_rejected_rows_in_utf16_and_they_import_again(
    teammate, client_for
):
    text = GERMAN.replace(";", "\t")
    job = checked(teammate, codecs.BOM_UTF16_LE + text.encode("utf-16-le"), name="unicode.txt")
    assert (job.options["encoding"], job.options["delimiter"]) == ("utf-16", "\t")
    response, body = download(client_for(teammate), job)
    assert response["Content-Type"] == "text/csv; charset=utf-16"
    assert body.startswith(codecs.BOM_UTF16_LE)
    rows = rows_of(body[2:].decode("utf-16-le"), "\t")
    assert rows[0][:3] == ["Row", "Reason", "Vorname"] and rows[1][2:4] == ["Jürgen", "Müller"]
    assert "Settings → Users" in rows[2][1]
    again = make_job(teammate, body, name="unicode-rejected.txt")
    assert (again.options["encoding"], again.options["delimiter"]) == ("utf-16", "\t")
    assert again.mapping == {"2": "first_name", "3": "last_name", "4": "email", "5": "owner"}
    assert import_dry_run(job=again, by=teammate)["rows"] == 2


def test_a_utf8_file_without_bom_comes_back_with_one_for_excel(teammate, client_for):
    job = checked(teammate, GERMAN.encode("utf-8"))
    assert job.options["encoding"] == "utf-8"
    response, body = download(client_for(teammate), job)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(codecs.BOM_UTF8 + b"Row;Reason;Vorname")
    detail = client_for(teammate).get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Semicolon-separated, UTF-8, as your file was" in detail


def test_characters_the_files_encoding_cannot_hold_switch_the_download_to_utf8_and_keep_the_delimiter(
    teammate, client_for
):
    # Read as UTF-8, then set to Windows-1252 (an import's settings can change after its dry run): "Łódź" and
    # "Ørsted" cannot all be written in Windows-1252, so nothing is dropped: the file is UTF-8 with a BOM.
    job = checked(teammate, "Vorname;E-Mail\nŁukasz;bad@\nØrsted;ok@example.dk\n".encode())
    ImportJob.objects.filter(pk=job.pk).update(options={**job.options, "encoding": "cp1252"})
    job.refresh_from_db()
    result = rejected_rows_download(job)
    assert result.fell_back and (result.format.delimiter, result.format.encoding) == (";", "utf-8")
    response, body = download(client_for(teammate), job)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(codecs.BOM_UTF8) and "Łukasz;bad@".encode() in body
    # Characters Windows-1252 has are written in it, not replaced: no fall-back for them.
    plain = checked(teammate, "Vorname;E-Mail\nØrsted;bad@\n".encode("cp1252"))
    kept = rejected_rows_download(plain)
    assert not kept.fell_back and "Ørsted".encode("cp1252") in b"".join(kept.chunks)


def test_a_workbooks_rejected_rows_are_comma_separated_utf8_with_a_single_link(teammate, client_for):
    workbook = xlsx_bytes(
        {"Kontakte": [["Vorname", "E-Mail"], ["Jürgen", "kaputt"], ["Zoë", "zoe@example.de"]]}
    )
    job = checked(teammate, workbook, name="kontakte.xlsx")
    client = client_for(teammate)
    response, body = download(client, job)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        body.decode("utf-8-sig").splitlines()[1].startswith("2,E-Mail: 'kaputt' is not a valid email address")
    )
    detail = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Comma-separated, UTF-8.</p>" in detail and "format=comma-utf8" not in detail


def test_an_unknown_format_or_another_users_import_is_refused(teammate, outsider, client_for):
    job = checked(teammate, GERMAN.encode("cp1252"))
    response, body = download(client_for(teammate), job, "?format=excel")
    assert response.status_code == 400
    assert body.decode() == (
        "Choose “original” (the file's own delimiter and encoding) or “comma-utf8”, or leave it out."
    )
    assert client_for(outsider).get(reverse("import-rejected", args=[job.pk])).status_code == 404
    assert (
        client_for(outsider).get(reverse("import-rejected", args=[job.pk]) + "?format=comma-utf8").status_code
        == 404
    )


def test_the_api_download_takes_the_same_format(teammate, outsider, client_for):
    job = checked(teammate, GERMAN.encode("cp1252"))
    client = client_for(teammate)
    own = client.get(f"/api/v1/imports/{job.pk}/rejected.csv")
    assert own["Content-Type"] == "text/csv; charset=windows-1252"
    assert b"".join(own.streaming_content).startswith(b"Row;Reason;Vorname")
    plain = client.get(f"/api/v1/imports/{job.pk}/rejected.csv?format=comma-utf8")
    assert b"".join(plain.streaming_content).startswith(codecs.BOM_UTF8 + b"Row,Reason,Vorname")
    assert client.get(f"/api/v1/imports/{job.pk}/rejected.csv?format=excel").status_code == 422
    assert client_for(outsider).get(f"/api/v1/imports/{job.pk}/rejected.csv").status_code == 404


def test_a_short_rejected_file_is_read_in_the_code_page_of_the_import_it_came_from(
    teammate, outsider, client_for
):
    # One rejected row with two umlauts among long English reasons: on its own, the detector takes the bytes for
    # a Baltic DOS code page ("J³rgen"); the earlier import with these columns was Windows-1252.
    text = (
        "Vorname;Nachname;E-Mail;Telefon;Besitzer\nJürgen;Müller;not-an-email;12;Nobody Here\n"
        "Anaïs;Dupont;a@example.de;+49 151 2345678;\n"
    )
    first = checked(teammate, text.encode("cp1252"))
    _, body = download(client_for(teammate), first)
    again = make_job(teammate, body, name="kontakte-rejected.csv")
    assert again.options["encoding"] == "cp1252"
    assert again.options["sample"][0][2:4] == ["Jürgen", "Müller"]
    assert again.mapping == {"2": "first_name", "3": "last_name", "4": "email", "5": "phone", "6": "owner"}
    # Another user's import is not evidence for this user's file.
    theirs = make_job(outsider, body, name="theirs.csv")
    assert "mapping_from" not in theirs.options
