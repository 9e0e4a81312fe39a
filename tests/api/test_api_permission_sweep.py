"""The permission sweep: an outsider (a rep of team B) can neither read nor change any of team A's records.

Every endpoint family and method that takes a record id answers 404 with the standard error body, and
the database is exactly as before. List endpoints return only the outsider's own records.
"""

from __future__ import annotations

from typing import Any

import pytest

from rapport.activities.models import Activity, TimelineEvent
from rapport.activities.services import activity_create
from rapport.contacts.models import Company, Consent, Contact, ContactEmail
from rapport.core.records import record_trash
from rapport.sales.models import Deal, DealLine, DealStageChange, Lead, Order
from rapport.sales.services import order_create
from tests.factories import make_company, make_contact, make_deal, make_lead, make_product

pytestmark = pytest.mark.django_db

MODELS = [Company, Contact, ContactEmail, Consent, Lead, Deal, DealLine, DealStageChange, Order, Activity]


def snapshot() -> dict[str, Any]:
    """Every row of every business table, with version and trash state: any change shows up."""
    state: dict[str, Any] = {}
    for model in MODELS:
        manager = getattr(model, "all_objects", model.objects)
        state[model.__name__] = sorted(manager.values_list(*[f.attname for f in model._meta.concrete_fields]))
    state["timeline"] = TimelineEvent.objects.count()
    return state


@pytest.fixture
def team_a_records(teammate, manager, pipeline) -> dict[str, Any]:
    """One record of every kind owned by the teammate, and one of each kind in the trash."""
    company = make_company(by=teammate, name="Team A Corp", domain="team-a.example")
    contact = make_contact(by=teammate, company=company, emails=["secret@team-a.example"])
    lead = make_lead(by=teammate, contact=contact)
    deal = make_deal(by=teammate, pipeline=pipeline, contact=contact)
    product = make_product(by=manager)
    order = order_create(by=teammate, contact=contact, lines=[{"product": product, "quantity": 1}])
    activity = activity_create(by=teammate, kind="task", subject="Secret task", contact=contact)
    trashed = {
        "companies": record_trash(make_company(by=teammate), by=teammate),
        "contacts": record_trash(make_contact(by=teammate), by=teammate),
        "leads": record_trash(make_lead(by=teammate), by=teammate),
        "deals": record_trash(make_deal(by=teammate, pipeline=pipeline), by=teammate),
        "orders": record_trash(order_create(by=teammate, contact=contact, lines=[{"product": product}]), by=teammate),
        "activities": record_trash(activity_create(by=teammate, kind="note", subject="n", contact=contact),
                                   by=teammate),
    }
    return {"company": company, "contact": contact, "lead": lead, "deal": deal, "order": order,
            "activity": activity, "product": product, "trashed": trashed, "pipeline": pipeline}


def requests_on(records: dict[str, Any], own_deal: Deal) -> list[tuple[str, str, Any]]:
    """Every (method, path, body) that names one of team A's records."""
    pipeline = records["pipeline"]
    won = pipeline.stages.get(kind="won").pk
    r = {k: v.pk for k, v in records.items() if hasattr(v, "pk")}
    t = {k: v.pk for k, v in records["trashed"].items()}
    return [
        ("get", f"/companies/{r['company']}", None),
        ("patch", f"/companies/{r['company']}", {"version": 1, "name": "Hacked"}),
        ("delete", f"/companies/{r['company']}", None),
        ("post", f"/companies/{t['companies']}/restore", None),
        ("get", f"/contacts/{r['contact']}", None),
        ("patch", f"/contacts/{r['contact']}", {"version": 1, "first_name": "Hacked"}),
        ("delete", f"/contacts/{r['contact']}", None),
        ("post", f"/contacts/{t['contacts']}/restore", None),
        ("get", f"/leads/{r['lead']}", None),
        ("patch", f"/leads/{r['lead']}", {"version": 1, "need": "Hacked"}),
        ("delete", f"/leads/{r['lead']}", None),
        ("post", f"/leads/{t['leads']}/restore", None),
        ("post", f"/leads/{r['lead']}/convert", {}),
        ("post", f"/leads/{r['lead']}/qualify", None),
        ("post", f"/leads/{r['lead']}/disqualify", {"reason": "Hacked"}),
        ("post", f"/leads/{r['lead']}/attach", {"deal_id": own_deal.pk}),
        ("get", f"/deals/{r['deal']}", None),
        ("patch", f"/deals/{r['deal']}", {"version": 1, "amount": "1"}),
        ("delete", f"/deals/{r['deal']}", None),
        ("post", f"/deals/{t['deals']}/restore", None),
        ("post", f"/deals/{r['deal']}/move", {"stage_id": won}),
        ("put", f"/deals/{r['deal']}/lines", {"lines": [{"product_id": r["product"]}]}),
        ("get", f"/orders/{r['order']}", None),
        ("patch", f"/orders/{r['order']}", {"version": 1, "status": "refunded"}),
        ("delete", f"/orders/{r['order']}", None),
        ("post", f"/orders/{t['orders']}/restore", None),
        ("get", f"/activities/{r['activity']}", None),
        ("patch", f"/activities/{r['activity']}", {"version": 1, "subject": "Hacked"}),
        ("post", f"/activities/{r['activity']}/complete", {}),
        ("delete", f"/activities/{r['activity']}", None),
        ("post", f"/activities/{t['activities']}/restore", None),
        ("get", "/activities", {"contact": r["contact"]}),
        ("get", "/activities", {"deal": r["deal"]}),
    ]


