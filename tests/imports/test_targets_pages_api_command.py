"""Every import target through the wizard pages, the API and the `rapport import` command."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from rapport.contacts.models import Company
from rapport.imports.choices import JobStatus
from rapport.imports.models import ImportJob
from rapport.sales.models import Deal, Order
from tests.factories import make_contact, make_product

DEALS = b'Opportunity Name,Amount,Stage,Close Date\nBig one,"1.500,00",Proposal,31.12.2030\nBad,-1,,\n'


def test_the_upload_step_offers_every_target(admin, client_for):
    page = client_for(admin).get(reverse("import-list")).content.decode()
    for value in ("contacts", "companies", "leads", "deals", "orders", "activities"):
        assert f'<option value="{value}"' in page


def test_wizard_imports_deals_with_a_default_currency(admin, pipeline, client_for):
    client = client_for(admin)
    response = client.post(
        reverse("import-list"), {"file": SimpleUploadedFile("deals.csv", DEALS), "target": "deals"}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.target, job.match_key, job.mapping) == (
        "deals",
        "external_id",
        {"0": "name", "1": "amount", "2": "stage", "3": "expected_close_date"},
    )
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Existing deals" in page
    assert "Currency of amounts without one" in page
    response = client.post(
        reverse("import-configure", args=[job.pk]),
        {
            "map_0": "name",
            "map_1": "amount",
            "map_2": "stage",
            "map_3": "expected_close_date",
            "mode": "create",
            "match_key": "external_id",
            "default_country": "DE",
            "date_order": "DMY",
            "delimiter": ",",
            "encoding": "utf-8",
            "currency": "chf",
            "decimal_comma": "on",
            "action": "check",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "New deals" in page
    assert "Amount cannot be negative" in page
    from rapport.imports.services.jobs import import_run

    job = import_run(job.pk)
    assert (job.status, job.created_count, job.rejected_count) == (JobStatus.DONE, 1, 1)
    deal = Deal.objects.get()
    assert (deal.amount, deal.currency, deal.stage.name) == (Decimal("1500.00"), "CHF", "Proposal")


def test_a_bad_default_currency_is_refused_with_a_sentence(admin, pipeline, client_for):
    client = client_for(admin)
    client.post(reverse("import-list"), {"file": SimpleUploadedFile("deals.csv", DEALS), "target": "deals"})
    job = ImportJob.objects.get()
    response = client.post(
        reverse("import-configure", args=[job.pk]),
        {
            "map_0": "name",
            "mode": "create",
            "match_key": "external_id",
            "currency": "EURO",
            "action": "check",
        },
    )
    assert response.status_code == 422
    assert "The default currency must be a three-letter code, like EUR or USD." in response.content.decode()


def test_an_unknown_target_is_refused_with_a_sentence(admin, client_for):
    response = client_for(admin).post(
        reverse("import-list"), {"file": SimpleUploadedFile("x.csv", DEALS), "target": "unicorns"}
    )
    assert response.status_code == 422
    assert (
        "Choose what to import: contacts, companies, leads, deals, orders, activities."
        in response.content.decode()
    )
    assert ImportJob.objects.count() == 0


def test_a_match_key_the_target_does_not_have_is_refused(admin, client_for):
    client = client_for(admin)
    job_id = client.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("c.csv", b"Name\nAcme\n"), "target": "companies"}
    ).json()["id"]
    response = client.patch(
        f"/api/v1/imports/{job_id}", json.dumps({"match_key": "email"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["match_key"] == [
        "Match companies by web domain (or name when there is none), external id or Rapport ID (the ID column of a "
        "Rapport export)."
    ]


def test_api_imports_orders_end_to_end(admin, client_for):
    make_contact(by=admin, emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="10.00")
    client = client_for(admin)
    data = b"Order Number,Email,SKU,Quantity\nA-1,ada@example.com,W-1,2\nA-1,ada@example.com,W-1,1\n"
    body = client.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("orders.csv", data), "target": "orders"}
    ).json()
    assert (body["target"], body["match_key"]) == ("orders", "number")
    checked = client.post(f"/api/v1/imports/{body['id']}/dry-run").json()
    assert (checked["dry_run"]["created"], checked["dry_run"]["samples"][0]["values"]["lines"]) == (2, 2)
    assert Order.objects.count() == 0
    from rapport.imports.services.jobs import import_run

    import_run(body["id"])
    assert Order.objects.get().total == Decimal("30.00")
    assert client.post(f"/api/v1/imports/{body['id']}/undo").json() == {
        "deleted": 1,
        "trashed": 0,
        "restored": 0,
    }
    assert Order.all_objects.count() == 0


def test_command_imports_companies_and_undoes_them(admin, tmp_path, capsys):
    path = tmp_path / "accounts.csv"
    path.write_text("Account Name,Website\nAcme,acme.com\nGlobex,globex.com\n")
    call_command("import", str(path), "--target", "companies", "--dry-run", "--user", admin.username)
    assert (
        "Dry run of 2 rows: 2 would be created, 0 updated, 0 skipped, 0 rejected." in capsys.readouterr().out
    )
    call_command("import", str(path), "--target", "companies", "--user", admin.username)
    out = capsys.readouterr().out
    assert "2 rows = 2 created + 0 updated + 0 skipped + 0 rejected." in out
    assert sorted(Company.objects.values_list("domain", flat=True)) == ["acme.com", "globex.com"]
    job = ImportJob.objects.order_by("-id").first()
    assert (job.target, job.match_key) == ("companies", "domain")
    call_command("import", "--undo", str(job.pk), "--user", admin.username)
    assert Company.all_objects.count() == 0
