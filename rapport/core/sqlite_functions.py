"""SQLite's UPPER and LOWER with Python's Unicode case rules, on every connection Rapport opens.

Built in, SQLite folds only A-Z: UPPER('Müller & Söhne') is 'MüLLER & SöHNE', while Python, PostgreSQL
and every user say 'MÜLLER & SÖHNE'. Code that compares a name upper-cased in Python with UPPER(name)
(the importers' company and deal lookups, the tag lookups with Lower) then missed every name with an
accent, and a re-imported 'Müller & Söhne GmbH' became a second company. Registered as deterministic
functions of the same names, they replace the built-ins for this connection, and the expression index
company_name_upper is built with them (migration contacts 0008 rebuilds it once).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created


def _upper(value: Any) -> Any:
    return _fold(value, upper=True)


def _lower(value: Any) -> Any:
    return _fold(value, upper=False)


def _fold(value: Any, *, upper: bool) -> Any:
    # As the built-ins: NULL stays NULL, a blob is folded as its bytes, a number as its text.
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.upper() if upper else value.lower()
    text = value if isinstance(value, str) else str(value)
    return text.upper() if upper else text.lower()


def register(raw: Any) -> None:
    """Install the functions on a raw sqlite3 connection."""
    raw.create_function("upper", 1, _upper, deterministic=True)
    raw.create_function("lower", 1, _lower, deterministic=True)


def _on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        register(connection.connection)


def connect() -> None:
    connection_created.connect(_on_connection, dispatch_uid="rapport-sqlite-unicode-case")
