"""Upper-casing with Unicode rules on SQLite, for the comparisons of names in any case.

Built in, SQLite's UPPER folds only A-Z: UPPER('Müller & Söhne') is 'MüLLER & SöHNE', while Python,
PostgreSQL and every user say 'MÜLLER & SÖHNE'. The importers compared names upper-cased in Python
with UPPER(name), so every name with an accent missed itself, and a re-imported 'Müller & Söhne GmbH'
became a second company. `CaseFold` is UPPER on PostgreSQL and `rapport_upper` (Python's str.upper,
registered on every connection Rapport opens) on SQLite; the company-name index is built on it.

It has a name of its own rather than replacing UPPER: a program that opens the database without it
(the sqlite3 shell, a viewer) reads everything and fails loudly ("no such function: rapport_upper") if
it writes a company, instead of leaving index entries that disagree with Rapport's.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func, Lookup, TextField

SQLITE_UPPER = "rapport_upper"


def _upper(value: Any) -> Any:
    # As the built-in: NULL stays NULL, a blob is folded as its bytes, a number as its text.
    if value is None:
        return None
    if isinstance(value, str | bytes):
        return value.upper()
    return str(value).upper()


def register(raw: Any) -> None:
    """Install the function on a raw sqlite3 connection (Django's get it when they open)."""
    raw.create_function(SQLITE_UPPER, 1, _upper, deterministic=True)


def _on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        register(connection.connection)


def connect() -> None:
    connection_created.connect(_on_connection, dispatch_uid="rapport-sqlite-unicode-upper")


class CaseFold(Func):
    """A text upper-cased with Unicode rules on both databases (UPPER on PostgreSQL)."""

    function = "UPPER"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function=SQLITE_UPPER, **extra_context)


class UnicodeIExact(Lookup):
    """`name__uiexact="müller"`: equal in any case with Unicode rules on both databases.

    Django's `iexact` is LIKE on SQLite, case-blind only for A-Z; this compares CaseFold of both sides,
    which the company-name index serves.
    """

    lookup_name = "uiexact"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        fold = SQLITE_UPPER if connection.vendor == "sqlite" else "UPPER"
        return f"{fold}({lhs}) = {fold}({rhs})", [*lhs_params, *rhs_params]


CharField.register_lookup(UnicodeIExact)
TextField.register_lookup(UnicodeIExact)
