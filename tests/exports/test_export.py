"""List exports: filters and permissions, formula injection, exact CSV values, XLSX, flat query counts, .ics."""

from __future__ import annotations

import csv
import datetime as dt
import io

import icalendar
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rapport.activities.services import activity_create
from rapport.customization.services import custom_field_create
from rapport.imports.services.export import neutralise
from tests.factories import make_contact, make_deal

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_neutralise_prefixes_formula_starts_and_keeps_plain_numbers():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+1+cmd|' /C calc'!A0") == "'+1+cmd|' /C calc'!A0"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("\rx") == "'\rx"
    assert neutralise("+4930123456") == "+4930123456"
    assert neutralise("-12.50") == "-12.50"
    assert neutralise("Anna") == "Anna"


def test_contacts_csv_has_header_and_exact_values(teammate, client_for):
    contact = make_contact(by=teammate, first_name="Anna", last_name="Schmidt", title="CTO", country="DE",
                           city="Berlin", postal_code="10119", emails=["anna@example.de",
                                                                     {"email": "a.s@home.de", "kind": "personal"}],
                           phones=["+49 30 1234567"], tags=["vip"])
    rows = read_csv(client_for(teammate).get(reverse("export-contacts")))
    assert rows[0] == ["ID", "First name", "Last name", "Email", "Phone", "Job title", "Company", "Lifecycle stage",
                       "Preferred channel", "Street", "City", "Region", "Postal code", "Country", "Other emails",
                       "Other phones", "Tags", "Owner", "Created", "Updated"]
    assert len(rows) == 2
    row = rows[1]
    assert row[:18] == [str(contact.pk), "Anna", "Schmidt", "anna@example.de", "+49301234567", "CTO", "", "Lead", "",
                        "", "Berlin", "", "10119", "DE", "a.s@home.de", "", "vip", teammate.email]
    created = timezone.localtime(contact.created_at).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    assert row[18] == created


def test_export_applies_list_filters(teammate, client_for):
    make_contact(by=teammate, last_name="Berliner", country="DE")
    make_contact(by=teammate, last_name="Parisien", country="FR")
    rows = read_csv(client_for(teammate).get(reverse("export-contacts") + "?country=de&page=3"))
    assert [r[2] for r in rows[1:]] == ["Berliner"]


def test_outsider_records_are_never_exported(teammate, outsider, client_for, pipeline):
    make_contact(by=teammate, last_name="Mine")
    make_contact(by=outsider, last_name="Theirs")
    make_deal(by=outsider, name="Their deal")
    make_deal(by=teammate, name="My deal")
    contacts = read_csv(client_for(teammate).get(reverse("export-contacts")))
    assert [r[2] for r in contacts[1:]] == ["Mine"]
    deals = read_csv(client_for(teammate).get(reverse("export-deals")))
    assert [r[1] for r in deals[1:]] == ["My deal"]
    # Filtering on the outsider as owner gives nothing rather than their data.
    rows = read_csv(client_for(teammate).get(reverse("export-contacts") + f"?owner={outsider.pk}"))
    assert rows[1:] == []


def test_formula_cells_are_neutralised_in_csv(teammate, client_for):
    make_contact(by=teammate, first_name="=HYPERLINK(\"http://evil\")", last_name="@Evil", title="-1+2",
                 emails=["ok@example.com"])
    rows = read_csv(client_for(teammate).get(reverse("export-contacts")))
    assert rows[1][1:3] == ["'=HYPERLINK(\"http://evil\")", "'@Evil"]
    assert rows[1][5] == "'-1+2"


