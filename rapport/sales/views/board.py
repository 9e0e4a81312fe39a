"""The deal board: a kanban per pipeline; dragging a card moves the deal (see deals.deal_move)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from rapport.accounts.permissions import assignable_users
from rapport.core.http import AuthenticatedHttpRequest
from rapport.sales.models import Pipeline
from rapport.sales.selectors import board, pipeline_get
from rapport.sales.services import pipeline_default
from rapport.sales.views.common import render_page


def _owner(request: AuthenticatedHttpRequest) -> int | None:
    value = request.GET.get("owner", "")
    return int(value) if value.isdigit() else None


@login_required
@require_GET
def deal_board(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        try:
            pipeline = pipeline_default()
        except ValidationError as exc:
            return render_page(request, "sales/board_empty.html", {"message": " ".join(exc.messages)})
    else:
        pipeline = pipeline_get(pk=pk)
    owner = _owner(request)
    columns = board(user=request.user, pipeline=pipeline, owner=owner)
    stages = [c["stage"] for c in columns]
    return render_page(request, "sales/board.html", {
        "pipeline": pipeline, "columns": columns, "stages": stages, "owner": owner,
        "pipelines": list(Pipeline.objects.all()),
        "owners": list(assignable_users(request.user).order_by("first_name", "last_name")),
    })
