"""Every list endpoint costs the same number of queries for 3 rows as for 30 (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.activities.services import activity_create
from rapport.customization.services import custom_field_create
from rapport.sales.services import order_create
from tests.factories import make_company, make_contact, make_deal, make_lead, make_product

pytestmark = pytest.mark.django_db

# Token lookup, custom field visibility, the page itself and one query per prefetched relation.
MAX_QUERIES = 8


def add_contacts(env: dict[str, Any], n: int) -> None:
    company = make_company(by=env["rep"])
    for i in range(n):
        make_contact(by=env["rep"], company=company, tags=["vip", f"t{i % 3}"], phones=["+4930123456"],
                     consents=[{"channel": "email", "status": "granted"}], custom={"tier": "gold"})


def add_companies(env: dict[str, Any], n: int) -> None:
    parent = make_company(by=env["rep"])
    for _ in range(n):
        make_company(by=env["rep"], parent=parent, tags=["partner"])


def add_leads(env: dict[str, Any], n: int) -> None:
    product = make_product(by=env["manager"])
    for _ in range(n):
        make_lead(by=env["rep"], product=product)


def add_deals(env: dict[str, Any], n: int) -> None:
    from rapport.sales.services import deal_lines_set

    product = make_product(by=env["manager"])
    contact = make_contact(by=env["rep"], company=make_company(by=env["rep"]))
    for _ in range(n):
        deal = make_deal(by=env["rep"], pipeline=env["pipeline"], contact=contact)
        deal_lines_set(deal=deal, lines=[{"product": product, "quantity": 2}], by=env["rep"])


def add_orders(env: dict[str, Any], n: int) -> None:
    product = make_product(by=env["manager"])
    contact = make_contact(by=env["rep"], company=make_company(by=env["rep"]))
    deal = make_deal(by=env["rep"], pipeline=env["pipeline"])
    for _ in range(n):
        order_create(by=env["rep"], contact=contact, deal=deal,
                     lines=[{"product": product, "quantity": 1}, {"description": "Ship", "unit_price": "5"}])


def add_activities(env: dict[str, Any], n: int) -> None:
    contact = make_contact(by=env["rep"], company=make_company(by=env["rep"]))
    deal = make_deal(by=env["rep"], pipeline=env["pipeline"])
    lead = make_lead(by=env["rep"], contact=contact)
    for i in range(n):
        activity_create(by=env["rep"], kind="meeting", subject=f"m{i}", contact=contact, deal=deal, lead=lead,
                        starts_at=contact.created_at, attendees=[contact])


def add_products(env: dict[str, Any], n: int) -> None:
    for _ in range(n):
        make_product(by=env["manager"])


def add_search_hits(env: dict[str, Any], n: int) -> None:
    for i in range(n):
        make_contact(by=env["rep"], first_name="Searchable", last_name=f"Person{i}")


LISTS: list[tuple[str, dict[str, Any], Callable[[dict[str, Any], int], None]]] = [
    ("/contacts", {"limit": 200}, add_contacts),
    ("/contacts", {"limit": 200, "sort": "company", "tag": "vip", "cf_tier": "gold"}, add_contacts),
    ("/companies", {"limit": 200}, add_companies),
    ("/leads", {"limit": 200}, add_leads),
    ("/deals", {"limit": 200}, add_deals),
    ("/orders", {"limit": 200}, add_orders),
    ("/activities", {"limit": 200}, add_activities),
    ("/products", {"limit": 200}, add_products),
    ("/search", {"q": "searchable", "limit": 50}, add_search_hits),
]


def count_queries(api, path: str, params: dict[str, Any]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize(("path", "params", "add"), LISTS, ids=[f"{p} {sorted(q)}" for p, q, _ in LISTS])
def test_list_query_count_does_not_grow_with_rows(api_for, admin, manager, teammate, pipeline, path, params, add,
                                                  django_assert_max_num_queries):
    custom_field_create(entity="contact", key="tier", label="Tier", field_type="text", by=admin)
    env = {"rep": teammate, "manager": manager, "pipeline": pipeline}
    api = api_for(teammate)
    api.get("/accounts/me")  # the first request of a token records its use; later ones within a minute do not
    add(env, 3)
    small, rows_small = count_queries(api, path, params)
    add(env, 27)
    with django_assert_max_num_queries(MAX_QUERIES):
        large, rows_large = count_queries(api, path, params)
    assert rows_large > rows_small >= 3
    assert large == small


def test_small_lists_of_configuration_are_a_fixed_number_of_queries(api_for, admin, django_assert_max_num_queries):
    from rapport.sales.services import pipeline_create

    api = api_for(admin)
    api.get("/accounts/me")
    for i in range(5):
        pipeline_create(name=f"P{i}", by=admin)
        custom_field_create(entity="deal", key=f"k{i}", label=f"K{i}", field_type="text", by=admin)
        api.post("/accounts/tokens", {"name": f"t{i}"})
    for path in ("/pipelines", "/stages", "/custom-fields", "/accounts/tokens"):
        with django_assert_max_num_queries(6):
            assert api.get(path).status_code == 200


def _bulk_contacts(n: int, company_id: int, offset: int = 0) -> list[dict[str, Any]]:
    return [{"first_name": "Bulk", "last_name": f"N{offset + i}", "company_id": company_id,
             "emails": [f"bulk{offset + i}@example.com", f"b{offset + i}@home.example"], "phones": ["+4930123456"],
             "tags": ["vip", f"t{offset}-{i % 3}"], "consents": [{"channel": "email", "status": "granted"}],
             "custom": {"tier": "gold"}} for i in range(n)]


def _bulk_orders(n: int, contact_id: int, product_id: int, offset: int = 0) -> list[dict[str, Any]]:
    return [{"contact_id": contact_id, "external_id": f"shop-{offset + i}",
             "lines": [{"product_id": product_id, "quantity": "2"}, {"description": "Shipping", "unit_price": "4.50"}]}
            for i in range(n)]


def count_post(api, path: str, body: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.post(path, body)
    assert response.status_code == 201, response.content
    return len(ctx.captured_queries)


def test_bulk_create_of_contacts_costs_the_same_queries_for_3_and_30_items(api_for, admin, teammate):
    # 30 items stay inside one INSERT of SQLite's 999-parameter batches, so the counts compare like for like.
    custom_field_create(entity="contact", key="tier", label="Tier", field_type="text", by=admin)
    company = make_company(by=teammate)
    api = api_for(teammate)
    api.get("/accounts/me")
    small = count_post(api, "/contacts/bulk", {"items": _bulk_contacts(3, company.pk)})
    large = count_post(api, "/contacts/bulk", {"items": _bulk_contacts(30, company.pk, offset=100)})
    assert large == small <= 30
    from rapport.contacts.models import Contact

    assert Contact.objects.count() == 33


def test_bulk_create_of_orders_costs_the_same_queries_for_3_and_30_items(api_for, manager, teammate):
    product = make_product(by=manager)
    contact = make_contact(by=teammate)
    api = api_for(teammate)
    api.get("/accounts/me")
    small = count_post(api, "/orders/bulk", {"items": _bulk_orders(3, contact.pk, product.pk)})
    large = count_post(api, "/orders/bulk", {"items": _bulk_orders(30, contact.pk, product.pk, offset=100)})
    assert large == small <= 30
    from rapport.sales.models import Order

    assert Order.objects.count() == 33
