"""The deal board: a kanban per pipeline; dragging a card moves the deal (see deals.deal_move).

The page renders up to 25 cards in each of its columns, so the card markup is kept lean: the
"Move to…" options and the CSRF field are built once per page, and each card's texts and URLs once
per card in Python, instead of through tags, filters and URL reversals per card in the template
(that loop was most of the page's time at 200,000 deals).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from rapport.accounts.permissions import assignable_users
from rapport.core.http import AuthenticatedHttpRequest
from rapport.sales.models import Deal, Pipeline, Stage
from rapport.sales.selectors import BOARD_CARDS_PER_STAGE, board, board_cards, board_totals, pipeline_get
from rapport.sales.services import pipeline_default
from rapport.sales.views.common import render_page
from rapport.web.templatetags.rapport_tags import money, money_totals

# "Show more" pages through a column up to here; beyond it the deal list (with filters) is the better tool.
MAX_BOARD_OFFSET = 5000
_PK = 2_147_480_001  # a placeholder id to turn a reversed URL into a pattern


def _owner(request: AuthenticatedHttpRequest) -> int | None:
    value = request.GET.get("owner", "")
    return int(value) if value.isdigit() else None


def column_total_text(totals: dict[str, Any], converted: Any, base_currency: str) -> str:
    """A column's amounts per currency ("12,000.00 EUR + 3,000.00 USD"), then "≈ total" in the base currency.

    The converted total appears only when every currency of the column has a dated exchange rate.
    """
    text = money_totals(totals, base_currency)
    if converted is not None:
        text += f" ≈ {money(converted, base_currency)}"
    return text


def _url_pattern(name: str) -> str:
    return reverse(name, args=[_PK]).replace(str(_PK), "{}")


def _card_context(request: AuthenticatedHttpRequest, stages: list[Stage]) -> dict[str, Any]:
    """What every card of the page shares, rendered once."""
    return {
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
        "next_url": request.get_full_path(),
        "move_options": SafeString(
            '<option value="" selected>Move to…</option>'
            + format_html_join("", '<option value="{}">{}</option>', ((s.pk, s.name) for s in stages))
        ),
    }


def _prepare_cards(cards: list[Deal]) -> list[Deal]:
    """Give each card the texts and URLs it shows, built in Python: the template then only places them.

    This halves the page's rendering time (each template filter and lookup costs about a microsecond
    per use, and the page shows up to 25 cards in each column).
    """
    detail, move = _url_pattern("deal-detail"), _url_pattern("deal-move")
    for card in cards:
        pk = str(card.pk)
        meta = [str(card.owner)] if card.owner_id else []
        if card.expected_close_date:
            meta.append(date_format(card.expected_close_date, "j M"))
        card.board = {  # type: ignore[attr-defined]
            "id": pk,
            "version": str(card.version),
            "detail_url": detail.format(pk),
            "move_url": move.format(pk),
            "party": str(card.company or card.contact or ""),
            "amount": money(card.amount, card.currency),
            "meta": " · ".join(meta),
        }
    return cards


def _more(pipeline: Pipeline, stage: Stage, shown: int, count: int, owner: int | None) -> dict[str, Any]:
    """The "Showing 25 of 8,412 · Show more" line of a column."""
    query = f"?offset={shown}" + (f"&owner={owner}" if owner else "")
    list_query = f"?stage={stage.pk}&sort=-amount" + (f"&owner={owner}" if owner else "")
    return {
        "stage": stage,
        "shown": shown,
        "count": count,
        "count_text": f"{count:,}",
        "shown_text": f"{shown:,}",
        "has_more": shown < count and shown < MAX_BOARD_OFFSET,
        "more_url": reverse("deal-board-cards", args=[pipeline.pk, stage.pk]) + query,
        "list_url": reverse("deal-list") + list_query,
    }


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
    for column in columns:
        _prepare_cards(column["deals"])
        column["total_text"] = column_total_text(
            column["totals"], column["converted"], column["base_currency"]
        )
        column["more"] = _more(pipeline, column["stage"], len(column["deals"]), column["count"], owner)
    return render_page(
        request,
        "sales/board.html",
        {
            "pipeline": pipeline,
            "columns": columns,
            "stages": stages,
            "owner": owner,
            "pipelines": list(Pipeline.objects.all()),
            "owners": list(assignable_users(request.user).order_by("first_name", "last_name")),
            **_card_context(request, stages),
        },
    )


@login_required
@require_GET
def deal_board_cards(request: AuthenticatedHttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    """The next cards of one column ("Show more", loaded by htmx), with the column's updated "Showing" line."""
    pipeline = pipeline_get(pk=pk)
    stages = list(pipeline.stages.order_by("position"))
    stage = next((s for s in stages if s.pk == stage_pk), None)
    if stage is None:
        raise Http404("Not found")
    owner = _owner(request)
    value = request.GET.get("offset", "0")
    offset = min(int(value), MAX_BOARD_OFFSET) if value.isdigit() else 0
    cards = _prepare_cards(
        board_cards(
            user=request.user,
            pipeline=pipeline,
            stage=stage,
            owner=owner,
            offset=offset,
            limit=BOARD_CARDS_PER_STAGE,
        )
    )
    count = board_totals(user=request.user, pipeline=pipeline, owner=owner).get(stage.pk, {"count": 0})[
        "count"
    ]
    context = {
        "deals": cards,
        "more": _more(pipeline, stage, offset + len(cards), count, owner),
        "oob": True,
        **_card_context(request, stages),
    }
    if not request.htmx:  # type: ignore[attr-defined]
        # Without htmx (a link opened in a new tab) the deal list is the page that shows the rest.
        from django.shortcuts import redirect

        return redirect(context["more"]["list_url"])
    return render_page(request, "sales/partials/board_cards.html", context)
