"""A HubSpot contacts export as it comes: its own lifecycle stages (Marketing/Sales Qualified Lead, the API's
"marketingqualifiedlead"), other CRMs' account types, and "Mobile Phone Number", read without asking; "Other",
which means something different in every company, is left for the user to match."""

from __future__ import annotations

from rapport.contacts.models import Contact, ContactPhone
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.imports.services.mapping import mapping_suggest
from rapport.imports.services.value_maps import unknown_values
from tests.imports.helpers import make_job

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Lifecycle Stage,Lead Status\n"
    "51,Maria,Garcia,maria@example.com,+1 617 555 0100,+1 617 555 0111,Marketing Qualified Lead,New\n"
    "52,John,Oneil,john@example.com,,,sales qualified  lead,Open\n"
    "53,Li,Wei,li@example.com,,,marketingqualifiedlead,\n"
    "54,Ana,Silva,ana@example.com,,,Former customer,\n"
    "55,Sam,Berg,sam@example.com,,,Customer - Direct,\n"
    "56,Ola,Nord,ola@example.com,,,Other,\n"
)


def test_a_hubspot_export_maps_its_columns_and_reads_its_lifecycle_stages(admin):
    job = make_job(admin, HUBSPOT, name="hubspot-contacts.csv")
    assert job.mapping["5"] == "mobile"
    assert job.mapping["6"] == "lifecycle_stage"
    assert "7" not in job.mapping  # Lead Status: the stage has its column already
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (5, 1)
    assert report["rejections"] == [{"row": 7, "reason": (
        "Lifecycle Stage: Lifecycle stage 'Other' is not one of: subscriber, lead, opportunity, customer, "
        "evangelist, churned. Map this value to one of them or fix the cell.")}]
    # The wizard asks about "Other" only: the names it knows are not listed as values to match.
    columns = unknown_values(job, admin)["columns"]
    assert [(c["field"], [v["value"] for v in c["values"]]) for c in columns] == [("lifecycle_stage", ["Other"])]
    job = import_job_configure(job=job, by=admin, options={"value_map": {"lifecycle_stage": {"Other": "lead"}}})
    done = import_run(job.pk)
    assert (done.created_count, done.rejected_count) == (6, 0)
    stages = dict(Contact.objects.values_list("email", "lifecycle_stage"))
    assert stages == {"maria@example.com": "lead", "john@example.com": "lead", "li@example.com": "lead",
                      "ana@example.com": "churned", "sam@example.com": "customer", "ola@example.com": "lead"}
    maria = Contact.objects.get(email="maria@example.com")
    assert set(ContactPhone.objects.filter(contact=maria).values_list("number", "kind")) == {
        ("+16175550100", "work"), ("+16175550111", "mobile")}


def test_a_choice_of_rapport_still_wins_over_a_synonym(admin):
    # "Customer" is Rapport's own choice; the synonyms only read names Rapport does not have.
    job = make_job(admin, "Email,Lifecycle Stage\na@example.com,CUSTOMER\nb@example.com,Evangelist\n")
    import_run(job.pk)
    assert dict(Contact.objects.values_list("email", "lifecycle_stage")) == {
        "a@example.com": "customer", "b@example.com": "evangelist"}


def test_mobile_phone_headers_of_other_exports_are_recognised(db):
    suggested = mapping_suggest("contacts", ["Email", "Mobile Phone Number", "Cell Phone Number"])
    assert suggested.get("1") == "mobile"
