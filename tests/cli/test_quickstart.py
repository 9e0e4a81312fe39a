"""`rapport quickstart --no-serve`: demo data, example costs per activity, analytics computed, logins printed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from rapport.analytics.models import AnalyticsRun, RunKind, RunStatus
from rapport.analytics.services.settings import activity_costs
from rapport.contacts.models import Contact

pytestmark = pytest.mark.django_db


def test_quickstart_loads_demo_data_and_shows_a_cost_to_serve_per_abc_class():
    out = StringIO()
    call_command("quickstart", "--no-serve", "--contacts", "300", stdout=out)
    text = out.getvalue()
    assert Contact.objects.count() == 300
    assert "admin" in text and "admin-demo" in text
    assert {k: str(v) for k, v in activity_costs().items()} == {
        "call": "12.00",
        "meeting": "85.00",
        "task": "6.00",
        "email": "2.50",
    }
    abc = AnalyticsRun.objects.filter(kind=RunKind.ABC, status=RunStatus.DONE).latest("id")
    classes = abc.result["classes"]
    served = sum(c["cost_to_serve"] for c in classes.values())
    assert served > 0
    for c in classes.values():
        assert c["margin"] == round(c["revenue"] - c["cost_to_serve"], 2)


def test_quickstart_on_a_database_with_users_keeps_their_data_and_costs():
    from tests.factories import make_user

    make_user(role="admin", username="owner")
    out = StringIO()
    call_command("quickstart", "--no-serve", stdout=out)
    assert Contact.objects.count() == 0
    assert activity_costs() == {}
