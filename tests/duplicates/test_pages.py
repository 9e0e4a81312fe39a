"""Pages: the review list, scan, "not a duplicate", the on-entry warning, merge side by side and undo."""

from __future__ import annotations

import pytest

from rapport.activities.services import activity_create
from rapport.contacts.duplicate_scan import duplicate_scan_run
from rapport.contacts.models import Contact, DuplicateDismissal, DuplicateScan, MergeRecord
from tests.factories import make_contact


@pytest.fixture
def twins(teammate):
    a = make_contact(by=teammate, first_name="Katharina", last_name="Schneider", emails=["ks@web.de"],
                     phones=["+4915112345678"], city="Berlin")
    b = make_contact(by=teammate, first_name="Katharina", last_name="Schnieder", emails=[],
                     phones=["0151 12345678"], city="Berlin", country="DE")
    return a, b


def test_scan_button_runs_a_small_scan_and_lists_the_pair_with_reasons(teammate, client_for, twins):
    client = client_for(teammate)
    response = client.post("/contacts/duplicates/scan/", follow=True)
    assert response.status_code == 200
    assert DuplicateScan.objects.get().status == "done"
    page = response.content.decode()
    assert "Scan finished: 1 likely duplicate pair found." in page
    assert "Why: same phone; names 94 % similar; same city" in page
    assert f"/contacts/{twins[0].pk}/merge/{twins[1].pk}/" in page


def test_not_a_duplicate_hides_the_pair_for_good(teammate, client_for, twins):
    client = client_for(teammate)
    client.post("/contacts/duplicates/scan/")
    response = client.post("/contacts/duplicates/dismiss/", {"first": twins[1].pk, "second": twins[0].pk}, follow=True)
    assert DuplicateDismissal.objects.filter(first=twins[0], second=twins[1]).count() == 1
    assert "are marked as different people" in response.content.decode()
    assert "Why:" not in response.content.decode()
    client.post("/contacts/duplicates/scan/")
    assert "Why:" not in client.get("/contacts/duplicates/").content.decode()


def test_outsider_sees_no_pairs_of_team_a(outsider, teammate, client_for, twins):
    client_for(teammate).post("/contacts/duplicates/scan/")
    page = client_for(outsider).get("/contacts/duplicates/").content.decode()
    assert "Katharina" not in page


def test_review_list_query_count_does_not_grow_with_pairs(teammate, client_for, django_assert_max_num_queries):
    for n in range(8):
        make_contact(by=teammate, first_name="Ana", last_name=f"Costa{n}", emails=[f"ana{n}@example.org"])
        make_contact(by=teammate, first_name="Ana", last_name=f"Costa{n}", emails=[f"ANA{n}@example.org"])
    scan = DuplicateScan.objects.create(started_by=teammate)
    duplicate_scan_run(scan.pk)
    client = client_for(teammate)
    with django_assert_max_num_queries(12):
        response = client.get("/contacts/duplicates/")
    assert response.content.decode().count("Why: same email; same name") == 8


