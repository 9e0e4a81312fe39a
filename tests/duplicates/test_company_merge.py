"""Merging two companies moves every record of the loser to the survivor, lands on the timeline; undo is exact."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.activities.models import Activity, TimelineEvent
from rapport.activities.services import activity_create
from rapport.contacts.company_merge import company_merge, company_merge_undo
from rapport.contacts.models import Company, CompanyMergeRecord, Contact
from rapport.core.errors import NotAllowed
from rapport.sales.models import Deal, Lead, Order
from rapport.sales.services import order_create
from tests.factories import make_company, make_contact, make_deal, make_lead


def _world(user, pipeline):
    """Two records of one company, each with people, deals, leads, orders, activities, tags and history."""
    survivor = make_company(
        by=user, name="Acme Robotics GmbH", domain="acme.de", city="", tags=["key account"]
    )
    loser = make_company(
        by=user,
        name="ACME Robotics",
        domain="acme.com",
        city="Berlin",
        industry="Robots",
        tags=["key account", "partner"],
    )
    for company in (survivor, loser):
        person = make_contact(by=user, company=company)
        activity_create(by=user, kind="note", subject=f"Note about {company.name}", company=company)
        make_deal(by=user, pipeline=pipeline, company=company, contact=person)
        make_lead(by=user, contact=person, company=company)
        order_create(
            by=user,
            contact=person,
            company=company,
            lines=[{"description": "Bolts", "quantity": 1, "unit_price": "10"}],
        )
    subsidiary = make_company(by=user, name="Acme Robotics Austria", parent=loser)
    return survivor, loser, subsidiary


def _counts(company):
    return {
        "contacts": Contact.all_objects.filter(company=company).count(),
        "deals": Deal.all_objects.filter(company=company).count(),
        "leads": Lead.all_objects.filter(company=company).count(),
        "orders": Order.all_objects.filter(company=company).count(),
        "activities": Activity.all_objects.filter(company=company).count(),
        "events": TimelineEvent.objects.filter(company=company).count(),
        "subsidiaries": Company.all_objects.filter(parent=company).count(),
        "tags": sorted(company.tags.values_list("name", flat=True)),
    }


@pytest.mark.django_db
def test_merge_moves_every_record_of_the_loser_and_takes_the_picked_values(teammate, pipeline):
    survivor, loser, subsidiary = _world(teammate, pipeline)
    before_survivor, before_loser = _counts(survivor), _counts(loser)
    merge = company_merge(survivor=survivor, loser=loser, by=teammate, choices={"domain": "loser"})
    after = _counts(survivor)
    assert (after["contacts"], after["deals"], after["leads"], after["orders"], after["activities"]) == (
        2,
        2,
        2,
        2,
        2,
    )
    assert after["subsidiaries"] == 1
    assert after["tags"] == ["key account", "partner"]
    # Every earlier event of both, plus the merge event (the loser's trash event stays with the loser).
    assert after["events"] == before_survivor["events"] + before_loser["events"] + 1
    assert _counts(loser)["contacts"] == 0
    survivor.refresh_from_db()
    assert (survivor.name, survivor.domain, survivor.city, survivor.industry) == (
        "Acme Robotics GmbH",
        "acme.com",
        "Berlin",
        "Robots",
    )
    assert survivor.version == 2
    assert not Company.objects.filter(pk=loser.pk).exists()
    assert Company.all_objects.get(pk=loser.pk).in_trash
    event = TimelineEvent.objects.get(company=survivor, kind="merged")
    assert event.summary == f"Merged company ACME Robotics (#{loser.pk}) into this company"
    assert event.data["company_merge"] == merge.pk
    assert event.data["fields_taken"] == ["domain", "industry", "city"]
    assert Company.objects.get(pk=subsidiary.pk).parent_id == survivor.pk


@pytest.mark.django_db
def test_undo_moves_back_exactly_what_moved_and_restores_the_fields(teammate, pipeline):
    survivor, loser, subsidiary = _world(teammate, pipeline)
    before_survivor, before_loser = _counts(survivor), _counts(loser)
    merge = company_merge(survivor=survivor, loser=loser, by=teammate)
    company_merge_undo(merge=merge, by=teammate)
    survivor.refresh_from_db()
    loser.refresh_from_db()
    assert not loser.in_trash
    after_survivor, after_loser = _counts(survivor), _counts(loser)
    for key in ("contacts", "deals", "leads", "orders", "activities", "subsidiaries", "tags"):
        assert after_survivor[key] == before_survivor[key], key
        assert after_loser[key] == before_loser[key], key
    assert (survivor.city, survivor.industry) == ("", "")
    assert Company.objects.get(pk=subsidiary.pk).parent_id == loser.pk
    assert CompanyMergeRecord.objects.get(pk=merge.pk).undone_at is not None
    with pytest.raises(ValidationError) as error:
        company_merge_undo(merge=merge, by=teammate)
    assert error.value.messages == ["This merge has already been undone."]


@pytest.mark.django_db
def test_a_survivor_whose_parent_is_the_loser_does_not_become_its_own_parent(teammate):
    group = make_company(by=teammate, name="Acme Group")
    loser = make_company(by=teammate, name="Acme Holding", parent=group)
    survivor = make_company(by=teammate, name="Acme Holding GmbH", parent=loser)
    merge = company_merge(survivor=survivor, loser=loser, by=teammate)
    survivor.refresh_from_db()
    assert survivor.parent_id == group.pk
    company_merge_undo(merge=merge, by=teammate)
    survivor.refresh_from_db()
    assert survivor.parent_id == loser.pk


@pytest.mark.django_db
def test_merging_a_company_with_itself_or_a_stale_pair_is_refused(teammate):
    first = make_company(by=teammate, name="Acme")
    second = make_company(by=teammate, name="Acme GmbH")
    with pytest.raises(ValidationError) as error:
        company_merge(survivor=first, loser=first, by=teammate)
    assert error.value.messages == ["A company cannot be merged with itself; pick two different companies."]
    with pytest.raises(ValidationError) as error:
        company_merge(survivor=first, loser=second, by=teammate, expected_versions=(1, 7))
    assert error.value.messages == [
        "One of these companies was changed while you were comparing them; check the values again and merge."
    ]
    with pytest.raises(ValidationError) as error:
        company_merge(survivor=first, loser=second, by=teammate, choices={"vat": "loser", "city": "both"})
    assert error.value.message_dict == {
        "vat": [
            "vat cannot be chosen; pick from name, domain, industry, size, phone, street, city, region, "
            "postal_code, country, owner, parent."
        ],
        "city": ["Choose survivor or loser."],
    }
    assert CompanyMergeRecord.objects.count() == 0


@pytest.mark.django_db
def test_an_outsider_cannot_merge_a_teams_companies(teammate, outsider):
    first = make_company(by=teammate, name="Acme")
    second = make_company(by=teammate, name="Acme GmbH")
    with pytest.raises(NotAllowed):
        company_merge(survivor=first, loser=second, by=outsider)
    assert Company.objects.filter(pk=second.pk).exists()
