"""The import wizard pages: upload, mapping, dry run, background run with progress, outcome, download, undo."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.contacts.models import Contact
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob
from tests.imports.helpers import make_job

CSV = b"First Name,Last Name,E-mail Address,Notes\nAda,Lovelace,ada@example.com,x\nBob,B,not-an-email,y\n"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_upload_suggests_a_mapping_and_shows_samples(admin, client_for):
    client = client_for(admin)
    response = client.post(reverse("import-list"), {"file": SimpleUploadedFile("c.csv", CSV), "target": "contacts"})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import-detail", args=[job.pk])
    assert job.mapping == {"0": "first_name", "1": "last_name", "2": "email"}
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "— Ignore this column —" in page
    assert "ada@example.com" in page


def test_uploading_an_empty_file_explains_the_problem(admin, client_for):
    response = client_for(admin).post(reverse("import-list"), {"file": SimpleUploadedFile("c.csv", b"")})
    assert response.status_code == 422
    assert "The file is empty." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_wizard_dry_run_then_background_run_then_undo(admin, client_for, immediate_tasks,
                                                     django_capture_on_commit_callbacks):
    client = client_for(admin)
    job = make_job(admin, CSV.decode())
    response = client.post(reverse("import-configure", args=[job.pk]), {
        "map_0": "first_name", "map_1": "last_name", "map_2": "email", "map_3": "", "mode": "create",
        "match_key": "email", "default_country": "DE", "date_order": "DMY", "delimiter": ",", "encoding": "utf-8",
        "action": "check"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Dry run: what would happen" in page
    assert "not-an-email" in page
    assert "Download the 1 rejected row (with its reason)" in page
    assert "Fix it in the file and upload it again, or import the rest now and the fixed row later." in page
    assert "The 1 rejected row will be left out of the import; its outcome lists it again with its reason." in page
    examples = page.split("Examples of new contacts", 1)[1].split("</ul>", 1)[0]
    assert '<span class="muted">First name</span> Ada' in examples
    assert '<span class="muted">Email</span> ada@example.com' in examples
    assert "[" not in examples and "first_name" not in examples  # labels and plain values, not Python reprs
    before_run = b"".join(client.get(reverse("import-rejected", args=[job.pk])).streaming_content).decode()
    assert before_run.splitlines()[1].startswith("3,E-mail Address: 'not-an-email' is not a valid email address")
    assert Contact.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-start", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.created_count, job.rejected_count) == (1, 1)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "2 rows = 1 created + 0 updated + 0 skipped + 1 rejected." in page
    download = client.get(reverse("import-rejected", args=[job.pk]))
    body = b"".join(download.streaming_content).decode()
    assert body.splitlines()[1].startswith("3,E-mail Address: 'not-an-email' is not a valid email address")
    client.post(reverse("import-undo", args=[job.pk]))
    assert Contact.all_objects.count() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.UNDONE


def test_progress_partial_shows_counts_and_stops_polling_when_done(admin, client_for):
    job = make_job(admin, CSV.decode())
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, total_rows=4, next_row=2, created_count=1)
    client = client_for(admin)
    partial = client.get(reverse("import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert 'value="50"' in partial.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    partial = client.get(reverse("import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true"


def test_other_people_cannot_see_an_import(admin, teammate, outsider, client_for):
    job = make_job(teammate, CSV.decode())
    assert client_for(outsider).get(reverse("import-detail", args=[job.pk])).status_code == 404
    assert client_for(outsider).get(reverse("import-rejected", args=[job.pk])).status_code == 404
    assert client_for(admin).get(reverse("import-detail", args=[job.pk])).status_code == 200


def test_import_list_query_count_does_not_grow_with_imports(admin, client_for, django_assert_max_num_queries):
    client = client_for(admin)
    make_job(admin, CSV.decode())
    with django_assert_max_num_queries(12) as captured:
        client.get(reverse("import-list"))
    baseline = len(captured)
    for _ in range(3):
        make_job(admin, CSV.decode())
    with django_assert_max_num_queries(baseline):
        client.get(reverse("import-list"))


def test_dry_run_examples_read_as_labels_and_plain_values(admin):
    from rapport.customization.services import custom_field_create
    from rapport.imports.services.mapping import fields_for
    from rapport.imports.views import _readable_samples

    custom_field_create(entity="contact", key="vip", label="VIP customer", field_type="boolean", by=admin)

    samples = [{"row": 3, "values": {"first_name": "Anaïs", "emails": ["anais@exemple.fr", "a@b.fr"],
                                     "phones": ["+33612345678"], "company": "Atelier", "title": "",
                                     "custom": {"vip": True, "size_class": None}}}]
    assert _readable_samples(samples, fields_for("contacts", admin)) == [{"row": 3, "values": [
        ("First name", "Anaïs"), ("Email", "anais@exemple.fr, a@b.fr"), ("Phone", "+33612345678"),
        ("Company", "Atelier"), ("VIP customer (custom)", "yes"),
    ]}]


def test_dry_run_examples_show_dates_and_times_as_people_write_them(admin):
    from rapport.imports.services.mapping import fields_for
    from rapport.imports.views import _readable_samples

    samples = [{"row": 2, "values": {"ordered_at": "2024-03-02T10:14:00+01:00", "number": "#1001",
                                     "note": "2024-03-02Teatime at 5"}}]
    assert _readable_samples(samples, fields_for("orders", admin)) == [{"row": 2, "values": [
        ("Order date", "2 Mar 2024, 10:14"), ("Order number", "#1001"), ("Note", "2024-03-02Teatime at 5")]}]


def test_dry_run_examples_name_choices_by_their_label(admin):
    from rapport.customization.services import custom_field_create
    from rapport.imports.services.mapping import fields_for
    from rapport.imports.services.value_maps import choice_fields
    from rapport.imports.views import _readable_samples

    custom_field_create(entity="contact", key="tier", label="Tier", field_type="choice", by=admin,
                        choices=["Gold", "Silver"])
    samples = [{"row": 2, "values": {"lifecycle_stage": "customer", "preferred_channel": "email",
                                     "city": "customer", "custom": {"tier": "Gold"}}}]
    readable = _readable_samples(samples, fields_for("contacts", admin), choice_fields("contacts", admin))
    assert readable == [{"row": 2, "values": [
        ("Lifecycle stage", "Customer"), ("Preferred channel", "Email"), ("City", "customer"),
        ("Tier (custom)", "Gold"),
    ]}]


def test_phone_country_is_guessed_from_the_files_country_column_and_stays_selected(admin, client_for, settings,
                                                                                   immediate_tasks):
    settings.RAPPORT_DEFAULT_COUNTRY = "US"
    german = "Vorname;Mobiltelefon;Land\nJürgen;0151 2345678;Deutschland\nAnaïs;+33 6 12 34 56 78;FR\nOtto;030 1234567;de\n"
    job = make_job(admin, german.encode("cp1252"))
    assert job.options["default_country"] == "DE"  # two of three rows name Germany
    assert make_job(admin, "First Name,Phone\nAda,0151 2345678\n").options["default_country"] == "US"
    assert make_job(admin, "Name,Country\nAda,Atlantis\n").options["default_country"] == "US"  # no country named

    czech = make_job(admin, "Name;Phone;Country\nJan Novák;602 123 456;CZ\n".encode("cp1250"))
    assert czech.options["default_country"] == "CZ"
    page = client_for(admin).get(reverse("import-detail", args=[czech.pk])).content.decode()
    assert "<option selected>CZ</option>" in page  # outside the short list, yet the one shown and sent back


def test_the_outcome_lists_rejected_and_skipped_rows_with_reasons_and_links_only_visible_records(
        teammate, outsider, client_for, django_assert_max_num_queries):
    from rapport.imports.services.jobs import import_run
    from tests.factories import make_contact

    mine = make_contact(by=teammate, first_name="Ada", last_name="Byron", emails=["ada@example.com"])
    theirs = make_contact(by=outsider, first_name="Olga", last_name="Out", emails=["olga@example.com"])
    job = make_job(teammate, "First Name,Last Name,E-mail Address\n"
                             "Ada,Byron,ada@example.com\n"  # already in Rapport: skipped, linked
                             "Olga,Out,olga@example.com\n"  # another team's: skipped, not linked
                             "Bob,B,not-an-email\n"  # rejected
                             "Cy,New,cy@example.com\n", mode="create")
    job.status = JobStatus.QUEUED
    job.save(update_fields=["status"])
    job = import_run(job.pk)
    assert (job.created_count, job.skipped_count, job.rejected_count) == (1, 2, 1)
    client = client_for(teammate)
    with django_assert_max_num_queries(9):  # the rejected rows, the skipped rows and their records: one query each
        page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    rejected = page.split('class="data cards outcome-rejected"', 1)[1].split("</table>", 1)[0]
    assert '<td class="nowrap" data-label="Row">4</td>' in rejected
    assert "E-mail Address: &#x27;not-an-email&#x27; is not a valid email address" in rejected
    skipped = page.split('class="data cards outcome-skipped"', 1)[1].split("</table>", 1)[0]
    assert f'href="{mine.get_absolute_url()}"' in skipped
    assert theirs.get_absolute_url() not in page and "Olga Out" not in skipped.split("Why")[0]
    assert "already in Rapport as a contact you may not see (same email); ask a manager to import this row." in skipped
    assert skipped.index(">2</td>") < skipped.index(">3</td>")  # in file order


def test_the_encoding_select_names_encodings_as_people_do_and_posts_codec_names(admin, client_for):
    german = "Vorname;Nachname\nJürgen;Müller\nZoë;Ärger\n".encode("cp1252")
    job = make_job(admin, german)
    assert job.options["encoding"] == "cp1252"
    client = client_for(admin)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    select = page.split('id="id_encoding"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', select)
    assert options == [
        ("cp1252", " selected", "Windows-1252 (Western European) (detected)"),
        ("utf-8", "", "UTF-8"),
        ("utf-8-sig", "", "UTF-8 (with BOM)"),
        ("utf-16", "", "UTF-16"),
        ("cp1250", "", "Windows-1250 (Central European)"),
        ("latin-1", "", "Latin-1 (ISO 8859-1)"),
    ]
    response = client.post(reverse("import-configure", args=[job.pk]), {
        "delimiter": ";", "encoding": "latin-1", "default_country": "DE", "date_order": "DMY", "mode": "create",
        "match_key": "email", "action": "save"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.options["encoding"] == "latin-1"
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert '<option value="latin-1" selected>Latin-1 (ISO 8859-1) (detected)</option>' in page
    assert page.count("Latin-1 (ISO 8859-1)") == 1  # offered once, as the job's own


def test_detected_encodings_outside_the_list_get_a_name_too():
    from rapport.imports.views import ENCODINGS_OFFERED, encoding_label

    assert encoding_label("utf-16-le") == "UTF-16 little-endian (no BOM)"
    assert encoding_label("cp775") == "DOS Baltic (code page 775)"
    assert encoding_label("mac_roman") == "Mac OS Roman"
    assert encoding_label("iso8859_15") == "Latin-9 (ISO 8859-15, Western European with €)"
    assert encoding_label("cp869") == "CP869"  # known to Python, not to the list: its own name
    assert encoding_label("no-such-codec") == "no-such-codec"
    assert all(encoding_label(name) != name for name in ENCODINGS_OFFERED)


def test_a_row_rejected_for_two_columns_counts_in_both(admin, client_for):
    from rapport.imports.services.jobs import import_dry_run

    job = make_job(admin, "First Name,E-mail Address,Phone\n"
                          "Ada,not-an-email,12\n"  # both email and phone
                          "Bob,bob@,+44 20 7946 0958\n"  # email only
                          "Cy,cy@example.com,34\n"  # phone only
                          "Dee,dee@example.com,+44 20 7946 0959\n")
    report = import_dry_run(job=job, by=admin)
    assert report["rejected"] == 3
    reasons = {r["row"]: r["reason"] for r in report["rejections"]}
    assert reasons[2].startswith("E-mail Address: 'not-an-email' is not a valid email address")
    assert "Phone: '12'" in reasons[2]
    assert report["rejections_by_column"] == {"E-mail Address": 2, "Phone": 2}
    page = client_for(admin).get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "E-mail Address: 2 · Phone: 2" in page


def test_rejection_columns_reads_every_sentence_led_by_a_header():
    from rapport.imports.services.rejected import rejection_columns

    headers = {"Deal - Stage", "Amount", "E.mail", "Owner"}
    stage = ("Deal - Stage: 'Dreaming' is not one of: Qualification, …, Lost (the stages of pipeline 'New "
             "business'). Map this value to one of them, add the stage under Settings → Pipelines, or fix the cell.")
    assert rejection_columns(stage, headers) == ["Deal - Stage"]
    assert rejection_columns(f"{stage} Amount: '-5' cannot be negative.", headers) == ["Deal - Stage", "Amount"]
    assert rejection_columns("E.mail: 'x' is not valid. E.mail: 'y' is not valid.", headers) == ["E.mail"]
    assert rejection_columns("A deal needs a name. Amount: 'x' is not a number.", headers) == ["Whole row", "Amount"]
    assert rejection_columns("Another line of order '2001' (row 3) was rejected.", headers) == ["Whole row"]
    # A first sentence led by a name the file does not have keeps counting under that name, as before.
    assert rejection_columns("Customer: no email.", headers) == ["Customer"]
