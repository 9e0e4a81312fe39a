"""In a real browser, the whole move from another CRM (issue 3, "Done when"): a messy export (Windows-1252,
semicolons, German headers, national phone numbers, a broken email, people already in Rapport: one by
email, one by phone and name with a new email) goes through the wizard with a dry run; the rejected row
is downloaded, fixed and imported; the import is undone and done again with the saved mapping; the
near-duplicate it brought (Jürgen Müller beside a Juergen Mueller with his phone) is found and merged;
the list is exported back."""

from __future__ import annotations

import csv
import io

import pytest

from rapport.contacts.models import Contact, ContactEmail, MergeRecord
from rapport.imports.models import ImportJob
from tests.e2e.conftest import log_in, screenshot
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXPORT = (
    "Vorname;Nachname;E-Mail-Adresse;Mobiltelefon;Firma;Lead Status;Erstellt am;Stadt;Land\r\n"
    "Jürgen;Müller;juergen.mueller@beispiel.de;0151 2345678;Müller & Söhne GmbH;Customer;03.04.2024;Köln;DE\r\n"
    "Anaïs;Lefèvre;ANAIS.LEFEVRE@exemple.fr;+33 6 12 34 56 78;Atelier Lefèvre;Lead;12.11.2023;Lyon;FR\r\n"
    "Grete;Schmidt;grete.schmidt(at)beispiel.de;0170 9876543;;Lead;01.02.2024;Berlin;DE\r\n"
    "Otto;Weber;Otto.Weber@Beispiel.de;030 1234567;Weber AG;Opportunity;31.12.2023;Berlin;DE\r\n"
    "Lena;Fischer;lena.fischer@beispiel.de;0160 5551234;Fischer KG;Customer;15.06.2024;Hamburg;DE\r\n"
)


