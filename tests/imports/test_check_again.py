"""The dry-run report when nothing would be imported, and "Check again" after adding what the rows lacked."""

from __future__ import annotations

import html

from django.urls import reverse

from rapport.imports.choices import JobStatus
from rapport.imports.services.jobs import import_dry_run
from rapport.sales.models import Order
from tests.factories import make_contact
from tests.imports.helpers import make_job

ORDERS = (
    "Order Number,Email,Description,Quantity,Unit Price\n"
    "1001,anna@example.se,Mug,2,9.90\n"
    "1001,anna@example.se,Towel,1,4.00\n"
    "1002,bob@example.com,Poster,1,15\n"
)
MAPPING = {"0": "number", "1": "contact", "2": "description", "3": "quantity", "4": "unit_price"}


def test_when_every_row_is_rejected_the_page_offers_no_import_but_check_again(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, ORDERS, target="orders", mapping=MAPPING)
    import_dry_run(job=job, by=admin)
    page = html.unescape(client.get(reverse("import-detail", args=[job.pk])).content.decode())
    assert "Every row was rejected, so importing now would add nothing." in page
    assert "Import 3 rows" not in page
    assert reverse("import-recheck", args=[job.pk]) in page
    # Reasons name their column, and the summary counts them under it.
    assert "Email: 2 · " not in page and "Email: 3" in page


def test_check_again_after_adding_the_missing_contact_counts_the_rows_anew(admin, client_for):
    client = client_for(admin)
    job = make_job(admin, ORDERS, target="orders", mapping=MAPPING)
    assert import_dry_run(job=job, by=admin)["rejected"] == 3
    make_contact(by=admin, emails=["anna@example.se"])
    response = client.post(reverse("import-recheck", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run["created"], job.dry_run["rejected"]) == (JobStatus.CHECKED, 2, 1)
    page = html.unescape(client.get(reverse("import-detail", args=[job.pk])).content.decode())
    assert "The file was checked again." in page
    assert "Import 3 rows" in page and "Every row was rejected" not in page
    assert Order.objects.count() == 0  # checking writes nothing


def test_check_again_is_refused_for_an_import_past_its_check_and_for_other_people(admin, outsider, client_for):
    job = make_job(admin, ORDERS, target="orders", mapping=MAPPING)
    response = client_for(admin).post(reverse("import-recheck", args=[job.pk]), follow=True)
    assert response.status_code == 200
    assert "press “Check the whole file” first." in html.unescape(response.content.decode())
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and not job.dry_run
    import_dry_run(job=job, by=admin)
    job.status = JobStatus.DONE
    job.save(update_fields=["status"])
    response = client_for(admin).post(reverse("import-recheck", args=[job.pk]), follow=True)
    assert "This import has already started" in html.unescape(response.content.decode())
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert client_for(outsider).post(reverse("import-recheck", args=[job.pk])).status_code == 404
    assert client_for(admin).get(reverse("import-recheck", args=[job.pk])).status_code == 405