def test_xlsx_is_readable_with_typed_cells_and_neutralised_text(teammate, client_for, pipeline):
    make_deal(by=teammate, pipeline=pipeline, name="=cmd|' /C calc'!A0", amount="1234.50")
    response = client_for(teammate).get(reverse("export-deals-xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = book["Deals"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("ID", "Name", "Pipeline", "Stage", "Outcome", "Amount")
    assert rows[1][1] == "'=cmd|' /C calc'!A0"
    assert rows[1][2] == "New business"
    assert float(rows[1][5]) == 1234.5
    assert len(rows) == 2


def test_custom_fields_are_columns_and_hidden_ones_are_left_out(admin, teammate, client_for):
    custom_field_create(entity="contact", key="shoe_size", label="Shoe size", field_type="number", by=admin)
    custom_field_create(entity="contact", key="salary", label="Salary", field_type="number", by=admin,
                        hidden_for_roles=["rep"])
    make_contact(by=teammate, last_name="Custom", custom={"shoe_size": 42, "salary": 90000})
    rows = read_csv(client_for(teammate).get(reverse("export-contacts")))
    assert rows[0][-1] == "Shoe size" and "Salary" not in rows[0]
    assert rows[1][-1] == "42"
    admin_rows = read_csv(client_for(admin).get(reverse("export-contacts")))
    assert admin_rows[0][-2:] == ["Shoe size", "Salary"]
    assert admin_rows[1][-2:] == ["42", "90000"]


def test_bad_filter_is_a_400_with_a_sentence(teammate, client_for):
    response = client_for(teammate).get(reverse("export-contacts") + "?created_after=yesterday")
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()
    response = client_for(teammate).get(reverse("export-leads") + "?sort=nonsense")
    assert response.status_code == 400


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("export-contacts"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("entity", ["contacts", "companies", "leads", "deals", "orders", "activities"])
def test_query_count_does_not_grow_with_rows(entity, admin, client_for, django_assert_max_num_queries, pipeline):
    from tests.factories import make_company, make_lead

    def add(n: int) -> None:
        for i in range(n):
            company = make_company(by=admin, tags=["t"])
            contact = make_contact(by=admin, company=company, tags=["a"], phones=[f"+4930123{i:04d}"],
                                   emails=[f"x{i}-{company.pk}@ex.org", f"y{i}-{company.pk}@ex.org"])
            lead = make_lead(by=admin, contact=contact)
            deal = make_deal(by=admin, pipeline=pipeline, contact=contact, company=company)
            activity_create(by=admin, kind="note", subject="n", contact=contact, deal=deal, lead=lead,
                            company=company)
            from rapport.sales.services import order_create
            from tests.factories import make_product

            order_create(by=admin, contact=contact, company=company,
                         lines=[{"product": make_product(by=admin), "quantity": "1", "unit_price": "2.00"}])

    client = client_for(admin)
    url = reverse(f"export-{entity}")
    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert len(read_csv(client.get(url))) == 3
    add(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(read_csv(client.get(url))) == 11


def test_cli_exports_filtered_csv(teammate, admin, tmp_path):
    make_contact(by=admin, last_name="Deutsch", country="DE")
    make_contact(by=admin, last_name="Franzose", country="FR")
    out = tmp_path / "de.csv"
    call_command("export", "contacts", "--format", "csv", "--filter", "country=DE", "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["Deutsch"]
    out_xlsx = tmp_path / "de.xlsx"
    call_command("export", "contacts", "--format", "xlsx", "--filter", "country=DE", "-o", str(out_xlsx))
    sheet = load_workbook(out_xlsx)["Contacts"]
    assert sheet.cell(row=2, column=3).value == "Deutsch" and sheet.max_row == 2


def test_cli_refuses_a_malformed_filter(admin):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("export", "contacts", "--filter", "country")


def test_meetings_ics_parses_back_with_only_visible_meetings(teammate, outsider, client_for):
    mine = make_contact(by=teammate, last_name="Guest", emails=["guest@example.com"])
    theirs = make_contact(by=outsider, last_name="Secret")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    activity_create(by=teammate, kind="meeting", subject="Kick-off", contact=mine, starts_at=start,
                    ends_at=start + dt.timedelta(minutes=30), location="Berlin", attendees=[mine])
    activity_create(by=outsider, kind="meeting", subject="Hidden", contact=theirs, starts_at=start)
    response = client_for(teammate).get(reverse("export-meetings") + "?owner=all")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Kick-off"]
    assert events[0].decoded("dtstart") == start
    assert events[0].decoded("dtend") == start + dt.timedelta(minutes=30)
    assert str(events[0]["location"]) == "Berlin"
    assert str(events[0]["attendee"]) == "mailto:guest@example.com"


def test_export_api_streams_csv_with_filters(teammate, client_for):
    make_contact(by=teammate, last_name="Api", country="DE")
    make_contact(by=teammate, last_name="Other", country="FR")
    response = client_for(teammate).get("/api/v1/exports/contacts?format=csv&country=DE")
    assert [r[2] for r in read_csv(response)[1:]] == ["Api"]
    bad = client_for(teammate).get("/api/v1/exports/contacts?format=pdf")
    assert bad.status_code == 422 and bad.json()["errors"] == {"format": ["Use csv or xlsx."]}


def test_export_page_and_list_links_keep_the_filters(teammate, client_for, rf):
    from django.template.loader import render_to_string

    page = client_for(teammate).get(reverse("export-home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/export/deals.xlsx"' in html and 'href="/export/contacts.vcf?version=4.0"' in html
    request = rf.get("/contacts/", {"country": "DE", "tag": "vip"})
    request.user = teammate
    links = render_to_string("imports/export/links.html", {"entity": "contacts"}, request=request)
    assert 'href="/export/contacts.csv?country=DE&amp;tag=vip"' in links
    assert 'href="/export/contacts.xlsx?country=DE&amp;tag=vip"' in links
    assert 'href="/export/contacts.vcf?country=DE&amp;tag=vip"' in links
