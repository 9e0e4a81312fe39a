"""Lead capture and conversion, deal stage moves, orders: the rules of the sales services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Company, Contact
from rapport.core.errors import NotAllowed
from rapport.sales.choices import LeadStatus
from rapport.sales.models import Deal, DealStageChange, Order
from rapport.sales.selectors import board
from rapport.sales.services import (
    deal_move_to_stage,
    lead_attach_to_deal,
    lead_convert,
    lead_create,
    lead_disqualify,
    order_create,
)
from tests.factories import make_company, make_contact, make_deal, make_lead, make_product

pytestmark = pytest.mark.django_db


def test_lead_from_a_known_email_reuses_the_contact_instead_of_creating_a_second(teammate, pipeline):
    contact = make_contact(by=teammate, first_name="Ada", last_name="Lovelace", emails=["ada@analytical.example"])
    lead = lead_create(by=teammate, person={"first_name": "Ada", "email": "ADA@Analytical.example"}, need="CRM")
    assert lead.contact_id == contact.pk
    assert Contact.objects.filter(email="ada@analytical.example").count() == 1


def test_lead_with_a_new_person_creates_contact_and_matches_company_by_domain(teammate, pipeline):
    company = make_company(by=teammate, name="Babbage Engines", domain="babbage.example")
    lead = lead_create(by=teammate, person={"first_name": "Charles", "last_name": "B", "email": "cb@babbage.example",
                                            "company_name": "Babbage Engines Ltd"})
    assert lead.company_id == company.pk
    assert lead.contact.company_id == company.pk
    assert Company.objects.count() == 1


def test_convert_makes_one_deal_with_the_same_contact_and_moves_the_lifecycle(teammate, pipeline):
    lead = make_lead(by=teammate, need="50 licences")
    deal = lead_convert(lead=lead, by=teammate, pipeline=pipeline, amount="12000")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.deal_id == deal.pk
    assert deal.contact_id == lead.contact_id
    assert deal.amount == Decimal("12000.00")
    assert deal.stage.name == "Qualification"
    assert Contact.objects.get(pk=lead.contact_id).lifecycle_stage == "opportunity"
    assert Deal.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="lead_converted", lead=lead, deal=deal, contact=lead.contact).count() == 1
    with pytest.raises(ValidationError):
        lead_convert(lead=lead, by=teammate, pipeline=pipeline)
    assert Deal.objects.count() == 1


def test_disqualify_needs_a_reason_and_blocks_conversion(teammate, pipeline):
    lead = make_lead(by=teammate)
    with pytest.raises(ValidationError) as error:
        lead_disqualify(lead=lead, reason="  ", by=teammate)
    assert "reason" in error.value.message_dict
    lead_disqualify(lead=lead, reason="No budget", by=teammate)
    with pytest.raises(ValidationError):
        lead_convert(lead=lead, by=teammate, pipeline=pipeline)


def test_attach_links_a_lead_to_an_existing_deal(teammate, pipeline):
    deal = make_deal(by=teammate, pipeline=pipeline)
    lead = make_lead(by=teammate)
    lead_attach_to_deal(lead=lead, deal=deal, by=teammate)
    lead.refresh_from_db()
    assert (lead.deal_id, lead.status) == (deal.pk, LeadStatus.CONVERTED)


def test_stage_moves_are_recorded_with_time_and_user_and_won_makes_a_customer(teammate, pipeline):
    contact = make_contact(by=teammate)
    deal = make_deal(by=teammate, pipeline=pipeline, contact=contact)
    won = pipeline.stages.get(kind="won")
    deal = deal_move_to_stage(deal=deal, stage=won, by=teammate)
    moves = list(DealStageChange.objects.filter(deal=deal).values_list("from_stage__name", "to_stage__name",
                                                                        "changed_by"))
    assert moves == [(None, "Qualification", teammate.pk), ("Qualification", "Won", teammate.pk)]
    assert deal.closed_at is not None
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "customer"


def test_a_stage_of_another_pipeline_is_refused(teammate, pipeline, admin):
    from tests.factories import make_pipeline

    other = make_pipeline(by=admin, name="Renewals")
    deal = make_deal(by=teammate, pipeline=pipeline)
    with pytest.raises(ValidationError):
        deal_move_to_stage(deal=deal, stage=other.stages.first(), by=teammate)


def test_outsider_cannot_move_a_teams_deal(teammate, outsider, pipeline):
    deal = make_deal(by=teammate, pipeline=pipeline)
    with pytest.raises(NotAllowed):
        deal_move_to_stage(deal=deal, stage=pipeline.stages.get(kind="won"), by=outsider)
    assert DealStageChange.objects.filter(deal=deal).count() == 1


def test_board_shows_counts_totals_and_only_visible_deals(teammate, outsider, pipeline):
    make_deal(by=teammate, pipeline=pipeline, amount="100")
    make_deal(by=teammate, pipeline=pipeline, amount="250")
    make_deal(by=outsider, pipeline=pipeline, amount="999")
    first = board(user=teammate, pipeline=pipeline)[0]
    assert (first["count"], first["total"], [d.amount for d in first["deals"]]) == (
        2, Decimal("350.00"), [Decimal("250.00"), Decimal("100.00")]
    )


def test_order_total_is_the_sum_of_lines_and_external_id_makes_it_idempotent(teammate, manager):
    contact = make_contact(by=teammate)
    product = make_product(by=manager, unit_price="10.00")
    when = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    lines = [{"product": product, "quantity": 3}, {"description": "Shipping", "quantity": 1, "unit_price": "4.50"}]
    order = order_create(by=teammate, contact=contact, lines=lines, ordered_at=when, external_id="shop-1")
    again = order_create(by=teammate, contact=contact, lines=lines, ordered_at=when, external_id="shop-1")
    assert order.pk == again.pk
    assert order.total == Decimal("34.50")
    assert Order.objects.count() == 1


def test_negative_quantity_is_refused_and_nothing_is_written(teammate, manager):
    contact = make_contact(by=teammate)
    with pytest.raises(ValidationError) as error:
        order_create(by=teammate, contact=contact, lines=[{"description": "X", "quantity": -2, "unit_price": "1"}])
    assert "lines.0.quantity" in error.value.message_dict
    assert Order.objects.count() == 0


def test_read_only_user_cannot_create_records(readonly):
    with pytest.raises(NotAllowed):
        make_contact(by=readonly)


def test_board_totals_are_kept_per_currency_and_never_added_across(teammate, pipeline):
    make_deal(by=teammate, pipeline=pipeline, amount="100", currency="EUR")
    make_deal(by=teammate, pipeline=pipeline, amount="40", currency="USD")
    make_deal(by=teammate, pipeline=pipeline, amount="60", currency="USD")
    first = board(user=teammate, pipeline=pipeline)[0]
    assert first["count"] == 3
    assert first["totals"] == {"EUR": Decimal("100.00"), "USD": Decimal("100.00")}
    assert first["total"] is None
