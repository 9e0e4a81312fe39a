"""The deal board: columns with counts and totals, visible cards only, fixed query count."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import make_deal


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
