"""Generate realistic demo data at any size, streamed in batches through the raw connection.

The same seed gives the same records. Memory stays flat in the number of contacts: rows are buffered per
chunk of contacts and written table by table (parents first), then the buffers are emptied. Only a few
facts per company (owner, name, domain, country) are kept, a tenth of the size of the contacts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
import time
import unicodedata
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from rapport.activities.models import Activity
from rapport.contacts.models import Company, Contact
from rapport.core.demo import data
from rapport.core.demo.names import name_weights
from rapport.core.demo.users import demo_users_ensure
from rapport.core.demo.writer import BulkWriter, Table, record_table
from rapport.customization.models import Tag
from rapport.sales.choices import StageKind
from rapport.sales.models import Deal, Lead, Order, Pipeline, Product, Stage

DAY = 86400
# From this many contacts on, secondary indexes are dropped during the load and built afterwards.
DEFER_INDEXES_FROM = 50_000
CENT = Decimal("0.01")


def ts_text(ts: float) -> str:
    """Format a Unix time as the UTC text both databases read for a timestamp column."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(ts)))


def date_text(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(int(ts)))


def ascii_slug(text: str, sep: str = ".") -> str:
    """Fold a name to lower-case ASCII for emails and domains (Müller → mueller is not needed: muller)."""
    folded = "".join(data.ASCII_FOLD.get(ch, ch) for ch in text)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode().lower()
    out = []
    for ch in folded:
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != sep:
            out.append(sep)
    return "".join(out).strip(sep)


class Weighted:
    """Pick items by weight with one random number (bisect on cumulative weights)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            self.cumulative.append(total)
        self.total = total

    def pick(self, r: float) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, r * self.total)]


@dataclass
class DemoResult:
    """What was written and how long it took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    load_seconds: float = 0.0
    search_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _quote(text: str | None) -> str:
    """JSON for a string without quotes or backslashes in it (timestamps), or null."""
    return "null" if text is None else f'"{text}"'


