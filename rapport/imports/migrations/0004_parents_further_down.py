"""Companies whose parent company a later row of the same file brings: the batch keeps the links to make
when the import's last batch is in (ImportBatch.links), and the outcome says how it went (ImportJob.notes)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0003_check_in_background"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="links",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="importjob",
            name="notes",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