def _count(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator(".counts div").filter(has_text=label).locator("strong")


def _upload(page, path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto("/imports/")
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('Upload and continue')")
    expect(page.locator("h1")).to_contain_text(f"Import {path.name}")


def test_a_rep_moves_an_old_crm_export_in_fixes_undoes_merges_and_exports(page, live_server, settings, tmp_path):
    from playwright.sync_api import expect

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RAPPORT_DEFAULT_COUNTRY = "US"  # the file's own Land column must win for its phone numbers
    mia = make_user(role="rep", username="mia")
    otto = make_contact(by=mia, first_name="Otto", last_name="Weber", emails=["otto.weber@beispiel.de"],
                        city="Berlin", lifecycle_stage="lead")
    lena = make_contact(by=mia, first_name="Lena", last_name="Fischer", emails=["lena@fischer-kg.de"],
                        phones=["+491605551234"], city="Hamburg")
    juergen_before = make_contact(by=mia, first_name="Juergen", last_name="Mueller", city="Köln",
                                  emails=["j.mueller@mueller-soehne.de"], phones=["+491512345678"])
    export = tmp_path / "altes-crm.csv"
    export.write_bytes(EXPORT.encode("cp1252"))

    page.on("dialog", lambda dialog: dialog.accept())  # the "Undo this import?" confirmation
    log_in(page, "mia")

    # 1. Upload: delimiter, encoding, the phone numbers' country and every column recognised.
    _upload(page, export)
    expect(page.locator("#id_delimiter")).to_have_value(";")
    expect(page.locator("#id_encoding")).to_have_value("cp1252")
    expect(page.locator("#id_country")).to_have_value("DE")
    for index, field in enumerate(["first_name", "last_name", "email", "mobile", "company", "lifecycle_stage",
                                   "created_at", "city", "country"]):
        expect(page.locator(f"#map_{index}")).to_have_value(field)
    page.select_option("select[name=mode]", "create_or_update")
    page.fill("input[name=save_mapping_as]", "Altes CRM")
    screenshot(page, "journey-01-columns-recognised")

    # 2. Dry run over the whole file: counts, the reason of the rejection, examples; nothing written.
    page.click("button:has-text('Check the whole file')")
    expect(_count(page, "Rows")).to_have_text("5")
    expect(_count(page, "New contacts")).to_have_text("2")
    expect(_count(page, "Updated")).to_have_text("2")  # Otto by his email; Lena by her phone and name
    expect(_count(page, "Rejected")).to_have_text("1")
    main = page.locator("#main")
    expect(main).to_contain_text("E-Mail-Adresse: 'grete.schmidt(at)beispiel.de' is not a valid email address")
    expect(page.locator(".samples")).to_contain_text("Email anais.lefevre@exemple.fr")
    matched = page.locator("table.matched")  # each row that meets someone already in Rapport, and why
    otto_row = matched.locator("tbody tr").filter(has_text="Otto Weber")
    expect(otto_row).to_contain_text("same email")
    expect(otto_row).to_contain_text("Updated: lifecycle stage, country, company, phone")  # each field once
    expect(otto_row.locator("a")).to_have_attribute("href", f"/contacts/{otto.pk}/")
    lena_row = matched.locator("tbody tr").filter(has_text="Lena Fischer")
    expect(lena_row).to_contain_text("company, email")
    expect(lena_row).to_contain_text("same phone and name")
    assert Contact.objects.count() == 3
    screenshot(page, "journey-02-dry-run")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the rows that meet contacts still read
    expect(lena_row).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "journey-02b-dry-run-on-a-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # 3. The rejected row, downloaded with its reason, fixed in the file.
    with page.expect_download() as download:
        page.click("a:has-text('Download the 1 rejected row')")
    # As the export was written (semicolons, Windows-1252), so the spreadsheet that opened it opens this too.
    rows = list(csv.reader(io.StringIO(download.value.path().read_bytes().decode("cp1252")), delimiter=";"))
    assert rows[0][:3] == ["Row", "Reason", "Vorname"] and len(rows) == 2
    assert rows[1][0] == "4" and "not a valid email address" in rows[1][1]
    fixed = tmp_path / "abgelehnt-korrigiert.csv"
    rows[1][4] = "grete.schmidt@beispiel.de"
    with fixed.open("w", encoding="cp1252", newline="") as out:
        csv.writer(out, delimiter=";").writerows(rows)

    # 4. Run: the outcome adds up; accents, E.164 phones, lower-case emails; Otto and Lena updated, not doubled.
    page.click("button:has-text('Import 5 rows')")
    expect(main).to_contain_text("5 rows = 2 created + 2 updated + 0 skipped + 1 rejected.")
    screenshot(page, "journey-03-outcome")
    first_import = ImportJob.objects.get(original_name="altes-crm.csv")
    juergen = Contact.objects.get(last_name="Müller")
    assert (juergen.first_name, juergen.phone, juergen.company.name) == ("Jürgen", "+491512345678",
                                                                          "Müller & Söhne GmbH")
    anais = Contact.objects.get(first_name="Anaïs")
    assert (anais.email, anais.phone, anais.country) == ("anais.lefevre@exemple.fr", "+33612345678", "FR")
    otto.refresh_from_db()
    assert otto.lifecycle_stage == "opportunity" and otto.company.name == "Weber AG"
    assert Contact.objects.filter(first_name="Otto").count() == 1
    assert set(lena.emails.values_list("email", flat=True)) == {"lena@fischer-kg.de", "lena.fischer@beispiel.de"}
    assert Contact.objects.filter(last_name="Fischer").count() == 1

    # 5. The fixed row goes in on its own; the Row and Reason columns are left out by themselves.
    _upload(page, fixed)
    expect(page.locator("#map_0")).to_have_value("")
    expect(page.locator("#map_1")).to_have_value("")
    page.click("button:has-text('Check the whole file')")
    expect(_count(page, "New contacts")).to_have_text("1")
    expect(_count(page, "Rejected")).to_have_text("0")
    page.click("button:has-text('Import 1 row')")
    expect(main).to_contain_text("1 row = 1 created + 0 updated + 0 skipped + 0 rejected.")
    assert Contact.objects.get(first_name="Grete").email == "grete.schmidt@beispiel.de"

    # 6. Undo the first import: what it created goes, Otto gets his earlier values back, Grete stays.
    page.goto(f"/imports/{first_import.pk}/")
    page.click("button:has-text('Undo this import')")
    expect(page.locator(".badge")).to_contain_text("Undone")
    assert not Contact.objects.filter(last_name__in=["Müller", "Lefèvre"]).exists()
    assert list(lena.emails.values_list("email", flat=True)) == ["lena@fischer-kg.de"]
    otto.refresh_from_db()
    assert otto.lifecycle_stage == "lead" and otto.company is None
    assert Contact.objects.filter(first_name="Grete").exists()

    # 7. Again, with the saved mapping: the file is recognised the same way, and imported.
    _upload(page, export)
    expect(page.locator("#map_3")).to_have_value("mobile")
    page.click("button:has-text('Check the whole file')")
    expect(_count(page, "New contacts")).to_have_text("2")
    page.click("button:has-text('Import 5 rows')")
    expect(main).to_contain_text("5 rows = 2 created + 2 updated + 0 skipped + 1 rejected.")
    twin = Contact.objects.get(last_name="Müller")

    # 8. The scan finds the imported Jürgen Müller next to the Juergen Mueller with his phone; merge.
    page.goto("/contacts/duplicates/")
    page.click("button:has-text('Scan for duplicates')")
    pair = page.locator(".pair, li, tr, article").filter(has_text="juergen.mueller@beispiel.de").filter(
        has_text="j.mueller@mueller-soehne.de").last
    expect(pair).to_contain_text("same phone")
    screenshot(page, "journey-04-duplicates")
    pair.locator("a:has-text('Merge…')").click()
    expect(page.locator("h1")).to_contain_text("Merge two contacts")
    page.check("input[name=first_name][value=loser]")  # keep the spelling of the file: Jürgen Müller
    page.check("input[name=last_name][value=loser]")
    screenshot(page, "journey-05-merge")
    page.click("button:has-text('Merge into')")
    expect(page.locator("h1")).to_contain_text("→")
    expect(main).to_contain_text("What moved to")
    merge = MergeRecord.objects.get()
    assert {merge.survivor_id, merge.loser_id} == {juergen_before.pk, twin.pk}
    survivor = Contact.objects.get(pk=merge.survivor_id)
    assert not Contact.objects.filter(pk=merge.loser_id).exists()
    assert (survivor.first_name, survivor.last_name, survivor.company.name, survivor.country) == (
        "Jürgen", "Müller", "Müller & Söhne GmbH", "DE")  # chosen, and the fields only one side had
    assert set(ContactEmail.objects.filter(contact=survivor).values_list("email", flat=True)) == {
        "j.mueller@mueller-soehne.de", "juergen.mueller@beispiel.de"}
    assert survivor.timeline_events.filter(kind="merged").exists()

    # 9. Export the German contacts back, as a spreadsheet would open it.
    page.goto("/contacts/?country=DE")
    with page.expect_download() as download:
        page.locator(".export-links a:has-text('CSV')").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    names = {(row["First name"], row["Last name"]) for row in exported}
    assert ("Otto", "Weber") in names and ("Lena", "Fischer") in names and ("Grete", "Schmidt") in names
    assert ("Anaïs", "Lefèvre") not in names  # the list's filter holds in the export
    people = [(row["First name"], row["Last name"]) for row in exported]
    assert len(people) == len(names) == Contact.objects.filter(country="DE").count()  # nobody twice
