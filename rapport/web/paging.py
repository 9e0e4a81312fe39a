"""Pagination for list pages without COUNT(*): fetch one row more than shown to know if a next page exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool
    has_previous: bool
    first_index: int

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1


def page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def paginate(qs: QuerySet, request: HttpRequest, per_page: int = PER_PAGE) -> Page:
    """One page of `qs` (page=N in the query string) with next/previous flags, in a single query."""
    number = page_number(request)
    start = (number - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    return Page(
        rows=rows[:per_page], number=number, has_next=len(rows) > per_page, has_previous=number > 1,
        first_index=start + 1,
    )
