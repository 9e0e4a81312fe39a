"""Core rules of the record services: permissions, edit conflicts, trash, timeline, search."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.activities.timeline import timeline_for
from rapport.contacts.models import Contact
from rapport.contacts.services import contact_update
from rapport.core.errors import EditConflict, NotAllowed
from rapport.core.records import record_restore, record_trash
from rapport.search.selectors import global_search
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_second_save_with_stale_version_is_refused_and_names_the_changed_field(teammate, manager):
    contact = make_contact(by=teammate, first_name="Ada", last_name="Lovelace")
    seen_version = contact.version
    contact_update(contact=contact, by=teammate, expected_version=seen_version, title="Countess")
    with pytest.raises(EditConflict) as conflict:
        contact_update(contact=contact, by=manager, expected_version=seen_version, title="Mathematician")
    assert conflict.value.changes == {"title": ("", "Countess")}
    contact.refresh_from_db()
    assert contact.title == "Countess"


def test_outsider_cannot_change_a_teams_contact(teammate, outsider):
    contact = make_contact(by=teammate)
    with pytest.raises(NotAllowed):
        contact_update(contact=contact, by=outsider, title="Hacked")
    assert Contact.objects.visible_to(outsider).filter(pk=contact.pk).count() == 0


def test_trash_hides_the_contact_from_lists_and_search_until_restored(teammate):
    contact = make_contact(by=teammate, first_name="Grace", last_name="Hopperian")
    record_trash(contact, by=teammate)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert global_search(user=teammate, query="Hopperian") == []
    record_restore(contact, by=teammate)
    assert [h.title for h in global_search(user=teammate, query="Hopperian")] == ["Grace Hopperian"]
    kinds = [e.kind for e in timeline_for(contact)]
    assert kinds[:2] == ["restored", "deleted"]


def test_invalid_email_and_phone_are_refused_with_sentences_and_nothing_is_saved(teammate):
    before = Contact.all_objects.count()
    with pytest.raises(ValidationError) as error:
        make_contact(by=teammate, emails=["not-an-email"], phones=["12"])
    assert "emails.0" in error.value.message_dict
    assert "phones.0" in error.value.message_dict
    assert Contact.all_objects.count() == before


def test_phone_is_stored_in_e164_and_found_by_digits(teammate):
    contact = make_contact(by=teammate, phones=["+44 20 7946 0958"])
    assert contact.phone == "+442079460958"
    assert [h.id for h in global_search(user=teammate, query="79460958")] == [contact.pk]
