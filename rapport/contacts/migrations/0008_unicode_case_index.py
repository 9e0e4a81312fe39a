"""The company-name index on Unicode upper case (rapport.core.sqlite_functions.CaseFold).

On SQLite the index moves from the built-in UPPER, which folds only A-Z, to `rapport_upper` (Python's
str.upper); on PostgreSQL CaseFold is UPPER, as before, and the index stays as it is.
"""

from django.db import migrations, models

import rapport.core.sqlite_functions


def to_casefold(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS company_name_upper")
        schema_editor.execute("CREATE INDEX company_name_upper ON contacts_company (rapport_upper(name))")


def to_upper(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS company_name_upper")
        schema_editor.execute('CREATE INDEX company_name_upper ON contacts_company (UPPER("name"))')


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0007_partial_link_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(to_casefold, to_upper)],
            state_operations=[
                migrations.RemoveIndex(model_name="company", name="company_name_upper"),
                migrations.AddIndex(
                    model_name="company",
                    index=models.Index(rapport.core.sqlite_functions.CaseFold("name"), name="company_name_upper"),
                ),
            ],
        ),
    ]
