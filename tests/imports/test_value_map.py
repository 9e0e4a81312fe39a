"""The user's own choice values: the dry run lists the values no choice knows, the answers go to
job.options["value_map"] (and the saved mapping), every target's importer applies them."""

from __future__ import annotations

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.activities.models import Activity
from rapport.contacts.models import Contact
from rapport.customization.models import CustomField
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob, ImportRow, SavedMapping
from rapport.imports.services import value_maps
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.imports.services.value_maps import SAVED_KEY, unknown_values
from rapport.sales.models import Deal, Lead, Order
from tests.factories import make_contact, make_product
from tests.imports.helpers import make_job

CONTACTS = (
    "First Name,Email,Lifecycle Stage\n"
    "Ada,ada@example.com,Kunde\n"
    "Bob,bob@example.com,kunde \n"
    "Cy,cy@example.com,Lead\n"
    "Di,di@example.com,Interessent\n"
)
SETTINGS = {
    "mode": "create",
    "match_key": "email",
    "default_country": "DE",
    "date_order": "DMY",
    "delimiter": ",",
    "encoding": "utf-8",
    "action": "check",
}


def check(client, job, mapping: dict[str, str]):
    return client.post(reverse("import-configure", args=[job.pk]), {**SETTINGS, **mapping})


def answer(client, job, answers: list[tuple[str, str, str]]):
    data = {}
    for n, (field, value, choice) in enumerate(answers):
        data.update({f"field_{n}": field, f"value_{n}": value, f"choice_{n}": choice})
    return client.post(reverse("import-values", args=[job.pk]), data)


def test_the_dry_run_lists_values_no_lifecycle_stage_knows_with_their_rows(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS)
    assert (
        check(client, job, {"map_0": "first_name", "map_1": "email", "map_2": "lifecycle_stage"}).status_code
        == 302
    )
    job.refresh_from_db()
    assert job.dry_run["rejected"] == 3
    (column,) = job.dry_run["unknown_values"]["columns"]
    assert (column["field"], column["label"], column["header"]) == (
        "lifecycle_stage",
        "Lifecycle stage",
        "Lifecycle Stage",
    )
    assert column["values"] == [
        {"value": "Interessent", "rows": 1},
        {"value": "Kunde", "rows": 1},
        {"value": "kunde", "rows": 1},
    ]
    assert ["customer", "Customer"] in column["choices"]
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Values to match" in page
    assert "— Leave rejected —" in page
    assert 'value="Interessent"' in page


def test_mapping_a_value_checks_the_file_again_and_the_run_uses_it(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS)
    check(client, job, {"map_0": "first_name", "map_1": "email", "map_2": "lifecycle_stage"})
    response = answer(
        client, job, [("lifecycle_stage", "Kunde", "customer"), ("lifecycle_stage", "Interessent", "")]
    )
    assert response.status_code == 302
    job.refresh_from_db()
    # Any case and spacing of the mapped value is taken ("kunde "); Interessent stays rejected.
    assert job.options["value_map"] == {"lifecycle_stage": {"Kunde": "customer"}}
    assert (job.status, job.dry_run["rejected"], job.dry_run["created"]) == (JobStatus.CHECKED, 1, 3)
    (column,) = job.dry_run["unknown_values"]["columns"]
    assert column["values"] == [{"value": "Interessent", "rows": 1}]
    assert column["mapped"] == [
        {"value": "Kunde", "rows": 1, "choice": "customer"},
        {"value": "kunde", "rows": 1, "choice": "customer"},
    ]
    job = import_run(job.pk)
    assert (job.created_count, job.rejected_count) == (3, 1)
    assert sorted(
        Contact.objects.filter(lifecycle_stage="customer").values_list("first_name", flat=True)
    ) == ["Ada", "Bob"]


def test_unmapping_a_value_leaves_its_rows_rejected_again(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS, options={"value_map": {"lifecycle_stage": {"Kunde": "customer"}}})
    check(client, job, {"map_0": "first_name", "map_1": "email", "map_2": "lifecycle_stage"})
    job.refresh_from_db()
    assert job.dry_run["rejected"] == 1
    answer(client, job, [("lifecycle_stage", "kunde", "")])
    job.refresh_from_db()
    assert job.options["value_map"] == {}
    assert job.dry_run["rejected"] == 3


