"""Reading CSV and XLSX files: encodings, delimiters, sheets, and every kind of bad file."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from rapport.imports.services.readers import RowReader, file_sniff, header_and_sample
from tests.imports.helpers import xlsx_bytes


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path) -> list[list[str]]:
    info = file_sniff(path)
    with RowReader(path, info.as_options()) as reader:
        return list(reader.rows())


@pytest.mark.parametrize(
    "data, encoding",
    [
        (codecs.BOM_UTF8 + "Name;Stadt\nJürgen;Köln\n".encode(), "utf-8-sig"),
        ("Name;Stadt\nJürgen;Köln\n".encode("utf-16"), "utf-16"),
        ("Name;Stadt\nJürgen;Köln €\n".encode("cp1252"), "cp1252"),
        ("Name;Stadt\nJürgen;Köln\n".encode(), "utf-8"),
    ],
)
def test_encodings_are_detected_and_read(tmp_path, data, encoding):
    path = write(tmp_path, data)
    info = file_sniff(path)
    assert info.encoding == encoding
    rows = read_all(path)
    assert rows[0] == ["Name", "Stadt"]
    assert rows[1][0] == "Jürgen"
    assert rows[1][1].startswith("Köln")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(tmp_path, delimiter):
    text = delimiter.join(["First Name", "Email", "City"]) + "\n" + delimiter.join(["Ada", "ada@x.org", "Paris"]) + "\n"
    path = write(tmp_path, text.encode())
    assert file_sniff(path).delimiter == delimiter
    assert read_all(path)[1] == ["Ada", "ada@x.org", "Paris"]


def test_quoted_cells_with_delimiters_and_newlines_are_one_cell(tmp_path):
    path = write(tmp_path, b'Name,Note\n"Smith, John","line one\nline two"\n')
    assert read_all(path)[1] == ["Smith, John", "line one\nline two"]


def test_empty_file_is_refused_with_a_message(tmp_path):
    with pytest.raises(ValidationError) as exc:
        file_sniff(write(tmp_path, b""))
    assert exc.value.messages == ["The file is empty. Export your data again and choose a file with a header row."]


def test_blank_lines_only_have_no_header(tmp_path):
    path = write(tmp_path, b"\n\n  \n")
    with pytest.raises(ValidationError) as exc:
        header_and_sample(path, file_sniff(path).as_options())
    assert "has no rows" in exc.value.messages[0]


def test_binary_file_renamed_csv_is_refused(tmp_path):
    path = write(tmp_path, bytes(range(256)) * 40)
    with pytest.raises(ValidationError) as exc:
        file_sniff(path)
    assert "not a text (CSV) file" in exc.value.messages[0]


def test_file_above_the_size_limit_is_refused(tmp_path, settings):
    settings.RAPPORT_IMPORT_MAX_BYTES = 100
    path = write(tmp_path, b"Name\n" + b"Ada\n" * 50)
    with pytest.raises(ValidationError) as exc:
        file_sniff(path)
    assert exc.value.messages[0] == (
        "The file is 205 bytes; the limit is 100 bytes. Split it into smaller files and import them one after the other."
    )


def test_a_cell_larger_than_the_limit_names_the_row(tmp_path):
    path = write(tmp_path, b"Name,Note\nAda,short\nBob," + b"x" * (1024 * 1024 + 10) + b"\n")
    with pytest.raises(ValidationError) as exc:
        read_all(path)
    assert exc.value.messages[0].startswith("Row 3 cannot be read: a cell is larger than 1024 KB")


def test_xlsx_sheet_is_chosen_and_values_become_text(tmp_path):
    import datetime as dt

    data = xlsx_bytes({"Notes": [["x"]], "People": [["Name", "Born", "Score"], ["Ada", dt.datetime(1815, 12, 10), 3.0]]})
    path = write(tmp_path, data, "people.xlsx")
    info = file_sniff(path)
    assert info.format == "xlsx"
    assert info.sheets == ["Notes", "People"]
    header, rows = header_and_sample(path, {**info.as_options(), "sheet": "People"})
    assert header == ["Name", "Born", "Score"]
    assert rows == [["Ada", "1815-12-10", "3"]]


def test_xlsx_wrong_sheet_lists_the_sheets(tmp_path):
    path = write(tmp_path, xlsx_bytes({"People": [["Name"], ["Ada"]]}), "people.xlsx")
    with pytest.raises(ValidationError) as exc:
        header_and_sample(path, {**file_sniff(path).as_options(), "sheet": "Contacts"})
    assert exc.value.messages == ["There is no sheet called 'Contacts' in this workbook; choose one of: People."]


def test_broken_workbook_is_refused(tmp_path):
    path = write(tmp_path, b"PK\x03\x04" + b"garbage" * 100, "broken.xlsx")
    with pytest.raises(ValidationError) as exc:
        file_sniff(path)
    assert "cannot be opened" in exc.value.messages[0]


cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=12)


@hsettings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_csv_written_by_a_spreadsheet_reads_back_cell_for_cell(tmp_path_factory, rows, delimiter, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL)
    writer.writerow(["Alpha", "Beta", "Gamma"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    info = file_sniff(path)
    with RowReader(path, {**info.as_options(), "delimiter": delimiter}) as reader:
        read = list(reader.rows())
    assert read[0] == ["Alpha", "Beta", "Gamma"]
    assert read[1:] == rows


def test_a_short_windows_1252_export_is_not_mistaken_for_a_baltic_code_page():
    from rapport.imports.services.readers import _sniff_encoding as detect_encoding

    raw = "First Name;Last Name\nJosé;Núñez\nAnna;Schmidt\n".encode("cp1252")
    assert detect_encoding(raw) == "cp1252"


def test_polish_and_russian_exports_keep_their_own_code_pages():
    from rapport.imports.services.readers import _sniff_encoding as detect_encoding

    assert detect_encoding("Imię;Nazwisko\nŁukasz;Żółć\nJózef;Kraków\n".encode("cp1250")) == "cp1250"
    assert detect_encoding("Имя;Фамилия\nИван;Петров\nМария;Смирнова\n".encode("cp1251")) == "cp1251"


# ---------------------------------------------------------------- the forked transform worker


def test_forked_stream_yields_every_item_in_order():
    from rapport.imports.services.readers import ForkedStream

    with ForkedStream(lambda: (n * n for n in range(5001)), chunk=1000) as stream:
        assert list(stream) == [n * n for n in range(5001)]


def test_a_validation_error_in_the_forked_stream_is_raised_here_with_its_message():
    from rapport.imports.services.readers import ForkedStream

    def produce():
        yield 1
        raise ValidationError("Row 2 cannot be read: a cell is larger than 1024 KB. Check the quotes in that row.")

    with pytest.raises(ValidationError) as exc, ForkedStream(produce) as stream:
        list(stream)
    assert exc.value.messages == ["Row 2 cannot be read: a cell is larger than 1024 KB. Check the quotes in that row."]


def test_an_unexpected_error_in_the_forked_stream_stops_the_import_with_its_name():
    from rapport.imports.services.readers import ForkedStream

    def produce():
        yield {}["missing"]

    with pytest.raises(RuntimeError) as exc, ForkedStream(produce) as stream:
        list(stream)
    assert str(exc.value) == "KeyError: 'missing'"


def test_the_forked_stream_keeps_transforming_while_the_reader_is_busy():
    """The child runs ahead of a reader that is writing a batch (a bare pipe would stop it after a few rows)."""
    import multiprocessing

    from rapport.imports.services.readers import ForkedStream

    ahead = multiprocessing.get_context("fork").Event()

    def produce():
        for n in range(30_000):
            if n == 25_000:
                ahead.set()  # reached while the reader still holds only the first item
            yield f"{n:0100d}"  # row-sized items: a pipe holds less than one chunk of them

    with ForkedStream(produce, chunk=2000) as stream:
        items = iter(stream)
        assert next(items) == f"{0:0100d}"
        assert ahead.wait(timeout=60), "the child stopped while the reader was busy"
        assert list(items) == [f"{n:0100d}" for n in range(1, 30_000)]


def test_a_child_that_dies_mid_file_stops_the_reader_instead_of_hanging():
    import os

    from rapport.imports.services.readers import ForkedStream

    def produce():
        yield from range(5000)
        os._exit(3)

    with pytest.raises(RuntimeError) as exc, ForkedStream(produce, chunk=1000) as stream:
        list(stream)
    assert str(exc.value) == "The row reader stopped without finishing the file."


def test_a_reader_that_stops_early_ends_the_child():
    from rapport.imports.services.readers import ForkedStream

    with ForkedStream(lambda: iter(range(10**9)), chunk=1000) as stream:
        assert next(iter(stream)) == 0
        process = stream._process
    assert not process.is_alive()


def test_the_import_connection_gets_its_settings_back_after_a_bulk_session(db):
    from django.db import connection

    from rapport.imports.services import db as bulk

    if connection.vendor == "postgresql":
        # PostgreSQL needs nothing for bulk writes: the session's durability stays what it was.
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            before = cursor.fetchone()[0]
            with bulk.bulk_session():
                cursor.execute("SHOW synchronous_commit")
                assert cursor.fetchone()[0] == before == "on"
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        with bulk.bulk_session():
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone()[0] == -bulk.BULK_CACHE_KIB
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == before
