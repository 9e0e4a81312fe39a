"""Schema changes that Django would make by copying a whole table on SQLite, done in place instead.

Dropping a single-column index or a foreign-key constraint is an AlterField for Django's migration
state; on SQLite its schema editor rebuilds the table for each such field (minutes on a million-row
table). These functions change only the database, by introspection (the index and constraint names
differ between databases and versions), and are used with SeparateDatabaseAndState.
"""

from __future__ import annotations

from typing import Any


def drop_single_column_indexes(schema_editor: Any, table: str, columns: list[str]) -> None:
    """Drop the plain (non-unique, one-column) indexes on these columns of the table, if present."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if (info.get("index") and not info.get("unique") and not info.get("primary_key")
                and len(info.get("columns") or []) == 1 and info["columns"][0] in columns
                and not info.get("foreign_key")):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def drop_foreign_keys(schema_editor: Any, apps: Any, app_label: str, model_name: str, columns: list[str]) -> None:
    """Remove the foreign-key constraints on these columns (the model state must already say db_constraint=False).

    PostgreSQL: ALTER TABLE … DROP CONSTRAINT. SQLite keeps foreign keys in the table's definition, so
    the table is rebuilt once from the current model state (which also drops indexes the state no
    longer has).
    """
    connection = schema_editor.connection
    model = apps.get_model(app_label, model_name)
    table = model._meta.db_table
    if connection.vendor == "sqlite":
        schema_editor._remake_table(model)
        return
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info.get("foreign_key") and (info.get("columns") or [None])[0] in columns:
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} DROP CONSTRAINT {schema_editor.quote_name(name)}"
            )



def add_text_columns(schema_editor: Any, table: str, columns: dict[str, int]) -> None:
    """Add blank text columns ({name: max_length}, CharField with "" for every row) to a table of any size.

    Django's SQLite schema editor copies the whole table for a NOT NULL column with a default.
    ALTER TABLE ADD COLUMN with a constant default changes only the schema, on SQLite and on
    PostgreSQL 11 and later, so the upgrade takes no time at a million rows. PostgreSQL's default is
    dropped afterwards, as Django leaves it; SQLite cannot drop one, and Django always writes the
    column anyway.
    """
    from django.db import models

    quote = schema_editor.quote_name
    for name, max_length in columns.items():
        db_type = models.CharField(max_length=max_length).db_type(schema_editor.connection)
        schema_editor.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {db_type} NOT NULL DEFAULT ''")
        if schema_editor.connection.vendor != "sqlite":
            schema_editor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(name)} DROP DEFAULT")


def drop_columns(schema_editor: Any, table: str, names: list[str]) -> None:
    """Undo add_text_columns (ALTER TABLE DROP COLUMN: SQLite 3.35 and later, PostgreSQL)."""
    quote = schema_editor.quote_name
    for name in names:
        schema_editor.execute(f"ALTER TABLE {quote(table)} DROP COLUMN {quote(name)}")
