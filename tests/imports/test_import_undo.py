"""Undo of imports of every target: the database comes back to its exact earlier state; records used since go to
the trash; an import is undone once."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from rapport.activities.models import Activity
from rapport.contacts.models import Company, Contact
from rapport.core.errors import NotAllowed
from rapport.imports.choices import JobStatus
from rapport.imports.services.jobs import import_run, import_undo
from rapport.sales.models import Deal, Lead, Order
from rapport.sales.services.orders import order_create
from tests.factories import make_contact, make_product
from tests.imports.helpers import make_job

TABLES = [
    "contacts.Company",
    "contacts.Contact",
    "contacts.ContactEmail",
    "contacts.ContactPhone",
    "sales.Lead",
    "sales.Deal",
    "sales.DealStageChange",
    "sales.StageTotal",
    "sales.Order",
    "sales.OrderLine",
    "activities.Activity",
    "activities.TimelineEvent",
    "search.SearchEntry",
    "imports.ExternalKey",
    "analytics.PurchaseSummary",
]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the tables imports write, without the columns an undo legitimately moves on."""
    result = {}
    for label in TABLES:
        model = apps.get_model(label)
        skip = {"updated_at", "version"}
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        rows = model._base_manager.all()
        if label == "sales.StageTotal":
            rows = rows.exclude(deal_count=0, amount_cents=0)  # a board key emptied again is the same as none
        result[label] = sorted(rows.values_list(*fields), key=repr)
    return result


def run(job):
    return import_run(job.pk)


def test_undo_of_each_target_brings_every_table_back(admin, pipeline):
    make_contact(by=admin, first_name="Ada", emails=["ada@example.com"])
    make_product(by=admin, sku="W-1", unit_price="10.00")
    files = {
        "companies": "Name,Website\nAcme,acme.com\n",
        "leads": "Email,Company,Lead ID\nnew@example.com,Newco,L1\nada@example.com,,L2\n",
        "deals": "Name,Company,Stage,Amount,Contact Email\nBig,Acme,Won,100,ada@example.com\n",
        "orders": "Order Number,Email,SKU,Quantity\nO-1,ada@example.com,W-1,2\nO-1,ada@example.com,W-1,1\n",
        "activities": "Subject,Contact Email,Lead,Deal\nCall,ada@example.com,L1,Big\n",
    }
    states = [snapshot()]
    jobs = []
    for target, text in files.items():
        jobs.append(run(make_job(admin, text, target=target)))
        states.append(snapshot())
        assert states[-1] != states[-2], target
    for job, state in zip(reversed(jobs), reversed(states[:-1]), strict=True):
        import_undo(job=job, by=admin)
        now = snapshot()
        events = now.pop("activities.TimelineEvent")
        expected_events = state.pop("activities.TimelineEvent")
        assert now == state, job.target
        # Timeline rows are immutable history: only the undo notes of restored records may be new.
        assert set(map(repr, expected_events)) <= set(map(repr, events))


def test_undo_trashes_imported_deals_that_orders_point_at_since(admin, pipeline):
    ada = make_contact(by=admin, emails=["ada@example.com"])
    job = run(make_job(admin, "Name,Amount\nKept,10\nGone,20\n", target="deals"))
    kept = Deal.objects.get(name="Kept")
    order_create(by=admin, contact=ada, deal=kept, lines=[{"description": "x", "unit_price": "1"}])
    assert import_undo(job=job, by=admin) == {"deleted": 1, "trashed": 1, "restored": 0}
    assert Deal.all_objects.get(pk=kept.pk).deleted_at is not None
    assert not Deal.all_objects.filter(name="Gone").exists()
    assert Order.objects.get().deal_id == kept.pk


def test_undo_trashes_a_company_that_contacts_were_added_to_since(admin):
    job = run(make_job(admin, "Name\nAcme\nGlobex\n", target="companies"))
    acme = Company.objects.get(name="Acme")
    make_contact(by=admin, company=acme)
    assert import_undo(job=job, by=admin) == {"deleted": 1, "trashed": 1, "restored": 0}
    assert Company.all_objects.get(pk=acme.pk).deleted_at is not None
    assert Contact.objects.get().company_id == acme.pk


def test_undo_of_leads_keeps_activities_logged_on_them_since_by_trashing_the_lead(admin):
    from rapport.activities.services import activity_create

    job = run(make_job(admin, "Email\nlee@example.com\n", target="leads"))
    lead = Lead.objects.get()
    activity_create(by=admin, kind="note", subject="Talked", lead=lead)
    assert import_undo(job=job, by=admin) == {"deleted": 0, "trashed": 2, "restored": 0}
    assert Lead.all_objects.get(pk=lead.pk).deleted_at is not None
    assert Activity.objects.get().lead_id == lead.pk


def test_an_import_is_undone_once_and_only_by_its_owner_or_an_admin(admin, teammate):
    job = run(make_job(teammate, "Name\nAcme\n", target="companies"))
    with pytest.raises(NotAllowed):
        import_undo(job=job, by=make_contact_owner(admin, teammate))
    import_undo(job=job, by=teammate)
    job.refresh_from_db()
    assert job.status == JobStatus.UNDONE
    with pytest.raises(ValidationError) as exc:
        import_undo(job=job, by=admin)
    assert exc.value.messages == ["This import has already been undone."]


def make_contact_owner(admin, teammate):
    from tests.factories import make_user

    return make_user(role="rep", team=teammate.team)


def test_global_search_finds_imported_companies_leads_and_deals_and_not_after_undo(admin, pipeline):
    from rapport.search.selectors import search_ids

    jobs = [
        run(make_job(admin, "Name,Website\nZanzibar Works,zanzibar.example\n", target="companies")),
        run(
            make_job(admin, "Email,First Name,Need\nquokka@example.com,Quentin,Xylophones\n", target="leads")
        ),
        run(make_job(admin, "Name,Company\nWombat renewal,Zanzibar Works\n", target="deals")),
    ]
    found = search_ids(user=admin, query="zanzibar")
    assert (len(found.get("company", [])), len(found.get("deal", []))) == (1, 1)
    assert len(search_ids(user=admin, query="xylophone").get("lead", [])) == 1
    assert len(search_ids(user=admin, query="wombat").get("deal", [])) == 1
    for job in reversed(jobs):
        import_undo(job=job, by=admin)
    assert not any(search_ids(user=admin, query="zanzibar").values())
