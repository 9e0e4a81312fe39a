"""In a real browser: a file's own lifecycle stage ("Kunde") is rejected by the dry run, mapped to Customer on
the report, checked again with no rejection, and imported as customers."""

from __future__ import annotations

import pytest

from rapport.contacts.models import Contact
from rapport.imports.models import ImportJob
from tests.e2e.conftest import log_in, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "First Name,Last Name,Email,Lifecycle Stage\n"
    "Ada,Lovelace,ada@example.com,Kunde\n"
    "Grace,Hopper,grace@example.com,Kunde\n"
    "Alan,Turing,alan@example.com,Lead\n"
)


def test_a_sales_rep_maps_kunde_to_customer_and_imports_customers(page, live_server, settings, tmp_path):
    from playwright.sync_api import expect

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user(role="rep", username="sam")
    file = tmp_path / "crm-export.csv"
    file.write_text(CSV, encoding="utf-8")

    log_in(page, "sam")

    page.goto("/imports/")
    page.set_input_files("input[type=file]", str(file))
    page.click("button:has-text('Upload and continue')")
    expect(page.locator("h1")).to_contain_text("Import crm-export.csv")
    expect(page.locator("#map_3")).to_have_value("lifecycle_stage")
    page.click("button:has-text('Check the whole file')")

    counts = page.locator(".counts")
    expect(counts).to_contain_text("Rejected")
    expect(counts.locator("div").filter(has_text="Rejected").locator("strong")).to_have_text("2")
    panel = page.locator("#import-values")
    expect(panel).to_contain_text("Values to match")
    expect(panel).to_contain_text("Lifecycle stage · column “Lifecycle Stage”")
    row = panel.locator("tr").filter(has_text="Kunde")
    expect(row.locator("td").nth(1)).to_have_text("2")
    expect(row.locator("select")).to_have_value("")
    expect(page.locator("table").last).to_contain_text("Lifecycle stage 'Kunde' is not one of")
    screenshot(page, "import-values-01-dry-run-lists-kunde")
    download = page.locator("a", has_text="Download the 2 rejected rows (with reasons)")
    expect(download).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the panel and its selects fit
    expect(row.locator("select")).to_be_visible()
    screenshot(page, "import-values-01b-dry-run-on-a-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    row.locator("select").select_option(label="Customer")
    panel.locator("button:has-text('Save and check again')").click()

    expect(page.locator(".messages")).to_contain_text("1 value mapped; the file was checked again.")
    expect(counts.locator("div").filter(has_text="Rejected").locator("strong")).to_have_text("0")
    expect(counts.locator("div").filter(has_text="New contacts").locator("strong")).to_have_text("3")
    mapped = page.locator("#import-values tr").filter(has_text="Kunde")
    expect(mapped).to_contain_text("mapped")
    expect(mapped.locator("select")).to_have_value("customer")
    screenshot(page, "import-values-02-checked-again")

    page.click("button:has-text('Import 3 rows')")
    expect(page.locator("h2", has_text="Outcome")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("3 rows = 3 created + 0 updated + 0 skipped + 0 rejected.")
    screenshot(page, "import-values-03-outcome")

    job = ImportJob.objects.get()
    assert job.options["value_map"] == {"lifecycle_stage": {"Kunde": "customer"}}
    assert sorted(
        Contact.objects.filter(lifecycle_stage="customer").values_list("first_name", flat=True)
    ) == [
        "Ada",
        "Grace",
    ]
    assert Contact.objects.get(first_name="Alan").lifecycle_stage == "lead"