def test_an_answer_with_a_choice_the_field_does_not_have_is_refused_and_changes_nothing(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS)
    check(client, job, {"map_0": "first_name", "map_1": "email", "map_2": "lifecycle_stage"})
    response = answer(client, job, [("lifecycle_stage", "Kunde", "vip")])
    assert response.status_code == 422
    assert "'vip' is not a value of Lifecycle stage; map 'Kunde' to one of:" in html.unescape(
        response.content.decode()
    )
    response = answer(client, job, [("owner", "Kunde", "customer")])
    assert response.status_code == 422
    assert "'owner' is not a choice field of contacts" in html.unescape(response.content.decode())
    job.refresh_from_db()
    assert "value_map" not in job.options
    assert job.status == JobStatus.CHECKED


def test_nobody_else_sees_or_answers_the_values_of_an_import(admin, outsider, client_for):
    job = make_job(admin, CONTACTS)
    client = client_for(outsider)
    assert client.get(reverse("import-values", args=[job.pk])).status_code == 404
    assert answer(client, job, [("lifecycle_stage", "Kunde", "customer")]).status_code == 404
    job.refresh_from_db()
    assert "value_map" not in job.options


def test_a_saved_mapping_keeps_the_value_map_and_the_next_upload_reuses_it(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS)
    check(
        client,
        job,
        {"map_0": "first_name", "map_1": "email", "map_2": "lifecycle_stage", "save_mapping_as": "Old CRM"},
    )
    answer(
        client, job, [("lifecycle_stage", "Kunde", "customer"), ("lifecycle_stage", "Interessent", "lead")]
    )
    saved = SavedMapping.objects.get(name="Old CRM")
    assert saved.columns[SAVED_KEY] == {"lifecycle_stage": {"Kunde": "customer", "Interessent": "lead"}}

    response = client.post(
        reverse("import-list"),
        {"file": SimpleUploadedFile("next.csv", CONTACTS.encode()), "target": "contacts"},
    )
    assert response.status_code == 302
    upload = ImportJob.objects.exclude(pk=job.pk).get()
    assert upload.options["value_map"] == {"lifecycle_stage": {"Kunde": "customer", "Interessent": "lead"}}
    report = import_dry_run(job=upload, by=admin)
    assert (report["created"], report["rejected"]) == (4, 0)


def test_lead_status_and_source_take_the_value_map(admin):
    text = "Email,Lead Status,Lead Source\na@example.com,In Bearbeitung,Flyer\nb@example.com,Unklar,Web\n"
    job = make_job(
        admin,
        text,
        target="leads",
        options={"value_map": {"status": {"in bearbeitung": "working"}, "source": {"Flyer": "event"}}},
    )
    job = import_run(job.pk)
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert Lead.objects.values_list("status", "source").get() == ("working", "event")
    assert ImportRow.objects.get(job=job).reason.startswith(
        "Lead Status: Lead status 'Unklar' is not one of:"
    )


def test_unknown_values_of_leads_list_every_choice_column(admin):
    text = "Email,Lead Status,Lead Source\na@example.com,Unklar,Flyer\nb@example.com,Unklar,Web\n"
    job = make_job(admin, text, target="leads")
    import_dry_run(job=job, by=admin)
    columns = {c["field"]: c["values"] for c in unknown_values(job, admin)["columns"]}
    assert columns == {"status": [{"value": "Unklar", "rows": 2}], "source": [{"value": "Flyer", "rows": 1}]}


def test_order_channel_and_activity_type_take_the_value_map(admin):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="5.00")
    orders = make_job(
        admin,
        "Order Number,Email,SKU,Channel\n1,ada@example.com,W-1,Hausmesse\n",
        target="orders",
        options={"value_map": {"channel": {"Hausmesse": "sales"}}},
    )
    assert import_run(orders.pk).created_count == 1
    assert Order.objects.get().channel == "sales"
    activities = make_job(
        admin,
        "Type,Subject,Contact Email\nRückruf,Call back,ada@example.com\n",
        target="activities",
        options={"value_map": {"kind": {"Rückruf": "call"}}},
    )
    assert import_run(activities.pk).created_count == 1
    assert Activity.objects.get().kind == "call"


def test_a_custom_choice_field_of_deals_is_listed_and_mapped(admin, pipeline):
    CustomField.objects.create(
        entity="deal", key="tier", label="Tier", field_type="choice", choices=["Gold", "Silver"]
    )
    text = "Deal Name,Tier\nA,Gld\nB,Gold\nC,Gld\n"
    job = make_job(admin, text, target="deals")
    assert import_dry_run(job=job, by=admin)["rejected"] == 2
    (column,) = unknown_values(job, admin)["columns"]
    assert (column["field"], column["values"]) == ("custom.tier", [{"value": "Gld", "rows": 2}])
    job = import_job_configure(job=job, by=admin, options={"value_map": {"custom.tier": {"Gld": "Gold"}}})
    assert import_dry_run(job=job, by=admin)["rejected"] == 0
    import_run(job.pk)
    assert sorted(d.custom["tier"] for d in Deal.objects.all()) == ["Gold", "Gold", "Gold"]


