"""Admin validation rules on update rows of companies, leads and deals: checked against the record as it will
be after the update (its stored values + the row's non-empty cells), in the dry run exactly as in the run."""

from __future__ import annotations

from decimal import Decimal

from rapport.contacts.models import Company
from rapport.customization.models import ValidationRule
from rapport.imports.models import ExternalKey, ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run
from rapport.sales.choices import StageKind
from rapport.sales.models import Deal, Lead
from rapport.sales.services.pipelines import pipeline_create
from tests.factories import make_company, make_deal, make_lead
from tests.imports.helpers import make_job


def counts(job) -> tuple[int, int, int, int]:
    return (job.created_count, job.updated_count, job.skipped_count, job.rejected_count)


def dry_counts(report) -> tuple[int, int, int, int]:
    return (report["created"], report["updated"], report["skipped"], report["rejected"])


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


def external(target: str, external_id: str, pk: int) -> None:
    ExternalKey.objects.create(target=target, external_id=external_id, object_id=pk)


def test_a_required_company_field_the_row_leaves_empty_passes_when_the_company_has_it(admin):
    with_industry = make_company(by=admin, name="Acme", domain="acme.com", industry="Energy")
    without = make_company(by=admin, name="Globex", domain="globex.com")
    ValidationRule.objects.create(entity="company", kind="required", field="industry", parameters={})
    text = "Name,Website,Industry,City\nAcme,acme.com,,Berlin\nGlobex,globex.com,,Paris\n"
    job = make_job(admin, text, target="companies", mode="update")
    report = import_dry_run(job=job, by=admin)
    assert dry_counts(report) == (0, 1, 0, 1)
    assert report["rejections"] == [{"row": 3, "reason": "Industry is required; enter a value."}]
    job = import_run(job.pk)
    assert counts(job) == (0, 1, 0, 1)
    assert reasons(job) == {3: "Industry is required; enter a value."}
    with_industry.refresh_from_db()
    without.refresh_from_db()
    assert (with_industry.industry, with_industry.city) == ("Energy", "Berlin")
    assert (without.industry, without.city) == ("", "")


def test_a_required_company_field_filled_by_the_row_lets_the_update_through(admin):
    make_company(by=admin, name="Globex", domain="globex.com")
    ValidationRule.objects.create(entity="company", kind="required", field="industry", parameters={})
    job = make_job(
        admin, "Name,Website,Industry\nGlobex,globex.com,Retail\n", target="companies", mode="update"
    )
    assert dry_counts(import_dry_run(job=job, by=admin)) == (0, 1, 0, 0)
    assert counts(import_run(job.pk)) == (0, 1, 0, 0)
    assert Company.objects.get(name="Globex").industry == "Retail"


def test_the_dry_run_skips_update_rows_that_change_nothing_like_the_run(admin):
    make_company(by=admin, name="Acme", domain="acme.com", industry="Energy")
    job = make_job(admin, "Name,Website,Industry\nAcme,acme.com,Energy\n", target="companies", mode="update")
    report = import_dry_run(job=job, by=admin)
    assert dry_counts(report) == (0, 0, 1, 0)
    assert counts(import_run(job.pk)) == (0, 0, 1, 0)


def test_a_required_lead_field_is_taken_from_the_stored_lead(admin):
    kept = make_lead(by=admin, need="CRM for 40 people")
    bare = make_lead(by=admin)
    external("leads", "L-1", kept.pk)
    external("leads", "L-2", bare.pk)
    ValidationRule.objects.create(entity="lead", kind="required", field="need", parameters={})
    text = "Lead ID,Score,Need\nL-1,40,\nL-2,50,\n"
    job = make_job(admin, text, target="leads", mode="update")
    report = import_dry_run(job=job, by=admin)
    assert dry_counts(report) == (0, 1, 0, 1)
    assert report["rejections"] == [{"row": 3, "reason": "Need is required; enter a value."}]
    job = import_run(job.pk)
    assert counts(job) == (0, 1, 0, 1)
    kept.refresh_from_db()
    bare.refresh_from_db()
    assert (kept.score, kept.need) == (40, "CRM for 40 people")
    assert bare.score == 0


