"""A contact's own mailing address: street, region and postal code beside the city and country it had.

Imports from other CRMs carry these (Salesforce "Mailing Street", HubSpot "Street Address",
Outlook "Home Postal Code"); before, they were ignored. The columns are added in place, without
copying the contacts table (rapport.core.migration_ops.add_text_columns), so the upgrade takes no
time at a million contacts.
"""

from django.db import migrations, models

from rapport.core.migration_ops import add_text_columns, drop_columns

NEW = {"street": 200, "region": 100, "postal_code": 20}


def forwards(apps, schema_editor):
    add_text_columns(schema_editor, "contacts_contact", NEW)


def backwards(apps, schema_editor):
    drop_columns(schema_editor, "contacts_contact", list(NEW))


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0008_unicode_case_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="contact", name="street", field=models.CharField(blank=True, max_length=200),
                ),
                migrations.AddField(
                    model_name="contact", name="region", field=models.CharField(blank=True, max_length=100),
                ),
                migrations.AddField(
                    model_name="contact", name="postal_code", field=models.CharField(blank=True, max_length=20),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
