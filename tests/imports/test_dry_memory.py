"""The dry run's memory of earlier rows: on disk, nothing left behind, the same verdicts as in memory."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal

from rapport.imports.services.dry_memory import DryRunMemory
from rapport.imports.services.jobs import import_dry_run
from tests.imports.helpers import make_job


def _leftovers() -> list[str]:
    return [name for name in os.listdir(tempfile.gettempdir()) if name.startswith("rapport-dry-run-")]


def test_the_first_row_of_a_key_is_kept_and_changes_round_trip_with_their_types():
    before = _leftovers()
    memory = DryRunMemory()
    assert memory.first_rows(["e:ada@example.com"]) == {}  # nothing opened for a lookup on an empty memory
    memory.remember([("e:ada@example.com", 2), ("p:+4930123", 2)])
    memory.remember([("e:ada@example.com", 9), ("e:bea@example.com", 9)])
    assert memory.first_rows(["e:ada@example.com", "e:bea@example.com", "e:cy@example.com", "e:ada@example.com"]) == {
        "e:ada@example.com": 2, "e:bea@example.com": 9}
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    memory.plan({7: {"amount": Decimal("1234.56"), "closed_at": when}, 8: ({"city": "Köln"}, ("a@b.de",), (), frozenset({3}))})
    memory.plan({7: {"amount": Decimal("99.00")}})  # a later batch replaces what an earlier one kept
    assert memory.planned([7, 8, 9]) == {7: {"amount": Decimal("99.00")},
                                          8: ({"city": "Köln"}, ("a@b.de",), (), frozenset({3}))}
    # The file is unlinked as soon as it is open: nothing is left in the temporary directory, even by a crash.
    assert _leftovers() == before
    memory.close()
    assert memory.first_rows(["e:ada@example.com"]) == {} and memory.planned([7]) == {}


def test_a_dry_run_over_many_batches_finds_earlier_rows_and_leaves_no_file(admin, monkeypatch):
    from rapport.imports.services import jobs

    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)  # every two rows a batch: earlier rows are only in the memory
    before = _leftovers()
    rows = "".join(f"Person{i},Last,p{i}@example.com\n" for i in range(7))
    job = make_job(admin, "First Name,Last Name,Email\n" + rows + "Again,Last,p1@example.com\nAgain,Last,p5@example.com\n",
                   mode="create_or_update")
    report = import_dry_run(job=job, by=admin)
    assert (report["created"], report["updated"], report["skipped"], report["rejected"]) == (7, 2, 0, 0)
    assert [(m["row"], m["why"]) for m in report["matched"]] == [
        (9, "same as row 3 of this file"), (10, "same as row 7 of this file")]
    assert _leftovers() == before


def test_an_earlier_batchs_update_is_remembered_for_companies(admin):
    from rapport.contacts.models import Company

    Company.objects.create(name="Stone Quarry", city="Bonn", owner=admin)
    # A row repeating a key starts a new batch: rows 3 and 4 see row 2 only through the memory.
    rows = "Account Name,City\nStone Quarry,Köln\nStone Quarry,Köln\nStone Quarry,Aachen\n"
    report = import_dry_run(job=make_job(admin, rows, target="companies", mode="create_or_update"), by=admin)
    # Row 3 repeats what row 2 already gives the company (nothing changes); row 4 changes it again.
    assert [(m["row"], m["outcome"]) for m in report["matched"]] == [(2, "updated"), (3, "skipped"), (4, "updated")]
