"""What a walkthrough with HubSpot, Salesforce, Zoho and Pipedrive exports hit: owners written as full names,
12-hour times, dotted dates in a month-first file, impossible dates, country names, local phone numbers in a
file of another country, their standard headers, and the next file with the same columns (or the rejected
rows downloaded and fixed) taking the last import's mapping and answers."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.contacts.models import Company
from rapport.core.normalize import phone_normalize
from rapport.imports.models import ImportRow
from rapport.imports.services.fastnorm import phone_fast
from rapport.imports.services.jobs import import_dry_run, import_job_configure, import_run
from rapport.imports.services.rejected import rejected_rows_csv
from rapport.imports.services.transforms import date_parse, datetime_parse
from rapport.imports.services.values import country_code
from tests.factories import make_user
from tests.imports.helpers import make_job


def reasons(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job, outcome="rejected").values_list("row_number", "reason"))


def test_owners_written_as_full_names_are_found_and_a_shared_name_asks_for_the_email(admin, team_a):
    rosa = make_user(role="rep", team=team_a, username="rep2", first_name="Rosa", last_name="Rep")
    make_user(role="rep", team=team_a, username="j1", first_name="Jo", last_name="Twin")
    make_user(role="rep", team=team_a, username="j2", first_name="Jo", last_name="Twin")
    text = ("Company name,Company owner\nAcme,Rosa Rep\nBeta, rosa  rep \nGamma,\"Rep, Rosa\"\nDelta,Jo Twin\n"
            "Eta,John Smith\n")
    job = import_run(make_job(admin, text, name="hubspot.csv", target="companies").pk)
    assert job.mapping["1"] == "owner"
    assert set(Company.objects.values_list("name", "owner_id")) == {("Acme", rosa.pk), ("Beta", rosa.pk),
                                                                    ("Gamma", rosa.pk)}
    assert reasons(job) == {
        5: "Company owner: Several users are called 'Jo Twin'; write the one you mean by email.",
        6: "Company owner: There is no user 'John Smith'; write a user's email, user name or full name as under "
           "Settings → Users, add them there, or leave the owner empty.",
    }


def test_the_owner_refusal_says_what_a_rep_and_a_manager_may_do(team_a, team_b, manager, teammate, outsider):
    text = f"Name,Owner\nAcme,{outsider.username}\n"
    job = import_run(make_job(manager, text, target="companies").pk)
    assert reasons(job)[2] == (f"Owner: You cannot give companies to '{outsider.username}': they are not in your "
                               "team. Pick yourself or someone in your team.")
    job = import_run(make_job(teammate, f"Name,Owner\nAcme,{manager.username}\n", target="companies").pk)
    assert reasons(job)[2] == (f"Owner: You can give companies only to yourself, not to '{manager.username}'; leave "
                               "the owner empty, or ask a manager or an administrator to do it.")


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("12/01/2025 02:30 PM", "MDY", (2025, 12, 1, 14, 30)),
    ("12/01/2025 12:05 AM", "MDY", (2025, 12, 1, 0, 5)),
    ("12/01/2025 12:05 p.m.", "MDY", (2025, 12, 1, 12, 5)),
    ("March 1, 2024 2:30 PM", "DMY", (2024, 3, 1, 14, 30)),
    ("5 December 2025, 9:45", "DMY", (2025, 12, 5, 9, 45)),
    ("15.03.2024 14:30", "MDY", (2024, 3, 15, 14, 30)),  # dots are day first, whatever the setting
])
def test_twelve_hour_times_and_dotted_dates(text, order, expected, settings):
    settings.TIME_ZONE = "UTC"
    assert datetime_parse(text, order).replace(tzinfo=None) == dt.datetime(*expected)


@pytest.mark.parametrize(("text", "order", "message"), [
    ("31.11.2025", "DMY", "'31.11.2025' is not a date: November 2025 has no day 31."),
    ("13/31/2024", "DMY", "'13/31/2024' is not a date: there is no month 31. If the file writes the month first "
                          "(03/31/2024) or the day first (31/03/2024), choose that under “Dates like 03/04/2024 "
                          "mean”."),
    ("2025-13-01", "DMY", "'2025-13-01' is not a date: there is no month 13."),
    ("13:30 PM 1.1.2024", "DMY", "'13:30 PM 1.1.2024' is not a date; write it like 2024-03-31 or 31.03.2024."),
])
def test_impossible_dates_say_why(text, order, message):
    with pytest.raises(ValidationError) as exc:
        date_parse(text, order)
    assert exc.value.messages == [message]


def test_the_date_order_is_guessed_from_a_date_column_the_suggestions_did_not_map(admin):
    text = "Company name,Gegründet\nAcme,03/15/2024\nBeta,04/01/2024\n"
    assert make_job(admin, text, target="companies").options["date_order"] == "MDY"
    text = "Company name,Phone\nAcme,030-12-3456\n"  # not a date: the default stays
    assert make_job(admin, text, target="companies").options["date_order"] == "DMY"


def test_country_names_in_many_languages_and_two_letter_codes_that_exist():
    assert [country_code(c) for c in ("Chile", "Allemagne", "Niederlande", "uk", "de", "Brasil")] == [
        "CL", "DE", "NL", "GB", "DE", "BR"]
    assert country_code("XX") is None and country_code("Kunde") is None
    # Accents and apostrophes as people type them; regions that are no country are not codes.
    assert [country_code(c) for c in ("cote d'ivoire", "Côte d’Ivoire", "Elfenbeinküste", "OSTERREICH")] == [
        "CI", "CI", "CI", "AT"]
    assert country_code("EU") is None and country_code("ZZ") is None


@pytest.mark.parametrize("parse", [phone_normalize, phone_fast])
def test_a_local_number_of_another_country_is_not_given_the_default_countrys_code(parse):
    for raw in ("0711 123456", "01 42 68 53 01", "555-0101"):
        with pytest.raises(ValidationError) as exc:
            parse(raw, "US")
        assert exc.value.messages == [
            f"'{raw}' cannot be a phone number in United States (US); write it with its country code, like "
            "+49 711 123456."]
    assert parse("(555) 010-2030", "US") == "+15550102030"
    assert parse("+49 711 123456", "US") == "+49711123456"
    assert parse("0711 123456", "DE") == "+49711123456"


@pytest.mark.parametrize(("target", "headers", "expected"), [
    ("companies", ["Record ID", "Company name", "Country/Region", "Company owner", "Create Date"],
     ["external_id", "name", "country", "owner", "created_at"]),
    ("activities", ["Subject", "Call Start Time", "Assigned to user", "Due time", "Marked as done time"],
     ["subject", "starts_at", "owner", "due_time", "done_at"]),
    ("contacts", ["Kundennummer", "Vorname", "Nachname", "E-Mail"], ["external_id", "first_name", "last_name",
                                                                     "email"]),
])
def test_standard_headers_of_other_crms_are_suggested(admin, target, headers, expected):
    job = make_job(admin, ",".join(headers) + "\n" + ",".join("x" for _ in headers) + "\n", target=target)
    assert [job.mapping.get(str(i), "") for i in range(len(headers))] == expected


LEADS = ("Lead Name,Email,Lead Source,Reason\nAnna Berg,anna@example.com,Purchased List,Budget\n"
         "Bob Bad,not-an-email,Purchased List,\n")


def test_the_rejected_rows_file_comes_back_with_the_mapping_and_answers_of_its_import(admin, client_for):
    first = make_job(admin, LEADS, name="leads.csv", target="leads")
    first = import_job_configure(job=first, by=admin, mapping={"0": "full_name", "1": "email", "2": "source"},
                                 options={"value_map": {"source": {"Purchased List": "campaign"}},
                                          "date_order": "MDY"}, mode="create")
    first = import_run(first.pk)
    assert (first.created_count, first.rejected_count) == (1, 1)
    download = "".join(rejected_rows_csv(first)).lstrip("\ufeff").replace("not-an-email", "bob@example.com")
    again = make_job(admin, download.encode(), name="leads-rejected.csv", target="leads")
    # Row and Reason are not data; the lead columns have the first import's mapping, value map and settings.
    assert again.mapping == {"2": "full_name", "3": "email", "4": "source"}
    assert again.options["value_map"] == {"source": {"Purchased List": "campaign"}}
    assert (again.options["date_order"], again.mode) == ("MDY", "create")
    assert again.options["mapping_from"] == f"import #{first.pk} (leads.csv)"
    page = html.unescape(client_for(admin).get(reverse("import-detail", args=[again.pk])).content.decode())
    assert f"are taken from import #{first.pk} (leads.csv), which had the same columns" in page
    report = import_dry_run(job=again, by=admin)
    assert (report["created"], report["rejected"]) == (1, 0)
    # Another user's earlier import is not theirs to reuse: a fresh suggestion, Row and Reason still ignored.
    other = make_user(role="admin")
    theirs = make_job(other, download.encode(), name="x.csv", target="leads")
    assert "mapping_from" not in theirs.options and "0" not in theirs.mapping and "1" not in theirs.mapping
