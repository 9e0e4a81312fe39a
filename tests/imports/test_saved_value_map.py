"""A saved mapping keeps the user's answers for choice values, and any new upload (CLI included) gets them."""

from __future__ import annotations

from rapport.contacts.models import Contact
from rapport.imports.models import SavedMapping
from rapport.imports.services.jobs import import_job_configure, import_run
from tests.imports.helpers import make_job

TEXT = "First Name,Email,Lifecycle Stage\nAda,ada@example.com,Kunde\n"


def test_a_value_map_saved_with_the_mapping_comes_back_on_the_next_upload(admin):
    job = make_job(admin, TEXT, mode="create")
    import_job_configure(job=job, by=admin, options={"value_map": {"lifecycle_stage": {"Kunde": "customer"}}},
                         save_mapping_as="Old CRM")
    saved = SavedMapping.objects.get(name="Old CRM")
    assert saved.columns["__value_map__"] == {"lifecycle_stage": {"Kunde": "customer"}}
    again = make_job(admin, TEXT.replace("Ada", "Bea").replace("ada@", "bea@"), mode="create")
    assert again.options["value_map"] == {"lifecycle_stage": {"Kunde": "customer"}}
    done = import_run(again.pk)
    assert (done.created_count, done.rejected_count) == (1, 0)
    assert Contact.objects.get(email="bea@example.com").lifecycle_stage == "customer"


def test_without_a_saved_value_map_the_unknown_value_is_rejected(admin):
    job = make_job(admin, TEXT, mode="create")
    done = import_run(job.pk)
    assert (done.created_count, done.rejected_count) == (0, 1)
    assert "value_map" not in job.options
