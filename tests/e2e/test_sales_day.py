"""A sales rep's day in a real browser: contact → lead → convert → drag to Won → search → timeline."""

from __future__ import annotations

import re

import pytest

from rapport.accounts.models import Team
from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Contact
from rapport.sales.models import Deal, DealStageChange, Lead
from tests.e2e.conftest import log_in, screenshot
from tests.factories import make_pipeline, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_turns_a_new_contact_into_a_won_deal_and_finds_it_again(page, live_server):
    from playwright.sync_api import expect

    team = Team.objects.create(name="Field sales")
    admin = make_user(role="admin", team=team, username="boss")
    make_pipeline(by=admin, name="New business")
    make_user(role="rep", team=team, username="sam", first_name="Sam", last_name="Seller")

    # Log in.
    log_in(page, "sam")

    # Create a contact with a work email.
    page.goto("/contacts/new/")
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.locator("input[name=email_value]").first.fill("Grace@NavyLabs.example")
    page.fill("input[name=company_name]", "Navy Labs")
    page.click("button:has-text('Add contact')")
    expect(page.locator("h1")).to_contain_text("Grace Hopper")
    contact = Contact.objects.get(last_name="Hopper")
    assert contact.email == "grace@navylabs.example"
    screenshot(page, "01-contact-created")

    # A lead from the same person (typed again as a new person) reuses the contact.
    page.goto("/leads/new/")
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.fill("input[name=email]", "grace@navylabs.example")
    page.fill("input[name=need]", "Compiler licences")
    page.click("button:has-text('Create lead')")
    expect(page.get_by_role("link", name="Convert to deal")).to_be_visible()
    lead = Lead.objects.get()
    assert lead.contact_id == contact.pk
    assert Contact.objects.count() == 1

    # Convert it to a deal in one step.
    page.get_by_role("link", name="Convert to deal").click()
    page.fill("input[name=amount]", "48000")
    screenshot(page, "02-convert")
    page.click("button:has-text('Create the deal')")
    expect(page).to_have_url(re.compile(r"/deals/\d+/$"))
    deal = Deal.objects.get()
    assert (deal.contact_id, deal.company.name, str(deal.amount)) == (contact.pk, "Navy Labs", "48000.00")

    # Drag the card to Won on the board.
    page.goto("/deals/board/")
    card = page.locator(f"li.deal-card[data-deal='{deal.pk}']")
    won = page.locator("ol.board-cards[data-kind='won']")
    expect(card).to_be_visible()
    with page.expect_response(re.compile(rf"/deals/{deal.pk}/move/")) as moved:
        card.drag_to(won)
    assert moved.value.status == 200
    expect(won.locator(f"li.deal-card[data-deal='{deal.pk}']")).to_be_visible()
    screenshot(page, "03-board-won")
    deal.refresh_from_db()
    assert deal.stage.kind == "won"
    assert list(DealStageChange.objects.filter(deal=deal).values_list("to_stage__name", flat=True)) == [
        "Qualification",
        "Won",
    ]

    # Find the contact through global search as you type, and open it.
    search = page.locator("header input[name=q]")
    search.click()
    search.type("hopp", delay=50)
    result = page.locator(f"#search-results a[href='/contacts/{contact.pk}/']")
    expect(result).to_contain_text("Grace Hopper")
    expect(page.locator(f"#search-results a[href='/leads/{lead.pk}/']")).to_be_visible()
    screenshot(page, "04-search")
    result.click()
    expect(page.locator("h1")).to_contain_text("Grace Hopper")

    # The timeline tells the story, newest first.
    timeline = page.locator("text=Lead converted to deal")
    expect(timeline.first).to_be_visible()
    expect(page.locator("text=Stage: Qualification → Won").first).to_be_visible()
    screenshot(page, "05-contact-timeline")
    kinds = list(TimelineEvent.objects.filter(contact=contact).values_list("kind", flat=True))
    assert kinds[0] == "stage_changed"
    assert {"created", "lead_converted", "stage_changed"} <= set(kinds)
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "customer"
