"""Merging two contacts keeps everything of both, lands on the timeline, trashes the loser; undo is exact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.activities.models import Activity, TimelineEvent
from rapport.activities.services import activity_create
from rapport.contacts.merge import contact_merge, contact_merge_undo
from rapport.contacts.models import Consent, Contact, ContactEmail, ContactPhone, MergeRecord
from rapport.contacts.services import consent_set
from rapport.core.errors import NotAllowed
from rapport.core.records import record_trash
from rapport.sales.models import Deal, Lead, Order
from rapport.sales.services import order_create
from tests.factories import make_company, make_contact, make_deal, make_lead


def _world(user, pipeline):
    """Two records of one person, each with its own activities, deals, leads, orders, consent, tags, history."""
    acme = make_company(by=user, name="Acme")
    survivor = make_contact(by=user, first_name="Robert", last_name="Fischer", emails=["robert@acme.com"],
                            phones=["+4930111111"], city="", tags=["vip"], company=acme)
    loser = make_contact(by=user, first_name="Bob", last_name="Fischer", emails=["bob@gmail.com", "robert@acme.com"],
                         phones=["+4930222222"], city="Berlin", title="Buyer", tags=["vip", "newsletter"])
    for contact in (survivor, loser):
        activity_create(by=user, kind="note", subject=f"Note about {contact.first_name}", contact=contact)
        make_deal(by=user, pipeline=pipeline, contact=contact)
        make_lead(by=user, contact=contact)
        order_create(by=user, contact=contact, lines=[{"description": "Beans", "quantity": 1, "unit_price": "10"}])
    consent_set(contact=loser, channel="email", status="granted", source="web form", by=user)
    meeting = activity_create(by=user, kind="meeting", subject="Kick-off", company=acme,
                              starts_at=timezone.now() + dt.timedelta(days=1), attendees=[loser])
    return survivor, loser, meeting


def _counts(contact):
    return {
        "activities": Activity.all_objects.filter(contact=contact).count(),
        "deals": Deal.all_objects.filter(contact=contact).count(),
        "leads": Lead.all_objects.filter(contact=contact).count(),
        "orders": Order.all_objects.filter(contact=contact).count(),
        "emails": sorted(ContactEmail.objects.filter(contact=contact).values_list("email", flat=True)),
        "phones": sorted(ContactPhone.objects.filter(contact=contact).values_list("number", flat=True)),
        "consents": sorted(Consent.objects.filter(contact=contact).values_list("channel", "status")),
        "tags": sorted(contact.tags.values_list("name", flat=True)),
        "meetings": list(contact.meetings_attended.values_list("subject", flat=True)),
        "events": TimelineEvent.objects.filter(contact=contact).count(),
    }


@pytest.mark.django_db
def test_merge_keeps_every_related_row_of_both(teammate, pipeline):
    survivor, loser, _ = _world(teammate, pipeline)
    before_survivor, before_loser = _counts(survivor), _counts(loser)
    contact_merge(survivor=survivor, loser=loser, by=teammate, choices={"city": "loser"})
    after = _counts(survivor)
    assert after["activities"] == before_survivor["activities"] + before_loser["activities"] == 2
    assert after["deals"] == 2 and after["leads"] == 2 and after["orders"] == 2
    assert after["emails"] == ["bob@gmail.com", "robert@acme.com"]
    assert after["phones"] == ["+4930111111", "+4930222222"]
    assert after["consents"] == [("email", "granted")]
    assert after["tags"] == ["newsletter", "vip"]
    assert after["meetings"] == ["Kick-off"]
    # Every earlier event of both, plus the merge event (the loser's trash event stays with the loser).
    assert after["events"] == before_survivor["events"] + before_loser["events"] + 1
    survivor.refresh_from_db()
    assert (survivor.first_name, survivor.city, survivor.title, survivor.email) == ("Robert", "Berlin", "Buyer",
                                                                                     "robert@acme.com")


@pytest.mark.django_db
def test_merge_is_on_the_survivors_timeline_and_the_loser_is_in_the_trash(teammate, pipeline):
    survivor, loser, _ = _world(teammate, pipeline)
    merge = contact_merge(survivor=survivor, loser=loser, by=teammate)
    event = TimelineEvent.objects.filter(contact=survivor, kind="merged").get()
    assert event.summary == f"Merged Bob Fischer (#{loser.pk}) into this contact"
    assert event.data["merge"] == merge.pk
    assert event.actor == teammate
    assert not Contact.objects.filter(pk=loser.pk).exists()
    assert Contact.all_objects.get(pk=loser.pk).deleted_by == teammate


@pytest.mark.django_db
def test_undo_restores_the_loser_and_moves_back_exactly_what_moved(teammate, pipeline):
    survivor, loser, _ = _world(teammate, pipeline)
    before_survivor, before_loser = _counts(survivor), _counts(loser)
    fields_before = Contact.objects.filter(pk=survivor.pk).values("first_name", "city", "title", "email",
                                                                  "phone").get()
    merge = contact_merge(survivor=survivor, loser=loser, by=teammate,
                          choices={"city": "loser", "title": "loser", "phone": "loser"})
    contact_merge_undo(merge=merge, by=teammate)
    survivor_after, loser_after = _counts(survivor), _counts(loser)
    # The merge event and the undo event stay on the survivor's timeline; trash and restore on the loser's.
    assert survivor_after.pop("events") == before_survivor.pop("events") + 2
    assert loser_after.pop("events") == before_loser.pop("events") + 2
    assert survivor_after == before_survivor
    assert loser_after == before_loser
    assert Contact.objects.filter(pk=survivor.pk).values("first_name", "city", "title", "email",
                                                         "phone").get() == fields_before
    assert Contact.objects.filter(pk=loser.pk).exists()
    assert ContactPhone.objects.get(contact=survivor, is_primary=True).number == "+4930111111"
    assert MergeRecord.objects.get(pk=merge.pk).undone_by == teammate


@pytest.mark.django_db
def test_undo_keeps_a_change_made_after_the_merge(teammate):
    survivor = make_contact(by=teammate, first_name="Ana", last_name="Costa", city="")
    loser = make_contact(by=teammate, first_name="Ana", last_name="Costa", city="Porto", title="CEO")
    merge = contact_merge(survivor=survivor, loser=loser, by=teammate)
    Contact.objects.filter(pk=survivor.pk).update(title="CFO")
    contact_merge_undo(merge=merge, by=teammate)
    assert Contact.objects.filter(pk=survivor.pk).values_list("city", "title").get() == ("", "CFO")


@pytest.mark.django_db
def test_undo_twice_is_refused_with_a_sentence(teammate):
    survivor, loser = make_contact(by=teammate), make_contact(by=teammate)
    merge = contact_merge(survivor=survivor, loser=loser, by=teammate)
    contact_merge_undo(merge=merge, by=teammate)
    with pytest.raises(ValidationError) as exc:
        contact_merge_undo(merge=merge, by=teammate)
    assert exc.value.messages == ["This merge has already been undone."]


@pytest.mark.django_db
def test_merging_a_contact_with_itself_is_refused_with_a_sentence(teammate):
    contact = make_contact(by=teammate)
    with pytest.raises(ValidationError) as exc:
        contact_merge(survivor=contact, loser=contact, by=teammate)
    assert exc.value.messages == ["A contact cannot be merged with itself; pick two different contacts."]


@pytest.mark.django_db
def test_merging_a_trashed_contact_is_refused_and_nothing_moves(teammate):
    survivor = make_contact(by=teammate)
    loser = make_contact(by=teammate, first_name="Gone", last_name="Person")
    activity_create(by=teammate, kind="note", subject="Kept apart", contact=loser)
    record_trash(loser, by=teammate)
    with pytest.raises(ValidationError) as exc:
        contact_merge(survivor=survivor, loser=loser, by=teammate)
    assert exc.value.messages == ["Gone Person is in the trash; restore it before merging."]
    assert Activity.all_objects.filter(contact=loser).count() == 1
    assert MergeRecord.objects.count() == 0


@pytest.mark.django_db
def test_merging_someone_elses_contact_is_not_allowed(teammate, outsider):
    mine = make_contact(by=teammate)
    theirs = make_contact(by=outsider)
    with pytest.raises(NotAllowed):
        contact_merge(survivor=mine, loser=theirs, by=teammate)
    assert Contact.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_an_unknown_field_choice_is_refused(teammate):
    survivor, loser = make_contact(by=teammate), make_contact(by=teammate)
    with pytest.raises(ValidationError) as exc:
        contact_merge(survivor=survivor, loser=loser, by=teammate, choices={"password": "loser", "city": "both"})
    assert exc.value.message_dict == {
        "password": ["password cannot be chosen; pick from first_name, last_name, title, company, owner, "
                     "lifecycle_stage, preferred_channel, street, city, region, postal_code, country, email, phone."],
        "city": ["Choose survivor or loser."],
    }
    assert Contact.objects.filter(pk=loser.pk).exists()


@pytest.mark.django_db
def test_a_stale_merge_page_is_refused(teammate):
    survivor, loser = make_contact(by=teammate), make_contact(by=teammate)
    with pytest.raises(ValidationError) as exc:
        contact_merge(survivor=survivor, loser=loser, by=teammate, expected_versions=(survivor.version, 99))
    assert exc.value.messages == ["One of these contacts was changed while you were comparing them; "
                                  "check the values again and merge."]
