"""Importing deals: pipeline and stage by name, money with currency, contact and company by key, board totals, undo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rapport.activities.models import TimelineEvent
from rapport.customization.models import ValidationRule
from rapport.imports.models import ImportRow
from rapport.imports.services.jobs import import_dry_run, import_run, import_undo
from rapport.sales.models import Deal, DealStageChange, StageTotal
from rapport.sales.services.totals import stage_totals_rebuild
from rapport.search.models import SearchEntry
from tests.factories import make_company, make_contact, make_deal
from tests.imports.helpers import make_job

HEADER = "Opportunity Name,Account Name,Contact Email,Stage,Amount,Currency,Close Date,Opportunity ID\n"


def run(job):
    return import_run(job.pk)


def totals() -> list[tuple[int, int, str, int, int]]:
    return sorted(
        StageTotal.objects.filter(deal_count__gt=0).values_list(
            "stage_id", "owner_key", "currency", "deal_count", "amount_cents"
        )
    )


def test_salesforce_opportunity_headers_are_mapped(admin, pipeline):
    job = make_job(
        admin, HEADER + "Big one,Acme,a@example.com,Proposal,1000,EUR,2030-01-31,006A\n", target="deals"
    )
    assert job.mapping == {
        "0": "name",
        "1": "company",
        "2": "contact",
        "3": "stage",
        "4": "amount",
        "5": "currency",
        "6": "expected_close_date",
        "7": "external_id",
    }
    assert job.match_key == "external_id"


def test_deals_are_created_with_stage_money_contact_and_company(admin, pipeline):
    acme = make_company(by=admin, name="Acme", domain="acme.com")
    ada = make_contact(by=admin, first_name="Ada", last_name="L", emails=["ada@example.com"], company=acme)
    text = HEADER + (
        'Big one,Acme,ada@example.com,Proposal,"1.234,56",EUR,31.01.2030,006A\n'
        'Won one,acme.com,,Closed Won,"$2,500.00",,15.01.2024,006B\n'
        "Via contact,,ada@example.com,,10,,,006C\n"
    )
    job = run(make_job(admin, text, target="deals", options={"currency": "GBP"}))
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (3, 0, 0, 0)
    big = Deal.objects.get(name="Big one")
    assert (
        big.stage.name,
        big.amount,
        big.currency,
        big.expected_close_date,
        big.company,
        big.contact,
        big.owner,
    ) == ("Proposal", Decimal("1234.56"), "EUR", dt.date(2030, 1, 31), acme, ada, admin)
    assert big.closed_at is None
    won = Deal.objects.get(name="Won one")
    assert (won.stage.kind, won.amount, won.currency) == ("won", Decimal("2500.00"), "USD")
    assert won.closed_at == dt.datetime(2024, 1, 15, tzinfo=dt.UTC)
    via = Deal.objects.get(name="Via contact")
    assert (via.stage.name, via.currency, via.company) == ("Qualification", "GBP", acme)
    assert list(DealStageChange.objects.filter(deal=big).values_list("from_stage", "to_stage__name")) == [
        (None, "Proposal")
    ]
    assert SearchEntry.objects.get(kind="deal", object_id=big.pk).text == "Big one Acme"
    event = TimelineEvent.objects.get(deal=big)
    assert (event.kind, event.contact, event.company) == ("imported", ada, acme)
    kept = totals()
    stage_totals_rebuild()
    assert (
        totals()
        == kept
        == sorted(
            [
                (big.stage_id, admin.pk, "EUR", 1, 123456),
                (won.stage_id, admin.pk, "USD", 1, 250000),
                (via.stage_id, admin.pk, "GBP", 1, 1000),
            ]
        )
    )


def test_board_totals_kept_by_the_import_equal_a_rebuild(admin, pipeline):
    make_deal(by=admin, pipeline=pipeline, name="Existing", amount="100.00")
    run(
        make_job(admin, "Name,Stage,Amount,Id\nA,Proposal,10,1\nB,Proposal,20,2\nC,Won,5,3\n", target="deals")
    )
    run(make_job(admin, "Id,Stage,Amount\n1,Negotiation,11\n", target="deals", mode="update"))
    kept = totals()
    stage_totals_rebuild()
    assert totals() == kept


def test_unknown_stage_pipeline_contact_and_company_are_rejected_with_reasons(admin, pipeline):
    text = HEADER + (
        "A,,,Dreaming,1,EUR,,1\n"
        "B,Nowhere Inc,,,1,EUR,,2\n"
        "C,,ghost@example.com,,1,EUR,,3\n"
        "D,,,,-5,EUR,,4\n"
        "E,,,,1,EURO,,5\n"
        "F,,,,1,EUR,31.12.1850,6\n"
        "G,,,,€ 5,USD,,7\n"
    )
    report = import_dry_run(job=make_job(admin, text, target="deals"), by=admin)
    reasons = {r["row"]: r["reason"] for r in report["rejections"]}
    assert reasons == {
        2: "Stage: 'Dreaming' is not one of: Qualification, Needs analysis, Proposal, Negotiation, Won, Lost (the "
        "stages of pipeline 'New business'). Map this value to one of them, add the stage under Settings → "
        "Pipelines, or fix the cell.",
        3: "Account Name: There is no company 'Nowhere Inc'; import or add it under Companies first, or fix the name or domain.",
        4: "Contact Email: There is no contact with the email 'ghost@example.com'; import or add the contact first, or "
        "fix the email.",
        5: "Amount: Amount cannot be negative ('-5').",
        6: "Currency: 'EURO' is not a currency; use a three-letter code, like EUR or USD.",
        7: "Close Date: Close date '31.12.1850' is out of range; use a date between 1900 and 2200.",
        8: "The amount is in EUR but the currency column says USD; fix one of them.",
    }
    assert (report["created"], report["rejected"]) == (0, 7)
    job = make_job(admin, "Name,Pipeline\nX,Renewals\n", target="deals")
    assert import_dry_run(job=job, by=admin)["rejections"][0]["reason"] == (
        "Pipeline: There is no pipeline 'Renewals'; it is not one of: New business. Match it to one under Values to "
        "match, add it under Settings → Pipelines, or fix the name."
    )


def test_update_by_external_id_moves_the_stage_and_undo_restores_everything(admin, pipeline):
    run(make_job(admin, "Name,Stage,Amount,Id\nDeal A,Qualification,100,X1\n", target="deals"))
    deal = Deal.objects.get()
    before = {
        f.attname: getattr(deal, f.attname) for f in Deal._meta.concrete_fields if f.name != "updated_at"
    }
    board = totals()
    changes = DealStageChange.objects.count()
    job = run(
        make_job(
            admin, "Id,Stage,Amount,Lost Reason\nX1,Lost,150,Too expensive\n", target="deals", mode="update"
        )
    )
    assert job.updated_count == 1
    deal.refresh_from_db()
    assert (deal.stage.name, deal.amount, deal.lost_reason, deal.version) == (
        "Lost",
        Decimal("150.00"),
        "Too expensive",
        2,
    )
    assert deal.closed_at is not None
    assert DealStageChange.objects.count() == changes + 1
    assert import_undo(job=job, by=admin) == {"deleted": 0, "trashed": 0, "restored": 1}
    deal.refresh_from_db()
    after = {
        f.attname: getattr(deal, f.attname) for f in Deal._meta.concrete_fields if f.name != "updated_at"
    }
    assert after == {**before, "version": 3}
    assert DealStageChange.objects.count() == changes
    assert totals() == board


def test_undo_deletes_created_deals_and_keeps_the_board_right(admin, pipeline):
    board = totals()
    job = run(make_job(admin, "Name,Stage,Amount\nA,Proposal,10\nB,Won,20\n", target="deals"))
    assert Deal.objects.count() == 2
    assert import_undo(job=job, by=admin) == {"deleted": 2, "trashed": 0, "restored": 0}
    assert Deal.all_objects.count() == 0
    assert DealStageChange.objects.count() == 0
    assert SearchEntry.objects.filter(kind="deal").count() == 0
    assert TimelineEvent.objects.filter(deal__isnull=False).count() == 0
    assert totals() == board


def test_admin_rule_a_won_deal_needs_an_amount_applies_to_imports(admin, pipeline):
    ValidationRule.objects.create(
        entity="deal",
        kind="conditional",
        field="amount",
        parameters={
            "when": {"field": "stage_kind", "operator": "equals", "value": "won"},
            "then": {"kind": "required"},
        },
    )
    job = run(
        make_job(admin, "Name,Stage,Amount\nWon free,Won,\nWon paid,Won,10\nOpen,Proposal,\n", target="deals")
    )
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert ImportRow.objects.get(job=job).reason == "Amount is required when Stage is won; enter a value."


def test_outsider_cannot_import_deals_for_another_teams_owner_or_contact(teammate, outsider, pipeline):
    theirs = make_contact(by=teammate, emails=["tom.customer@example.com"])
    make_company(by=teammate, name="Team A Corp", domain="team-a.example")
    text = (
        f"Name,Owner,Contact Email,Account Name\nA,{teammate.email},,\nB,,{theirs.email},\n"
        "C,,ghost@example.com,\nD,,,Team A Corp\nE,,,team-a.example\nF,,,Nowhere Inc\n"
    )
    job = run(make_job(outsider, text, target="deals"))
    assert job.rejected_count == 6
    reasons = list(ImportRow.objects.filter(job=job).order_by("row_number").values_list("reason", flat=True))
    # Another team's contact and company (by name or domain) read exactly like ones that do not exist.
    assert reasons == [
        f"Owner: You can give deals only to yourself, not to '{teammate.email}'; leave the owner empty, or ask a manager or an administrator to do it.",
        "Contact Email: There is no contact with the email 'tom.customer@example.com'; import or add the contact "
        "first, or fix the email.",
        "Contact Email: There is no contact with the email 'ghost@example.com'; import or add the contact first, "
        "or fix the email.",
        "Account Name: There is no company 'Team A Corp'; import or add it under Companies first, or fix the name "
        "or domain.",
        "Account Name: There is no company 'team-a.example'; import or add it under Companies first, or fix the "
        "name or domain.",
        "Account Name: There is no company 'Nowhere Inc'; import or add it under Companies first, or fix the name "
        "or domain.",
    ]
    assert Deal.objects.count() == 0


def test_a_deal_links_to_the_contact_and_company_the_importer_may_see_when_another_team_has_namesakes(
    teammate, outsider, pipeline
):
    make_contact(by=teammate, emails=["shared@example.com"])
    make_company(by=teammate, name="Acme")
    mine = make_contact(by=outsider, emails=["shared@example.com"])
    my_acme = make_company(by=outsider, name="ACME")
    job = run(
        make_job(outsider, "Name,Contact Email,Account Name\nA,shared@example.com,acme\n", target="deals")
    )
    assert (job.created_count, job.rejected_count) == (1, 0)
    deal = Deal.objects.get()
    assert (deal.contact, deal.company) == (mine, my_acme)


def test_an_admin_links_deals_to_any_teams_contact(admin, outsider, pipeline):
    theirs = make_contact(by=outsider, emails=["olga.customer@example.com"])
    job = run(make_job(admin, "Name,Contact Email\nA,olga.customer@example.com\n", target="deals"))
    assert (job.created_count, Deal.objects.get().contact) == (1, theirs)


def test_a_deal_without_name_is_rejected(admin, pipeline):
    job = run(make_job(admin, "Name,Amount\n,10\nOk,5\n", target="deals"))
    assert ImportRow.objects.get(job=job).reason == "This row has no deal name; a new deal needs one."


def test_a_won_deal_makes_its_contact_a_customer_until_undone(admin, pipeline):
    ada = make_contact(by=admin, emails=["ada@example.com"], lifecycle_stage="opportunity")
    job = run(make_job(admin, "Name,Stage,Contact Email\nWon it,Won,ada@example.com\n", target="deals"))
    ada.refresh_from_db()
    assert ada.lifecycle_stage == "customer"
    import_undo(job=job, by=admin)
    ada.refresh_from_db()
    assert ada.lifecycle_stage == "opportunity"


def test_month_first_close_dates_are_recognised_from_the_file(admin, pipeline):
    job = make_job(admin, "Name,Close Date\nA,03/25/2030\nB,04/01/2030\n", target="deals")
    assert job.options["date_order"] == "MDY"
    run(job)
    assert Deal.objects.get(name="B").expected_close_date == dt.date(2030, 4, 1)
