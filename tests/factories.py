"""Test data built through the real services, so tests exercise the same rules as users."""

from __future__ import annotations

import itertools
from typing import Any

from rapport.accounts.models import Team, User
from rapport.contacts.models import Company, Contact
from rapport.contacts.services import company_create, contact_create
from rapport.sales.models import Deal, Lead, Pipeline, Product
from rapport.sales.services import deal_create, lead_create, pipeline_create, product_create

_seq = itertools.count(1)


def make_user(*, role: str = "rep", team: Team | None = None, username: str | None = None, **extra: Any) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"user{n}", password="correct-horse-42", role=role, team=team,
        first_name=extra.pop("first_name", f"First{n}"), last_name=extra.pop("last_name", f"Last{n}"),
        email=extra.pop("email", f"user{n}@example.com"), **extra,
    )
    return user


def make_company(*, by: User, **values: Any) -> Company:
    n = next(_seq)
    values.setdefault("name", f"Company {n}")
    return company_create(by=by, **values)


def make_contact(*, by: User, **values: Any) -> Contact:
    n = next(_seq)
    values.setdefault("first_name", "Person")
    values.setdefault("last_name", f"Number{n}")
    values.setdefault("emails", [f"person{n}@example.org"])
    return contact_create(by=by, **values)


def make_pipeline(*, by: User, name: str | None = None) -> Pipeline:
    return pipeline_create(name=name or f"Pipeline {next(_seq)}", by=by)


def make_deal(*, by: User, pipeline: Pipeline | None = None, **values: Any) -> Deal:
    values.setdefault("name", f"Deal {next(_seq)}")
    values.setdefault("amount", "1000.00")
    return deal_create(by=by, pipeline=pipeline, **values)


def make_lead(*, by: User, contact: Contact | None = None, **values: Any) -> Lead:
    if contact is None:
        contact = make_contact(by=by)
    return lead_create(by=by, contact=contact, **values)


def make_product(*, by: User, **values: Any) -> Product:
    n = next(_seq)
    values.setdefault("sku", f"SKU-{n}")
    values.setdefault("name", f"Product {n}")
    values.setdefault("unit_price", "49.90")
    return product_create(by=by, **values)
