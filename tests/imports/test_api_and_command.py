"""The import API and the `rapport import` command."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from rapport.contacts.models import Contact
from rapport.imports.models import ImportJob

CSV = b"First Name,Email\nAda,ada@example.com\nBob,bad\n"


def test_api_upload_configure_dry_run(admin, client_for):
    client = client_for(admin)
    created = client.post("/api/v1/imports/", {"file": SimpleUploadedFile("c.csv", CSV), "target": "contacts"})
    assert created.status_code == 201
    body = created.json()
    assert body["headers"] == ["First Name", "Email"]
    assert body["mapping"] == {"0": "first_name", "1": "email"}
    patched = client.patch(f"/api/v1/imports/{body['id']}", json.dumps({"mode": "create"}), content_type="application/json")
    assert patched.json()["mode"] == "create"
    checked = client.post(f"/api/v1/imports/{body['id']}/dry-run").json()
    assert (checked["dry_run"]["created"], checked["dry_run"]["rejected"]) == (1, 1)
    assert Contact.objects.count() == 0


def test_api_refuses_an_empty_file_with_422(admin, client_for):
    response = client_for(admin).post("/api/v1/imports/", {"file": SimpleUploadedFile("c.csv", b"")})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The file is empty.")


def test_api_hides_other_peoples_imports(teammate, outsider, client_for):
    job_id = client_for(teammate).post("/api/v1/imports/", {"file": SimpleUploadedFile("c.csv", CSV)}).json()["id"]
    assert client_for(outsider).get(f"/api/v1/imports/{job_id}").status_code == 404


def test_command_dry_run_writes_nothing_and_run_imports(admin, tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_bytes(CSV)
    call_command("import", str(path), "--dry-run", "--user", admin.username)
    out = capsys.readouterr().out
    assert "Dry run of 2 rows: 1 would be created, 0 updated, 0 skipped, 1 rejected." in out
    assert Contact.objects.count() == 0
    rejected = tmp_path / "rejected.csv"
    call_command("import", str(path), "--user", admin.username, "--mapping", json.dumps({"First Name": "last_name"}),
                 "--rejected", str(rejected))
    out = capsys.readouterr().out
    assert "2 rows = 1 created + 0 updated + 0 skipped + 1 rejected." in out
    assert Contact.objects.get().last_name == "Ada"
    assert "bad" in rejected.read_text()
    job = ImportJob.objects.order_by("-id").first()
    call_command("import", "--undo", str(job.pk), "--user", admin.username)
    assert Contact.all_objects.count() == 0


def test_command_names_a_missing_column(admin, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(CSV)
    with pytest.raises(CommandError) as exc:
        call_command("import", str(path), "--user", admin.username, "--mapping", '{"Mail": "email"}')
    assert str(exc.value) == "The file has no column 'Mail'; its columns are: First Name, Email."


def test_command_dry_run_says_what_happens_to_rows_that_meet_existing_contacts(admin, tmp_path, capsys):
    from tests.factories import make_contact

    ada = make_contact(by=admin, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    path = tmp_path / "c.csv"
    path.write_text("First Name,Last Name,Email\nAda,Lovelace,ada@example.com\nAda,Lovelace,ada@example.com\n")
    call_command("import", str(path), "--dry-run", "--mode", "create_or_update", "--user", admin.username)
    out = capsys.readouterr().out
    assert "Dry run of 2 rows: 0 would be created, 1 updated, 1 skipped, 0 rejected." in out
    assert f"  row 2: updates #{ada.pk} (last name): same email" in out
    assert f"  row 3: skipped: Contact #{ada.pk} already has these values; nothing changed." in out
    # The run does what the dry run said, row by row.
    call_command("import", str(path), "--mode", "create_or_update", "--user", admin.username)
    assert "2 rows = 0 created + 1 updated + 1 skipped + 0 rejected." in capsys.readouterr().out
    from rapport.imports.models import ImportRow

    assert ImportRow.objects.get(row_number=3).reason == f"Contact #{ada.pk} already has these values; nothing changed."
