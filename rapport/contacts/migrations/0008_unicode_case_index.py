"""Rebuild the company-name index with Unicode UPPER on SQLite (rapport.core.sqlite_functions).

Its entries were computed with SQLite's built-in UPPER, which folds only A-Z; every connection Rapport
opens now uses Python's case rules, so the entries of names with accents are computed again. PostgreSQL's
UPPER was Unicode already: nothing to do there.
"""

from django.db import migrations


def reindex(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("REINDEX company_name_upper")


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0007_partial_link_indexes"),
    ]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