def test_scan_progress_asks_the_page_to_reload_when_done(teammate, client_for, twins):
    client = client_for(teammate)
    client.post("/contacts/duplicates/scan/")
    response = client.get("/contacts/duplicates/scan/progress/", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"


def test_on_entry_check_warns_with_a_link(teammate, client_for, twins):
    client = client_for(teammate)
    response = client.get("/contacts/duplicates/check/", {"first_name": "Katharina", "last_name": "Schneider",
                                                           "email_value": ["", "KS@web.de"], "phone_value": [""]})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="/contacts/{twins[0].pk}/"' in page
    assert "Possible duplicate" in page


def test_on_entry_check_with_junk_input_answers_quietly(teammate, client_for):
    response = client_for(teammate).get("/contacts/duplicates/check/", {"first_name": "x" * 5000,
                                                                        "phone_value": "☎☎☎", "exclude": "abc"})
    assert response.status_code == 200
    assert "Possible duplicate" not in response.content.decode()


def test_merge_page_shows_both_sides_and_merges(teammate, client_for, twins):
    survivor, loser = twins
    client = client_for(teammate)
    activity_create(by=teammate, kind="call", subject="Intro call", contact=loser)
    page = client.get(f"/contacts/{survivor.pk}/merge/{loser.pk}/").content.decode()
    assert 'name="last_name" value="loser"' in page and "Schnieder" in page
    # What each side brings, in words: one of a kind is singular.
    assert "0 activities, 0 deals, 0 leads, 0 orders, 1 email, 1 phone" in page
    assert "1 activity, 0 deals, 0 leads, 0 orders, 0 emails, 1 phone" in page
    response = client.post(f"/contacts/{survivor.pk}/merge/{loser.pk}/", {
        "last_name": "survivor", "city": "survivor", "survivor_version": survivor.version,
        "loser_version": loser.version})
    merge = MergeRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contacts/merges/{merge.pk}/"
    assert not Contact.objects.filter(pk=loser.pk).exists()
    detail = client.get(response["Location"]).content.decode()
    assert "Undo merge" in detail
    moved = detail.split("What moved to", 1)[1].split("</ul>", 1)[0]
    assert "<li>1 activity</li>" in moved and "timeline event" in moved  # names people use, not model names
    assert "timelineevent" not in moved and "record" not in moved
    undo = client.post(f"/contacts/merges/{merge.pk}/undo/")
    assert undo.status_code == 302 and undo["Location"] == f"/contacts/{loser.pk}/"
    assert Contact.objects.filter(pk=loser.pk).exists()


def test_merge_page_refuses_a_contact_with_itself_with_a_sentence(teammate, client_for, twins):
    response = client_for(teammate).post(f"/contacts/{twins[0].pk}/merge/{twins[0].pk}/", {})
    assert response.status_code == 422
    assert "A contact cannot be merged with itself; pick two different contacts." in response.content.decode()


def test_merge_page_of_a_trashed_contact_is_not_found(teammate, client_for, twins):
    from rapport.core.records import record_trash

    record_trash(twins[1], by=teammate)
    assert client_for(teammate).get(f"/contacts/{twins[0].pk}/merge/{twins[1].pk}/").status_code == 404


def test_outsider_gets_404_on_merge_page_and_merge_record(outsider, teammate, client_for, twins):
    client = client_for(outsider)
    assert client.get(f"/contacts/{twins[0].pk}/merge/{twins[1].pk}/").status_code == 404
    assert client.post(f"/contacts/{twins[0].pk}/merge/{twins[1].pk}/", {}).status_code == 404
    from rapport.contacts.merge import contact_merge

    merge = contact_merge(survivor=twins[0], loser=twins[1], by=teammate)
    assert client.get(f"/contacts/merges/{merge.pk}/").status_code == 404
    assert client.post(f"/contacts/merges/{merge.pk}/undo/").status_code == 404
    assert MergeRecord.objects.get().undone_at is None


def test_readonly_user_cannot_merge_a_teams_contacts(readonly, client_for, twins):
    assert client_for(readonly).get(f"/contacts/{twins[0].pk}/merge/{twins[1].pk}/").status_code == 404


def test_a_large_database_is_scanned_in_the_background_with_progress(teammate, client_for, twins, settings,
                                                                       monkeypatch, django_capture_on_commit_callbacks):
    from rapport.contacts import duplicate_scan

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(duplicate_scan, "SYNC_SCAN_CONTACTS", 1)
    client = client_for(teammate)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/contacts/duplicates/scan/", follow=True)
    assert "The scan runs in the background" in response.content.decode()
    assert DuplicateScan.objects.get().status == "queued"
    assert 'hx-trigger="every 2s"' in client.get("/contacts/duplicates/scan/progress/").content.decode()
    for callback in callbacks:
        callback()
    scan = DuplicateScan.objects.get()
    assert (scan.status, scan.pairs) == ("done", 1)
