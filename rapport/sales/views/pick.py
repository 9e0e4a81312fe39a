"""Options for the record pickers of forms: search contacts or companies as the user types (htmx)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from rapport.sales.forms import _option_label, company_options, contact_options
from rapport.sales.views.common import render_page


@login_required
@require_GET
def pick_options(request: HttpRequest, kind: str) -> HttpResponse:
    """`<option>` rows matching `q`, swapped into a picker's select."""
    finder = {"contact": contact_options, "company": company_options}.get(kind)
    if finder is None:
        raise Http404("Nothing to pick here.")
    q = (request.GET.get("q") or "").strip()[:100]
    try:
        records: Any = finder(request.user, q=q, selected=request.GET.get("selected"))
        error = ""
    except ValidationError as exc:
        records, error = [], " ".join(exc.messages)
    options = [(r.pk, _option_label(r)) for r in records]
    return render_page(request, "sales/partials/pick_options.html", {
        "options": options, "error": error, "empty_label": request.GET.get("empty", "—")[:80], "q": q,
        "selected": request.GET.get("selected", "")})