class DemoGenerator:
    """Writes companies, contacts and everything that hangs off them for `contacts` people."""

    def __init__(
        self,
        *,
        contacts: int,
        seed: int,
        years: int,
        today: dt.date,
        chunk: int,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.n_contacts = contacts
        self.n_companies = max(1, contacts // 10) if contacts else 0
        self.rng = random.Random(seed)
        # Contacts' streets and postcodes come from a stream of their own, so that adding them left every
        # other generated value (and the published demo figures) as it was.
        self.address_rng = random.Random(seed + 1)
        self.chunk = chunk
        self.progress = progress or (lambda message: None)
        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        # "Now" for the data is the start of today in the site's time zone: history ends there and the
        # demo reps' tasks and meetings fall on today, whatever the time of day the data is loaded.
        self.today_start = dt.datetime.combine(today, dt.time(0), tzinfo=tz).timestamp()
        self.end = self.today_start - 3600
        self.start = self.today_start - years * 365 * DAY
        self.currency = str(settings.RAPPORT_BASE_CURRENCY)

        self.users = demo_users_ensure()
        self.reps = [self.users[n].pk for n in ("rep1", "rep2", "rep3", "rep4")]
        self.manager = self.users["manager"].pk
        self.pipeline, self.stages = self._pipeline()
        self.stage_json = {
            stage.pk: f'{_json(stage.name)},"kind":"{stage.kind}"'
            for group in self.stages.values()
            for stage in group
        }
        self.products = self._products()
        self.tags = [Tag.objects.get_or_create(name=name)[0].pk for name in data.TAGS]

        # Pickers by country index: names in order of frequency, the most common ~1 % of a country.
        self.countries = Weighted(range(len(data.COUNTRIES)), [c.weight for c in data.COUNTRIES])
        self.first_names = [Weighted(c.first_names, name_weights(len(c.first_names))) for c in data.COUNTRIES]
        self.last_names = [Weighted(c.last_names, name_weights(len(c.last_names))) for c in data.COUNTRIES]
        self.industries = data.INDUSTRIES
        self.deal_products = [p for p in self.products if p[4] in ("machine", "service")]
        self.shop_products = [p for p in self.products if p[4] == "consumable"]
        self.machines = [p for p in self.products if p[4] == "machine"]
        self.lead_sources = Weighted(
            ["web_form", "campaign", "event", "referral", "import", "manual", "api"],
            [30, 15, 10, 10, 10, 15, 10],
        )
        self.channels = Weighted(["web", "phone", "sales", "marketplace", "store"], [55, 12, 15, 13, 5])
        self.order_statuses = Weighted(["paid", "shipped", "cancelled", "refunded"], [25, 71, 2.5, 1.5])

        self.t_companies = record_table(
            "contacts_company",
            (
                "name",
                "domain",
                "industry",
                "size",
                "phone",
                "street",
                "city",
                "region",
                "postal_code",
                "country",
                "owner_id",
                "parent_id",
                "custom",
            ),
        )
        self.t_contacts = record_table(
            "contacts_contact",
            (
                "first_name",
                "last_name",
                "title",
                "company_id",
                "owner_id",
                "lifecycle_stage",
                "preferred_channel",
                "street",
                "city",
                "region",
                "postal_code",
                "country",
                "email",
                "phone",
                "custom",
            ),
        )
        self.t_emails = Table("contacts_contactemail", ("contact_id", "email", "kind", "is_primary"))
        self.t_phones = Table("contacts_contactphone", ("contact_id", "number", "kind", "is_primary"))
        self.t_consents = Table(
            "contacts_consent", ("contact_id", "channel", "status", "recorded_at", "source")
        )
        self.t_contact_tags = Table("contacts_contact_tags", ("contact_id", "tag_id"))
        self.t_deals = record_table(
            "sales_deal",
            (
                "name",
                "pipeline_id",
                "stage_id",
                "amount",
                "currency",
                "expected_close_date",
                "owner_id",
                "contact_id",
                "company_id",
                "lost_reason",
                "stage_changed_at",
                "closed_at",
                "custom",
            ),
        )
        self.t_leads = record_table(
            "sales_lead",
            (
                "contact_id",
                "company_id",
                "source",
                "status",
                "disqualified_reason",
                "score",
                "owner_id",
                "need",
                "product_id",
                "deal_id",
                "converted_at",
                "custom",
            ),
        )
        self.t_stage_changes = Table(
            "sales_dealstagechange",
            ("deal_id", "from_stage_id", "to_stage_id", "changed_at", "changed_by_id"),
        )
        self.t_deal_lines = Table(
            "sales_dealline", ("deal_id", "product_id", "quantity", "unit_price", "discount_percent")
        )
        self.t_orders = record_table(
            "sales_order",
            (
                "number",
                "external_id",
                "contact_id",
                "company_id",
                "deal_id",
                "ordered_at",
                "channel",
                "status",
                "currency",
                "total",
            ),
        )
        self.t_order_lines = Table(
            "sales_orderline", ("order_id", "product_id", "description", "quantity", "unit_price")
        )
        self.t_activities = record_table(
            "activities_activity",
            (
                "kind",
                "subject",
                "body",
                "owner_id",
                "contact_id",
                "company_id",
                "lead_id",
                "deal_id",
                "due_at",
                "priority",
                "done_at",
                "starts_at",
                "ends_at",
                "location",
                "outcome",
                "duration_minutes",
            ),
        )
        self.t_attendees = Table("activities_activity_attendees", ("activity_id", "contact_id"))
        self.t_timeline = Table(
            "activities_timelineevent",
            (
                "occurred_at",
                "actor_id",
                "kind",
                "summary",
                "data",
                "contact_id",
                "company_id",
                "lead_id",
                "deal_id",
                "activity_id",
                "order_id",
            ),
        )
        self.writer = BulkWriter(
            [
                self.t_companies,
                self.t_contacts,
                self.t_emails,
                self.t_phones,
                self.t_consents,
                self.t_contact_tags,
                self.t_deals,
                self.t_leads,
                self.t_stage_changes,
                self.t_deal_lines,
                self.t_orders,
                self.t_order_lines,
                self.t_activities,
                self.t_attendees,
                self.t_timeline,
            ]
        )
        # Compact facts about companies, looked up by every contact that works there.
        self.company_first_id = self.t_companies.next_id
        self.company_owner: list[int | None] = []
        self.company_name: list[str] = []
        self.company_domain: list[str] = []
        self.company_country: list[int] = []
        self.company_phone: list[str] = []
        # A few open deals and contacts per owner, for the demo reps' tasks and meetings of today.
        self.open_deals_by_owner: dict[int, list[tuple[int, int, int | None, str]]] = {}
        self.contacts_by_owner: dict[int, list[tuple[int, int | None, str]]] = {}

    # ---------------------------------------------------------------- set-up through the ORM (small)

    def _pipeline(self) -> tuple[Pipeline, dict[str, list[Stage]]]:
        from rapport.sales.services.pipelines import pipeline_create

        pipeline = (
            Pipeline.objects.filter(is_default=True).first()
            or Pipeline.objects.order_by("position", "id").first()
        )
        if pipeline is None:
            pipeline = pipeline_create(name="New business", by=self.users["admin"], is_default=True)
        stages = list(pipeline.stages.order_by("position", "id"))
        grouped: dict[str, list[Stage]] = {
            kind: [s for s in stages if s.kind == kind] for kind in StageKind.values
        }
        if not grouped[StageKind.OPEN] or not grouped[StageKind.WON] or not grouped[StageKind.LOST]:
            raise ValueError(
                f"The pipeline {pipeline.name} needs an open, a won and a lost stage for demo data."
            )
        return pipeline, grouped

    def _products(self) -> list[tuple[int, str, str, Decimal, str]]:
        existing = {p.sku: p for p in Product.all_objects.filter(sku__in=[row[0] for row in data.PRODUCTS])}
        missing = [
            Product(sku=sku, name=name, description=text, unit_price=Decimal(price), currency=self.currency)
            for sku, name, text, price, _kind in data.PRODUCTS
            if sku not in existing
        ]
        for product in Product.objects.bulk_create(missing):
            existing[product.sku] = product
        return [
            (existing[sku].pk, sku, name, Decimal(price), kind)
            for sku, name, _text, price, kind in data.PRODUCTS
        ]

    # ---------------------------------------------------------------- small helpers

    def _past(self, after: float, skew: float = 1.0) -> float:
        """A time between `after` and the end of history; skew < 1 favours recent times."""
        span = max(self.end - after, 3600)
        return after + span * (self.rng.random() ** skew)

    def _owner(self) -> int | None:
        r = self.rng.random()
        if r < 0.9:
            return self.reps[int(r / 0.9 * len(self.reps))]
        return self.manager if r < 0.95 else None

    def _phone(self, prefixes: tuple[str, ...], digits: int) -> str:
        r = self.rng.random
        first = str(2 + int(r() * 8))
        rest = str(int(r() * 10 ** (digits - 1))).zfill(digits - 1)
        return prefixes[int(r() * len(prefixes))] + first + rest

    def _event(
        self,
        occurred: float,
        actor: int | None,
        kind: str,
        summary: str,
        payload: str,
        *,
        contact: int | None = None,
        company: int | None = None,
        lead: int | None = None,
        deal: int | None = None,
        activity: int | None = None,
        order: int | None = None,
    ) -> None:
        self.t_timeline.add(
            (
                ts_text(occurred),
                actor,
                kind,
                summary[:300],
                payload,
                contact,
                company,
                lead,
                deal,
                activity,
                order,
            )
        )

    # ---------------------------------------------------------------- companies

    def _company(self) -> None:
        rng = self.rng
        r = rng.random
        country_index = self.countries.pick(r())
        country = data.COUNTRIES[country_index]
        industry, words = self.industries[int(r() * len(self.industries))]
        base = country.last_names if r() < 0.4 else data.NAME_WORDS
        first_word = base[int(r() * len(base))]
        core = f"{first_word} {words[int(r() * len(words))]}"
        suffix = country.company_suffixes[int(r() * len(country.company_suffixes))]
        name = f"{core} {suffix}"
        tld = country.tlds[int(r() * len(country.tlds))]
        domain = f"{ascii_slug(core, '-')}.{tld}"
        company_id = self.t_companies.new_id()
        index = company_id - self.company_first_id
        # Names repeat at scale; the domain gets a number so that it stays unique, as on the web.
        if index >= 2000:
            domain = f"{ascii_slug(core, '-')}{index}.{tld}"
        city, region, postal = country.cities[int(r() * len(country.cities))]
        postal_code = postal + "".join(
            str(rng.randint(0, 9)) for _ in range(max(0, country.postal_digits - len(postal)))
        )
        street = f"{country.streets[int(r() * len(country.streets))]} {rng.randint(1, 180)}"
        phone = self._phone(country.landline_prefixes, country.landline_digits)
        owner = self._owner()
        created = self._past(self.start - 365 * DAY, 0.9)
        created_text = ts_text(created)
        self.t_companies.add_record(
            company_id,
            created_text,
            created_text,
            values=(
                name,
                domain,
                industry,
                data.SIZES[int(r() * len(data.SIZES))],
                phone,
                street,
                city,
                region,
                postal_code,
                country.code,
                owner,
                None,
                "{}",
            ),
        )
        self._event(created, owner, "created", f"Company {name} created", "{}", company=company_id)
        self.company_owner.append(owner)
        self.company_name.append(name)
        self.company_domain.append(domain)
        self.company_country.append(country_index)
        self.company_phone.append(phone)

    # ---------------------------------------------------------------- contacts and what hangs off them

    def _contact(self) -> None:  # noqa: C901 - one person's whole story, kept in one place on purpose
        rng = self.rng
        r = rng.random
        company_index = int(r() * self.n_companies) if (self.n_companies and r() < 0.85) else None
        if company_index is not None:
            country_index = self.company_country[company_index]
            company_id: int | None = self.company_first_id + company_index
            owner = self.company_owner[company_index] if r() < 0.9 else self._owner()
        else:
            country_index = self.countries.pick(r())
            company_id = None
            owner = self._owner()
        country = data.COUNTRIES[country_index]
        first = self.first_names[country_index].pick(r())
        last = self.last_names[country_index].pick(r())
        contact_id = self.t_contacts.new_id()
        created = self._past(self.start, 0.8)
        person = ascii_slug(f"{first} {last}")
        personal = f"{person}{rng.randint(1, 999)}@{data.PERSONAL_DOMAINS[int(r() * 3)]}"
        if company_index is not None:
            email = f"{person}@{self.company_domain[company_index]}"
            self.t_emails.add((contact_id, email, "work", 1))
            if r() < 0.15:
                self.t_emails.add((contact_id, personal, "personal", 0))
        else:
            email = personal
            self.t_emails.add((contact_id, email, "personal", 1))
        phone = ""
        if r() < 0.85:
            phone = self._phone(country.mobile_prefixes, country.mobile_digits)
            self.t_phones.add((contact_id, phone, "mobile", 1))
            if company_index is not None and r() < 0.12:
                self.t_phones.add((contact_id, self.company_phone[company_index], "work", 0))
        if r() < 0.6:
            status = "granted" if r() < 0.75 else ("withdrawn" if r() < 0.4 else "unknown")
            source = ("Web form", "Trade fair", "Order checkout", "Phone call")[int(r() * 4)]
            self.t_consents.add((contact_id, "email", status, ts_text(created + 60), source))
        if phone and r() < 0.15:
            self.t_consents.add(
                (
                    contact_id,
                    "phone",
                    "granted" if r() < 0.8 else "withdrawn",
                    ts_text(created + 120),
                    "Phone call",
                )
            )
        if r() < 0.15:
            for tag in rng.sample(self.tags, 1 if r() < 0.8 else 2):
                self.t_contact_tags.add((contact_id, tag))
        full_name = f"{first} {last}"
        self._event(
            created,
            owner,
            "created",
            f"Contact {full_name} created",
            "{}",
            contact=contact_id,
            company=company_id,
        )
        if owner is not None:
            mine = self.contacts_by_owner.setdefault(owner, [])
            if len(mine) < 6:
                mine.append((contact_id, company_id, full_name))

        ctx = _Person(
            contact_id,
            company_id,
            owner,
            full_name,
            self.company_name[company_index] if company_index is not None else "",
            created,
        )
        # Deals (a fifth of the people), some coming from a lead; leads on their own for others.
        deal_count = 1 if r() < 0.17 else 0
        if r() < 0.015:
            deal_count = 2
        for _ in range(deal_count):
            deal_created = self._past(created, 0.6)
            deal_id, outcome, closed, deal_name = self._deal(ctx, deal_created)
            if r() < 0.35:
                self._lead(
                    ctx, deal_created - rng.randint(1, 20) * DAY, converted=(deal_id, deal_created, deal_name)
                )
            if outcome == "open":
                ctx.open_deal = True
            if outcome == "won":
                ctx.won = True
                self._won_order(ctx, deal_id, closed)
        if r() < 0.09:
            self._lead(ctx, self._past(created, 0.5), converted=None)
        # Purchases from the shop: most customers buy once, some re-order for years.
        if r() < 0.36:
            self._shop_orders(ctx)
        if not deal_count and r() < 0.08:
            self._loose_activity(ctx)

        if ctx.orders or ctx.won:
            stage = "customer"
            if ctx.last_order and ctx.last_order < self.end - 540 * DAY and r() < 0.5:
                stage = "churned"
            elif ctx.orders >= 10 and r() < 0.3:
                stage = "evangelist"
        elif ctx.open_deal:
            stage = "opportunity"
        elif ctx.lead:
            stage = "lead"
        else:
            stage = "subscriber" if r() < 0.4 else "lead"
        channel = ("", "", "email", "phone", "", "email")[int(r() * 6)]
        created_text = ts_text(created)
        title = data.TITLES[int(r() * len(data.TITLES))] if company_id else ""
        street, city, region, postal_code = self._address(country)
        self.t_contacts.add_record(
            contact_id,
            created_text,
            created_text,
            values=(
                first,
                last,
                title,
                company_id,
                owner,
                stage,
                channel,
                street,
                city,
                region,
                postal_code,
                country.code,
                email,
                phone,
                "{}",
            ),
        )

    def _address(self, country: data.Country) -> tuple[str, str, str, str]:
        """A contact's street, city, region and postal code; a quarter of them gave only their city."""
        city, region, postal = country.cities[int(self.rng.random() * len(country.cities))]
        extra = self.address_rng
        if extra.random() < 0.25:
            return "", city, "", ""
        digits = "".join(str(extra.randint(0, 9)) for _ in range(max(0, country.postal_digits - len(postal))))
        street = f"{country.streets[int(extra.random() * len(country.streets))]} {extra.randint(1, 180)}"
        return street, city, region, postal + digits

    def _deal(self, ctx: _Person, created: float) -> tuple[int, str, float, str]:
        rng = self.rng
        r = rng.random
        deal_id = self.t_deals.new_id()
        age = (self.end - created) / DAY
        p_open = 0.85 if age < 45 else (0.45 if age < 120 else 0.03)
        opens, won, lost = (
            self.stages[StageKind.OPEN],
            self.stages[StageKind.WON][0],
            self.stages[StageKind.LOST][0],
        )
        if r() < p_open:
            outcome = "open"
            reach = min(len(opens), 1 + int((r() ** 1.6) * len(opens)))
            path = opens[:reach]
        elif r() < 0.55:
            outcome = "won"
            path = [s for i, s in enumerate(opens) if i == 0 or r() < 0.8] + [won]
        else:
            outcome = "lost"
            path = opens[: 1 + int(r() * len(opens))] + [lost]
        # Lines: machines and service plans; the amount is their sum, or a round estimate without lines.
        lines: list[tuple[int, str, Decimal, Decimal, Decimal]] = []
        if r() < 0.6:
            for product in rng.sample(self.deal_products, 1 + int(r() * 3)):
                quantity = Decimal(12 if product[1] == "SRV-RENT" else rng.randint(1, 3))
                discount = (Decimal(0), Decimal(0), Decimal(5), Decimal(10))[int(r() * 4)]
                lines.append((product[0], product[2], quantity, product[3], discount))
        if lines:
            amount = sum(((q * p * (100 - d) / 100).quantize(CENT) for _pk, _n, q, p, d in lines), Decimal(0))
            headline = lines[0][1]
        else:
            amount = Decimal(rng.randint(4, 300) * 100)
            headline = ("Coffee for the office", "Machine upgrade", "Service contract", "Café fit-out")[
                int(r() * 4)
            ]
        who = ctx.company_name or ctx.full_name
        name = f"{who} — {headline}"[:200]
        # Stage times: a few days to weeks apart, squeezed to end before today for recent deals.
        gaps = [rng.uniform(1.5, 24.0) * DAY for _ in path[1:]]
        room = self.end - created
        total = sum(gaps)
        if total > room * 0.95:
            factor = room * 0.95 / total if total else 0
            gaps = [g * factor for g in gaps]
        when = created
        self.t_stage_changes.add((deal_id, None, path[0].pk, ts_text(when), ctx.owner))
        self._event(
            when,
            ctx.owner,
            "created",
            f"Deal {name} created",
            "{}",
            contact=ctx.contact_id,
            company=ctx.company_id,
            deal=deal_id,
        )
        amount_text = str(amount)
        money = f'"amount":"{amount_text}","currency":{_json(self.currency)}}}'
        self._event(
            when,
            ctx.owner,
            "stage_changed",
            f"Stage: {path[0].name}",
            f'{{"from":null,"to":{self.stage_json[path[0].pk]},{money}',
            contact=ctx.contact_id,
            company=ctx.company_id,
            deal=deal_id,
        )
        for previous, stage, gap in zip(path, path[1:], gaps, strict=False):
            when += gap
            self.t_stage_changes.add((deal_id, previous.pk, stage.pk, ts_text(when), ctx.owner))
            self._event(
                when,
                ctx.owner,
                "stage_changed",
                f"Stage: {previous.name} → {stage.name}",
                f'{{"from":{_json(previous.name)},"to":{self.stage_json[stage.pk]},{money}',
                contact=ctx.contact_id,
                company=ctx.company_id,
                deal=deal_id,
            )
        final = path[-1]
        closed = when if outcome != "open" else 0.0
        close_date = self.today_start + rng.randint(-10, 120) * DAY if outcome == "open" else when
        for product_id, _n, quantity, price, discount in lines:
            self.t_deal_lines.add((deal_id, product_id, str(quantity), str(price), str(discount)))
        self.t_deals.add_record(
            deal_id,
            ts_text(created),
            ts_text(when),
            version=len(path),
            values=(
                name,
                self.pipeline.pk,
                final.pk,
                amount_text,
                self.currency,
                date_text(close_date),
                ctx.owner,
                ctx.contact_id,
                ctx.company_id,
                data.LOST_REASONS[int(r() * len(data.LOST_REASONS))] if outcome == "lost" else "",
                ts_text(when),
                ts_text(closed) if closed else None,
                "{}",
            ),
        )
        if outcome == "open" and ctx.owner is not None:
            mine = self.open_deals_by_owner.setdefault(ctx.owner, [])
            if len(mine) < 6:
                mine.append((deal_id, ctx.contact_id, ctx.company_id, name))
        self._deal_activities(ctx, deal_id, created, when, outcome, path[0].name)
        return deal_id, outcome, closed, name

    def _deal_activities(
        self, ctx: _Person, deal_id: int, created: float, last: float, outcome: str, first_stage: str
    ) -> None:
        rng = self.rng
        r = rng.random
        for _ in range(1 + int(r() * 3)):
            when = min(created + (max(last, created + DAY) - created) * r(), self.end)
            pick = r()
            if pick < 0.45:
                self._activity(ctx, "call", data.CALL_SUBJECTS, when, deal=deal_id)
            elif pick < 0.7:
                self._activity(ctx, "email", data.EMAIL_SUBJECTS, when, deal=deal_id)
            elif pick < 0.85:
                self._activity(ctx, "meeting", data.MEETING_SUBJECTS, when, deal=deal_id)
            else:
                self._activity(ctx, "note", data.NOTE_SUBJECTS, when, deal=deal_id)
        if outcome == "open" and r() < 0.7:
            # The next step, due in the coming days (overdue and today's tasks are added for the demo reps).
            due = self.today_start + rng.randint(1, 21) * DAY + rng.choice((9, 10, 11, 14, 15, 16)) * 3600
            self._activity(ctx, "task", data.TASK_SUBJECTS, last, deal=deal_id, due=due, done=None)
        elif r() < 0.5:
            due = last - rng.randint(1, 5) * DAY
            self._activity(
                ctx,
                "task",
                data.TASK_SUBJECTS,
                max(created, due - 3 * DAY),
                deal=deal_id,
                due=due,
                done=due - rng.randint(0, 20) * 3600,
            )

    def _activity(
        self,
        ctx: _Person,
        kind: str,
        subjects: tuple[str, ...],
        when: float,
        *,
        deal: int | None = None,
        lead: int | None = None,
        due: float | None = None,
        done: float | None = 0.0,
        owner: int | None | str = "contact",
        starts: float | None = None,
        priority: str | None = None,
    ) -> int:
        """Write one activity with its timeline event; done=0.0 means "done when logged"."""
        rng = self.rng
        r = rng.random
        activity_id = self.t_activities.new_id()
        subject = subjects[int(r() * len(subjects))]
        actor = ctx.owner if isinstance(owner, str) else owner
        outcome, duration, location = "", None, ""
        due_text = done_text = starts_text = ends_text = None
        if kind == "call":
            outcome = ("connected", "connected", "connected", "voicemail", "no_answer", "busy")[int(r() * 6)]
            duration = rng.randint(2, 35) if outcome == "connected" else 1
        if kind in ("call", "email", "note"):
            done_text = ts_text(when)
        if kind == "meeting":
            begin = starts if starts is not None else when
            starts_text = ts_text(begin)
            ends_text = ts_text(begin + rng.choice((30, 45, 60, 90)) * 60)
            location = data.LOCATIONS[int(r() * len(data.LOCATIONS))]
        if kind == "task":
            due_text = ts_text(due if due is not None else when + 2 * DAY)
            done_text = ts_text(done) if done else None
        created_text = ts_text(when)
        self.t_activities.add_record(
            activity_id,
            created_text,
            created_text,
            values=(
                kind,
                subject,
                "",
                actor,
                ctx.contact_id,
                ctx.company_id,
                lead,
                deal,
                due_text,
                priority or ("normal", "normal", "high", "low")[int(r() * 4)],
                done_text,
                starts_text,
                ends_text,
                location,
                outcome,
                duration,
            ),
        )
        if kind == "meeting":
            self.t_attendees.add((activity_id, ctx.contact_id))
        label = {
            "call": "Call",
            "meeting": "Meeting",
            "task": "Task",
            "note": "Note",
            "email": "Logged email",
        }[kind]
        payload = (
            f'{{"kind":"{kind}","outcome":"{outcome}","duration_minutes":{duration if duration else "null"},'
            f'"due_at":{_quote(due_text)},"starts_at":{_quote(starts_text)}}}'
        )
        self._event(
            when,
            actor,
            "activity_logged",
            f"{label}: {subject}",
            payload,
            contact=ctx.contact_id,
            company=ctx.company_id,
            lead=lead,
            deal=deal,
            activity=activity_id,
        )
        return activity_id

    def _loose_activity(self, ctx: _Person) -> None:
        when = self._past(ctx.created, 0.7)
        if self.rng.random() < 0.6:
            self._activity(ctx, "call", data.CALL_SUBJECTS, when)
        else:
            self._activity(ctx, "note", data.NOTE_SUBJECTS, when)

    def _lead(self, ctx: _Person, created: float, *, converted: tuple[int, float, str] | None) -> None:
        rng = self.rng
        r = rng.random
        created = max(created, self.start)
        lead_id = self.t_leads.new_id()
        ctx.lead = True
        source = self.lead_sources.pick(r())
        need = data.LEAD_NEEDS[int(r() * len(data.LEAD_NEEDS))]
        product_id = self.deal_products[int(r() * len(self.deal_products))][0] if r() < 0.4 else None
        reason = ""
        deal_id: int | None = None
        converted_at: str | None = None
        if converted is not None:
            status = "converted"
            deal_id, when, _deal_name = converted
            converted_at = ts_text(when)
        else:
            age = (self.end - created) / DAY
            roll = r()
            if age < 30:
                status = "new" if roll < 0.5 else "working"
            elif age < 120:
                status = (
                    "working"
                    if roll < 0.3
                    else "nurturing"
                    if roll < 0.6
                    else "qualified"
                    if roll < 0.8
                    else "disqualified"
                )
            else:
                status = "disqualified" if roll < 0.5 else "nurturing" if roll < 0.9 else "qualified"
            if status == "disqualified":
                reason = data.DISQUALIFY_REASONS[int(r() * len(data.DISQUALIFY_REASONS))]
        owner = ctx.owner if not (source == "web_form" and status == "new" and r() < 0.3) else None
        created_text = ts_text(created)
        self.t_leads.add_record(
            lead_id,
            created_text,
            converted_at or created_text,
            values=(
                ctx.contact_id,
                ctx.company_id,
                source,
                status,
                reason,
                rng.randint(0, 100),
                owner,
                need,
                product_id,
                deal_id,
                converted_at,
                "{}",
            ),
        )
        source_label = {
            "web_form": "Web form",
            "campaign": "Campaign",
            "event": "Event",
            "referral": "Referral",
            "import": "Import",
            "manual": "Entered by hand",
            "api": "API",
        }[source]
        self._event(
            created,
            owner,
            "created",
            f"Lead created ({source_label})",
            f'{{"source":"{source}","need":{_json(need)}}}',
            contact=ctx.contact_id,
            company=ctx.company_id,
            lead=lead_id,
        )
        if converted is not None:
            self._event(
                converted[1],
                owner,
                "lead_converted",
                f"Lead converted to deal {converted[2]}",
                f'{{"deal_id":{deal_id},"lead_id":{lead_id}}}',
                contact=ctx.contact_id,
                company=ctx.company_id,
                lead=lead_id,
                deal=deal_id,
            )
        elif status == "working" and r() < 0.6:
            self._activity(ctx, "call", data.CALL_SUBJECTS, self._past(created, 0.3), lead=lead_id)

    def _order(
        self,
        ctx: _Person,
        when: float,
        lines: Sequence[tuple[int | None, str, Decimal, Decimal]],
        *,
        channel: str,
        deal: int | None = None,
    ) -> None:
        order_id = self.t_orders.new_id()
        number = f"SO-{time.gmtime(int(when)).tm_year}-{order_id:07d}"
        total = Decimal(0)
        for product_id, description, quantity, price in lines:
            total += (quantity * price).quantize(CENT)
            self.t_order_lines.add((order_id, product_id, description, str(quantity), str(price)))
        status = self.order_statuses.pick(self.rng.random())
        if when > self.end - 3 * DAY and status == "shipped":
            status = "paid"
        when_text = ts_text(when)
        self.t_orders.add_record(
            order_id,
            when_text,
            when_text,
            values=(
                number,
                None,
                ctx.contact_id,
                ctx.company_id,
                deal,
                when_text,
                channel,
                status,
                self.currency,
                str(total),
            ),
        )
        self._event(
            when,
            ctx.owner if channel == "sales" else None,
            "order_placed",
            f"Order {number}: {total} {self.currency}",
            f'{{"total":"{total}","currency":{_json(self.currency)},"lines":{len(lines)}}}',
            contact=ctx.contact_id,
            company=ctx.company_id,
            order=order_id,
        )
        ctx.orders += 1
        ctx.last_order = max(ctx.last_order, when)

    def _won_order(self, ctx: _Person, deal_id: int, closed: float) -> None:
        rng = self.rng
        when = closed + rng.randint(1, 10) * DAY
        if when > self.end:
            return
        product = self.machines[int(rng.random() * len(self.machines))]
        lines = [(product[0], product[2], Decimal(rng.randint(1, 2)), product[3])]
        service = self.deal_products[-5 + int(rng.random() * 4)]
        lines.append((service[0], service[2], Decimal(1), service[3]))
        self._order(ctx, when, lines, channel="sales", deal=deal_id)

    def _shop_orders(self, ctx: _Person) -> None:
        rng = self.rng
        r = rng.random
        roll = r()
        if roll < 0.55:
            count = 1
        elif roll < 0.73:
            count = 2
        elif roll < 0.82:
            count = 3
        else:
            count = 4 + int(rng.expovariate(1 / 7))
        when = self._past(ctx.created, 0.9 if count == 1 else 1.6)
        interval = rng.choice((14, 21, 30, 45, 60, 90, 120)) * DAY
        for _ in range(count):
            if when > self.end:
                break
            roll = r()
            n_lines = (
                1
                if roll < 0.35
                else 2
                if roll < 0.6
                else 3
                if roll < 0.8
                else 4
                if roll < 0.9
                else rng.randint(5, 7)
            )
            lines = []
            for product in rng.sample(self.shop_products, n_lines):
                quantity = Decimal(rng.randint(1, 4) if product[3] > 30 else rng.randint(1, 12))
                lines.append((product[0], product[2], quantity, product[3]))
            if r() < 0.02:
                machine = self.machines[int(r() * len(self.machines))]
                lines.append((machine[0], machine[2], Decimal(1), machine[3]))
            self._order(ctx, when, lines, channel=self.channels.pick(r()))
            when += interval * (0.5 + r())

    # ---------------------------------------------------------------- the demo reps' day

    def _my_day(self) -> None:
        """Give each rep and the manager overdue tasks, tasks due today and meetings today."""
        rng = self.rng
        hour = 3600
        for owner in [*self.reps, self.manager]:
            deals = self.open_deals_by_owner.get(owner, [])
            people = self.contacts_by_owner.get(owner, [])
            targets: list[tuple[int, int | None, int | None, str]] = [(d[1], d[2], d[0], d[3]) for d in deals]
            targets = targets or [(c[0], c[1], None, c[2]) for c in people]
            if not targets:
                continue
            plan = [
                ("task", -3 * 24 * hour + 10 * hour, "high"),
                ("task", -1 * 24 * hour + 15 * hour, "normal"),
                ("task", 9.5 * hour, "high"),
                ("task", 13 * hour, "normal"),
                ("task", 16.5 * hour, "low"),
                ("meeting", 11 * hour, "normal"),
                ("meeting", 15 * hour, "normal"),
            ]
            for i, (kind, offset, priority) in enumerate(plan):
                contact_id, company_id, deal_id, _name = targets[i % len(targets)]
                ctx = _Person(contact_id, company_id, owner, "", "", self.start)
                at = self.today_start + offset
                logged = min(at, self.today_start) - rng.randint(1, 5) * DAY
                if kind == "task":
                    self._activity(
                        ctx,
                        "task",
                        data.TASK_SUBJECTS,
                        logged,
                        deal=deal_id,
                        due=at,
                        done=None,
                        owner=owner,
                        priority=priority,
                    )
                else:
                    self._activity(
                        ctx, "meeting", data.MEETING_SUBJECTS, logged, deal=deal_id, owner=owner, starts=at
                    )

    # ---------------------------------------------------------------- run

    def run(self) -> dict[str, int]:
        started = time.monotonic()
        if self.n_contacts >= DEFER_INDEXES_FROM:
            self.writer.defer_indexes()
            self.writer.skip_triggers()
        done = 0
        while done < self.n_companies:
            for _ in range(min(self.chunk * 5, self.n_companies - done)):
                self._company()
            done = len(self.company_owner)
            self.writer.flush()
        self.progress(f"companies: {done:,}")
        done = 0
        next_report = 100_000
        while done < self.n_contacts:
            batch = min(self.chunk, self.n_contacts - done)
            for _ in range(batch):
                self._contact()
            done += batch
            self.writer.flush()
            if done >= next_report:
                rate = sum(t.written for t in self.writer.tables) / max(time.monotonic() - started, 1e-9)
                self.progress(f"contacts: {done:,} of {self.n_contacts:,} ({rate:,.0f} rows/s)")
                next_report += 100_000
        self._my_day()
        index_started = time.monotonic()
        self.writer.finish([Company, Contact, Deal, Lead, Order, Activity])
        if self.n_contacts >= DEFER_INDEXES_FROM:
            self.progress(f"indexes built in {time.monotonic() - index_started:.1f} s")
        return {t.name: t.written for t in self.writer.tables}


@dataclass
class _Person:
    """What the generator remembers about the contact it is writing."""

    contact_id: int
    company_id: int | None
    owner: int | None
    full_name: str
    company_name: str
    created: float
    orders: int = 0
    last_order: float = 0.0
    won: bool = False
    open_deal: bool = False
    lead: bool = False


def demo_load(
    *,
    contacts: int,
    seed: int = 42,
    years: int = 3,
    today: dt.date | None = None,
    chunk: int = 2000,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Load demo data for `contacts` people (and proportional companies, deals, orders), then index it."""
    if contacts < 0:
        raise ValueError("The number of contacts cannot be negative.")
    result = DemoResult()
    started = time.monotonic()
    # SQLite checks each foreign key with an index lookup per row (a third of the load's time); the
    # generator assigns every id and writes parents first, so at scale the checks are skipped for the
    # load, as PostgreSQL's triggers are (`BulkWriter.skip_triggers`). SQLite only allows this outside
    # a transaction, so a caller's transaction keeps them.
    checks_off = contacts >= DEFER_INDEXES_FROM and connection.disable_constraint_checking()
    try:
        _demo_load(contacts, seed, years, today, chunk, progress, result, started)
    finally:
        if checks_off:
            connection.enable_constraint_checking()
    database_analyze()
    result.seconds = time.monotonic() - started
    return result


def _demo_load(
    contacts: int,
    seed: int,
    years: int,
    today: dt.date | None,
    chunk: int,
    progress: Callable[[str], None] | None,
    result: DemoResult,
    started: float,
) -> None:
    from django.utils import timezone

    from rapport.sales.services.totals import stage_totals_rebuild
    from rapport.search.services import search_index_rebuild

    with transaction.atomic():
        generator = DemoGenerator(
            contacts=contacts,
            seed=seed,
            years=years,
            today=today or timezone.localdate(),
            chunk=chunk,
            progress=progress,
        )
        result.counts = generator.run()
        result.load_seconds = time.monotonic() - started
        search_started = time.monotonic()
        # Build the search index's own (trigram) indexes once after the rows, not row by row.
        search_table = BulkWriter([Table("search_searchentry", ())])
        if contacts >= DEFER_INDEXES_FROM:
            search_table.defer_indexes()
        result.counts["search_searchentry"] = search_index_rebuild()
        search_table.restore_indexes()
        result.search_seconds = time.monotonic() - search_started
        # The deal board's per-stage totals, from the deals just written (one aggregate statement).
        result.counts["sales_stagetotal"] = stage_totals_rebuild()


def database_analyze() -> None:
    """Refresh the query planner's statistics after a bulk load."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # A full ANALYZE (10 s at 1,000,000 contacts): the sampled one (analysis_limit=1000) counted
            # ~1,000 deals per pipeline instead of 197,276, and SQLite then sorted every deal for the
            # first page of the deals list (1.2 s instead of 4 ms).
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.execute("ANALYZE")
            if not connection.in_atomic_block:  # give the write-ahead log back to the disk
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("ANALYZE")
