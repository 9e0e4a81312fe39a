"""A HubSpot deals export names its own pipeline ("Sales Pipeline", HubSpot's default) and stages: the dry
run says which pipelines there are, Values to match lists the file's pipeline with yours to choose, and
the import puts the deals into the pipeline the user chose, with the stages matched in it."""

from __future__ import annotations

import json

import pytest

from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.imports.services.value_maps import unknown_values
from rapport.sales.models import Deal
from tests.factories import make_pipeline
from tests.imports.helpers import make_job

HUBSPOT = (
    "Record ID,Deal Name,Deal Stage,Pipeline,Amount\n"
    "9001,Renewal,Closed Won,Sales Pipeline,12500\n"
    "9002,Expansion,Appointment Scheduled,Sales Pipeline,8000\n"
    "9003,Pilot,Contract Sent,sales pipeline,\n"
    "9004,Referral deal,Qualification,Partners,100\n"
)


@pytest.fixture
def partners(admin, pipeline):
    return make_pipeline(by=admin, name="Partners")


def test_a_pipeline_no_one_has_is_matched_to_one_of_yours(admin, pipeline, partners):
    job = make_job(admin, HUBSPOT, target="deals")
    assert job.mapping["3"] == "pipeline"
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (1, 3)
    assert report["rejections"][0] == {"row": 2, "reason": (
        "Pipeline: There is no pipeline 'Sales Pipeline'; it is not one of: New business, Partners. Match it to "
        "one under Values to match, add it under Settings → Pipelines, or fix the name.")}
    columns = {c["field"]: c for c in unknown_values(job, admin)["columns"]}
    assert [v["value"] for v in columns["pipeline"]["values"]] == ["Sales Pipeline", "sales pipeline"]
    assert [value for value, _ in columns["pipeline"]["choices"]] == ["New business", "Partners"]
    assert [v["value"] for v in columns["stage"]["values"]] == ["Appointment Scheduled", "Contract Sent"]
    job = import_job_configure(job=job, by=admin, options={"value_map": {
        "pipeline": {"Sales Pipeline": "New business"},
        "stage": {"Appointment Scheduled": "Qualification", "Contract Sent": "Negotiation"}}})
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["rejected"]) == (4, 0)
    done = import_run(job.pk)
    assert (done.created_count, done.rejected_count) == (4, 0)
    placed = {d.name: (d.pipeline.name, d.stage.name) for d in Deal.objects.select_related("pipeline", "stage")}
    assert placed == {"Renewal": ("New business", "Won"), "Expansion": ("New business", "Qualification"),
                      "Pilot": ("New business", "Negotiation"), "Referral deal": ("Partners", "Qualification")}


def test_the_api_refuses_a_pipeline_answer_that_is_no_pipeline(admin, pipeline, client_for):
    job = make_job(admin, HUBSPOT, target="deals")
    response = client_for(admin).patch(
        f"/api/v1/imports/{job.pk}", json.dumps({"options": {"value_map": {"pipeline": {"Sales Pipeline": "Sales"}}}}),
        content_type="application/json")
    assert response.status_code == 422
    assert "Sales" in json.dumps(response.json()) and "New business" in json.dumps(response.json())
