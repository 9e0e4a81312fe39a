"""Global search: a dropdown while typing (htmx) and a full results page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.search.selectors import MIN_LENGTH, SearchHit, global_search

GROUPS = [("contact", "Contacts"), ("company", "Companies"), ("lead", "Leads"), ("deal", "Deals")]
DROPDOWN_LIMIT = 5
PAGE_LIMIT = 25


def _grouped(hits: list[SearchHit]) -> list[dict[str, object]]:
    return [
        {"kind": kind, "label": label, "hits": [h for h in hits if h.kind == kind]}
        for kind, label in GROUPS
        if any(h.kind == kind for h in hits)
    ]


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search contacts, companies, leads and deals the user may see."""
    query = " ".join((request.GET.get("q") or "").split())[:100]
    partial = bool(request.headers.get("HX-Request"))
    too_short = len(query) < MIN_LENGTH
    hits = [] if too_short else global_search(
        user=request.user, query=query, limit=DROPDOWN_LIMIT if partial else PAGE_LIMIT
    )
    context = {"query": query, "groups": _grouped(hits), "too_short": too_short, "min_length": MIN_LENGTH,
               "count": len(hits)}
    template = "search/partials/dropdown.html" if partial else "search/results.html"
    return render(request, template, context)