def test_the_list_keeps_the_most_frequent_values_and_counts_the_rest(admin, monkeypatch):
    monkeypatch.setattr(value_maps, "MAX_LISTED", 2)
    monkeypatch.setattr(value_maps, "MAX_TRACKED", 3)
    stages = ["A"] * 5 + ["B"] * 4 + ["C"] * 1 + ["D"] * 2 + ["E"] + ["lead"] * 3
    text = "Email,Lifecycle Stage\n" + "".join(f"p{n}@example.com,{s}\n" for n, s in enumerate(stages))
    job = make_job(admin, text)
    import_dry_run(job=job, by=admin)
    (column,) = unknown_values(job, admin)["columns"]
    # A, B and C are counted (three tracked values); D and E come after the cap and are only summed.
    assert column["values"] == [{"value": "A", "rows": 5}, {"value": "B", "rows": 4}]
    assert (column["more_values"], column["more_rows"], column["unknown_rows"]) == (2, 4, 13)


def test_the_file_is_not_read_again_when_no_row_has_an_unknown_choice(admin, monkeypatch):
    job = make_job(
        admin, "Email,Lifecycle Stage,Country\na@example.com,Customer,Narnia\nb@example.com,Lead,DE\n"
    )
    import_dry_run(job=job, by=admin)

    def refuse(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(value_maps, "RowReader", refuse)
    assert unknown_values(job, admin)["columns"] == []
    job.refresh_from_db()
    assert job.dry_run["unknown_values"]["columns"] == []


def test_the_values_are_found_again_after_the_settings_change(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS)
    check(client, job, {"map_0": "first_name", "map_1": "email", "map_2": "lifecycle_stage"})
    check(client, job, {"map_0": "first_name", "map_1": "email", "map_2": ""})
    job.refresh_from_db()
    assert job.dry_run["rejected"] == 0
    assert job.dry_run["unknown_values"]["columns"] == []
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Values to match" not in page


def test_the_api_checks_the_value_map_it_is_given(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS)
    url = f"/api/v1/imports/{job.pk}"
    bad = client.patch(
        url,
        json.dumps({"options": {"value_map": {"lifecycle_stage": {"Kunde": "vip"}}}}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "'vip' is not a value of Lifecycle stage" in bad.content.decode()
    shape = client.patch(
        url, json.dumps({"options": {"value_map": ["Kunde"]}}), content_type="application/json"
    )
    assert shape.status_code == 422
    good = client.patch(
        url,
        json.dumps({"options": {"value_map": {"lifecycle_stage": {"Kunde": "customer"}}}}),
        content_type="application/json",
    )
    assert good.status_code == 200
    checked = client.post(f"{url}/dry-run").json()
    assert checked["dry_run"]["rejected"] == 1
    assert checked["dry_run"]["unknown_values"]["columns"][0]["values"] == [
        {"value": "Interessent", "rows": 1}
    ]


@pytest.mark.parametrize("value", ["Kunde", " kunde ", "KUNDE"])
def test_the_value_map_matches_any_case_and_spacing(value):
    from rapport.imports.services.transforms import choice_parse

    choices = [("customer", "Customer"), ("lead", "Lead")]
    assert choice_parse(value, choices, "Lifecycle stage", {"Kunde": "customer"}) == "customer"


def test_after_a_background_check_the_report_loads_the_values_when_shown(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, CONTACTS, mapping={"0": "first_name", "1": "email", "2": "lifecycle_stage"})
    import_dry_run(job=job, by=admin)  # as the background task does: no values yet
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("import-values", args=[job.pk])}"' in page
    assert "Values to match" not in page
    partial = client.get(reverse("import-values", args=[job.pk])).content.decode()
    assert "Values to match" in partial
    assert 'value="Interessent"' in partial
    job.refresh_from_db()
    assert [v["value"] for v in job.dry_run["unknown_values"]["columns"][0]["values"]] == [
        "Interessent",
        "Kunde",
        "kunde",
    ]
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Values to match" in page
    assert "hx-get" not in page.split("Dry run: what would happen")[1].split("Rejected rows")[0]
