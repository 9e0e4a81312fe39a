"""Backup and restore: a round trip gives identical tables, verification catches any difference."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from rapport.contacts.models import Company, Contact
from rapport.imports.services.backup import RawDatabase, backup_create, manifest_path_for
from rapport.sales.models import Deal
from tests.factories import make_company, make_contact, make_deal

pytestmark = pytest.mark.django_db(transaction=True)

FORMATS = ["sqlite", "jsonl"] if connection.vendor == "sqlite" else ["pg_dump", "jsonl"]


def _checksums() -> dict:
    if connection.vendor == "sqlite":
        import sqlite3

        name = connection.settings_dict["NAME"]
        conn = sqlite3.connect(name, uri=name.startswith("file:"))
        try:
            return RawDatabase(conn, "sqlite").checksums()
        finally:
            conn.close()
    connection.ensure_connection()
    return RawDatabase(connection.connection, "postgresql").checksums()


def _wipe() -> None:
    Deal.all_objects.all().delete()
    Contact.all_objects.all().delete()
    Company.all_objects.all().delete()
    from rapport.accounts.models import User

    User.objects.all().delete()


@pytest.fixture
def data(admin, pipeline):
    company = make_company(by=admin, name="Acme; \"quoted\"", country="DE")
    for i in range(5):
        make_contact(by=admin, first_name=f"Ä{i}", company=company, custom={}, tags=["x"])
    make_deal(by=admin, pipeline=pipeline, name="Big", amount="12345.67")
    return company


@pytest.mark.parametrize("fmt", FORMATS)
def test_backup_then_restore_gives_identical_tables(fmt, data, tmp_path):
    before = _checksums()
    out = tmp_path / f"b.{fmt}"
    result = backup_create(output=out, fmt=fmt)
    manifest = json.loads(manifest_path_for(out).read_text())
    assert manifest["format"] == fmt
    assert manifest["tables"]["contacts_contact"]["rows"] == 5
    assert manifest["tables"] == {t: before[t] for t in manifest["tables"]}
    assert result.total_rows == sum(t["rows"] for t in manifest["tables"].values())
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(out))
    _wipe()
    assert Contact.all_objects.count() == 0
    call_command("restore", str(out))
    assert _checksums() == before
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == [f"Ä{i}" for i in range(5)]
    assert str(Deal.objects.get().amount) == "12345.67"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_restored_accented_company_is_found_by_its_name_in_any_case(fmt, admin, tmp_path):
    make_company(by=admin, name="Müller & Söhne GmbH")
    out = tmp_path / f"b.{fmt}"
    backup_create(output=out, fmt=fmt)
    _wipe()
    call_command("restore", str(out))
    from rapport.imports.services import db

    # The name index holds Rapport's Unicode upper case whichever way the rows came back.
    assert db.names_find("contacts_company", ["MÜLLER & SÖHNE GMBH"]) == [
        (Company.objects.get().pk, "MÜLLER & SÖHNE GMBH")]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchall() == [("ok",)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_restore_detects_a_checksum_mismatch(fmt, data, tmp_path):
    out = tmp_path / f"b.{fmt}"
    backup_create(output=out, fmt=fmt)
    manifest_file = manifest_path_for(out)
    manifest = json.loads(manifest_file.read_text())
    manifest["tables"]["contacts_contact"]["sha256"] = "0" * 64
    manifest_file.write_text(json.dumps(manifest))
    _wipe()
    with pytest.raises(CommandError, match="table contacts_contact has the same number of rows .5. but different"):
        call_command("restore", str(out))
    if fmt != "pg_dump":  # verified before anything is committed: the database stays empty
        assert Contact.all_objects.count() == 0


def test_restore_detects_a_damaged_backup_file(data, tmp_path):
    out = tmp_path / "b.jsonl"
    backup_create(output=out, fmt="jsonl")
    out.write_bytes(out.read_bytes()[:-20])
    _wipe()
    with pytest.raises(CommandError, match="has changed since it was made"):
        call_command("restore", str(out))
    assert Contact.all_objects.count() == 0


def test_restore_without_manifest_says_what_to_do(data, tmp_path):
    out = tmp_path / "b.jsonl"
    backup_create(output=out, fmt="jsonl")
    manifest_path_for(out).unlink()
    with pytest.raises(CommandError, match="manifest b.jsonl.manifest.json is missing"):
        call_command("restore", str(out))


def test_restore_with_force_replaces_existing_data(data, admin, tmp_path):
    out = tmp_path / "b.jsonl"
    before = _checksums()
    call_command("backup", "-o", str(out), "--format", "jsonl")
    make_contact(by=admin, last_name="Added later")
    call_command("restore", str(out), "--force")
    assert _checksums() == before
    assert not Contact.objects.filter(last_name="Added later").exists()


def test_backup_command_picks_the_engine_format(data, tmp_path, capsys):
    out = tmp_path / "auto.bak"
    call_command("backup", "-o", str(out))
    manifest = json.loads(manifest_path_for(out).read_text())
    assert manifest["format"] == ("sqlite" if connection.vendor == "sqlite" else "pg_dump")
    assert "Backed up" in capsys.readouterr().out
