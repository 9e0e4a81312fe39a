"""Importing contacts end to end: dry run, run, modes, outcome counts, rejected rows, checkpoints and undo."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError

from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Company, Contact, ContactEmail, ContactPhone
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob, ImportRow
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run, import_undo
from rapport.imports.services.rejected import rejected_rows_csv
from rapport.search.models import SearchEntry
from tests.factories import make_contact
from tests.imports.helpers import make_job

HEADER = "First Name,Last Name,E-mail Address,Phone,Account Name,Lead Status,Contact Owner\n"
MESSY = HEADER + (
    "Ada,Lovelace,ADA@Example.com,030 1234567,Analytical Engines,customer,\n"
    "Bob,Bad,not-an-email,,,,\n"
    "Carl,Sagan,carl@example.com,+1 415 555 0100,Cosmos Inc,lead,\n"
    ",,,,,,\n"
    "Dan,Hot,dan@example.com,,,Hot,\n"
    "Eve,Nobody,eve@example.com,,,,ghost@example.com\n"
    "Ada,Again,ada@example.com,,,,\n"
)


def run(job):
    return import_run(job.pk)


def test_dry_run_counts_every_row_and_writes_nothing(admin):
    job = make_job(admin, MESSY, options={"default_country": "DE"}, mode="create")
    report = import_dry_run(job=job, by=admin)
    assert (report["rows"], report["created"], report["updated"], report["skipped"], report["rejected"]) == (6, 2, 0, 1, 3)
    assert [r["row"] for r in report["rejections"]] == [3, 6, 7]
    assert report["rejections"][1]["reason"].startswith("Lead Status: Lifecycle stage 'Hot' is not one of")
    assert report["rejections"][2]["reason"] == (
        "Contact Owner: There is no user 'ghost@example.com'; write a user's email, user name or full name as under Settings → Users, add them there, or leave the owner empty."
    )
    assert report["samples"][0]["values"]["emails"] == ["ada@example.com"]
    assert Contact.all_objects.count() == 0
    assert Company.all_objects.count() == 0


def test_run_creates_contacts_with_emails_phones_company_search_and_timeline(admin):
    job = make_job(admin, MESSY, options={"default_country": "DE"}, mode="create")
    job = run(job)
    assert job.status == JobStatus.DONE
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (2, 0, 1, 3)
    assert job.processed_count == 6
    ada = Contact.objects.get(email="ada@example.com")
    assert (ada.first_name, ada.last_name, ada.phone, ada.lifecycle_stage) == ("Ada", "Lovelace", "+49301234567", "customer")
    assert ada.company.name == "Analytical Engines"
    assert ada.owner == admin
    assert list(ada.emails.values_list("email", "is_primary")) == [("ada@example.com", True)]
    assert list(ada.phones.values_list("number", "is_primary")) == [("+49301234567", True)]
    entry = SearchEntry.objects.get(kind="contact", object_id=ada.pk)
    assert entry.text == "Ada Lovelace ada@example.com +49301234567 49301234567"
    assert SearchEntry.objects.filter(kind="company", object_id=ada.company_id).exists()
    event = TimelineEvent.objects.get(contact=ada)
    assert (event.kind, event.summary) == ("imported", "Imported from contacts.csv (row 2)")
    skipped = ImportRow.objects.get(job=job, outcome="skipped")
    assert (skipped.row_number, skipped.object_id) == (8, ada.pk)
    assert skipped.reason == f"Duplicate: already in Rapport as contact #{ada.pk} (same email)."


def test_existing_contacts_are_updated_and_undo_restores_them(admin):
    existing = make_contact(by=admin, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    job = make_job(admin, HEADER + "Ada,Lovelace,ada@example.com,+44 20 7946 0958,,customer,\nNew,Person,new@example.com,,,,\n",
                   mode="create_or_update")
    job = run(job)
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (1, 1, 0, 0)
    existing.refresh_from_db()
    assert (existing.last_name, existing.lifecycle_stage, existing.phone, existing.version) == (
        "Lovelace", "customer", "+442079460958", 2)
    assert SearchEntry.objects.get(kind="contact", object_id=existing.pk).text.startswith("Ada Lovelace ada@example.com")
    summary = import_undo(job=job, by=admin)
    assert summary == {"deleted": 1, "trashed": 0, "restored": 1}
    existing.refresh_from_db()
    assert (existing.last_name, existing.lifecycle_stage, existing.phone) == ("Byron", "lead", "")
    assert list(existing.phones.all()) == []
    assert not Contact.all_objects.filter(email="new@example.com").exists()
    assert SearchEntry.objects.get(kind="contact", object_id=existing.pk).text == "Ada Byron ada@example.com"
    job.refresh_from_db()
    assert job.status == JobStatus.UNDONE


def test_update_only_mode_skips_rows_without_a_match(admin):
    make_contact(by=admin, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    job = make_job(admin, HEADER + "Ada,Lovelace,ada@example.com,,,,\nNew,Person,new@example.com,,,,\n", mode="update")
    job = run(job)
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 1, 1)
    assert ImportRow.objects.get(job=job, outcome="skipped").reason == "No existing contact has this email; nothing to update."
    assert Contact.objects.count() == 1


def test_rows_matching_contacts_the_importer_may_not_change_are_skipped(teammate, outsider):
    theirs = make_contact(by=outsider, first_name="Olga", last_name="Out", emails=["olga@example.com"])
    job = make_job(teammate, HEADER + "Olga,Changed,olga@example.com,,,,\n", mode="create_or_update")
    job = run(job)
    assert (job.updated_count, job.skipped_count) == (0, 1)
    theirs.refresh_from_db()
    assert theirs.last_name == "Out"
    # The other team's contact is not named (no id): the rep may not see it. The row is still skipped,
    # never imported as a second Olga.
    row = ImportRow.objects.get(job=job)
    assert (row.reason, row.object_id) == ("Matches a contact you may not see; ask a manager to import this row.", None)
    assert Contact.all_objects.count() == 1


def test_rep_cannot_give_imported_contacts_to_another_team(teammate, outsider):
    job = make_job(teammate, HEADER + f"Ada,L,ada@example.com,,,,{outsider.email}\n", mode="create")
    job = run(job)
    assert job.rejected_count == 1
    assert ImportRow.objects.get(job=job).reason == (
        f"Contact Owner: You can give contacts only to yourself, not to '{outsider.email}'; leave the owner empty, or ask a manager or an administrator to do it.")


def test_value_too_long_and_ragged_rows_are_rejected_with_reasons(admin):
    long_name = "x" * 101
    text = "First Name,Last Name,Email\n" + f"{long_name},L,a@example.com\n" + "Ann,B,b@example.com,extra,cells\n" + "Cy,C\n"
    job = run(make_job(admin, text, mode="create"))
    reasons = dict(ImportRow.objects.filter(job=job).values_list("row_number", "reason"))
    assert reasons == {
        2: "First Name: First name is too long (101 characters; at most 100).",
        3: "This row has 5 cells but the header has 3; a value probably contains the delimiter without quotes.",
    }
    assert Contact.objects.get().first_name == "Cy"


def test_rejected_rows_download_has_reason_and_original_cells(admin):
    job = run(make_job(admin, MESSY, mode="create", options={"default_country": "DE"}))
    text = "".join(rejected_rows_csv(job)).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Row", "Reason", "First Name", "Last Name", "E-mail Address", "Phone", "Account Name",
                       "Lead Status", "Contact Owner"]
    assert [r[0] for r in rows[1:]] == ["3", "6", "7"]
    assert rows[1][2:] == ["Bob", "Bad", "not-an-email", "", "", "", ""]
    assert rows[1][1] == "E-mail Address: 'not-an-email' is not a valid email address; write it like name@example.com."


def test_a_killed_import_resumes_from_its_checkpoint_without_importing_a_row_twice(admin):
    text = "First Name,Last Name,Email\n" + "".join(f"P{i},L{i},p{i}@example.com\n" for i in range(7))
    job = make_job(admin, text, mode="create")
    crashed = import_run(job.pk, batch_rows=3, stop_after_batches=1)
    assert (crashed.next_row, crashed.created_count) == (4, 3)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    finished = import_run(job.pk, batch_rows=3)
    assert finished.status == JobStatus.DONE
    assert (finished.created_count, finished.skipped_count, finished.processed_count) == (7, 0, 7)
    assert Contact.objects.count() == 7
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == [f"P{i}" for i in range(7)]


def test_same_email_twice_in_one_file_creates_one_contact(admin):
    text = "First Name,Email\nAda,ada@example.com\nAda B,ADA@example.com\n"
    job = run(make_job(admin, text, mode="create_or_update"))
    assert (job.created_count, job.updated_count) == (1, 1)
    assert Contact.objects.get().first_name == "Ada B"


def test_external_id_matches_on_the_next_import(admin):
    text = "Id,First Name,Email\nX-1,Ada,ada@example.com\n"
    run(make_job(admin, text, mode="create", match_key="external_id"))
    job = run(make_job(admin, "Id,First Name\nX-1,Adeline\n", mode="update", match_key="external_id"))
    assert job.updated_count == 1
    assert Contact.objects.get().first_name == "Adeline"


def test_undo_moves_contacts_used_since_to_the_trash(admin, pipeline):
    from tests.factories import make_deal

    job = run(make_job(admin, "First Name,Email\nAda,ada@example.com\nBob,bob@example.com\n", mode="create"))
    ada = Contact.objects.get(email="ada@example.com")
    make_deal(by=admin, pipeline=pipeline, contact=ada)
    summary = import_undo(job=job, by=admin)
    assert summary == {"deleted": 1, "trashed": 1, "restored": 0}
    assert Contact.all_objects.get(pk=ada.pk).deleted_at is not None
    assert not ContactEmail.objects.filter(email="bob@example.com").exists()


def test_mapping_without_name_or_email_is_refused(admin):
    job = make_job(admin, "City,Country\nParis,FR\n")
    with pytest.raises(ValidationError) as exc:
        import_job_configure(job=job, by=admin, mapping={"0": "city"})
    assert exc.value.messages == ["Map at least one column to a name or the email: a contact needs one of them."]


def test_header_only_file_has_no_rows_to_import(admin):
    job = make_job(admin, HEADER)
    with pytest.raises(ValidationError) as exc:
        import_dry_run(job=job, by=admin)
    assert exc.value.messages == ["The file has a header but no data rows; add rows under the header and upload it again."]


def test_readonly_user_cannot_import(readonly):
    from rapport.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        make_job(readonly, HEADER + "Ada,L,ada@example.com,,,,\n")


def test_other_users_cannot_run_or_undo_someone_elses_import(admin, teammate):
    from rapport.core.errors import NotAllowed

    job = run(make_job(admin, "First Name,Email\nAda,ada@example.com\n"))
    with pytest.raises(NotAllowed):
        import_undo(job=job, by=teammate)
    assert Contact.objects.count() == 1


def test_phones_are_normalised_with_the_rows_country(admin):
    text = "Name,Phone,Country\nAda Lovelace,020 7946 0958,United Kingdom\nBob Smith,(415) 555-0100,US\n"
    run(make_job(admin, text, options={"default_country": "DE"}, mode="create"))
    assert dict(Contact.objects.values_list("last_name", "phone")) == {"Lovelace": "+442079460958", "Smith": "+14155550100"}
    assert ContactPhone.objects.count() == 2


def test_unreadable_row_mid_file_leaves_nothing_imported(admin):
    data = ("First Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(5))).encode() + b"Bad\xff\xfe,x@example.com\n"
    job = make_job(admin, data, mode="create")
    job.options["encoding"] = "utf-8"
    job.save()
    with pytest.raises(ValidationError) as exc:
        import_run(job.pk, batch_rows=2)
    assert "cannot be read as utf-8" in exc.value.messages[0]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert Contact.all_objects.count() == 0


# ---------------------------------------------------------------- the bulk path: search, workers, checkpoints


def _search(user, term):
    from rapport.search.selectors import search_ids

    return search_ids(user=user, query=term, kinds=("contact",), limit=20)["contact"]


@pytest.fixture
def in_worker(monkeypatch):
    """Transform rows in the forked worker process whatever the file size."""
    from rapport.imports.services import jobs

    monkeypatch.setattr(jobs, "PARALLEL_MIN_BYTES", 0)


def test_imported_contacts_are_found_by_name_email_and_phone(admin):
    run(make_job(admin, MESSY, options={"default_country": "DE"}, mode="create"))
    ada = Contact.objects.get(email="ada@example.com")
    carl = Contact.objects.get(email="carl@example.com")
    assert _search(admin, "Lovelace") == [ada.pk]
    assert _search(admin, "carl@exam") == [carl.pk]
    assert _search(admin, "4155550100") == [carl.pk]
    assert SearchEntry.objects.get(kind="company", object_id=ada.company_id).title == "Analytical Engines"


def test_search_keeps_indexing_records_written_after_an_import(admin):
    from django.db import connection

    run(make_job(admin, MESSY, options={"default_country": "DE"}, mode="create"))
    later = make_contact(by=admin, first_name="Grace", last_name="Hopper", emails=["grace@example.com"])
    assert _search(admin, "Hopper") == [later.pk]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_fts_%' "
                           "ORDER BY name")
            assert [r[0] for r in cursor.fetchall()] == ["search_fts_ad", "search_fts_ai", "search_fts_au"]


def test_an_updated_contact_is_found_by_its_new_name_and_no_longer_by_the_old(admin):
    existing = make_contact(by=admin, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    run(make_job(admin, HEADER + "Ada,Lovelace,ada@example.com,,,,\n", mode="create_or_update"))
    assert _search(admin, "Lovelace") == [existing.pk]
    assert _search(admin, "Byron") == []


def test_an_update_records_the_values_before_it_for_undo(admin):
    existing = make_contact(by=admin, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    job = run(make_job(admin, HEADER + "Ada,Lovelace,ada@example.com,+44 20 7946 0958,,customer,\n",
                       mode="create_or_update"))
    row = ImportRow.objects.get(job=job)
    assert (row.row_number, row.outcome, row.object_id) == (2, "updated", existing.pk)
    assert row.before == {"last_name": "Byron", "lifecycle_stage": "lead", "added_phones": ["+442079460958"],
                          "phone": "", "version": 1}
    event = TimelineEvent.objects.get(contact=existing, kind="updated", summary__contains=f"import #{job.pk}")
    assert event.summary == f"Changed last_name, lifecycle_stage, phones (import #{job.pk}, row 2)"


def test_a_crash_at_a_batch_boundary_resumes_with_exactly_the_remaining_rows(admin):
    _crash_at_a_batch_boundary_then_resume(admin)


def test_a_crash_with_rows_transformed_in_the_worker_resumes_with_exactly_the_remaining_rows(admin, in_worker):
    _crash_at_a_batch_boundary_then_resume(admin)


def _crash_at_a_batch_boundary_then_resume(admin):
    existing = make_contact(by=admin, first_name="Old", last_name="One", emails=["p4@example.com"])
    lines = [f"P{i},L{i},p{i}@example.com,,,,\n" for i in range(10)]
    lines[6] = "Bad,Row,not-an-email,,,,\n"
    job = make_job(admin, HEADER + "".join(lines), mode="create_or_update")
    crashed = import_run(job.pk, batch_rows=4, stop_after_batches=1)
    assert (crashed.next_row, crashed.created_count, crashed.updated_count) == (5, 4, 0)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    done = import_run(job.pk, batch_rows=4)
    assert done.status == JobStatus.DONE
    counts = (done.created_count, done.updated_count, done.skipped_count, done.rejected_count)
    assert counts == (8, 1, 0, 1)
    assert sum(counts) == done.processed_count == 10
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == sorted(
        ["P0", "P1", "P2", "P3", "P5", "P7", "P8", "P9", "P4"])
    assert Contact.objects.get(pk=existing.pk).last_name == "L4"
    created = Contact.objects.exclude(pk=existing.pk)
    assert TimelineEvent.objects.filter(contact__in=created, kind="imported").count() == 8
    assert SearchEntry.objects.filter(kind="contact").count() == 9
    assert list(ImportRow.objects.filter(job=job).order_by("row_number").values_list("row_number", "outcome")) == [
        (6, "updated"), (8, "rejected")]
    assert sorted(b.first_row for b in job.batches.all()) == [2, 6, 10]


def test_rows_transformed_in_the_worker_process_give_the_same_outcome(admin, in_worker):
    job = run(make_job(admin, MESSY, options={"default_country": "DE"}, mode="create"))
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (2, 0, 1, 3)
    assert dict(Contact.objects.values_list("email", "phone")) == {
        "ada@example.com": "+49301234567", "carl@example.com": "+14155550100"}
    assert list(ImportRow.objects.filter(job=job, outcome="rejected").order_by("row_number")
                .values_list("row_number", flat=True)) == [3, 6, 7]
    assert _search(admin, "Lovelace") == [Contact.objects.get(email="ada@example.com").pk]


def test_dry_run_in_the_worker_process_counts_the_same(admin, in_worker):
    report = import_dry_run(job=make_job(admin, MESSY, options={"default_country": "DE"}, mode="create"), by=admin)
    assert (report["rows"], report["created"], report["skipped"], report["rejected"]) == (6, 2, 1, 3)
    assert Contact.all_objects.count() == 0


def test_an_unreadable_row_found_by_the_worker_process_leaves_nothing_imported(admin, in_worker):
    data = ("First Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(5))).encode() + b"Bad\xff,x@e.com\n"
    job = make_job(admin, data, mode="create")
    job.options["encoding"] = "utf-8"
    job.save()
    with pytest.raises(ValidationError) as exc:
        import_run(job.pk, batch_rows=2)
    assert exc.value.messages[0].endswith(" cannot be read as utf-8. Choose the file's encoding (for example "
                                          "Windows-1252 or UTF-8) and try again.")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert Contact.all_objects.count() == 0
    assert SearchEntry.objects.count() == 0


def test_admin_validation_rules_reject_rows_with_the_rules_sentence(admin):
    from rapport.customization.services import validation_rule_create

    validation_rule_create(entity="contact", name="City needed", kind="required", field="city", by=admin,
                           message="Every contact needs a city; add it to the row.")
    text = "First Name,Email,City\nAda,ada@example.com,London\nBob,bob@example.com,\n"
    job = run(make_job(admin, text, mode="create"))
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert ImportRow.objects.get(job=job).reason == "Every contact needs a city; add it to the row."
    assert list(Contact.objects.values_list("first_name", flat=True)) == ["Ada"]


def test_a_required_rule_judges_an_update_row_on_the_contact_it_updates(admin):
    """An empty cell keeps the contact's value, so the rule holds; a new contact without it is rejected."""
    from rapport.customization.services import validation_rule_create

    run(make_job(admin, "First Name,Email,City\nAda,ada@example.com,London\nBob,bob@example.com,\n", mode="create"))
    validation_rule_create(entity="contact", name="City needed", kind="required", field="city", by=admin,
                           message="Every contact needs a city; add it to the row.")
    text = ("First Name,Email,City,Job Title\n"
            "Ada,ada@example.com,,CTO\n"          # updates Ada, who has a city: accepted
            "Bob,bob@example.com,,CFO\n"          # updates Bob, who has no city: rejected
            "Cy,cy@example.com,,CEO\n")           # would create a contact without a city: rejected
    dry = import_dry_run(job=make_job(admin, text), by=admin)
    assert (dry["updated"], dry["created"], dry["rejected"]) == (1, 0, 2)
    job = run(make_job(admin, text))
    assert (job.updated_count, job.created_count, job.rejected_count) == (1, 0, 2)
    reasons = dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))
    assert reasons == {3: "Every contact needs a city; add it to the row.",
                       4: "Every contact needs a city; add it to the row."}
    assert Contact.objects.get(email="ada@example.com").title == "CTO"
    assert Contact.objects.get(email="bob@example.com").title == ""
    assert not Contact.objects.filter(email="cy@example.com").exists()
    rejected_csv = "".join(rejected_rows_csv(job))
    assert "bob@example.com" in rejected_csv and "cy@example.com" in rejected_csv


