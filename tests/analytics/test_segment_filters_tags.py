"""RFM segment, CLV range and churn risk as contact-list filters (page and API), and segment tags kept in sync."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from rapport.analytics.models import ClvScore, RfmScore
from rapport.analytics.services.runs import run_now
from rapport.analytics.services.segment_tags import settings_save
from rapport.core.errors import NotAllowed
from tests.analytics.helpers import buy
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 12, 31)


@pytest.fixture
def shop(admin, teammate, outsider):
    """Ten customers of the teammate (customer i last bought 10 i days ago, on i + 1 days) and one of the outsider."""
    people = [make_contact(by=admin, owner=teammate, last_name=f"Buyer{i}") for i in range(10)]
    for i, person in enumerate(people):
        for k in range(i + 1):
            buy(admin, person, AS_OF - dt.timedelta(days=10 * i + k), "100.00")
    stranger = make_contact(by=admin, owner=outsider, last_name="Stranger")
    buy(admin, stranger, AS_OF, "100.00")
    run_now(kind="rfm", as_of=AS_OF, by=admin)
    return people, stranger


def names(response):
    return sorted(row["last_name"] for row in response.json()["results"])


def test_the_api_filters_contacts_by_rfm_segment_within_what_the_user_may_see(
    client_for, teammate, admin, shop
):
    response = client_for(teammate).get("/api/v1/contacts?rfm_segment=New Customers")
    assert response.status_code == 200
    assert names(response) == ["Buyer0", "Buyer1"]  # the outsider's new customer stays hidden
    assert names(client_for(admin).get("/api/v1/contacts?rfm_segment=New Customers")) == [
        "Buyer0",
        "Buyer1",
        "Stranger",
    ]


def test_the_contact_list_page_offers_and_applies_the_segment_filter(client_for, teammate, shop):
    page = client_for(teammate).get(reverse("contact-list"), {"rfm_segment": "Can't Lose Them"})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="rfm_segment"' in body and "Churn risk" in body
    assert "Buyer9" in body and "Buyer8" in body and "Buyer0" not in body


def test_an_unknown_segment_is_refused_with_the_names_to_use(client_for, teammate, shop):
    response = client_for(teammate).get("/api/v1/contacts?rfm_segment=Whales")
    assert 400 <= response.status_code < 500
    message = response.json()["errors"]["rfm_segment"][0]
    assert message.startswith("Unknown RFM segment 'Whales'; use one of ")
    assert "Champions" in message


def test_clv_range_and_churn_risk_filter_on_the_latest_lifetime_values(client_for, admin, shop):
    people, stranger = shop
    run = run_now(kind="clv", as_of=AS_OF, params={"calibration_start": "2024-01-01"}, by=admin)
    values = {s.contact_id: s for s in ClvScore.objects.filter(run=run)}
    ordered = sorted(values.values(), key=lambda s: s.clv)
    low, high = ordered[3].clv, ordered[7].clv
    client = client_for(admin)
    expected = sorted(str(s.contact.last_name) for s in ordered if low <= s.clv <= high)
    assert names(client.get(f"/api/v1/contacts?clv_min={low}&clv_max={high}&limit=100")) == expected
    at_risk = sorted(str(s.contact.last_name) for s in ordered if s.p_alive < 0.5)
    assert names(client.get("/api/v1/contacts?churn_risk=high&limit=100")) == at_risk
    safe = sorted(str(s.contact.last_name) for s in ordered if s.p_alive >= 0.8)
    assert names(client.get("/api/v1/contacts?churn_risk=low&limit=100")) == safe


def test_bad_clv_filters_are_refused_field_by_field(client_for, admin, shop):
    client = client_for(admin)
    before_run = client.get("/api/v1/contacts?clv_min=10")
    assert 400 <= before_run.status_code < 500
    assert before_run.json()["errors"]["clv_min"] == [
        "No lifetime values have been computed yet; a manager can start the calculation on the Analytics page."
    ]
    bad = client.get("/api/v1/contacts?clv_min=lots&churn_risk=extreme")
    assert bad.status_code == 422 and "clv_min" in bad.json()["errors"]  # the schema refuses a non-number
    assert client.get("/api/v1/contacts?churn_risk=extreme").json()["errors"]["churn_risk"] == [
        "Use one of high, medium, low."
    ]
    page = client.get(reverse("contact-list"), {"clv_min": "500", "clv_max": "100"})
    assert 400 <= page.status_code < 500
    assert "The highest CLV must be at least the lowest." in page.content.decode()


def test_segment_tags_follow_each_run_and_go_away_when_turned_off(admin, manager, shop):
    people, stranger = shop
    settings_save(by=manager, tag_rfm_segments=True)
    tags = {p.last_name: sorted(t.name for t in p.tags.all()) for p in people}
    assert tags["Buyer0"] == ["RFM: New Customers"]
    assert tags["Buyer9"] == ["RFM: Can't Lose Them"]
    # A later run with another as-of date moves customers; their tag moves with them, one tag each.
    run_now(kind="rfm", as_of=AS_OF + dt.timedelta(days=200), by=admin)
    scores = dict(
        RfmScore.objects.filter(run__as_of=AS_OF + dt.timedelta(days=200)).values_list(
            "contact_id", "segment"
        )
    )
    for person in people:
        assert [t.name for t in person.tags.all()] == [f"RFM: {scores[person.pk]}"]
    settings_save(by=manager, tag_rfm_segments=False)
    assert all(not p.tags.exists() for p in people)


def test_a_new_order_moves_the_segment_tag_at_once(admin, manager, shop):
    people, _ = shop
    settings_save(by=manager, tag_rfm_segments=True)
    buy(admin, people[9], AS_OF, "100.00")
    assert [t.name for t in people[9].tags.all()] == ["RFM: Champions"]


def test_only_managers_and_admins_change_the_tag_setting(teammate, shop):
    with pytest.raises(NotAllowed):
        settings_save(by=teammate, tag_rfm_segments=True)
