"""A deal export names its own stages ("Proposal Made", "Negotiations Started" in Pipedrive): the dry run
lists the stage names no pipeline has, the user says which stage each means, and the import, the saved
mapping and the API take the answer as they take a choice field's."""

from __future__ import annotations

import html
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.imports.models import ImportJob, SavedMapping
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.imports.services.value_maps import SAVED_KEY, unknown_values
from rapport.sales.models import Deal
from tests.factories import make_pipeline
from tests.imports.helpers import make_job

PIPEDRIVE = (
    "Deal - Title,Deal - Stage,Deal - Value\n"
    "Relaunch,Proposal Made,100\n"
    "Support,Negotiations Started,200\n"
    "Logo,proposal made,300\n"
    "Audit,Won,400\n"
    "Mystery,Somewhere,500\n"
)
MAPPING = {"0": "name", "1": "stage", "2": "amount"}


def test_stage_names_no_pipeline_has_are_listed_with_the_stages_to_choose(admin, pipeline):
    job = make_job(admin, PIPEDRIVE, target="deals", mapping=MAPPING)
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (1, 4)  # "Won" is a stage of the pipeline
    assert report["rejections_by_column"] == {"Deal - Stage": 4}
    reasons = {r["row"]: r["reason"] for r in report["rejections"]}
    assert reasons[2] == (
        "Deal - Stage: 'Proposal Made' is not one of: Qualification, Needs analysis, Proposal, Negotiation, Won, "
        "Lost (the stages of pipeline 'New business'). Map this value to one of them, add the stage under "
        "Settings → Pipelines, or fix the cell."
    )
    (column,) = unknown_values(job, admin)["columns"]
    assert (column["field"], column["label"], column["header"]) == ("stage", "Stage", "Deal - Stage")
    assert column["values"] == [
        {"value": "Negotiations Started", "rows": 1},
        {"value": "Proposal Made", "rows": 1},
        {"value": "Somewhere", "rows": 1},
        {"value": "proposal made", "rows": 1},
    ]
    assert [value for value, _ in column["choices"]] == [
        "Qualification", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost"]


def test_mapped_stage_names_are_imported_into_the_stage_the_user_chose(admin, pipeline, client_for):
    client = client_for(admin)
    job = make_job(admin, PIPEDRIVE, target="deals", mapping=MAPPING)
    import_dry_run(job=job, by=admin)
    data = {}
    for n, (value, choice) in enumerate([("Proposal Made", "Proposal"), ("Negotiations Started", "Negotiation"),
                                         ("Somewhere", "")]):
        data.update({f"field_{n}": "stage", f"value_{n}": value, f"choice_{n}": choice})
    response = client.post(reverse("import-values", args=[job.pk]), data)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.options["value_map"] == {"stage": {"Proposal Made": "Proposal", "Negotiations Started": "Negotiation"}}
    # Any case of a mapped value is taken; the unmapped one stays rejected.
    assert (job.dry_run["created"], job.dry_run["rejected"]) == (4, 1)
    job = import_run(job.pk)
    stages = dict(Deal.objects.values_list("name", "stage__name"))
    assert stages == {"Relaunch": "Proposal", "Support": "Negotiation", "Logo": "Proposal", "Audit": "Won"}


def test_a_stage_map_naming_no_stage_is_refused_on_the_page_and_the_api(admin, pipeline, client_for):
    client = client_for(admin)
    job = make_job(admin, PIPEDRIVE, target="deals", mapping=MAPPING)
    import_dry_run(job=job, by=admin)
    response = client.post(
        reverse("import-values", args=[job.pk]), {"field_0": "stage", "value_0": "Proposal Made", "choice_0": "Dreams"}
    )
    assert response.status_code == 422
    assert "'Dreams' is not a value of Stage; map 'Proposal Made' to one of:" in html.unescape(
        response.content.decode())
    job.refresh_from_db()
    assert "value_map" not in job.options
    bad = client.patch(f"/api/v1/imports/{job.pk}", json.dumps({"options": {"value_map": {"stage": {"X": "Dreams"}}}}),
                       content_type="application/json")
    assert bad.status_code == 422
    good = client.patch(f"/api/v1/imports/{job.pk}",
                        json.dumps({"options": {"value_map": {"stage": {"proposal made": "Proposal"}}}}),
                        content_type="application/json")
    assert good.status_code == 200
    assert client.post(f"/api/v1/imports/{job.pk}/dry-run").json()["dry_run"]["rejected"] == 2


def test_the_stage_map_is_kept_with_the_saved_mapping_for_the_next_export(admin, pipeline, client_for):
    client = client_for(admin)
    job = make_job(admin, PIPEDRIVE, target="deals", mapping=MAPPING)
    job = import_job_configure(job=job, by=admin, save_mapping_as="Pipedrive deals",
                               options={"value_map": {"stage": {"Proposal Made": "Proposal"}}})
    import_dry_run(job=job, by=admin)
    client.post(reverse("import-values", args=[job.pk]),
                {"field_0": "stage", "value_0": "Negotiations Started", "choice_0": "Negotiation"})
    saved = SavedMapping.objects.get(name="Pipedrive deals")
    assert saved.columns[SAVED_KEY] == {"stage": {"Proposal Made": "Proposal", "Negotiations Started": "Negotiation"}}
    response = client.post(reverse("import-list"),
                           {"file": SimpleUploadedFile("next.csv", PIPEDRIVE.encode()), "target": "deals"})
    assert response.status_code == 302
    upload = ImportJob.objects.exclude(pk=job.pk).get()
    assert import_dry_run(job=upload, by=admin)["rejected"] == 1  # only "Somewhere"


def test_with_several_pipelines_a_stage_choice_names_its_pipelines_and_the_row_keeps_its_pipeline(admin, pipeline):
    renewals = make_pipeline(by=admin, name="Renewals")
    renewals.stages.filter(name="Proposal").update(name="Renewal offer")
    text = "Name,Pipeline,Stage\nA,Renewals,Offer sent\nB,New business,Offer sent\n"
    job = make_job(admin, text, target="deals", mapping={"0": "name", "1": "pipeline", "2": "stage"})
    import_dry_run(job=job, by=admin)
    (column,) = unknown_values(job, admin)["columns"]
    labels = dict(column["choices"])
    assert labels["Renewal offer"] == "Renewal offer (Renewals)"
    assert labels["Won"] == "Won (New business, Renewals)"
    job = import_job_configure(job=job, by=admin, options={"value_map": {"stage": {"Offer sent": "Renewal offer"}}})
    report = import_dry_run(job=job, by=admin)
    # Row A's pipeline has the stage; row B's does not, and says which stages it has.
    assert (report["created"], report["rejected"]) == (1, 1)
    assert report["rejections"][0]["row"] == 3
    assert "(the stages of pipeline 'New business')" in report["rejections"][0]["reason"]