def test_every_rejection_of_a_dry_run_can_be_downloaded_before_the_import_runs(admin, monkeypatch):
    from rapport.imports.services import jobs

    monkeypatch.setattr(jobs, "DRY_RUN_KEEP_REJECTIONS", 1)  # the report keeps one; the file keeps all
    text = "First Name,Email\nAda,ada@example.com\nBob,not-an-email\nCy,cy at example\nDee,\n"
    job = make_job(admin, text)
    report = import_dry_run(job=job, by=admin)
    assert report["rejected"] == 2 and len(report["rejections"]) == 1
    job.refresh_from_db()
    rows = list(csv.reader(io.StringIO("".join(rejected_rows_csv(job)).lstrip("\ufeff"))))
    assert rows[0] == ["Row", "Reason", "First Name", "Email"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("3", "Bob", "not-an-email"), ("4", "Cy", "cy at example")]
    assert all(r[1].startswith("Email:") for r in rows[1:])
    job = run(job)  # after the run, the file lists what the run rejected
    rows = list(csv.reader(io.StringIO("".join(rejected_rows_csv(job)).lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["3", "4"] and job.rejected_count == 2


def test_a_known_person_with_a_new_email_is_matched_by_phone_and_name_and_undo_takes_the_email_back(admin):
    lena = make_contact(by=admin, first_name="Lena", last_name="Fischer", emails=["lena@fischer-kg.de"],
                        phones=["+491605551234"], city="Hamburg")
    rows = ("Fischer,Lena,lena.fischer@beispiel.de,0160 5551234,,customer,\n"  # names swapped, another case
            "Fischer-Schulz,Lena,lfs@beispiel.de,0160 5551234,,,\n")  # same phone, another name: a new person
    job = make_job(admin, HEADER.replace("First Name,Last Name", "Last Name,First Name") + rows,
                   options={"default_country": "DE"}, mode="create_or_update")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["updated"]) == (1, 1)
    job = run(job)
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 1, 0)
    assert set(lena.emails.values_list("email", flat=True)) == {"lena@fischer-kg.de", "lena.fischer@beispiel.de"}
    assert Contact.objects.filter(last_name="Fischer").count() == 1
    assert Contact.objects.filter(last_name="Fischer-Schulz").count() == 1
    import_undo(job=job, by=admin)
    assert list(lena.emails.values_list("email", flat=True)) == ["lena@fischer-kg.de"]


def test_create_only_skips_a_known_person_with_a_new_email_and_says_why(admin):
    lena = make_contact(by=admin, first_name="Lena", last_name="Fischer", phones=["+491605551234"])
    job = run(make_job(admin, HEADER + "lena,FISCHER,lena.fischer@beispiel.de,+49 160 5551234,,,\n", mode="create"))
    assert (job.created_count, job.skipped_count) == (0, 1)
    row = ImportRow.objects.get(job=job)
    assert (row.object_id, row.reason) == (
        lena.pk, f"Duplicate: already in Rapport as contact #{lena.pk} (same phone and name).")


def test_phone_and_name_of_a_contact_the_importer_may_not_see_do_not_match(teammate, outsider):
    make_contact(by=outsider, first_name="Lena", last_name="Fischer", phones=["+491605551234"])
    job = run(make_job(teammate, HEADER + "Lena,Fischer,lena.fischer@beispiel.de,+49 160 5551234,,,\n",
                       mode="create"))
    # As the on-entry check: only contacts the rep may see count, and nothing tells of the other team's one.
    assert (job.created_count, job.skipped_count) == (1, 0)
    assert not ImportRow.objects.filter(job=job, reason__contains="may not see").exists()


def test_the_dry_run_of_updates_gives_the_counts_of_the_run_and_creates_no_company_or_tag(teammate, outsider):
    from rapport.customization.models import Tag

    make_contact(by=teammate, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    make_contact(by=teammate, first_name="Bea", last_name="Stone", emails=["bea@example.com"])
    make_contact(by=teammate, first_name="Cy", last_name="Young", emails=["cy@example.com"])
    make_contact(by=outsider, first_name="Olga", last_name="Out", emails=["olga@example.com"])
    rows = ("First Name,Last Name,E-mail Address,Account Name,Tags\n"
            "Ada,Byron,ada@example.com,,\n"  # nothing changes: skipped
            "Bea,Stone,bea@example.com,Stone Quarry Ltd,\n"  # a company that does not exist yet: updated
            "Cy,Young,cy@example.com,,vip\n"  # a tag that does not exist yet: updated
            "Olga,Changed,olga@example.com,,\n"  # another team's: skipped
            "Dan,New,dan@example.com,,\n"
            "Dan,Newer,dan@example.com,,\n")  # the row above, again: updates what it creates
    job = make_job(teammate, rows, mode="create_or_update")
    report = import_dry_run(job=job, by=teammate)
    assert not Company.all_objects.filter(name="Stone Quarry Ltd").exists() and not Tag.objects.exists()
    job = run(job)
    assert (report["created"], report["updated"], report["skipped"], report["rejected"]) == (
        job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (1, 3, 2, 0)
    # Each row that meets an existing contact, with what will happen to it and why.
    ids = dict(Contact.all_objects.values_list("first_name", "id"))
    assert [(m["row"], m["id"], m["outcome"], m["why"], m["changes"]) for m in report["matched"]] == [
        (2, ids["Ada"], "skipped", f"Contact #{ids['Ada']} already has these values; nothing changed.", []),
        (3, ids["Bea"], "updated", "same email", ["company"]),
        (4, ids["Cy"], "updated", "same email", ["tags"]),
        (5, None, "skipped", "Matches a contact you may not see; ask a manager to import this row.", []),
        (7, None, "updated", "same as row 6 of this file", ["last name"]),
    ]


def test_rows_updating_one_contact_twice_get_the_same_verdicts_in_the_dry_run_and_the_run(admin):
    make_contact(by=admin, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    rows = ("First Name,Last Name,E-mail Address,Account Name,Tags\n"
            "Ada,Lovelace,ada@example.com,NewCo,vip\n"
            "Ada,Lovelace,ada@example.com,NewCo,vip\n"  # what the row above already gave her: nothing changes
            "Ada,King,ada@example.com,NewCo,vip\n")  # a new last name: changes again
    job = make_job(admin, rows, mode="create_or_update")
    report = import_dry_run(job=job, by=admin)
    verdicts = [(m["row"], m["outcome"], m["changes"]) for m in report["matched"]]
    assert verdicts == [(2, "updated", ["last name", "company", "tags"]), (3, "skipped", []),
                        (4, "updated", ["last name"])]
    job = run(job)
    assert (job.updated_count, job.skipped_count) == (report["updated"], report["skipped"]) == (2, 1)
    assert ImportRow.objects.get(job=job, row_number=3).outcome == "skipped"


def test_contacts_in_the_trash_are_not_matched_by_email_or_by_phone_and_name(admin):
    from rapport.core.records import record_trash

    gone = make_contact(by=admin, first_name="Lena", last_name="Fischer", emails=["lena@fischer-kg.de"],
                        phones=["+491605551234"])
    record_trash(gone, by=admin)
    job = run(make_job(admin, HEADER + "Lena,Fischer,lena@fischer-kg.de,,,,\nLena,Fischer,new@x.de,+49 160 5551234,,,\n",
                       mode="create_or_update"))
    assert (job.created_count, job.updated_count) == (2, 0)
    assert Contact.all_objects.get(pk=gone.pk).deleted_at is not None