def test_a_won_deal_keeps_its_stored_amount_for_the_rule_a_won_deal_needs_an_amount(admin, pipeline):
    paid = make_deal(by=admin, pipeline=pipeline, amount="250.00")
    free = make_deal(by=admin, pipeline=pipeline, amount="0")
    external("deals", "D-1", paid.pk)
    external("deals", "D-2", free.pk)
    ValidationRule.objects.create(
        entity="deal",
        kind="conditional",
        field="amount",
        parameters={
            "when": {"field": "stage_kind", "operator": "equals", "value": "won"},
            "then": {"kind": "required"},
        },
    )
    job = make_job(admin, "Opportunity ID,Stage,Amount\nD-1,Won,\nD-2,Won,\n", target="deals", mode="update")
    report = import_dry_run(job=job, by=admin)
    assert dry_counts(report) == (0, 1, 0, 1)
    assert report["rejections"] == [
        {"row": 3, "reason": "Amount is required when Stage is won; enter a value."}
    ]
    job = import_run(job.pk)
    assert counts(job) == (0, 1, 0, 1)
    paid.refresh_from_db()
    free.refresh_from_db()
    assert (paid.stage.kind, paid.amount) == (StageKind.WON, Decimal("250.00"))
    assert free.stage.kind == StageKind.OPEN


def test_deal_rules_see_the_stage_of_the_deals_own_pipeline(admin, pipeline):
    # "Signed" is an open stage of the default pipeline but the won stage of the deal's own pipeline: a
    # row naming it without a pipeline moves the deal in its own pipeline, so the rule sees a won deal.
    pipeline.is_default = True
    pipeline.save(update_fields=["is_default"])
    from rapport.sales.services.pipelines import stage_create

    stage_create(pipeline=pipeline, by=admin, name="Signed", kind=StageKind.OPEN)
    renewals = pipeline_create(
        name="Renewals",
        by=admin,
        stages=[
            {"name": "Talking", "kind": StageKind.OPEN, "probability": 20},
            {"name": "Signed", "kind": StageKind.WON, "probability": 100},
            {"name": "Gone", "kind": StageKind.LOST, "probability": 0},
        ],
    )
    deal = make_deal(by=admin, pipeline=renewals, amount="0")
    external("deals", "R-1", deal.pk)
    ValidationRule.objects.create(
        entity="deal",
        kind="conditional",
        field="amount",
        parameters={
            "when": {"field": "stage_kind", "operator": "equals", "value": "won"},
            "then": {"kind": "required"},
        },
    )
    job = make_job(admin, "Opportunity ID,Stage\nR-1,Signed\n", target="deals", mode="update")
    assert dry_counts(import_dry_run(job=job, by=admin)) == (0, 0, 0, 1)
    job = import_run(job.pk)
    assert reasons(job) == {2: "Amount is required when Stage is won; enter a value."}
    deal.refresh_from_db()
    assert deal.stage.name == "Talking"


def test_the_dry_run_skips_rows_matching_records_the_user_may_not_change(teammate, outsider):
    theirs = make_company(by=outsider, name="Theirs", domain="theirs.com")
    job = make_job(teammate, "Name,Website,City\nTheirs,theirs.com,Rome\n", target="companies", mode="update")
    report = import_dry_run(job=job, by=teammate)
    job = import_run(job.pk)
    assert dry_counts(report) == counts(job)
    theirs.refresh_from_db()
    assert theirs.city == ""


def test_update_rows_of_deals_and_leads_without_rules_still_update(admin, pipeline):
    deal = make_deal(by=admin, pipeline=pipeline, amount="10.00")
    lead = make_lead(by=admin)
    external("deals", "D-9", deal.pk)
    external("leads", "L-9", lead.pk)
    deals = import_run(make_job(admin, "Opportunity ID,Amount\nD-9,99\n", target="deals", mode="update").pk)
    leads = import_run(make_job(admin, "Lead ID,Score\nL-9,7\n", target="leads", mode="update").pk)
    assert (counts(deals), counts(leads)) == ((0, 1, 0, 0), (0, 1, 0, 0))
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("99.00")
    assert Lead.objects.get(pk=lead.pk).score == 7


def test_a_required_company_of_a_new_lead_is_given_by_the_company_it_brings(admin):
    ValidationRule.objects.create(entity="lead", kind="required", field="company", parameters={})
    text = "Email,Company\nnew@example.com,Brand New GmbH\nbare@example.com,\n"
    job = make_job(admin, text, target="leads")
    assert dry_counts(import_dry_run(job=job, by=admin)) == (1, 0, 0, 1)
    job = import_run(job.pk)
    assert counts(job) == (1, 0, 0, 1)
    assert reasons(job) == {3: "Company is required; enter a value."}
    assert Lead.objects.get().company.name == "Brand New GmbH"
