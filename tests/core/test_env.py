"""DATABASE_URL becomes Django settings, with typed options and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rapport.core.env import parse_database_url

DEFAULT = Path("/tmp/default.sqlite3")


def test_postgres_url_with_credentials_port_and_text_options():
    settings = parse_database_url("postgres://rapport:s%40cret@db.internal:6543/crm?sslmode=require", DEFAULT)
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["NAME"], settings["USER"], settings["PASSWORD"], settings["HOST"], settings["PORT"]) == (
        "crm", "rapport", "s@cret", "db.internal", "6543")
    assert settings["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(("query", "expected"), [
    ("server_side_binding=true&prepare_threshold=2", {"server_side_binding": True, "prepare_threshold": 2}),
    ("server_side_binding=False&prepare_threshold=none", {"server_side_binding": False, "prepare_threshold": None}),
    ("server_side_binding=0", {"server_side_binding": False}),
])
def test_binding_options_are_typed_so_false_means_false(query, expected):
    assert parse_database_url(f"postgres://u@h/db?{query}", DEFAULT)["OPTIONS"] == expected


@pytest.mark.parametrize(("query", "message"), [
    ("server_side_binding=maybe", "server_side_binding must be true or false, not 'maybe'"),
    ("prepare_threshold=-1", "prepare_threshold must be a whole number"),
    ("prepare_threshold=soon", "prepare_threshold must be a whole number"),
])
def test_malformed_binding_options_are_refused_with_what_to_write(query, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_database_url(f"postgres://u@h/db?{query}", DEFAULT)


def test_sqlite_url_and_default():
    assert parse_database_url("sqlite:////var/lib/rapport/crm.sqlite3", DEFAULT)["NAME"] == "/var/lib/rapport/crm.sqlite3"
    assert parse_database_url("", DEFAULT)["NAME"] == str(DEFAULT)
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        parse_database_url("mysql://u@h/db", DEFAULT)
