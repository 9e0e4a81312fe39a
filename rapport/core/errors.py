"""Errors raised by services; pages and the API turn them into sentences and 4xx responses."""

from __future__ import annotations

from typing import Any


class EditConflict(Exception):
    """Someone else saved the record after the user opened it; their save must not overwrite it."""

    def __init__(self, *, record: Any, expected_version: int, changes: dict[str, tuple[Any, Any]]):
        self.record = record
        self.expected_version = expected_version
        self.changes = changes
        fields = ", ".join(sorted(changes)) or "some fields"
        super().__init__(
            f"This record was changed by someone else while you were editing it ({fields}). "
            "Review their changes, then make your edit again."
        )


class NotAllowed(Exception):
    """The user may see the record but may not do this to it."""

    def __init__(self, message: str = "You do not have permission to do this."):
        super().__init__(message)
