"""Orders, the product catalogue and pipeline set-up pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.sales.models import Order, Pipeline, Product
from rapport.sales.services import order_create
from tests.factories import make_contact, make_product


@pytest.fixture
def customer(teammate):
    return make_contact(by=teammate, first_name="Cleo", last_name="Buyer")


def lines(**rows):
    data = {"lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0"}
    data.update(rows)
    return data


def test_create_order_with_product_and_description_lines(client_for, teammate, admin, customer):
    product = make_product(by=admin, name="Widget", unit_price="20.00")
    response = client_for(teammate).post(reverse("order-create"), {
        "contact": customer.pk, "ordered_at": "2024-05-02T10:30", "channel": "store", "status": "paid",
        "currency": "EUR", **lines(**{"lines-0-product": product.pk, "lines-0-quantity": "2",
                                      "lines-1-description": "Installation", "lines-1-quantity": "1",
                                      "lines-1-unit_price": "150"})})
    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.total, order.channel, order.contact_id, order.lines.count()) == (190, "store", customer.pk, 2)


def test_order_with_negative_quantity_writes_nothing(client_for, teammate, customer):
    response = client_for(teammate).post(reverse("order-create"), {
        "contact": customer.pk, "ordered_at": "2024-05-02T10:30", "channel": "store", "status": "paid",
        "currency": "EUR", **lines(**{"lines-0-description": "Thing", "lines-0-quantity": "-1",
                                      "lines-0-unit_price": "5"})})
    assert response.status_code == 400
    assert "The quantity must be more than zero." in response.content.decode()
    assert Order.objects.count() == 0


def test_order_without_lines_is_refused(client_for, teammate, customer):
    response = client_for(teammate).post(reverse("order-create"), {
        "contact": customer.pk, "ordered_at": "2024-05-02T10:30", "channel": "store", "status": "paid",
        "currency": "EUR", **lines()})
    assert response.status_code == 400
    assert "An order needs at least one line." in response.content.decode()


def test_outsider_gets_404_on_order_and_cannot_order_for_team_a(client_for, teammate, outsider, customer):
    order = order_create(by=teammate, contact=customer, lines=[{"description": "X", "quantity": 1,
                                                                "unit_price": 10}])
    client = client_for(outsider)
    assert client.get(reverse("order-detail", args=[order.pk])).status_code == 404
    assert [o.pk for o in client.get(reverse("order-list")).context["page"].rows] == []
    response = client.post(reverse("order-create"), {
        "contact": customer.pk, "ordered_at": "2024-05-02T10:30", "channel": "store", "status": "paid",
        "currency": "EUR", **lines(**{"lines-0-description": "Y", "lines-0-quantity": "1", "lines-0-unit_price": "1"})})
    assert response.status_code == 400
    assert Order.objects.count() == 1


def test_order_detail_shows_lines(client_for, teammate, customer):
    order = order_create(by=teammate, contact=customer, number="A-17",
                         lines=[{"description": "Gift box", "quantity": 2, "unit_price": "12.50"}])
    body = client_for(teammate).get(reverse("order-detail", args=[order.pk])).content.decode()
    assert "Order A-17" in body and "Gift box" in body and "25.00 EUR" in body


def test_order_list_query_count_does_not_grow(client_for, teammate, customer, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            order_create(by=teammate, contact=customer, lines=[{"description": "X", "quantity": 1, "unit_price": 1}])
    add(3)
    client = client_for(teammate)
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("order-list"))
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("order-list"))
    assert len(response.context["page"].rows) == 30


def test_rep_sees_catalogue_but_cannot_change_it(client_for, teammate, admin):
    product = make_product(by=admin, name="Gizmo")
    client = client_for(teammate)
    assert "Gizmo" in client.get(reverse("product-list")).content.decode()
    assert client.get(reverse("product-create")).status_code == 403
    response = client.post(reverse("product-edit", args=[product.pk]), {"sku": "X", "name": "Hacked",
                                                                         "unit_price": "1", "currency": "EUR"})
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name == "Gizmo"


def test_manager_creates_and_edits_a_product(client_for, manager):
    client = client_for(manager)
    response = client.post(reverse("product-create"), {"sku": "P-1", "name": "Plan", "unit_price": "9.90",
                                                       "currency": "eur", "is_active": "on"})
    assert response.status_code == 302
    product = Product.objects.get(sku="P-1")
    response = client.post(reverse("product-edit", args=[product.pk]), {
        "sku": "P-1", "name": "Plan Pro", "unit_price": "19.90", "currency": "EUR", "version": product.version})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, str(product.unit_price), product.is_active) == ("Plan Pro", "19.90", False)


def test_duplicate_sku_is_refused(client_for, manager, admin):
    make_product(by=admin, sku="DUP")
    response = client_for(manager).post(reverse("product-create"), {"sku": "DUP", "name": "Other",
                                                                    "unit_price": "1", "currency": "EUR"})
    assert response.status_code == 400
    assert "SKU DUP is taken by another product." in response.content.decode()


def stage_rows(rows):
    data = {"stages-TOTAL_FORMS": str(len(rows)), "stages-INITIAL_FORMS": "0", "stages-MIN_NUM_FORMS": "3",
            "stages-MAX_NUM_FORMS": "30"}
    for i, (name, kind, prob) in enumerate(rows):
        data.update({f"stages-{i}-name": name, f"stages-{i}-kind": kind, f"stages-{i}-probability": prob})
    return data


def test_admin_creates_pipeline_with_stages(client_for, admin, pipeline):
    response = client_for(admin).post(reverse("pipeline-create"), {"name": "Renewals", **stage_rows(
        [("Due", "open", "40"), ("Renewed", "won", "100"), ("Churned", "lost", "0"), ("", "open", "")])})
    assert response.status_code == 302
    created = Pipeline.objects.get(name="Renewals")
    assert [(s.name, s.kind, s.probability) for s in created.stages.order_by("position")] == [
        ("Due", "open", 40), ("Renewed", "won", 100), ("Churned", "lost", 0)]


def test_pipeline_without_won_stage_is_refused(client_for, admin, pipeline):
    response = client_for(admin).post(reverse("pipeline-create"), {"name": "Odd", **stage_rows(
        [("A", "open", "10"), ("B", "open", "20"), ("C", "lost", "0")])})
    assert response.status_code == 400
    assert "at least one open, one won and one lost stage" in response.content.decode()
    assert not Pipeline.objects.filter(name="Odd").exists()


def test_rep_cannot_create_pipeline(client_for, teammate, pipeline):
    assert client_for(teammate).get(reverse("pipeline-create")).status_code == 403
    assert client_for(teammate).get(reverse("pipeline-list")).status_code == 200