def test_outsider_gets_404_for_every_record_of_team_a_and_nothing_changes(api_for, team_a_records, outsider):
    own_deal = make_deal(by=outsider, pipeline=team_a_records["pipeline"])
    api = api_for(outsider)
    before = snapshot()
    for method, path, body in requests_on(team_a_records, own_deal):
        if method == "get":
            response = api.get(path, body)
        elif method == "delete":
            response = api.delete(path)
        else:
            response = getattr(api, method)(path, body if body is not None else {})
        assert response.status_code == 404, (method, path, response.status_code, response.content)
        assert response.json() == {"detail": "Not found, or you do not have access to it.", "errors": {}}, path
        assert b"team-a" not in response.content and b"Secret" not in response.content
    assert snapshot() == before


def test_outsider_cannot_link_team_a_records_into_new_ones(api_for, team_a_records, outsider):
    api = api_for(outsider)
    before = snapshot()
    attempts = [
        ("/contacts", {"last_name": "Mine", "company_id": team_a_records["company"].pk}, "company_id"),
        ("/companies", {"name": "Mine", "parent_id": team_a_records["company"].pk}, "parent_id"),
        ("/leads", {"contact_id": team_a_records["contact"].pk}, "contact_id"),
        ("/deals", {"name": "Mine", "contact_id": team_a_records["contact"].pk}, "contact_id"),
        ("/orders", {"contact_id": team_a_records["contact"].pk, "lines": [{"description": "x", "unit_price": "1"}]},
         "contact_id"),
        ("/activities", {"kind": "note", "subject": "x", "deal_id": team_a_records["deal"].pk}, "deal_id"),
        ("/activities", {"kind": "note", "subject": "x", "lead_id": team_a_records["lead"].pk}, "lead_id"),
        ("/contacts/bulk", {"items": [{"last_name": "Mine", "company_id": team_a_records["company"].pk}]},
         "items.0.company_id"),
    ]
    for path, body, field in attempts:
        response = api.post(path, body)
        assert response.status_code == 422, (path, response.content)
        assert list(response.json()["errors"]) == [field], path
        assert "that you can see" in response.json()["errors"][field][0]
    assert snapshot() == before


def test_outsider_cannot_hand_records_to_team_a_users(api_for, outsider, teammate):
    response = api_for(outsider).post("/contacts", {"last_name": "Gift", "owner_id": teammate.pk})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["owner"]
    assert Contact.all_objects.count() == 0


def test_list_endpoints_return_only_visible_records(api_for, team_a_records, outsider):
    mine_company = make_company(by=outsider)
    mine_contact = make_contact(by=outsider, company=mine_company)
    mine_lead = make_lead(by=outsider, contact=mine_contact)
    mine_deal = make_deal(by=outsider, pipeline=team_a_records["pipeline"], contact=mine_contact)
    mine_order = order_create(by=outsider, contact=mine_contact, lines=[{"product": team_a_records["product"]}])
    mine_activity = activity_create(by=outsider, kind="note", subject="mine", contact=mine_contact)
    api = api_for(outsider)
    expected = {
        "/companies": [mine_company.pk], "/contacts": [mine_contact.pk], "/leads": [mine_lead.pk],
        "/deals": [mine_deal.pk], "/orders": [mine_order.pk], "/activities": [mine_activity.pk],
    }
    for path, ids in expected.items():
        assert [row["id"] for row in api.get(path).json()["results"]] == ids, path
    assert api.get("/search", {"q": "team-a"}).json()["results"] == []


def test_teammate_and_manager_and_admin_see_team_a_records(api_for, team_a_records, manager, admin, teammate):
    for user in (teammate, manager, admin):
        api = api_for(user)
        assert api.get(f"/contacts/{team_a_records['contact'].pk}").status_code == 200
        assert [row["id"] for row in api.get("/deals").json()["results"]] == [team_a_records["deal"].pk]
