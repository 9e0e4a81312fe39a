"""In a real browser: a large file is checked by the background worker while the page shows a moving progress
bar; when the worker is done the page shows the report by itself, without a reload by the user."""

from __future__ import annotations

import pytest

from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob
from rapport.imports.services import jobs
from rapport.imports.tasks import import_dry_run_task
from tests.e2e.conftest import log_in, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_page_follows_a_background_check_and_shows_its_report(page, live_server, settings, tmp_path,
                                                                   monkeypatch):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(jobs, "SYNC_DRY_RUN_BYTES", 0)  # every file counts as large
    make_user(role="rep", username="sam")
    file = tmp_path / "big-export.csv"
    file.write_text("First Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(30))
                    + "Bad,not-an-email\n", encoding="utf-8")

    log_in(page, "sam")
    page.goto("/imports/")
    page.set_input_files("input[type=file]", str(file))
    page.click("button:has-text('Upload and continue')")
    page.click("button:has-text('Check the whole file')")

    # No worker runs in this test: the check waits, and the page says so with its bar at 0 %.
    expect(page.locator("h2")).to_contain_text(["Dry run: checking the whole file"])
    expect(page.locator("#import-progress")).to_contain_text("Waiting for the background worker to start the "
                                                             "check of about 31 rows.")
    job = ImportJob.objects.get()
    assert job.status == JobStatus.CHECKING
    # The worker's first batch: the polled bar moves without a reload.
    ImportJob.objects.filter(pk=job.pk).update(next_row=12)
    expect(page.locator("#import-progress")).to_contain_text("38 % · row 12 of about 31.")
    screenshot(page, "import-check-in-background")
    # The worker finishes: the page reloads itself into the report.
    assert import_dry_run_task.call(job.pk, job.settings_version) == "checked"
    expect(page.locator("h2").first).to_have_text("Dry run: what would happen", timeout=10000)
    expect(page.locator(".counts")).to_contain_text("30")
    expect(page.locator("body")).to_contain_text("Download the 1 rejected row")
