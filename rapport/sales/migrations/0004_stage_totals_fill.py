"""Fill the board totals from the deals already in the database."""

from django.db import migrations


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Plain SQL on the tables (no model code), so it is safe to call from a migration.
    from rapport.sales.services.totals import stage_totals_rebuild

    stage_totals_rebuild()


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_stage_totals")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
