"""Analytics pages and API: stored results, permissions, bad input, query counts that do not grow with rows."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from rapport.analytics.models import AnalyticsRun, RunStatus, SegmentRule
from rapport.analytics.services.runs import run_now
from tests.analytics.helpers import buy
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 12, 31)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def shop(admin, teammate, outsider):
    """Twelve customers of the teammate with a few years of orders, and one of the outsider."""
    people = [make_contact(by=admin, owner=teammate, last_name=f"Buyer{i:02d}") for i in range(12)]
    for i, person in enumerate(people):
        for k in range(1 + i % 5):
            buy(admin, person, AS_OF - dt.timedelta(days=30 * k + 7 * i), f"{50 + 10 * i}.00")
    stranger = make_contact(by=admin, owner=outsider, last_name="Stranger")
    buy(admin, stranger, AS_OF - dt.timedelta(days=3), "999.00")
    return people, stranger


@pytest.fixture
def computed(admin, shop):
    for kind in ("rfm", "abc", "kpi"):
        run_now(kind=kind, as_of=AS_OF, by=admin)
    run_now(kind="clv", as_of=AS_OF, params={"calibration_start": "2023-01-01"}, by=admin)
    return shop


def test_every_analytics_page_renders_stored_results_and_when_they_were_computed(client_for, teammate, computed):
    client = client_for(teammate)
    for name, args in (("analytics-home", []), ("analytics-abc", []), ("analytics-clv", []),
                       ("analytics-model", []), ("analytics-kpis", []), ("analytics-forecast", []),
                       ("analytics-dashboard", ["sales"]), ("analytics-dashboard", ["executive"]),
                       ("analytics-settings", [])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert not re.search(r"\b(nan|inf)\b", body, re.IGNORECASE), name
        if name != "analytics-settings":
            assert "Computed" in body and "as of 31 Dec 2024" in body, name


def test_segment_overview_shows_segments_and_the_tie_rule(client_for, teammate, computed):
    body = client_for(teammate).get(reverse("analytics-home")).content.decode()
    assert "Customers per segment" in body and "<svg" in body
    assert "Tie rule" in body


def test_segment_lists_only_contacts_the_user_may_see(client_for, admin, outsider, computed):
    people, stranger = computed
    from rapport.analytics.models import RfmScore

    segment = RfmScore.objects.get(contact=stranger).segment
    url = reverse("analytics-segment", args=[segment])
    assert "Stranger" in client_for(admin).get(url).content.decode()
    outsider_view = client_for(outsider).get(url).content.decode()
    assert "Stranger" in outsider_view
    teammate_segment = RfmScore.objects.get(contact=people[0]).segment
    assert people[0].last_name not in client_for(outsider).get(
        reverse("analytics-segment", args=[teammate_segment])).content.decode()


def test_segment_page_queries_do_not_grow_with_rows(client_for, admin, teammate, computed,
                                                      django_assert_max_num_queries):
    client = client_for(admin)
    from rapport.analytics.models import RfmScore

    segment = RfmScore.objects.values_list("segment", flat=True).first()
    with django_assert_max_num_queries(12):
        client.get(reverse("analytics-segment", args=[segment]))
    with django_assert_max_num_queries(14):
        client.get(reverse("analytics-clv"))
    with django_assert_max_num_queries(14):
        client.get(reverse("analytics-kpi-drill", args=["arpu"]))


def test_kpi_drill_down_lists_the_records_behind_the_kpi(client_for, admin, computed):
    body = client_for(admin).get(reverse("analytics-kpi-drill", args=["arpu"])).content.decode()
    assert "Revenue from orders in the period" in body and "Buyer00" in body


def test_pages_without_any_results_explain_what_to_do(client_for, manager):
    client = client_for(manager)
    for name, args in (("analytics-home", []), ("analytics-abc", []), ("analytics-clv", []),
                       ("analytics-model", []), ("analytics-kpis", []), ("analytics-dashboard", ["sales"]),
                       ("analytics-forecast", [])):
        body = client.get(reverse(name, args=args)).content.decode()
        assert "Not computed yet" in body, name
        assert "Recalculate now" in body, name


@override_settings(TASKS=IMMEDIATE)
def test_recalculate_runs_in_the_background_and_reports_failure_reasons(client_for, manager, django_capture_on_commit_callbacks):
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics-recalculate", args=["rfm"]), {"next": "/analytics/"})
    assert response.status_code == 302
    run = AnalyticsRun.objects.get(kind="rfm")
    assert run.status == RunStatus.FAILED
    assert run.message.startswith("No customer has bought anything on or before")
    body = client.get(reverse("analytics-home")).content.decode()
    assert "The last calculation stopped" in body and "record orders" in body


def test_run_status_shows_progress_for_htmx_polling(client_for, manager):
    run = AnalyticsRun.objects.create(kind="rfm", as_of=AS_OF, status=RunStatus.RUNNING, progress=40,
                                      step="Scoring 12 customers")
    body = client_for(manager).get(reverse("analytics-run-status", args=[run.pk])).content.decode()
    assert 'aria-valuenow="40"' in body and "Scoring 12 customers" in body and 'hx-trigger="every 1s"' in body


def test_reps_cannot_start_runs(client_for, teammate):
    response = client_for(teammate).post(reverse("analytics-recalculate", args=["rfm"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "Only managers and administrators" in response.content.decode()
    assert not AnalyticsRun.objects.exists()


def test_unknown_kind_and_bad_as_of_are_refused(client_for, manager):
    client = client_for(manager)
    assert client.post(reverse("analytics-recalculate", args=["magic"])).status_code == 404
    response = client.post(reverse("analytics-recalculate", args=["rfm"]), {"as_of": "31/12/2024"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "YYYY-MM-DD" in response.content.decode()
    response = client.post(reverse("analytics-recalculate", args=["rfm"]), {"as_of": "2999-01-01"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "cannot be in the future" in response.content.decode()


def test_settings_page_edits_a_segment_rule_with_validation(client_for, manager):
    client = client_for(manager)
    rule = SegmentRule.objects.get(name="Champions")
    client.post(reverse("analytics-settings"), {"action": "rule_save", "pk": rule.pk, "name": "Stars", "r_min": 5,
                                                "r_max": 5, "f_min": 4, "f_max": 5, "color": "#15803d"})
    assert SegmentRule.objects.get(pk=rule.pk).name == "Stars"
    response = client.post(reverse("analytics-settings"), {"action": "rule_save", "name": "Broken", "r_min": 4,
                                                           "r_max": 2, "f_min": 1, "f_max": 9}, follow=True)
    body = response.content.decode()
    assert "Enter a whole number from 1 to 5." in body and "Each range must go from a lower to a higher score." in body
    assert not SegmentRule.objects.filter(name="Broken").exists()


def test_contact_summary_partial_shows_segment_clv_and_p_alive(computed):
    from django.template.loader import render_to_string

    html = render_to_string("analytics/partials/contact_summary.html", {"contact": computed[0][4]})
    assert "RFM segment" in html and "CLV" in html and "Chance still active" in html


def api(client, method, path, body=None):
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    return getattr(client, method)(f"/api/v1/analytics{path}", **kwargs)


def test_api_returns_results_scoped_to_what_the_caller_may_see(client_for, outsider, admin, computed):
    people, stranger = computed
    outsider_client = client_for(outsider)
    rows = api(outsider_client, "get", "/rfm/scores").json()["results"]
    assert [r["contact"] for r in rows] == [str(stranger)]
    assert len(api(client_for(admin), "get", "/rfm/scores?limit=200").json()["results"]) == 13
    assert api(outsider_client, "get", f"/contacts/{people[0].pk}").status_code == 404
    mine = api(client_for(admin), "get", f"/contacts/{people[4].pk}").json()
    assert mine["purchase_days"] == 5 and mine["rfm"]["segment"] and 0 < mine["clv"]["p_alive"] <= 1
    clv = api(client_for(admin), "get", "/clv").json()
    assert clv["result"]["bgnbd"]["r"] > 0
    assert "kpis" in api(client_for(admin), "get", "/kpis").json()["result"]


def test_api_starts_runs_for_managers_and_refuses_bad_input(client_for, manager, teammate):
    response = api(client_for(manager), "post", "/runs", {"kind": "rfm", "as_of": "2024-12-31"})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert api(client_for(teammate), "post", "/runs", {"kind": "rfm"}).status_code == 403
    bad = api(client_for(manager), "post", "/runs", {"kind": "nonsense"})
    assert bad.status_code == 422 and bad.json()["errors"]["kind"] == ["Choose one of rfm, abc, clv, kpi, summary."]
    assert api(client_for(manager), "get", "/abc").status_code == 404


def test_api_sets_kpi_targets_and_refuses_unknown_kpis(client_for, manager):
    ok = api(client_for(manager), "post", "/targets", {"kpi": "win_rate", "period_start": "2024-01-01",
                                                        "period_end": "2024-03-31", "value": "0.3"})
    assert ok.status_code == 201 and ok.json()["value"] == "0.3"
    bad = api(client_for(manager), "post", "/targets", {"kpi": "happiness", "period_start": "2024-01-01",
                                                         "period_end": "2023-03-31", "value": "x"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"kpi", "value"}
