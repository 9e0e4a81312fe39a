"""Leads, pipelines, stages, deals, products and orders through the API."""

from __future__ import annotations

import pytest

from rapport.contacts.models import Company, Contact
from rapport.sales.models import Deal, DealStageChange, Lead, Order, Product
from tests.factories import make_company, make_contact, make_deal, make_lead, make_product

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- leads


def test_lead_from_a_known_person_reuses_contact_and_company_and_converts_without_duplicates(
    api_for, teammate, pipeline
):
    company = make_company(by=teammate, name="Acme", domain="acme.io")
    contact = make_contact(by=teammate, first_name="Bea", last_name="Known", emails=["bea@acme.io"], company=company)
    api = api_for(teammate)
    response = api.post("/leads", {
        "person": {"first_name": "Bea", "email": "BEA@acme.io", "company_name": "Acme Inc", "company_domain": "acme.io"},
        "need": "50 licences",
    })
    assert response.status_code == 201
    lead = response.json()
    assert lead["contact"]["id"] == contact.pk
    assert lead["company"]["id"] == company.pk
    assert lead["source"] == "api"
    response = api.post(f"/leads/{lead['id']}/convert", {"amount": "12000.00", "expected_close_date": "2027-03-31"})
    assert response.status_code == 201
    deal = response.json()
    assert (deal["contact"]["id"], deal["company"]["id"]) == (contact.pk, company.pk)
    assert deal["name"] == "Acme — 50 licences"
    assert (deal["amount"], deal["stage"]["name"], deal["pipeline"]["id"]) == ("12000.00", "Qualification", pipeline.pk)
    assert (Contact.objects.count(), Company.objects.count(), Deal.objects.count()) == (1, 1, 1)
    stored = Lead.objects.get(pk=lead["id"])
    assert (stored.status, stored.deal_id) == ("converted", deal["id"])
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "opportunity"
    again = api.post(f"/leads/{lead['id']}/convert", {})
    assert again.status_code == 422
    assert Deal.objects.count() == 1


def test_lead_with_a_new_person_creates_the_contact(api_for, teammate, pipeline):
    response = api_for(teammate).post("/leads", {"person": {"first_name": "New", "last_name": "Person",
                                                            "email": "new@person.org"}, "source": "event"})
    assert response.status_code == 201
    contact = Contact.objects.get(email="new@person.org")
    assert response.json()["contact"] == {"id": contact.pk, "name": "New Person"}
    assert response.json()["source"] == "event"


def test_lead_needs_a_contact_or_a_person(api_for, teammate):
    response = api_for(teammate).post("/leads", {"need": "x"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"contact": ["Choose a contact or enter the person's name and email."]}


def test_qualify_disqualify_and_attach(api_for, teammate, pipeline):
    api = api_for(teammate)
    first = make_lead(by=teammate)
    assert api.post(f"/leads/{first.pk}/qualify").json()["status"] == "qualified"
    response = api.post(f"/leads/{first.pk}/disqualify", {"reason": "No budget"})
    assert (response.json()["status"], response.json()["disqualified_reason"]) == ("disqualified", "No budget")
    assert api.post(f"/leads/{first.pk}/disqualify", {"reason": ""}).status_code == 422
    second = make_lead(by=teammate)
    deal = make_deal(by=teammate, pipeline=pipeline)
    response = api.post(f"/leads/{second.pk}/attach", {"deal_id": deal.pk})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["deal"]["id"]) == ("converted", deal.pk)


def test_lead_list_filters_by_status(api_for, teammate):
    open_lead = make_lead(by=teammate)
    closed = make_lead(by=teammate)
    api = api_for(teammate)
    api.post(f"/leads/{closed.pk}/disqualify", {"reason": "Spam"})
    ids = [lead["id"] for lead in api.get("/leads", {"status": "open"}).json()["results"]]
    assert ids == [open_lead.pk]
    assert api.get("/leads", {"status": "bogus"}).status_code == 422


def test_lead_patch_and_trash(api_for, teammate):
    lead = make_lead(by=teammate)
    api = api_for(teammate)
    response = api.patch(f"/leads/{lead.pk}", {"version": 1, "need": "Support plan", "score": 40})
    assert (response.json()["need"], response.json()["score"], response.json()["version"]) == ("Support plan", 40, 2)
    assert api.delete(f"/leads/{lead.pk}").status_code == 204
    assert api.get(f"/leads/{lead.pk}").status_code == 404
    assert api.post(f"/leads/{lead.pk}/restore").status_code == 200


# ---------------------------------------------------------------- pipelines, stages, deals


