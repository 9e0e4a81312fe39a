"""contacts 0009 adds the contact's street, region and postal code in place: the rows stay where they
are (SQLite's table keeps its root page, PostgreSQL's its file), every existing contact gets "" and
keeps its other values, and the migration can be taken back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("contacts", "0008_unicode_case_index")
AFTER = ("contacts", "0009_contact_address")


def _storage() -> object:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'contacts_contact'")
        else:
            cursor.execute("SELECT relfilenode FROM pg_class WHERE relname = 'contacts_contact'")
        return cursor.fetchone()[0]


def _columns() -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, "contacts_contact")}


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_the_address_columns_are_added_in_place_and_can_be_taken_back(teammate):
    from tests.factories import make_contact

    contact = make_contact(by=teammate, first_name="Ines", last_name="Roth", city="Berlin", country="DE")
    try:
        _migrate(BEFORE)
        assert {"street", "region", "postal_code"}.isdisjoint(_columns())
        storage = _storage()
        _migrate(AFTER)
        assert {"street", "region", "postal_code"} <= _columns()
        assert _storage() == storage
        with connection.cursor() as cursor:
            cursor.execute("SELECT first_name, city, country, street, region, postal_code FROM contacts_contact "
                           "WHERE id = %s", [contact.pk])
            assert cursor.fetchone() == ("Ines", "Berlin", "DE", "", "", "")
            # A row written without the new columns (as by a process still running the old code) gets "".
            if connection.vendor == "sqlite":
                cursor.execute("INSERT INTO contacts_contact (created_at, updated_at, version, first_name, last_name, "
                               "title, lifecycle_stage, preferred_channel, city, country, email, phone, custom) "
                               "VALUES ('2026-12-01', '2026-12-01', 1, 'Old', 'Code', '', 'lead', '', '', '', '', '', "
                               "'{}') RETURNING street, postal_code")
                assert cursor.fetchone() == ("", "")
    finally:
        _migrate(AFTER)
