import pytest

from rapport.imports.services import base, jobs


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded import files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def one_order_a_batch(monkeypatch):
    """Every order in a batch of its own, in the dry run (module constants) as in the run (its batch_rows)."""
    monkeypatch.setattr(jobs, "BATCH_ROWS", 1)
    monkeypatch.setattr(base, "BATCH_ROWS", 1)
