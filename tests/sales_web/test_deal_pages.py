"""Deal pages: list, detail, create, edit, products, move (board and form), trash."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from rapport.activities.models import TimelineEvent
from rapport.sales.models import Deal, DealStageChange
from tests.factories import make_company, make_contact, make_deal, make_product


@pytest.fixture
def deal(teammate, pipeline):
    company = make_company(by=teammate, name="Globex")
    return make_deal(by=teammate, pipeline=pipeline, name="Globex rollout", amount="5000", company=company)


def stage(pipeline, name):
    return pipeline.stages.get(name=name)


def test_deal_list_shows_only_visible_deals(client_for, teammate, outsider, pipeline, deal):
    make_deal(by=outsider, pipeline=pipeline, name="Hidden deal")
    response = client_for(teammate).get(reverse("deal-list"))
    assert [d.pk for d in response.context["page"].rows] == [deal.pk]
    assert "Hidden deal" not in response.content.decode()


def test_deal_list_query_count_does_not_grow(client_for, teammate, pipeline, django_assert_max_num_queries):
    for _ in range(3):
        make_deal(by=teammate, pipeline=pipeline)
    client = client_for(teammate)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("deal-list"))
    for _ in range(27):
        make_deal(by=teammate, pipeline=pipeline)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("deal-list"))
    assert len(response.context["page"].rows) == 30


def test_outsider_gets_404_on_deal_pages_and_cannot_move(client_for, outsider, pipeline, deal):
    client = client_for(outsider)
    for name in ("deal-detail", "deal-edit", "deal-lines"):
        assert client.get(reverse(name, args=[deal.pk])).status_code == 404
    response = client.post(reverse("deal-move", args=[deal.pk]), {"stage": stage(pipeline, "Proposal").pk})
    assert response.status_code == 404
    assert client.post(reverse("deal-delete", args=[deal.pk])).status_code == 404
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification" and deal.deleted_at is None


def test_deal_detail_shows_stage_amount_lines_and_history(client_for, teammate, admin, pipeline, deal):
    product = make_product(by=admin, name="Seat licence", unit_price="100")
    client = client_for(teammate)
    client.post(reverse("deal-lines", args=[deal.pk]), {
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-0-product": product.pk, "lines-0-quantity": "3",
        "lines-0-unit_price": "", "lines-0-discount_percent": "10", "lines-1-product": ""})
    response = client.get(reverse("deal-detail", args=[deal.pk]))
    body = response.content.decode()
    assert "Seat licence" in body
    assert "270.00 EUR" in body  # 3 × 100 − 10 %
    assert "Qualification · 10 %" in body
    assert [row["change"].to_stage.name for row in response.context["history"]] == ["Qualification"]
    deal.refresh_from_db()
    assert deal.amount == 270


def test_negative_quantity_on_deal_line_is_refused(client_for, teammate, admin, deal):
    product = make_product(by=admin)
    response = client_for(teammate).post(reverse("deal-lines", args=[deal.pk]), {
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-product": product.pk,
        "lines-0-quantity": "-2"})
    assert response.status_code == 400
    assert "The quantity must be more than zero." in response.content.decode()
    assert deal.lines.count() == 0


def test_create_deal_in_chosen_stage(client_for, teammate, pipeline):
    contact = make_contact(by=teammate)
    response = client_for(teammate).post(reverse("deal-create"), {
        "name": "New one", "stage": stage(pipeline, "Proposal").pk, "amount": "990.50", "currency": "eur",
        "contact": contact.pk, "owner": teammate.pk})
    deal = Deal.objects.get(name="New one")
    assert response.status_code == 302
    assert (deal.stage.name, str(deal.amount), deal.currency, deal.contact_id) == ("Proposal", "990.50", "EUR",
                                                                                   contact.pk)


def test_create_deal_with_bad_input_writes_nothing(client_for, teammate, pipeline):
    response = client_for(teammate).post(reverse("deal-create"), {"name": "", "amount": "abc", "currency": "E"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a name for the deal." in body and "Enter an amount as a number" in body
    assert Deal.objects.count() == 0


def test_stale_deal_edit_shows_the_conflict(client_for, teammate, deal):
    client = client_for(teammate)
    form = {"name": "Renamed", "amount": "5000", "currency": "EUR", "version": deal.version, "owner": teammate.pk}
    assert client.post(reverse("deal-edit", args=[deal.pk]), form).status_code == 302
    response = client.post(reverse("deal-edit", args=[deal.pk]), {**form, "name": "Late edit"})
    assert response.status_code == 409
    deal.refresh_from_db()
    assert deal.name == "Renamed"


def test_move_records_stage_change_and_timeline_event(client_for, teammate, pipeline, deal):
    target = stage(pipeline, "Proposal")
    response = client_for(teammate).post(reverse("deal-move", args=[deal.pk]), {"stage": target.pk},
                                         HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["stage"] == target.pk and data["columns"][str(target.pk)]["count"] == 1
    change = DealStageChange.objects.filter(deal=deal).latest("id")
    assert (change.from_stage.name, change.to_stage.name, change.changed_by) == ("Qualification", "Proposal", teammate)
    event = TimelineEvent.objects.filter(deal=deal, kind="stage_changed").latest("id")
    assert event.summary == "Stage: Qualification → Proposal"


def test_move_to_lost_requires_a_reason(client_for, teammate, pipeline, deal):
    lost = stage(pipeline, "Lost")
    client = client_for(teammate)
    response = client.post(reverse("deal-move", args=[deal.pk]), {"stage": lost.pk, "lost_reason": " "},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert json.loads(response.content)["detail"].startswith("Say why the deal was lost")
    assert DealStageChange.objects.filter(deal=deal).count() == 1
    response = client.post(reverse("deal-move", args=[deal.pk]), {"stage": lost.pk, "lost_reason": "Too pricey"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage.name, deal.lost_reason) == ("Lost", "Too pricey")


def test_move_to_stage_of_another_pipeline_is_refused(client_for, teammate, admin, pipeline, deal):
    from tests.factories import make_pipeline

    other = make_pipeline(by=admin, name="Renewals")
    response = client_for(teammate).post(reverse("deal-move", args=[deal.pk]),
                                         {"stage": other.stages.first().pk}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "not in this deal's pipeline" in json.loads(response.content)["detail"]


def test_readonly_user_cannot_move_a_visible_deal(client_for, readonly, pipeline, deal):
    response = client_for(readonly).post(reverse("deal-move", args=[deal.pk]), {"stage": stage(pipeline, "Won").pk},
                                         HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification"


def test_delete_moves_deal_to_trash(client_for, teammate, deal):
    response = client_for(teammate).post(reverse("deal-delete", args=[deal.pk]))
    assert response.status_code == 302
    assert Deal.objects.filter(pk=deal.pk).count() == 0
    assert Deal.all_objects.get(pk=deal.pk).deleted_at is not None