def test_admin_creates_a_pipeline_and_a_rep_cannot(api_for, admin, teammate, pipeline):
    stages = [{"name": "Talk", "kind": "open", "probability": 20}, {"name": "Yes", "kind": "won", "probability": 100},
              {"name": "No", "kind": "lost", "probability": 0}]
    response = api_for(admin).post("/pipelines", {"name": "Renewals", "stages": stages})
    assert response.status_code == 201
    assert [(s["name"], s["kind"], s["position"]) for s in response.json()["stages"]] == [
        ("Talk", "open", 0), ("Yes", "won", 1), ("No", "lost", 2)]
    assert api_for(teammate).post("/pipelines", {"name": "Mine"}).status_code == 403
    names = [p["name"] for p in api_for(teammate).get("/pipelines").json()]
    assert names == ["New business", "Renewals"]
    stage_names = [s["name"] for s in api_for(teammate).get("/stages", {"pipeline": pipeline.pk}).json()]
    assert stage_names == ["Qualification", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost"]


def test_pipeline_without_a_won_stage_is_refused(api_for, admin):
    response = api_for(admin).post("/pipelines", {"name": "Odd", "stages": [{"name": "Only", "kind": "open"}]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"stages": ["A pipeline needs at least one open, one won and one lost stage."]}


def test_deal_create_update_and_move_to_won_and_lost(api_for, teammate, pipeline):
    contact = make_contact(by=teammate)
    api = api_for(teammate)
    response = api.post("/deals", {"name": "Big one", "amount": "5000", "currency": "usd", "contact_id": contact.pk,
                                   "expected_close_date": "2027-01-15"})
    assert response.status_code == 201
    deal = response.json()
    assert (deal["amount"], deal["currency"], deal["stage"]["name"]) == ("5000.00", "USD", "Qualification")
    response = api.patch(f"/deals/{deal['id']}", {"version": 1, "amount": "7500.50"})
    assert (response.json()["amount"], response.json()["version"]) == ("7500.50", 2)
    won = pipeline.stages.get(kind="won")
    response = api.post(f"/deals/{deal['id']}/move", {"stage_id": won.pk})
    assert response.status_code == 200
    assert (response.json()["stage"]["kind"], response.json()["closed_at"] is not None) == ("won", True)
    assert DealStageChange.objects.filter(deal_id=deal["id"]).count() == 2
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "customer"
    lost = pipeline.stages.get(kind="lost")
    response = api.post(f"/deals/{deal['id']}/move", {"stage_id": lost.pk, "lost_reason": "Price"})
    assert (response.json()["stage"]["name"], response.json()["lost_reason"]) == ("Lost", "Price")


def test_move_with_a_stale_version_is_refused(api_for, teammate, pipeline):
    deal = make_deal(by=teammate, pipeline=pipeline)
    api = api_for(teammate)
    proposal = pipeline.stages.get(name="Proposal")
    assert api.post(f"/deals/{deal.pk}/move", {"stage_id": proposal.pk, "version": 1}).status_code == 200
    negotiation = pipeline.stages.get(name="Negotiation")
    response = api.post(f"/deals/{deal.pk}/move", {"stage_id": negotiation.pk, "version": 1})
    assert response.status_code == 409
    deal.refresh_from_db()
    assert deal.stage_id == proposal.pk


def test_move_to_a_stage_of_another_pipeline_is_refused(api_for, admin, teammate, pipeline):
    other = api_for(admin).post("/pipelines", {"name": "Other"}).json()
    deal = make_deal(by=teammate, pipeline=pipeline)
    response = api_for(teammate).post(f"/deals/{deal.pk}/move", {"stage_id": other["stages"][1]["id"]})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["stage_id"]


def test_deal_lines_set_the_amount(api_for, teammate, manager, pipeline):
    product = make_product(by=manager, unit_price="100.00")
    deal = make_deal(by=teammate, pipeline=pipeline)
    response = api_for(teammate).put(f"/deals/{deal.pk}/lines", {"lines": [
        {"product_id": product.pk, "quantity": "3", "discount_percent": "10"}]})
    assert response.status_code == 200
    body = response.json()
    assert body["amount"] == "270.00"
    assert body["lines"] == [{"product": {"id": product.pk, "name": str(product)}, "quantity": "3.000",
                              "unit_price": "100.00", "discount_percent": "10.00", "total": "270.00"}]


def test_deal_list_filters_by_kind_and_sorts_by_amount(api_for, teammate, pipeline):
    small = make_deal(by=teammate, pipeline=pipeline, amount="10")
    big = make_deal(by=teammate, pipeline=pipeline, amount="900")
    api = api_for(teammate)
    ids = [d["id"] for d in api.get("/deals", {"sort": "-amount"}).json()["results"]]
    assert ids == [big.pk, small.pk]
    api.post(f"/deals/{big.pk}/move", {"stage_id": pipeline.stages.get(kind="won").pk})
    assert [d["id"] for d in api.get("/deals", {"kind": "open"}).json()["results"]] == [small.pk]


# ---------------------------------------------------------------- products


def test_manager_manages_products_and_rep_only_reads(api_for, manager, teammate):
    api = api_for(manager)
    response = api.post("/products", {"sku": "WID-1", "name": "Widget", "unit_price": "19.99"})
    assert response.status_code == 201
    product = response.json()
    assert (product["unit_price"], product["currency"]) == ("19.99", "EUR")
    assert api.post("/products", {"sku": "WID-1", "name": "Copy"}).status_code == 422
    rep = api_for(teammate)
    assert [p["sku"] for p in rep.get("/products").json()["results"]] == ["WID-1"]
    assert rep.post("/products", {"sku": "X", "name": "X"}).status_code == 403
    assert rep.patch(f"/products/{product['id']}", {"version": 1, "name": "Y"}).status_code == 403
    response = api.patch(f"/products/{product['id']}", {"version": 1, "is_active": False})
    assert response.json()["is_active"] is False
    assert [p["sku"] for p in rep.get("/products", {"active": "true"}).json()["results"]] == []


# ---------------------------------------------------------------- orders


def _order(contact: Contact, product: Product, **extra):
    return {"contact_id": contact.pk, "lines": [{"product_id": product.pk, "quantity": "2"},
                                                {"description": "Shipping", "unit_price": "4.50"}], **extra}


def test_order_is_created_with_lines_and_total(api_for, teammate, manager):
    product = make_product(by=manager, unit_price="10.00")
    contact = make_contact(by=teammate)
    response = api_for(teammate).post("/orders", _order(contact, product, ordered_at="2026-03-01T10:00:00Z",
                                                         channel="store"))
    assert response.status_code == 201
    body = response.json()
    assert (body["total"], body["channel"], body["contact"]["id"]) == ("24.50", "store", contact.pk)
    assert [line["total"] for line in body["lines"]] == ["20.00", "4.50"]
    assert body["ordered_at"].startswith("2026-03-01T10:00:00")


def test_order_is_idempotent_by_external_id(api_for, teammate, manager):
    product = make_product(by=manager)
    contact = make_contact(by=teammate)
    api = api_for(teammate)
    first = api.post("/orders", _order(contact, product, external_id="shop-1001"))
    again = api.post("/orders", _order(contact, product, external_id="shop-1001"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1


def test_external_id_of_another_teams_order_is_refused_without_revealing_it(api_for, teammate, outsider, manager):
    product = make_product(by=manager)
    api_for(teammate).post("/orders", _order(make_contact(by=teammate), product, external_id="shop-7"))
    response = api_for(outsider).post("/orders", _order(make_contact(by=outsider), product, external_id="shop-7"))
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "errors"}
    assert list(response.json()["errors"]) == ["external_id"]
    assert Order.objects.count() == 1


def test_bulk_orders_are_all_or_nothing(api_for, teammate, manager):
    product = make_product(by=manager)
    contact = make_contact(by=teammate)
    api = api_for(teammate)
    bad = {"contact_id": contact.pk, "lines": [{"product_id": product.pk, "quantity": "1"},
                                               {"description": "No price"}]}
    response = api.post("/orders/bulk", {"items": [_order(contact, product, external_id="a"), bad]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"items.1.lines.1.unit_price": ["Give the unit price."]}
    assert Order.all_objects.count() == 0
    response = api.post("/orders/bulk", {"items": [_order(contact, product, external_id="a"),
                                                   _order(contact, product, external_id="b"),
                                                   _order(contact, product, external_id="a")]})
    assert response.status_code == 201
    assert (response.json()["created"], response.json()["existing"]) == (2, 1)
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["a", "b"]


def test_order_status_change_and_trash(api_for, teammate, manager):
    product = make_product(by=manager)
    order = api_for(teammate).post("/orders", _order(make_contact(by=teammate), product)).json()
    api = api_for(teammate)
    response = api.patch(f"/orders/{order['id']}", {"version": 1, "status": "refunded"})
    assert (response.status_code, response.json()["status"]) == (200, "refunded")
    assert api.patch(f"/orders/{order['id']}", {"version": 1, "status": "paid"}).status_code == 409
    assert api.delete(f"/orders/{order['id']}").status_code == 204
    assert api.get("/orders").json()["results"] == []
    assert api.post(f"/orders/{order['id']}/restore").status_code == 200
    assert Order.objects.get(pk=order["id"]).status == "refunded"


def test_admin_changes_pipelines_and_stages(api_for, admin, teammate, pipeline):
    api = api_for(admin)
    other = api.post("/pipelines", {"name": "Renewals"}).json()
    response = api.patch(f"/pipelines/{other['id']}", {"name": "Renewals 2027", "is_default": True})
    assert (response.json()["name"], response.json()["is_default"]) == ("Renewals 2027", True)
    assert [p["is_default"] for p in api.get("/pipelines").json()] == [False, True]
    stage = api.post("/stages", {"pipeline_id": pipeline.pk, "name": "Demo", "probability": 30, "position": 1})
    assert stage.status_code == 201
    names = [s["name"] for s in api.get("/stages", {"pipeline": pipeline.pk}).json()]
    assert names == ["Qualification", "Demo", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost"]
    moved = api.patch(f"/stages/{stage.json()['id']}", {"position": 3, "name": "Live demo"})
    assert (moved.json()["name"], moved.json()["position"]) == ("Live demo", 3)
    won = pipeline.stages.get(kind="won")
    refused = api.patch(f"/stages/{won.pk}", {"kind": "open"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"kind": ["New business needs at least one open, one won and one lost stage."]}
    assert api.delete(f"/stages/{won.pk}").status_code == 422
    assert api.delete(f"/stages/{stage.json()['id']}").status_code == 204
    assert [s["position"] for s in api.get("/stages", {"pipeline": pipeline.pk}).json()] == [0, 1, 2, 3, 4, 5]
    make_deal(by=teammate, pipeline=pipeline)
    assert api.delete(f"/pipelines/{pipeline.pk}").status_code == 422
    assert api.delete(f"/pipelines/{other['id']}").status_code == 204
    rep = api_for(teammate)
    assert rep.patch(f"/pipelines/{pipeline.pk}", {"name": "Mine"}).status_code == 403
    assert rep.post("/stages", {"pipeline_id": pipeline.pk, "name": "Mine"}).status_code == 403


def test_bulk_orders_write_lines_timeline_lifecycle_and_purchase_summary(api_for, teammate, manager):
    from decimal import Decimal

    from rapport.activities.models import TimelineEvent
    from rapport.analytics.models import PurchaseSummary

    product = make_product(by=manager, unit_price="10.00", sku="MUG")
    company = make_company(by=teammate, name="Buyer Ltd")
    ada = make_contact(by=teammate, company=company)
    bob = make_contact(by=teammate)
    items = [_order(ada, product, external_id="x1", ordered_at="2026-03-01T10:00:00Z", currency="USD"),
             _order(bob, product, number="B-7", ordered_at="2026-03-02T10:00:00Z"),
             {"contact_id": bob.pk, "lines": [{"sku": "MUG", "quantity": "1"}], "ordered_at": "2026-03-03T10:00:00Z"}]
    response = api_for(teammate).post("/orders/bulk", {"items": items})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["existing"]) == (3, 0)
    first, second, third = (Order.objects.get(pk=pk) for pk in body["ids"])
    assert (first.total, first.currency, first.company_id, first.external_id) == (
        Decimal("24.50"), "USD", company.pk, "x1")
    assert (second.number, second.company_id, third.total) == ("B-7", None, Decimal("10.00"))
    assert [(ln.product_id, ln.description, ln.quantity, ln.unit_price) for ln in first.lines.all()] == [
        (product.pk, product.name, Decimal("2.000"), Decimal("10.00")),
        (None, "Shipping", Decimal("1.000"), Decimal("4.50"))]
    assert set(Contact.objects.filter(pk__in=[ada.pk, bob.pk]).values_list("lifecycle_stage", flat=True)) == {
        "customer"}
    events = TimelineEvent.objects.filter(kind="order_placed").order_by("occurred_at")
    assert [(e.summary, e.contact_id, e.company_id, e.order_id, e.data) for e in events] == [
        ("Order " + first.number + ": 24.50 USD", ada.pk, company.pk, first.pk,
         {"total": "24.50", "currency": "USD", "lines": 2}),
        ("Order B-7: 24.50 EUR", bob.pk, None, second.pk, {"total": "24.50", "currency": "EUR", "lines": 2}),
        ("Order " + third.number + ": 10.00 EUR", bob.pk, None, third.pk,
         {"total": "10.00", "currency": "EUR", "lines": 1}),
    ]
    assert PurchaseSummary.objects.get(contact=bob).orders == 2


def test_bulk_orders_refuse_unknown_references_and_another_teams_external_id(api_for, teammate, outsider, manager):
    product = make_product(by=manager)
    theirs = make_contact(by=outsider)
    api_for(outsider).post("/orders", _order(theirs, product, external_id="shop-9"))
    mine = make_contact(by=teammate)
    items = [_order(mine, product, external_id="shop-9"), _order(theirs, product),
             {"contact_id": mine.pk, "lines": [{"product_id": 999999}]}, _order(mine, product)]
    response = api_for(teammate).post("/orders/bulk", {"items": items})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "items.0.external_id": ["Another order already uses this external id; send a different one."],
        "items.1.contact_id": [f"There is no contact with id {theirs.pk} that you can see; check the id."],
        "items.2.lines.0.product_id": ["There is no product with id 999999."],
    }
    assert Order.all_objects.count() == 1
