"""API of the global search: contacts, companies, leads and deals matching part of a name, email, phone or domain."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rapport.core.api_types import ERRORS
from rapport.search.selectors import global_search

router = Router(tags=["search"])


class SearchHitOut(Schema):
    kind: str = Field(..., description="contact, company, lead or deal.")
    id: int
    title: str
    subtitle: str
    url: str


class SearchOut(Schema):
    results: list[SearchHitOut]


@router.get("", response={200: SearchOut, **ERRORS}, summary="Search everything you may see")
def search(request: HttpRequest, q: str = Query(..., max_length=100), limit: int = Query(8, ge=1, le=50)) -> Any:
    """Matches of 3 or more characters anywhere in a name, email, phone or domain; at most `limit` per kind."""
    hits = global_search(user=request.user, query=q, limit=limit)
    return {"results": [{"kind": h.kind, "id": h.id, "title": h.title, "subtitle": h.subtitle or "", "url": h.url}
                        for h in hits]}
