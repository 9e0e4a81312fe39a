"""Board totals kept on write equal a fresh aggregate of the deals after any sequence of writes."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum

from rapport.core.records import record_restore, record_trash
from rapport.sales.choices import StageKind
from rapport.sales.models import Deal, StageTotal
from rapport.sales.selectors import _owner_only, board_totals
from rapport.sales.services import deal_lines_set, deal_move_to_stage, deal_update, lead_convert
from rapport.sales.services.totals import StageDelta, stage_totals_apply, stage_totals_rebuild
from tests.factories import make_deal, make_lead, make_pipeline, make_product, make_user

pytestmark = pytest.mark.django_db


def kept() -> dict[tuple[int, int, int | None, str], tuple[int, Decimal]]:
    """The kept totals, summed per (pipeline, stage, owner, currency), without empty keys."""
    rows = (
        StageTotal.objects.values("pipeline_id", "stage_id", "owner_id", "currency")
        .annotate(n=Sum("deal_count"), cents=Sum("amount_cents"))
        .order_by()
    )
    return {
        (r["pipeline_id"], r["stage_id"], r["owner_id"], r["currency"]): (r["n"], Decimal(r["cents"]) / 100)
        for r in rows
        if r["n"] or r["cents"]
    }


def fresh() -> dict[tuple[int, int, int | None, str], tuple[int, Decimal]]:
    """The same figures aggregated from the live deals right now."""
    rows = (
        Deal.objects.values("pipeline_id", "stage_id", "owner_id", "currency")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    return {
        (r["pipeline_id"], r["stage_id"], r["owner_id"], r["currency"]): (
            r["n"],
            r["amount"].quantize(Decimal("0.01")),
        )
        for r in rows
    }


def live_board(user, pipeline) -> dict[int, dict]:
    rows = (
        Deal.objects.visible_to(user)
        .filter(pipeline=pipeline)
        .values("stage_id", "currency")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    result: dict[int, dict] = {}
    for r in rows:
        column = result.setdefault(r["stage_id"], {"count": 0, "totals": {}})
        column["count"] += r["n"]
        column["totals"][r["currency"]] = r["amount"].quantize(Decimal("0.01"))
    for column in result.values():
        column["totals"] = dict(sorted(column["totals"].items()))
    return result


def test_totals_equal_a_fresh_aggregate_after_a_random_sequence_of_writes(
    admin, manager, teammate, outsider, pipeline
):
    rng = random.Random(20261201)
    second = make_pipeline(by=admin, name="Renewals")
    product = make_product(by=manager, unit_price="19.99")
    people = [admin, manager, teammate, outsider]
    stages = {p.pk: list(p.stages.order_by("position")) for p in (pipeline, second)}
    deals: list[Deal] = []
    trashed: list[Deal] = []
    done: dict[str, int] = {}
    for step in range(150):
        action = rng.choice(
            ["create", "create", "move", "move", "update", "lines", "trash", "restore", "convert"]
        )
        if action == "create" or not deals:
            owner = rng.choice(people)
            target = rng.choice([pipeline, second])
            deals.append(
                make_deal(
                    by=admin,
                    pipeline=target,
                    owner=owner,
                    stage=rng.choice(stages[target.pk]),
                    amount=f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}",
                    currency=rng.choice(["EUR", "EUR", "USD", "GBP"]),
                )
            )
        elif action == "move":
            deal = rng.choice(deals)
            stage = rng.choice(stages[deal.pipeline_id])
            deal_move_to_stage(
                deal=deal, stage=stage, by=admin, lost_reason="Price" if stage.kind == StageKind.LOST else ""
            )
        elif action == "update":
            deal = rng.choice(deals)
            changes = rng.choice(
                [
                    {"amount": f"{rng.randint(1, 5000)}.50"},
                    {"currency": rng.choice(["EUR", "USD"])},
                    {"owner": rng.choice(people)},
                    {"name": f"Renamed {step}"},
                    {"amount": "10.01", "currency": "SEK", "owner": rng.choice(people)},
                ]
            )
            deal_update(deal=deal, by=admin, **changes)
        elif action == "lines":
            deal_lines_set(
                deal=rng.choice(deals), lines=[{"product": product, "quantity": rng.randint(1, 9)}], by=admin
            )
        elif action == "trash":
            deal = deals.pop(rng.randrange(len(deals)))
            record_trash(deal, by=admin)
            trashed.append(deal)
        elif action == "restore" and trashed:
            deal = trashed.pop(rng.randrange(len(trashed)))
            record_restore(deal, by=admin)
            deals.append(deal)
        elif action == "convert":
            lead = make_lead(by=teammate, need=f"Need {step}")
            deals.append(lead_convert(lead=lead, by=teammate, amount="250", pipeline=pipeline))
        done[action] = done.get(action, 0) + 1
        if step % 25 == 0:
            assert kept() == fresh(), f"after step {step} ({action})"
    assert len(deals) > 30 and min(done.values()) >= 5 and len(done) == 7
    assert kept() == fresh()
    for user in people:
        for target in (pipeline, second):
            assert board_totals(user=user, pipeline=target) == live_board(user, target)
    assert board_totals(user=manager, pipeline=pipeline, owner=teammate.pk) == live_board(teammate, pipeline)
    assert stage_totals_rebuild() == StageTotal.objects.count()
    assert kept() == fresh()


def test_rebuild_fills_the_totals_of_deals_written_without_the_services(admin, teammate, pipeline):
    stage = pipeline.stages.order_by("position").first()
    Deal.objects.bulk_create(
        [
            Deal(
                name=f"Loaded {i}",
                pipeline=pipeline,
                stage=stage,
                owner=teammate,
                amount=Decimal("0.10") * i,
                currency="EUR",
            )
            for i in range(1, 11)
        ]
    )
    Deal.objects.bulk_create(
        [Deal(name="Unowned", pipeline=pipeline, stage=stage, amount=Decimal("7.77"), currency="USD")]
    )
    assert kept() == {}
    assert stage_totals_rebuild() == 2
    assert kept() == {
        (pipeline.pk, stage.pk, teammate.pk, "EUR"): (10, Decimal("5.50")),
        (pipeline.pk, stage.pk, None, "USD"): (1, Decimal("7.77")),
    }


def test_apply_merges_deltas_of_the_same_key_and_adds_to_what_is_stored(teammate, pipeline):
    stage = pipeline.stages.order_by("position").first()
    delta = StageDelta(
        pipeline_id=pipeline.pk,
        stage_id=stage.pk,
        owner_id=teammate.pk,
        currency="EUR",
        count=1,
        amount=Decimal("10.25"),
    )
    assert stage_totals_apply([delta, delta, delta]) == 1
    assert stage_totals_apply([delta]) == 1
    row = StageTotal.objects.get()
    assert (row.deal_count, row.amount, row.owner_id, row.owner_key) == (
        4,
        Decimal("41"),
        teammate.pk,
        teammate.pk,
    )
    assert stage_totals_apply([]) == 0


def test_a_write_rolled_back_leaves_the_totals_as_they_were(teammate, pipeline):
    make_deal(by=teammate, pipeline=pipeline, amount="100")
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_deal(by=teammate, pipeline=pipeline, amount="900")
        raise RuntimeError("the request failed after the deal was written")
    assert kept() == before == fresh()


def test_deleting_a_user_keeps_the_totals_of_their_deals_now_unowned(admin, manager, team_a, pipeline):
    leaver = make_user(role="rep", team=team_a, username="lee.leaver")
    make_deal(by=admin, pipeline=pipeline, owner=leaver, amount="300")
    make_deal(by=admin, pipeline=pipeline, owner=None, amount="50")
    leaver.delete()
    assert board_totals(user=manager, pipeline=pipeline) == live_board(manager, pipeline)
    assert board_totals(user=admin, pipeline=pipeline) == live_board(admin, pipeline)
    first = pipeline.stages.order_by("position").first()
    assert board_totals(user=admin, pipeline=pipeline)[first.pk] == {
        "count": 2,
        "totals": {"EUR": Decimal("350.00")},
    }


def test_outsider_and_readonly_see_only_the_totals_of_deals_they_may_see(
    admin, teammate, outsider, readonly, pipeline
):
    make_deal(by=teammate, pipeline=pipeline, amount="100")
    make_deal(by=outsider, pipeline=pipeline, amount="7", currency="USD")
    first = pipeline.stages.order_by("position").first()
    assert board_totals(user=outsider, pipeline=pipeline) == {
        first.pk: {"count": 1, "totals": {"USD": Decimal("7.00")}}
    }
    assert board_totals(user=readonly, pipeline=pipeline) == {
        first.pk: {"count": 1, "totals": {"EUR": Decimal("100.00")}}
    }
    assert board_totals(user=admin, pipeline=pipeline) == {
        first.pk: {"count": 2, "totals": {"EUR": Decimal("100.00"), "USD": Decimal("7.00")}}
    }


def test_a_visibility_rule_beyond_the_owner_is_recognised_so_the_board_aggregates_live():
    assert _owner_only(Q(owner_id=1) | Q(owner__team_id=2) | Q(owner__isnull=True))
    assert _owner_only(Q(pk__in=[]))
    assert not _owner_only(Q(owner_id=1) | Q(company__owner_id=1))
