"""The schema keeps one index per lookup path and no index that only repeats the start of another.

Every index costs every insert (bench/README.md, "Import"), so the one-column indexes that lead
another index were dropped (contacts 0006, activities 0002); these tests hold both halves.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

LOOKUPS = {
    "contacts_contact": ["owner_id", "company_id", "created_at", "last_name", "email"],
    "contacts_contactemail": ["contact_id", "email"],
    "contacts_contactphone": ["contact_id", "number"],
    "activities_timelineevent": ["contact_id", "company_id", "lead_id", "deal_id", "actor_id", "activity_id", "order_id"],
}


def _indexes(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [info["columns"] for info in constraints.values() if info.get("index") or info.get("unique")]


@pytest.mark.parametrize("table", sorted(LOOKUPS))
def test_every_lookup_column_leads_an_index(table):
    leading = {columns[0] for columns in _indexes(table) if columns}
    assert set(LOOKUPS[table]) <= leading


@pytest.mark.parametrize("table", sorted(LOOKUPS))
def test_no_one_column_index_repeats_the_start_of_another(table):
    indexes = _indexes(table)
    wider = {tuple(columns[:1]) for columns in indexes if len(columns) > 1}
    repeated = [columns for columns in indexes if len(columns) == 1 and tuple(columns) in wider]
    # A primary-key column is its own index; unique and partial-unique constraints are rules, not repeats.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    plain = {tuple(info["columns"]) for info in constraints.values()
             if info.get("index") and not info.get("unique") and not info.get("primary_key")}
    assert [c for c in repeated if tuple(c) in plain] == []


def test_timeline_links_are_not_foreign_key_constraints():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "activities_timelineevent")
    linked = {info["columns"][0] for info in constraints.values() if info.get("foreign_key")}
    assert linked.isdisjoint({"contact_id", "company_id", "lead_id", "deal_id", "actor_id"})
