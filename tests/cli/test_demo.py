"""`rapport demo`: realistic, reproducible demo data with every kind of record the CRM shows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Sum
from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities.models import Activity, TimelineEvent
from rapport.activities.selectors import my_day
from rapport.contacts.models import Company, Contact, ContactEmail, ContactPhone
from rapport.core.demo import DEMO_LOGINS, demo_load
from rapport.core.normalize import email_normalize
from rapport.sales.models import Deal, DealStageChange, Lead, Order, OrderLine, Product
from rapport.search.models import SearchEntry
from rapport.search.selectors import global_search

pytestmark = pytest.mark.django_db(transaction=False)

SIZE = 300


@pytest.fixture
def demo() -> dict[str, int]:
    return demo_load(contacts=SIZE, seed=7).counts


def test_demo_creates_the_requested_contacts_and_a_company_per_ten(demo):
    assert Contact.objects.count() == SIZE
    assert Company.objects.count() == SIZE // 10
    assert demo["contacts_contact"] == SIZE
    assert demo["contacts_company"] == SIZE // 10


def test_demo_counts_match_the_rows_in_the_database(demo):
    assert demo["sales_deal"] == Deal.objects.count() > 0
    assert demo["sales_lead"] == Lead.objects.count() > 0
    assert demo["sales_order"] == Order.objects.count() > 0
    assert demo["sales_orderline"] == OrderLine.objects.count() >= Order.objects.count()
    assert demo["activities_activity"] == Activity.objects.count() > 0
    assert demo["sales_dealstagechange"] == DealStageChange.objects.count() >= Deal.objects.count()
    assert TimelineEvent.objects.count() == demo["activities_timelineevent"]
    assert Product.objects.count() == 27


def test_every_contact_has_exactly_one_primary_email_equal_to_its_email_column(demo):
    primaries = dict(ContactEmail.objects.filter(is_primary=True).values_list("contact_id", "email"))
    assert len(primaries) == SIZE
    for contact_id, email in Contact.objects.values_list("id", "email"):
        assert primaries[contact_id] == email
        assert email_normalize(email) == email


def test_demo_phones_are_possible_numbers_in_e164(demo):
    numbers = list(ContactPhone.objects.values_list("number", flat=True))
    assert numbers
    for number in numbers:
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.is_possible_number(parsed), number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number


def test_demo_people_come_from_several_countries(demo):
    countries = set(Contact.objects.values_list("country", flat=True))
    assert {"US", "DE", "GB", "FR"} <= countries


def test_same_seed_gives_the_same_people():
    demo_load(contacts=60, seed=11)
    first = list(
        Contact.objects.order_by("id").values_list("first_name", "last_name", "email", "phone", "country")
    )
    call_command("demo", contacts=60, seed=11, append=True, verbosity=0)
    everyone = list(
        Contact.objects.order_by("id").values_list("first_name", "last_name", "email", "phone", "country")
    )
    assert everyone[60:] == first


def test_another_seed_gives_other_people():
    demo_load(contacts=60, seed=11)
    first = list(Contact.objects.order_by("id").values_list("first_name", "last_name"))
    demo_load(contacts=60, seed=12)
    second = list(Contact.objects.order_by("id").values_list("first_name", "last_name"))[60:]
    assert first != second


def test_demo_users_can_log_in_with_the_printed_passwords(demo):
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(login.password)
        assert user.role == login.role
        assert (user.team.name if user.team else "") == login.team


def test_reps_one_and_two_share_a_team_with_the_manager_and_another_team_exists(demo):
    teams = {u.username: u.team.name for u in User.objects.exclude(team=None)}
    assert teams["rep1"] == teams["rep2"] == teams["manager"] == "Inside Sales"
    assert teams["rep3"] == teams["rep4"] == "Field Sales"


def test_every_deal_has_stage_history_ending_in_its_stage(demo):
    last_changes = {}
    for change in DealStageChange.objects.order_by("changed_at", "id"):
        if change.deal_id in last_changes:
            assert change.from_stage_id == last_changes[change.deal_id].to_stage_id
            assert change.changed_at >= last_changes[change.deal_id].changed_at
        else:
            assert change.from_stage_id is None
        last_changes[change.deal_id] = change
    for deal in Deal.objects.select_related("stage"):
        assert last_changes[deal.pk].to_stage_id == deal.stage_id
        assert last_changes[deal.pk].changed_at == deal.stage_changed_at
        assert (deal.closed_at is not None) == (deal.stage.kind != "open")
        assert bool(deal.lost_reason) == (deal.stage.kind == "lost")


def test_deals_spread_over_open_won_and_lost_stages(demo):
    kinds = Counter(Deal.objects.values_list("stage__kind", flat=True))
    assert kinds["open"] > 0 and kinds["won"] > 0 and kinds["lost"] > 0


def test_order_totals_are_the_sum_of_their_lines(demo):
    for order in Order.objects.annotate(lines_total=Sum("lines__unit_price")).prefetch_related("lines")[:50]:
        assert order.total == sum((line.total for line in order.lines.all()), Decimal("0"))


def test_most_customers_buy_once_and_some_buy_often(demo):
    per_contact = Counter(Order.objects.values("contact").annotate(n=Count("id")).values_list("n", flat=True))
    once = per_contact[1]
    often = sum(count for orders, count in per_contact.items() if orders >= 4)
    assert once > sum(per_contact.values()) / 3
    assert often > 0


def test_orders_span_years_and_none_lies_in_the_future(demo):
    newest = Order.objects.aggregate(m=Max("ordered_at"))["m"]
    oldest = Order.objects.order_by("ordered_at").first().ordered_at
    assert newest <= timezone.now()
    assert newest - oldest > dt.timedelta(days=365)


def test_leads_cover_sources_and_converted_leads_point_at_their_deal(demo):
    assert len(set(Lead.objects.values_list("source", flat=True))) >= 3
    for lead in Lead.objects.filter(status="converted"):
        assert lead.deal_id is not None and lead.converted_at is not None
    for lead in Lead.objects.exclude(status="converted"):
        assert lead.deal_id is None


def test_my_day_of_the_demo_reps_has_overdue_and_todays_tasks_and_meetings(demo):
    for username in ("rep1", "rep2"):
        day = my_day(user=User.objects.get(username=username))
        assert len(day["overdue"]) == 2
        assert len(day["today"]) == 3
        assert len(day["meetings"]) == 2
        assert all(meeting.attendees.count() == 1 for meeting in day["meetings"])


def test_search_finds_a_demo_contact_by_part_of_its_name_and_email(demo):
    admin = User.objects.get(username="admin")
    contact = Contact.objects.order_by("id")[5]
    hits = global_search(user=admin, query=f"{contact.first_name} {contact.last_name}", limit=50)
    assert ("contact", contact.pk) in {(h.kind, h.id) for h in hits}
    local_part = contact.email.split("@")[0]
    hits = global_search(user=admin, query=local_part, limit=50)
    assert ("contact", contact.pk) in {(h.kind, h.id) for h in hits}


def test_search_index_holds_every_contact_company_lead_and_deal(demo):
    expected = Contact.objects.count() + Company.objects.count() + Lead.objects.count() + Deal.objects.count()
    assert SearchEntry.objects.count() == expected


def test_timeline_of_a_customer_shows_creation_and_orders(demo):
    contact = Contact.objects.filter(orders__isnull=False).first()
    kinds = set(TimelineEvent.objects.filter(contact=contact).values_list("kind", flat=True))
    assert {"created", "order_placed"} <= kinds


def test_new_records_after_the_demo_get_fresh_ids(demo, admin):
    from tests.factories import make_contact

    contact = make_contact(by=admin, first_name="After", last_name="Demo")
    assert contact.pk == Contact.all_objects.aggregate(m=Max("id"))["m"]


def test_demo_command_refuses_a_database_with_contacts_without_append(demo):
    with pytest.raises(CommandError, match="has 300 contacts already. Add --append"):
        call_command("demo", contacts=10, verbosity=0)


def test_demo_command_rejects_a_negative_size():
    with pytest.raises(CommandError, match="--contacts must be a whole number from 0"):
        call_command("demo", contacts=-5, verbosity=0)


def test_the_most_common_surname_is_about_one_percent_of_its_country():
    from rapport.core.demo.data import COUNTRIES
    from rapport.core.demo.names import name_weights

    for country in COUNTRIES:
        weights = name_weights(len(country.last_names))
        assert max(weights) / sum(weights) <= 0.0105, country.code
        assert len(country.last_names) >= 120, country.code


def test_name_lists_repeat_no_name_within_a_country():
    from rapport.core.demo.data import COUNTRIES

    for country in COUNTRIES:
        assert len(set(country.last_names)) == len(country.last_names), country.code
        assert len(set(country.first_names)) == len(country.first_names), country.code


def test_demo_people_share_surnames_the_way_a_real_population_does(demo):
    by_country = Counter(Contact.objects.values_list("country", flat=True))
    surnames = Counter(Contact.objects.filter(country="US").values_list("last_name", flat=True))
    # 300 people with surnames from 233 US names: no name takes more than a handful.
    assert by_country["US"] > 30
    assert max(surnames.values()) <= 4


def test_a_load_at_scale_puts_back_every_index_it_dropped(monkeypatch):
    from django.db import connection

    from rapport.core.demo import generator

    def index_names() -> set[str]:
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            return {
                name
                for table in tables
                for name, info in connection.introspection.get_constraints(cursor, table).items()
                if info["index"]
            }

    before = index_names()
    monkeypatch.setattr(generator, "DEFER_INDEXES_FROM", 50)
    counts = demo_load(contacts=80, seed=3).counts
    assert counts["contacts_contact"] == 80
    assert index_names() == before
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert cursor.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_board_totals_match_the_demo_deals(demo):
    from rapport.sales.models import StageTotal

    expected = {
        (row["stage_id"], row["owner_id"], row["currency"]): (row["n"], row["amount"])
        for row in Deal.objects.values("stage_id", "owner_id", "currency").annotate(n=Count("id"), amount=Sum("amount"))
    }
    totals = {
        (t.stage_id, t.owner_id, t.currency): (t.deal_count, Decimal(t.amount_cents) / 100)
        for t in StageTotal.objects.all()
    }
    assert totals == expected
    assert demo["sales_stagetotal"] == len(expected)
