"""Match rows by Rapport ID: the ID column of a Rapport export, so an exported list edited in a spreadsheet
updates the same records when it is imported again (rapport.imports.services.rapport_ids)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0004_parents_further_down"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="match_key",
            field=models.CharField(
                choices=[
                    ("email", "Email address"),
                    ("external_id", "External id"),
                    ("domain", "Web domain (or name when there is none)"),
                    ("number", "Order number"),
                    ("rapport_id", "Rapport ID (the ID column of a Rapport export)"),
                ],
                default="email",
                max_length=16,
            ),
        ),
    ]
