"""The deal board: columns with counts and totals, visible cards only, fixed query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from rapport.sales.models import ExchangeRate
from tests.factories import make_deal, make_pipeline


def test_board_shows_columns_with_counts_totals_and_cards(client_for, teammate, outsider, pipeline):
    make_deal(by=teammate, pipeline=pipeline, name="Small", amount="100")
    make_deal(by=teammate, pipeline=pipeline, name="Big", amount="900")
    make_deal(by=outsider, pipeline=pipeline, name="Not mine", amount="5000")
    response = client_for(teammate).get(reverse("deal-board-default"))
    assert response.status_code == 200
    first = response.context["columns"][0]
    assert (first["stage"].name, first["count"], first["total"]) == ("Qualification", 2, 1000)
    assert [d.name for d in first["deals"]] == ["Big", "Small"]
    body = response.content.decode()
    assert "Not mine" not in body
    assert "Sortable.min.js" in body and 'name="stage"' in body  # drag and drop, and the no-JS move form


def test_board_by_pipeline_id_and_unknown_pipeline_is_404(client_for, teammate, pipeline):
    client = client_for(teammate)
    assert client.get(reverse("deal-board", args=[pipeline.pk])).context["pipeline"] == pipeline
    assert client.get(reverse("deal-board", args=[pipeline.pk + 999])).status_code == 404


def test_board_owner_filter(client_for, manager, teammate, pipeline):
    make_deal(by=teammate, pipeline=pipeline, name="Tom's")
    make_deal(by=manager, pipeline=pipeline, name="Mark's")
    response = client_for(manager).get(reverse("deal-board-default"), {"owner": teammate.pk})
    assert [d.name for c in response.context["columns"] for d in c["deals"]] == ["Tom's"]


def test_board_query_count_is_the_same_for_3_and_30_deals(client_for, teammate, pipeline,
                                                          django_assert_max_num_queries):
    for _ in range(3):
        make_deal(by=teammate, pipeline=pipeline)
    client = client_for(teammate)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("deal-board-default"))
    for _ in range(27):
        make_deal(by=teammate, pipeline=pipeline)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(reverse("deal-board-default"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.context["columns"][0]["count"] == 30


def _first_stage(pipeline):
    return pipeline.stages.order_by("position").first()


def test_board_query_count_does_not_grow_with_deals_for_any_persona(client_for, admin, manager, teammate, pipeline,
                                                                    django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ExchangeRate.objects.create(currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("0.9"))
    for user in (admin, manager, teammate):
        make_deal(by=user, pipeline=pipeline, currency="USD")
    counts = {}
    clients = {user.username: client_for(user) for user in (admin, manager, teammate)}
    for user in (admin, manager, teammate):
        client = clients[user.username]
        client.get(reverse("deal-board-default"))  # the session is loaded once
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("deal-board-default"))
        counts[user.username] = len(few.captured_queries)
    for i in range(40):
        make_deal(by=(admin, manager, teammate)[i % 3], pipeline=pipeline, currency=("EUR", "USD", "GBP")[i % 3],
                  stage=list(pipeline.stages.order_by("position"))[i % 4])
    for user in (admin, manager, teammate):
        # Session and user (2); the pipeline, its stages, the totals, the exchange rates, the pipelines and
        # the owners of the filters (6); the card ids of every stage and the cards (2).
        with django_assert_num_queries(counts[user.username]):
            response = clients[user.username].get(reverse("deal-board-default"))
        assert response.status_code == 200
    assert counts["alice.admin"] == 2 + 6 + 2


def test_column_shows_amounts_per_currency_and_a_converted_total_only_when_rates_exist(client_for, teammate,
                                                                                        pipeline):
    make_deal(by=teammate, pipeline=pipeline, amount="1000", currency="EUR")
    make_deal(by=teammate, pipeline=pipeline, amount="200", currency="USD")
    client = client_for(teammate)
    first = client.get(reverse("deal-board-default")).context["columns"][0]
    assert first["totals"] == {"EUR": Decimal("1000.00"), "USD": Decimal("200.00")}
    assert (first["converted"], first["total_text"]) == (None, "1,000.00 EUR + 200.00 USD")
    ExchangeRate.objects.create(currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("0.5"))
    ExchangeRate.objects.create(currency="USD", date=dt.date(2021, 1, 1), rate=Decimal("0.8"))
    ExchangeRate.objects.create(currency="USD", date=dt.date(2999, 1, 1), rate=Decimal("9"))  # not yet valid
    first = client.get(reverse("deal-board-default")).context["columns"][0]
    assert first["converted"] == Decimal("1160.00")
    assert first["total_text"] == "1,000.00 EUR + 200.00 USD ≈ 1,160.00 EUR"


def test_show_more_loads_the_next_cards_of_a_column_with_htmx(client_for, teammate, pipeline):
    for i in range(30):
        make_deal(by=teammate, pipeline=pipeline, name=f"D{i:02d}", amount=str(1000 - i))
    client = client_for(teammate)
    response = client.get(reverse("deal-board-default"))
    column = response.context["columns"][0]
    assert len(column["deals"]) == 25 and column["more"]["shown"] == 25 and column["more"]["has_more"]
    body = response.content.decode()
    stage = _first_stage(pipeline)
    more_url = reverse("deal-board-cards", args=[pipeline.pk, stage.pk]) + "?offset=25"
    assert f'hx-get="{more_url}"' in body and f'hx-target="#cards-{stage.pk}"' in body
    assert "Showing <span" in body and ">25</span> of <span" in body
    more = client.get(more_url, HTTP_HX_REQUEST="true")
    assert more.status_code == 200
    assert [d.name for d in more.context["deals"]] == ["D25", "D26", "D27", "D28", "D29"]
    text = more.content.decode()
    assert 'hx-swap-oob="true"' in text and ">30</span> of <span" in text and "Show more" not in text
    assert text.count('class="deal-card"') == 5 and 'name="csrfmiddlewaretoken"' in text


def test_show_more_without_htmx_opens_the_deal_list_of_the_stage(client_for, teammate, pipeline):
    stage = _first_stage(pipeline)
    response = client_for(teammate).get(reverse("deal-board-cards", args=[pipeline.pk, stage.pk]) + "?offset=25")
    assert response.status_code == 302
    assert response["Location"] == reverse("deal-list") + f"?stage={stage.pk}&sort=-amount"


def test_show_more_shows_only_visible_deals_and_unknown_stages_are_404(client_for, teammate, outsider, admin,
                                                                       pipeline):
    make_deal(by=teammate, pipeline=pipeline, name="Team A deal")
    stage = _first_stage(pipeline)
    other = make_pipeline(by=admin, name="Other")
    url = reverse("deal-board-cards", args=[pipeline.pk, stage.pk])
    response = client_for(outsider).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.context["deals"] == [] and "Team A deal" not in response.content.decode()
    assert response.context["more"]["count"] == 0
    wrong = reverse("deal-board-cards", args=[other.pk, stage.pk])
    assert client_for(teammate).get(wrong, HTTP_HX_REQUEST="true").status_code == 404
    assert client_for(teammate).get(reverse("deal-board-cards", args=[pipeline.pk + 99, stage.pk]),
                                    HTTP_HX_REQUEST="true").status_code == 404


def test_moving_a_card_answers_the_new_counts_and_totals_of_every_column(client_for, teammate, pipeline):
    import json

    deal = make_deal(by=teammate, pipeline=pipeline, amount="1234.5")
    make_deal(by=teammate, pipeline=pipeline, amount="10", currency="USD")
    target = pipeline.stages.order_by("position")[1]
    response = client_for(teammate).post(reverse("deal-move", args=[deal.pk]), {"stage": target.pk},
                                         HTTP_ACCEPT="application/json")
    columns = json.loads(response.content)["columns"]
    assert columns[str(target.pk)] == {"count": 1, "count_text": "1", "total": "1,234.50 EUR"}
    assert columns[str(_first_stage(pipeline).pk)] == {"count": 1, "count_text": "1", "total": "10.00 USD"}


def test_board_query_count_does_not_grow_with_stages(client_for, admin, pipeline, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.sales.services.pipelines import stage_create

    make_deal(by=admin, pipeline=pipeline)
    client = client_for(admin)
    client.get(reverse("deal-board-default"))
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("deal-board-default"))
    for name in ("Pilot", "Legal review", "Contract sent"):
        make_deal(by=admin, pipeline=pipeline, stage=stage_create(pipeline=pipeline, by=admin, name=name))
    with django_assert_num_queries(len(six.captured_queries)):
        response = client.get(reverse("deal-board-default"))
    assert len(response.context["columns"]) == 9
    assert [len(c["deals"]) for c in response.context["columns"]] == [1, 0, 0, 0, 0, 0, 1, 1, 1]
