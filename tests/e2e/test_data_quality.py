"""In a real browser: the duplicate warning appears while typing; company duplicates tab; validation rules page."""

from __future__ import annotations

import pytest

from rapport.accounts.models import Team
from rapport.contacts.duplicate_scan import duplicate_scan_start
from rapport.customization.services import validation_rule_create
from tests.e2e.conftest import log_in, screenshot
from tests.factories import make_company, make_contact, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WON = {"when": {"field": "stage_kind", "operator": "equals", "value": "won"}, "then": {"kind": "required"}}


def _log_in(page, username):  # type: ignore[no-untyped-def]

    log_in(page, username)


def test_forms_warn_about_possible_duplicates_while_typing(page, live_server):
    from playwright.sync_api import expect

    team = Team.objects.create(name="Field sales")
    rep = make_user(role="rep", team=team, username="sam")
    grace = make_contact(by=rep, first_name="Grace", last_name="Hopper", emails=["grace@navylabs.example"])
    acme = make_company(by=rep, name="Acme Robotics GmbH", domain="acme.de", city="Berlin")
    make_company(by=rep, name="ACME Robotics", domain="acme.de", city="Berlin")
    _log_in(page, "sam")

    page.goto("/contacts/new/")
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.locator("input[name=email_value]").first.fill("Grace@NavyLabs.example")
    warning = page.locator("#possible-duplicates")
    expect(warning).to_contain_text("Possible duplicate of Grace Hopper")
    expect(warning).to_contain_text("same email; same name")
    assert warning.locator("a").first.get_attribute("href") == f"/contacts/{grace.pk}/"
    screenshot(page, "data-quality-01-contact-duplicate-warning")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/companies/new/")
    page.fill("input[name=name]", "Acme Robotics SARL")
    page.fill("input[name=domain]", "www.acme.de")
    expect(page.locator("#possible-duplicates")).to_contain_text("Possible duplicate of Acme Robotics GmbH")
    screenshot(page, "data-quality-02-company-duplicate-warning-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    duplicate_scan_start(by=rep)
    page.goto("/contacts/duplicates/?tab=companies")
    expect(page.locator("#main")).to_contain_text("Why: same domain; same name; same city")
    screenshot(page, "data-quality-03-company-duplicates-tab")
    page.click("a:has-text('Merge…')")
    expect(page.locator("h1")).to_contain_text("Merge two companies")
    screenshot(page, "data-quality-04-company-merge")
    page.click("button:has-text('Merge into')")
    expect(page.locator("h1")).to_contain_text("→")
    assert acme.pk  # the survivor stays


def test_admin_sees_rules_as_sentences(page, live_server):
    from playwright.sync_api import expect

    team = Team.objects.create(name="Office")
    admin = make_user(role="admin", team=team, username="boss")
    validation_rule_create(
        entity="deal",
        name="Won deals need an amount",
        kind="conditional",
        field="amount",
        parameters=WON,
        by=admin,
    )
    validation_rule_create(
        entity="company",
        name="Postal codes",
        kind="format",
        field="postal_code",
        parameters={"format": "postal_code"},
        by=admin,
    )
    _log_in(page, "boss")
    page.goto("/settings/rules/")
    expect(page.locator("body")).to_contain_text("Deals: when Stage is won, Amount is required")
    screenshot(page, "data-quality-05-validation-rules")
    page.goto("/settings/rules/new/?entity=contact")
    expect(page.locator("h1")).to_contain_text("New rule on contacts")
    screenshot(page, "data-quality-06-validation-rule-form")
