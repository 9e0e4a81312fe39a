"""Importing orders with their lines: one line per row; rows with the same order number (or external id)
are one order. The lines of an order are kept in one batch, and an order is written whole or not at all:
if one of its lines is rejected, the order's other lines are rejected with it. Lines of an order far apart
in the file (in different batches) are added to what the earlier ones wrote (see OrderImporter.process).

Orders feed the purchase summaries the analytics read: every batch recomputes the summaries of the
customers it touched, set-based, once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError

from rapport.contacts.choices import LifecycleStage
from rapport.imports.choices import MatchKey, Mode, Outcome
from rapport.imports.models import ImportBatch, ImportRow
from rapport.imports.services import db
from rapport.imports.services.base import RecordImporter
from rapport.imports.services.dry_memory import planned_id
from rapport.imports.services.people import people_create, split_name
from rapport.imports.services.rows import (
    BatchResult,
    Outcomes,
    Prepared,
    Rejected,
    dry_run_match,
    json_safe,
    model_insert,
    runs_of,
    same_value,
    update_refusal,
)
from rapport.imports.services.values import person_email
from rapport.sales.choices import OrderChannel, OrderStatus
from rapport.sales.models import Order, OrderLine, Product
from rapport.sales.services.orders import catalogue_editable_by

CHANNEL_SYNONYMS = {
    "online": OrderChannel.WEB,
    "webshop": OrderChannel.WEB,
    "web shop": OrderChannel.WEB,
    "shop": OrderChannel.WEB,
    "online store": OrderChannel.WEB,
    "e-commerce": OrderChannel.WEB,
    "ecommerce": OrderChannel.WEB,
    "website": OrderChannel.WEB,
    "shopify": OrderChannel.WEB,
    "woocommerce": OrderChannel.WEB,
    "retail": OrderChannel.STORE,
    "pos": OrderChannel.STORE,
    "point of sale": OrderChannel.STORE,
    "in store": OrderChannel.STORE,
    "laden": OrderChannel.STORE,
    "filiale": OrderChannel.STORE,
    "magasin": OrderChannel.STORE,
    "tienda": OrderChannel.STORE,
    "telefon": OrderChannel.PHONE,
    "telephone": OrderChannel.PHONE,
    "téléphone": OrderChannel.PHONE,
    "teléfono": OrderChannel.PHONE,
    "direct": OrderChannel.SALES,
    "b2b": OrderChannel.SALES,
    "field sales": OrderChannel.SALES,
    "sales team": OrderChannel.SALES,
    "vertrieb": OrderChannel.SALES,
    "amazon": OrderChannel.MARKETPLACE,
    "ebay": OrderChannel.MARKETPLACE,
    "etsy": OrderChannel.MARKETPLACE,
    "marktplatz": OrderChannel.MARKETPLACE,
}
STATUS_SYNONYMS = {
    "pending": OrderStatus.PLACED,
    "open": OrderStatus.PLACED,
    "new": OrderStatus.PLACED,
    "on hold": OrderStatus.PLACED,
    "processing": OrderStatus.PAID,
    "authorized": OrderStatus.PAID,
    "bezahlt": OrderStatus.PAID,
    "payé": OrderStatus.PAID,
    "paye": OrderStatus.PAID,
    "pagado": OrderStatus.PAID,
    "completed": OrderStatus.SHIPPED,
    "complete": OrderStatus.SHIPPED,
    "fulfilled": OrderStatus.SHIPPED,
    "delivered": OrderStatus.SHIPPED,
    "closed": OrderStatus.SHIPPED,
    "versendet": OrderStatus.SHIPPED,
    "geliefert": OrderStatus.SHIPPED,
    "expédié": OrderStatus.SHIPPED,
    "enviado": OrderStatus.SHIPPED,
    "canceled": OrderStatus.CANCELLED,
    "voided": OrderStatus.CANCELLED,
    "void": OrderStatus.CANCELLED,
    "storniert": OrderStatus.CANCELLED,
    "annulé": OrderStatus.CANCELLED,
    "cancelado": OrderStatus.CANCELLED,
    "partially refunded": OrderStatus.REFUNDED,
    "erstattet": OrderStatus.REFUNDED,
    "remboursé": OrderStatus.REFUNDED,
    "reembolsado": OrderStatus.REFUNDED,
}
HEADER_COLUMNS = ("contact_id", "company_id", "deal_id", "ordered_at", "channel", "status", "currency")
LINE_COLUMNS = ["order_id", "product_id", "description", "quantity", "unit_price"]
ORDER_DAYS_AHEAD = 366
NEW_CUSTOMERS_REJECT, NEW_CUSTOMERS_CREATE = "reject", "create"
# What to do with a line whose SKU no product has: reject its order, add the product, or keep the line without one.
NEW_PRODUCTS_REJECT, NEW_PRODUCTS_CREATE, NEW_PRODUCTS_WITHOUT = "reject", "create", "without"
NEW_PRODUCTS = (NEW_PRODUCTS_REJECT, NEW_PRODUCTS_CREATE, NEW_PRODUCTS_WITHOUT)
UNKNOWN_SKU = (
    "There is no product with SKU {key!r}; add it under Products, choose “Create the product” or “Import the "
    "line without a product” for unknown SKUs in the import's settings, or fix the SKU."
)
# The reason of the rows of an order the file leaves as it is; a resumed run finds such orders by it.
UNCHANGED = "Order #{order_id} already has these values and lines; nothing changed."
# What groups of lines are one order by: a matched order's id, or a new order's number.
OrderKey = TypeVar("OrderKey", int, str)
PERSON_FIELDS = {
    "customer_name": ("full_name", "Customer name", 201),
    "customer_first_name": ("first_name", "Customer first name", 100),
    "customer_last_name": ("last_name", "Customer last name", 100),
}


def _total(lines: list[Prepared]) -> Decimal:
    return sum(
        ((r.extra["quantity"] * r.extra["unit_price"]).quantize(Decimal("0.01")) for r in lines), Decimal("0")
    )


def _line_key(product_id: Any, description: str, quantity: Any, unit_price: Any) -> tuple[Any, str, str, str]:
    """An order line as _plan_updates compares it: quantity to 0.001 and price to 0.01, as they are stored."""
    return (
        product_id,
        description,
        str(Decimal(str(quantity)).quantize(Decimal("0.001"))),
        str(Decimal(str(unit_price)).quantize(Decimal("0.01"))),
    )


@dataclass
class OrderUpdate:
    """A matched order the file changes, as _plan_updates found it: its lines in the file, the stored values
    (`old`), the values after the update (`new`), what undo needs back (`before`) and the changes."""

    lines: list[Prepared]
    order_id: int
    old: dict[str, Any]
    new: dict[str, Any]
    before: dict[str, Any]
    changes: dict[str, Any]
    # An order an earlier batch found as the file had it: the group's lines are added to its lines.
    adding: bool = False


class OrderImporter(RecordImporter):
    """Transform, group, match and write order lines of one job."""

    target = "orders"
    kind = "order"
    model = Order
    noun = "order"
    match_keys = (MatchKey.NUMBER, MatchKey.EXTERNAL_ID)
    update_columns = (*HEADER_COLUMNS, "total")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._group: str | None = None
        self._next: list[Prepared | Rejected] = []
        # Orders this job created ("created"), rewrote ("updated") or found as the file has them
        # ("unchanged") in earlier batches (a resumed job, or lines far apart in the file): further lines are
        # added to them instead of being taken for a duplicate or replacing the lines the file gave before.
        self.job_orders: dict[int, str] = {}
        # What to do with a customer email no contact has: reject the order, or create the contact.
        choice = (self.job.options or {}).get("new_customers") or NEW_CUSTOMERS_REJECT
        if choice not in (NEW_CUSTOMERS_REJECT, NEW_CUSTOMERS_CREATE):
            raise ValidationError(
                f"new_customers must be {NEW_CUSTOMERS_REJECT!r} or {NEW_CUSTOMERS_CREATE!r} (it is {choice!r})."
            )
        self.new_customers = choice == NEW_CUSTOMERS_CREATE
        products = (self.job.options or {}).get("new_products") or NEW_PRODUCTS_REJECT
        if products not in NEW_PRODUCTS:
            raise ValidationError(
                f"new_products must be one of {', '.join(map(repr, NEW_PRODUCTS))} (it is {products!r})."
            )
        if products == NEW_PRODUCTS_CREATE and not catalogue_editable_by(self.user):
            raise ValidationError(
                "Only managers and administrators add products to the catalogue. For unknown SKUs choose "
                "“Reject the order” or “Import the line without a product”, or ask one of them to run this import."
            )
        self.new_products = products
        if self.write and self.job.pk:
            for batch in ImportBatch.objects.filter(job=self.job):
                for first, last in batch.created_ranges.get("order", []):
                    for pk in range(first, last + 1):
                        self.job_orders[pk] = "created"
            for skipped, reason in ImportRow.objects.filter(
                job=self.job, outcome=Outcome.SKIPPED, object_id__isnull=False
            ).values_list("object_id", "reason"):
                if skipped is not None and reason == UNCHANGED.format(order_id=skipped):
                    self.job_orders[int(skipped)] = "unchanged"
            for updated in ImportRow.objects.filter(job=self.job, outcome=Outcome.UPDATED).values_list(
                "object_id", flat=True
            ):
                if updated:
                    self.job_orders[int(updated)] = "updated"

    def check_mapping(self) -> None:
        if not self.mapped & {"number", "external_id"}:
            raise ValidationError(
                "Map a column to Order number: rows with the same number are the lines of one order."
            )
        if self.job.match_key == MatchKey.NUMBER and "number" not in self.mapped:
            raise ValidationError("To match orders by order number, map a column to Order number.")
        if self.job.mode != Mode.UPDATE and "contact" not in self.mapped:
            raise ValidationError("Map a column to Customer email: an order belongs to a contact.")
        if not self.mapped & {"sku", "description"}:
            raise ValidationError(
                "Map a column to Product SKU or Line description: each row is a line of an order."
            )

    def natural_key_text(self) -> str:
        return "order number"

    def parse_cell(self, name: str, cell: str, row: Prepared) -> None:
        if name == "number":
            row.values["number"] = self.text(cell, "Order number", 64)
        elif name == "contact":
            row.keys["contact"] = person_email(cell)
        elif name in PERSON_FIELDS:
            key, label, length = PERSON_FIELDS[name]
            row.extra.setdefault("person", {})[key] = self.text(cell, label, length)
        elif name == "customer_phone":
            row.extra.setdefault("person", {})["phone_raw"] = (cell, self.header_of(name) or "Customer phone")
        elif name == "customer_country":
            row.extra.setdefault("person", {})["country"] = self.country(cell)
        elif name == "company":
            row.keys["company"] = self.text(cell, "Company", 253)
        elif name == "deal":
            row.keys["deal"] = self.text(cell, "Deal", 200)
        elif name == "ordered_at":
            row.values["ordered_at"] = self.datetime(cell, "Order date", future_days=ORDER_DAYS_AHEAD)
        elif name == "channel":
            row.values["channel"] = self.choice(
                cell, "channel", "Channel", list(OrderChannel.choices), CHANNEL_SYNONYMS
            )
        elif name == "status":
            row.values["status"] = self.choice(
                cell, "status", "Order status", list(OrderStatus.choices), STATUS_SYNONYMS
            )
        elif name == "currency":
            row.values["currency"] = self.currency(cell)
        elif name == "sku":
            row.keys["product"] = self.text(cell, "Product SKU", 64)
        elif name == "description":
            row.extra["description"] = self.text(cell, "Line description", 200)
        elif name == "quantity":
            row.extra["quantity"] = self.quantity(cell)
        elif name == "unit_price":
            price, currency = self.money(cell, "Unit price")
            row.extra["unit_price"] = price
            if currency:
                row.extra["price_currency"] = currency

    def finish_row(self, row: Prepared, errors: list[str]) -> None:
        if not (row.values.get("number") or row.external_id):
            errors.append(
                "This line has no order number; give every line the number of the order it belongs to."
            )
        if not (row.keys.get("product") or row.extra.get("description")):
            errors.append("This line has neither a product SKU nor a description; give one of them.")
        price_currency = row.extra.get("price_currency")
        if price_currency:
            if row.values.get("currency", price_currency) != price_currency:
                errors.append(
                    f"The unit price is in {price_currency} but the currency column says "
                    f"{row.values['currency']}; fix one of them."
                )
            row.values["currency"] = price_currency
        row.extra.setdefault("quantity", Decimal("1.000"))
        person = row.extra.get("person")
        if person:
            if person.get("full_name") and not (person.get("first_name") or person.get("last_name")):
                first, last = split_name(person.pop("full_name"))
                person["first_name"], person["last_name"] = first[:100], last[:100]
            person.pop("full_name", None)
            if person.get("phone_raw"):
                # Checked only when the row creates its customer: an existing contact keeps its own phone.
                raw, header = person.pop("phone_raw")
                try:
                    person["phone"] = self.phone(raw, person.get("country", ""))
                except ValidationError as exc:
                    person["phone_error"] = f"{header}: {' '.join(exc.messages)}"

    @staticmethod
    def group_key(row: Prepared) -> str:
        return f"x:{row.external_id}" if row.external_id else f"n:{row.values.get('number', '')}"

    def row_match_keys(self, row: Prepared) -> list[str]:
        """The key the run finds this order by in the database (its number, or its external id, as the job
        matches), which the dry run remembers for the orders it would create: a later line of the file is
        then taken for that order exactly when the run would find it."""
        if self.job.match_key == MatchKey.EXTERNAL_ID:
            return [f"x:{row.external_id}"] if row.external_id else []
        number = row.values.get("number")
        return [f"n:{number}"] if number else []

    # ------------------------------------------------------------ batching: whole orders per batch

    def add(self, item: Prepared | Rejected, flush: Callable[[], None]) -> None:
        """Queue a line; a batch ends only where a new order starts, so orders are never split.

        When a full batch meets the first line of the next order, that line waits in `_next` and
        `pending` tells the jobs loop the batch is ready: the loop flushes it and reports progress,
        in the dry run as in the real run (before, this method flushed by itself and the dry run's
        progress stayed at 0 % until the end). A rejected line counts for the order its cells name,
        so it is never cut off from its order's other lines either.
        """
        if self._next:
            flush()  # the loop did not take the ready batch (a caller with another batch size): take it here
        key = self.group_key(item) if isinstance(item, Prepared) else self._cells_group(item)
        if key is not None and key != self._group and len(self._batch) >= self.batch_rows:
            self._next.append(item)
        else:
            self._batch.append(item)
        if key is not None:
            self._group = key

    def take_batch(self) -> list[Prepared | Rejected]:
        batch, self._batch, self._next = self._batch, self._next, []
        self._batch_keys = set()
        return batch

    @property
    def pending(self) -> int:
        # The jobs loop flushes when this reaches its batch size. A batch of whole orders is ready when a
        # line of the next order waits: then this is above any batch size, so the loop flushes at once
        # (and the last flush of the file never leaves a waiting line behind). Otherwise it is 0, so the
        # loop never cuts an order, unless one order's lines exceed several batches.
        if self._next:
            return sys.maxsize
        return len(self._batch) if len(self._batch) >= 5 * self.batch_rows else 0

    # ------------------------------------------------------------ matching

    def external_matches(self, rows: list[Prepared]) -> dict[int, tuple[int, str]]:
        ext = sorted({r.external_id for r in rows if r.external_id})
        by_ext = (
            dict(
                db.query_in(
                    "SELECT external_id, id FROM sales_order WHERE deleted_at IS NULL AND external_id "
                    "IN ({})",
                    ext,
                )
            )
            if ext
            else {}
        )
        return {
            r.row_number: (by_ext[r.external_id], "same external id") for r in rows if r.external_id in by_ext
        }

    def natural_matches(self, rows: list[Prepared]) -> dict[int, tuple[int, str]]:
        numbers = sorted({r.values["number"] for r in rows if r.values.get("number")})
        by_number: dict[str, int] = {}
        for number, pk in (
            db.query_in(
                "SELECT number, id FROM sales_order WHERE deleted_at IS NULL AND number IN ({}) ORDER BY id",
                numbers,
            )
            if numbers
            else []
        ):
            by_number.setdefault(number, pk)
        return {
            r.row_number: (by_number[r.values["number"]], "same order number")
            for r in rows
            if r.values.get("number") in by_number
        }

    # ------------------------------------------------------------ processing

    def _link_customers(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Link each row's customer email to a contact the user may see; a new email will create one."""
        return self.link_contact(
            rows,
            out,
            None
            if self.new_customers
            else "There is no contact with the email {key!r}; import the contacts first, choose “Create the "
            "contact” for new customer emails in the import's settings, or fix the email.",
        )

    def _customer_problem(self, lines: list[Prepared]) -> str | None:
        """Gather the new customer of an order from its lines (a shop writes the name on the first only)."""
        first = lines[0]
        if "contact_id" in first.values or not first.keys.get("contact"):
            return None
        person: dict[str, Any] = {}
        for r in lines:
            for key, value in r.extra.get("person", {}).items():
                if value:
                    person.setdefault(key, value)
        if person.get("phone_error"):
            return f"{person['phone_error']} (the phone of the new customer {first.keys['contact']!r})."
        first.extra["person"] = person
        return None

    def resolve(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        rows = self._link_customers(rows, out)
        rows = self.link_company(rows, out)
        rows = self.link_deal(rows, out)
        rows = self.link_product(
            rows, out, missing=UNKNOWN_SKU if self.new_products == NEW_PRODUCTS_REJECT else None
        )
        kept: list[Prepared] = []
        trashed: list[Prepared] = []  # lines that would create a product: their SKU must not be in the trash
        for r in rows:
            if r.refused:  # a customer, company, deal or SKU that is not there: the price check would say no more
                kept.append(r)
                continue
            product = r.extra.get("product")
            sku = r.keys.get("product")
            if product is None and sku and self.new_products == NEW_PRODUCTS_WITHOUT:
                # The line keeps what it says about the product: its description, and the SKU beside it.
                described = r.extra.get("description")
                r.extra["description"] = (f"{described} ({sku})" if described else sku)[:200]
            elif product is None and sku:
                r.extra["new_product"] = sku
                trashed.append(r)
            if "unit_price" not in r.extra:
                if product is None:
                    self.refuse(r, "This line has no unit price and no product to take it from; give the unit price.")
                    kept.append(r)
                    continue
                r.extra["unit_price"] = product[1]
            if not r.extra.get("description") and product is not None:
                r.extra["description"] = product[2][:200]
            kept.append(r)
        in_trash = self._trashed_skus({r.extra["new_product"] for r in trashed})
        if not in_trash:
            return kept
        for r in kept:
            if r.extra.get("new_product") in in_trash:
                reason = (
                    f"The product with SKU {r.extra['new_product']!r} is in the trash; restore it under Trash, "
                    "or fix the SKU."
                )
                self.refuse(r, self.about(reason, "sku"))
        return kept

    @staticmethod
    def _trashed_skus(skus: set[str]) -> set[str]:
        if not skus:
            return set()
        return {
            sku
            for (sku,) in db.query_in(
                "SELECT sku FROM sales_product WHERE deleted_at IS NOT NULL AND sku IN ({})", sorted(skus)
            )
        }

    def _new_product_lines(
        self,
        creates: list[list[Prepared]],
        updates: list[tuple[list[Prepared], int]],
        appends: list[tuple[list[Prepared], int]],
    ) -> list[tuple[Prepared, str]]:
        """The lines that will add a product (SKU unknown, "Create the product" chosen), with their order's
        currency. `updates` are the orders the user may change (_updates_allowed): a refused order adds none."""
        groups = [*creates, *(lines for lines, _ in updates), *(lines for lines, _ in appends)]
        return [
            (r, self._header(lines).get("currency") or self.default_currency)
            for lines in groups
            for r in lines
            if "new_product" in r.extra
        ]

    @staticmethod
    def _new_products(lines: list[tuple[Prepared, str]]) -> dict[str, tuple[Prepared, dict[str, Any]]]:
        """Per new SKU, its first line and the product it makes: named by the line's description (the SKU when
        there is none), priced by its unit price, in its price's currency or else its order's."""
        first: dict[str, tuple[Prepared, dict[str, Any]]] = {}
        for r, currency in lines:
            sku = r.extra["new_product"]
            if sku not in first:
                first[sku] = (
                    r,
                    {
                        "name": (r.extra.get("description") or sku)[:200],
                        "unit_price": r.extra["unit_price"],
                        "currency": r.extra.get("price_currency") or currency,
                    },
                )
        return first

    def _products_create(self, lines: list[tuple[Prepared, str]], result: BatchResult) -> int:
        """Add one product per new SKU (_new_products) and link the lines to it."""
        first = self._new_products(lines)
        if not first:
            return 0
        ids = db.ids_reserve("sales_product", len(first))
        made: dict[str, int] = {}
        records = []
        for pk, (sku, (_, product)) in zip(ids, first.items(), strict=True):
            made[sku] = pk
            records.append(
                {
                    "id": pk,
                    "created_at": self.now,
                    "updated_at": self.now,
                    "sku": sku,
                    "is_active": True,
                    **product,
                }
            )
        model_insert(Product, records)
        for r, _ in lines:
            r.values["product_id"] = made[r.extra["new_product"]]
        result.created_ranges.setdefault("product", []).extend(runs_of(ids))
        return len(ids)

    # ------------------------------------------------------------ dry run: what earlier batches would make

    def contacts_find(self, emails: Iterable[str]) -> dict[str, tuple[int, int | None]]:
        """The contacts of these emails; in the dry run also the new customers earlier batches would create,
        which the run finds in the database by then (so a later order of theirs is judged as the run judges it)."""
        wanted = set(emails)
        found = super().contacts_find(wanted)
        if not self.write and self.new_customers:
            for email, (stand_in, company_id) in self._made_earlier("customer", wanted - set(found)).items():
                found[email] = (stand_in, company_id)
        return found

    def products_find(self, skus: Iterable[str]) -> dict[str, tuple[int, Decimal, str, str]]:
        """The products of these SKUs; in the dry run also the products earlier batches would add, which the
        run finds in the catalogue by then (a later line without a price takes theirs)."""
        wanted = set(skus)
        found = super().products_find(wanted)
        if not self.write and self.new_products == NEW_PRODUCTS_CREATE:
            for sku, (stand_in, product) in self._made_earlier("product", wanted - set(found)).items():
                found[sku] = (stand_in, product["unit_price"], product["name"], product["currency"])
        return found

    def _made_earlier(self, kind: str, keys: Iterable[str]) -> dict[str, tuple[int, Any]]:
        """Dry run: per email or SKU, the customer or product (`kind`) an earlier batch would create: its
        stand-in id (planned_id of its first row) and what _plan_alongside kept of it."""
        rows = self.memory.first_rows(f"{kind}:{key}" for key in keys)
        if not rows:
            return {}
        kept = self.memory.planned(planned_id(n) for n in rows.values())
        return {
            key.split(":", 1)[1]: (planned_id(n), kept.get(planned_id(n), {}).get(kind))
            for key, n in rows.items()
        }

    def _plan_alongside(
        self, newcomers: list[Prepared], product_lines: list[tuple[Prepared, str]], result: BatchResult
    ) -> None:
        """Dry run: count the customers and products the run would create, give their rows stand-in ids (as
        people_create and _products_create give real ones) and remember them for later batches."""
        customers: dict[str, Prepared] = {}
        for r in newcomers:
            customers.setdefault(r.keys["contact"], r)
        products = self._new_products(product_lines)
        kept: dict[int, dict[str, Any]] = {}
        for first in customers.values():
            kept.setdefault(planned_id(first.row_number), {})["customer"] = first.values.get("company_id")
        for first, product in products.values():
            kept.setdefault(planned_id(first.row_number), {})["product"] = product
        for r in newcomers:
            r.values["contact_id"] = planned_id(customers[r.keys["contact"]].row_number)
        for r, _ in product_lines:
            r.values["product_id"] = planned_id(products[r.extra["new_product"]][0].row_number)
        self.memory.remember(
            [(f"customer:{email}", r.row_number) for email, r in customers.items()]
            + [(f"product:{sku}", r.row_number) for sku, (r, _) in products.items()]
        )
        self.memory.plan(kept)
        result.new_contacts = len(customers)
        result.new_products = len(products)

    def process(self, batch: list[Prepared | Rejected]) -> BatchResult:
        """Resolve, match and (unless dry run) write one batch of whole orders; the dry run counts and gives
        reasons exactly as the run does, remembering what earlier batches would have written.

        An order's lines in this batch are its group (the lines of one order number, or of one external id;
        matching by number, the lines of one number with and without an external id are one group). The
        file's lines of an order are all its lines, whichever batch each falls in. What each row (line) gets:

        - A new order: created. A later group of it, in a later batch, adds its lines: created too.
        - An order in Rapport, met first: the group is compared with it. The same header cells and the same
          lines: every row is skipped, "nothing changed", and the order left as it is. Otherwise every row is
          updated: the header cells given are written and the lines replaced by the group's; the first row
          keeps what the order had for undo (every line, the total, the header cells it changes).
        - An order in Rapport met again in a later batch: its lines are by then the file's lines so far, and
          the group's lines are added to them; every row is updated (a group always adds lines, so it never
          "changes nothing"). When the earlier group changed nothing, this group is the order's first change
          and its first row keeps what the order had for undo; otherwise the earlier update's first row does.
          The header stays as the order's first group left it: later groups' header cells are not compared.
        - So a row is "nothing changed" only when the order, after its group, has exactly the lines and header
          it had before. The rows of a first group stay "nothing changed" when a later batch adds lines (their
          outcome is committed with their batch); the rows that added them say "updated".
        - A new order whose external id another order has (made under another number before the import or by
          an earlier batch, in the trash, or of another team) is rejected, saying which order has it; so are
          the lines of one external id that name two numbers (_group_problem). A group with a rejected line
          is rejected whole.
        """
        result = BatchResult()
        out = Outcomes(rejects=[r for r in batch if isinstance(r, Rejected)])
        prepared = [r for r in batch if isinstance(r, Prepared)]
        groups: dict[str, list[Prepared]] = {}
        for r in prepared:
            groups.setdefault(self.group_key(r), []).append(r)
        group_of = {r.row_number: self.group_key(r) for r in prepared}
        resolved = {r.row_number for r in self.resolve_all(prepared, out)}
        # A rejected line (by its cells or its keys) takes its order's other lines with it.
        failed: dict[str, int] = {}
        for rejected in sorted(out.rejects, key=lambda x: x.row_number):
            key = group_of.get(rejected.row_number) or self._cells_group(rejected)
            if key is not None:
                failed.setdefault(key, rejected.row_number)
        orders: list[tuple[str, list[Prepared]]] = []
        for key, lines in groups.items():
            lines = [r for r in lines if r.row_number in resolved]
            if key in failed:
                for r in lines:
                    out.rejects.append(
                        Rejected(
                            r.row_number,
                            r.cells,
                            (
                                f"Another line of order {self._label(key)} (row {failed[key]}) was rejected; fix that line "
                                "and import the whole order again."
                            ),
                        )
                    )
                continue
            problem = self._group_problem(lines) or (self._customer_problem(lines) if lines else None)
            if problem:
                out.rejects.extend(Rejected(r.row_number, r.cells, problem) for r in lines)
                continue
            if lines:
                orders.append((key, lines))
        matches = self.matches([lines[0] for _, lines in orders])
        # Orders this job already wrote or found unchanged (the run) or would (the dry run, from its memory) in
        # earlier batches: their further lines are added to them, not taken for an update or a duplicate.
        written = (
            self.job_orders
            if self.write
            else self._written_earlier([m[0] for m in matches.values() if m[0] and m[0] > 0])
        )
        creates: list[list[Prepared]] = []
        updates: list[tuple[list[Prepared], int]] = []
        appends: list[tuple[list[Prepared], int]] = []
        for _, lines in orders:
            first = lines[0]
            match = matches.get(first.row_number)
            if match is None:
                if self.job.mode == Mode.UPDATE:
                    what = "external id" if self.job.match_key == MatchKey.EXTERNAL_ID else "order number"
                    out.skips.extend(
                        (r.row_number, None, f"No existing order has this {what}; nothing to update.")
                        for r in lines
                    )
                    continue
                creates.append(lines)
                continue
            order_id, why = match
            if order_id and written.get(order_id) in ("created", "updated"):
                appends.append((lines, order_id))
            elif (order_id or 0) <= 0 and why.startswith("same as row"):
                appends.append((lines, 0))  # dry run: lines of an order met earlier in the file
            elif self.job.mode == Mode.CREATE:
                which = f"as order #{order_id}" if order_id and order_id > 0 else why.replace("same as ", "at ")
                out.skips.extend(
                    (
                        r.row_number,
                        order_id,
                        f"Duplicate: this order is already in Rapport {which} ({why.split(' row')[0]}).",
                    )
                    for r in lines
                )
            else:
                updates.append((lines, order_id or 0))
        updates = self._one_group_an_order(updates, out)
        if self.job.match_key == MatchKey.NUMBER:
            # New orders of one number are one, as a later batch would add the lines of the second to the first.
            numbered = self._one_group_an_order(
                [
                    (lines, f"n:{lines[0].values['number']}" if lines[0].values.get("number") else f"i:{i}")
                    for i, lines in enumerate(creates)
                ],
                out,
            )
            creates = [lines for lines, _ in numbered]
        new_orders: list[list[Prepared]] = []
        for lines in creates:
            problem = self._create_problem(lines[0])
            if problem:
                out.rejects.extend(Rejected(r.row_number, r.cells, problem) for r in lines)
            else:
                new_orders.append(lines)
        creates = new_orders
        # Rights first, so that an order the user may not change gets no new customer or product either.
        updates = self._updates_allowed(updates, out)
        creates = self._external_ids_free(creates, out)
        # Orders an earlier batch found as the file has them: this batch's lines are added to theirs.
        adding = {oid for _, oid in updates if written.get(oid) == "unchanged"}
        # Orders whose customer email no contact has (only when the user chose to create them). Added lines
        # leave the order's customer as it is.
        newcomers = [
            lines[0]
            for lines in [*creates, *(lines for lines, oid in updates if oid not in adding)]
            if self.new_customers and "contact_id" not in lines[0].values and lines[0].keys.get("contact")
        ]
        product_lines = self._new_product_lines(creates, updates, appends)
        if self.write:
            if newcomers:
                result.new_contacts = people_create(
                    self,
                    newcomers,
                    result,
                    email_key="contact",
                    stage=LifecycleStage.CUSTOMER,
                    source="an order",
                )
            result.new_products = self._products_create(product_lines, result)
        else:
            self._plan_alongside(newcomers, product_lines, result)
        for lines in [*creates, *(lines for lines, _ in updates)]:
            if "contact_id" in lines[0].values:
                for r in lines[1:]:
                    r.values.setdefault("contact_id", lines[0].values["contact_id"])
        # With every customer and product id known (stand-ins in the dry run): the "nothing changed" check.
        planned = self._plan_updates(updates, out, adding)
        if not self.write:
            self.memory.remember(
                (k, lines[0].row_number) for lines in creates for k in self.row_match_keys(lines[0])
            )
            self._remember_external_ids(creates)
            self.memory.remember((f"order:{p.order_id}", p.lines[0].row_number) for p in planned)
            added = [(lines, oid) for lines, oid in appends if oid > 0]  # to orders an earlier batch updates
            result.created = sum(len(lines) for lines in creates) + sum(
                len(lines) for lines, oid in appends if oid <= 0
            )
            result.updated = sum(len(p.lines) for p in planned) + sum(len(lines) for lines, _ in added)
            result.skipped = len(out.skips)
            result.rejected = len(out.rejects)
            result.samples = [self._sample(lines) for lines in creates[:3]]
            result.rejections = sorted((r.row_number, r.reason) for r in out.rejects)
            # Why each order met its record ("same order number"), by its first row.
            matched_by = {
                lines[0].row_number: m[1] for _, lines in orders if (m := matches.get(lines[0].row_number))
            }
            result.matched = sorted(
                [
                    dry_run_match(
                        r.row_number,
                        p.order_id,
                        "updated",
                        matched_by.get(p.lines[0].row_number, ""),
                        p.changes,
                    )
                    for p in planned
                    for r in p.lines
                ]
                + [
                    dry_run_match(
                        r.row_number, oid, "updated", matched_by.get(lines[0].row_number, ""), ["lines"]
                    )
                    for lines, oid in added
                    for r in lines
                ]
                + [dry_run_match(n, rid, "skipped", reason) for n, rid, reason in out.skips],
                key=lambda m: m["row"],
            )
            return result
        customers: set[int] = set()
        self._write_updates(planned, out, customers)
        created_rows = self._write_creates(creates, result, customers)
        appended = self._write_appends(appends, out, customers)
        result.created = created_rows + appended["created"]
        result.updated = len(out.updated) + out.also_updated + appended["updated"]
        result.skipped = len(out.skips)
        result.rejected = len(out.rejects)
        self.write_outcome_rows(out)
        if customers:
            self.customers_promote(customers, result)
            from rapport.analytics.services.summary import purchase_summary_apply

            purchase_summary_apply(contact_ids=sorted(customers))
        result.rejections = sorted((r.row_number, r.reason) for r in out.rejects)
        return result

    def _written_earlier(self, order_ids: list[int]) -> dict[int, str]:
        """Dry run: which of these orders an earlier batch would update ("updated") or find as the file has them
        ("unchanged"), as the run keeps them in job_orders."""
        rows = self.memory.first_rows(k for oid in order_ids for k in (f"order:{oid}", f"same:{oid}"))
        found: dict[int, str] = {}
        for key in rows:
            kind, order_id = key.split(":", 1)
            if kind == "order":
                found[int(order_id)] = "updated"
            else:
                found.setdefault(int(order_id), "unchanged")
        return found

    def _found_unchanged(self, orders: list[tuple[int, int]]) -> None:
        """Remember the (order id, first row) of orders this batch leaves as they are: a later batch adds its
        lines of them to theirs (job_orders in the run, the dry run's memory)."""
        if self.write:
            for order_id, _ in orders:
                self.job_orders.setdefault(order_id, "unchanged")
        else:
            self.memory.remember((f"same:{order_id}", row) for order_id, row in orders)

    def _one_group_an_order(
        self, groups: list[tuple[list[Prepared], OrderKey]], out: Outcomes
    ) -> list[tuple[list[Prepared], OrderKey]]:
        """Lines of one order in several groups of the batch (its number with and without its external id, so
        the same matched order or, matching by number, the same new number) are one group, in file order,
        whose lines must agree (_group_problem): one order, one update, not two."""
        by_order: dict[OrderKey, list[list[Prepared]]] = {}
        for lines, order_id in groups:
            by_order.setdefault(order_id, []).append(lines)
        merged: list[tuple[list[Prepared], OrderKey]] = []
        for order_id, parts in by_order.items():
            if len(parts) == 1:
                merged.append((parts[0], order_id))
                continue
            lines = sorted((r for part in parts for r in part), key=lambda r: r.row_number)
            problem = self._group_problem(lines)
            if problem:
                out.rejects.extend(Rejected(r.row_number, r.cells, problem) for r in lines)
                continue
            merged.append((lines, order_id))
        return merged

    def _external_ids_free(self, creates: list[list[Prepared]], out: Outcomes) -> list[list[Prepared]]:
        """The new orders whose external id no order has; the lines of the others go to out.rejects, saying which
        order has it and what to do.

        An external id belongs to one order (sales_order.external_id is unique): matching by number, an order
        made under another number (before the import, or by an earlier batch) may have it already, and an
        order in the trash has it whatever the match key (matching leaves the trash out). The dry run finds the
        orders earlier batches would make in its memory (_remember_external_ids). One query a batch, and one
        more (which orders the user may see) when a non-administrator meets an id an order outside this
        import has.
        """
        wanted = sorted({ext for lines in creates if (ext := self._external_id(lines))})
        if not wanted:
            return creates
        found: dict[str, tuple[int, str, Any]] = {
            ext: (pk, number, deleted_at)
            for ext, pk, number, deleted_at in db.query_in(
                "SELECT external_id, id, number, deleted_at FROM sales_order WHERE external_id IN ({})",
                wanted,
            )
        }
        ours = {pk for pk, _, _ in found.values() if self.job_orders.get(pk) == "created"}
        visible = self._orders_visible([pk for pk, _, _ in found.values() if pk not in ours])
        taken: dict[str, str] = {}
        for ext, (pk, number, deleted_at) in found.items():
            if pk in ours:
                taken[ext] = self._taken_in_file(ext, number)
            elif pk not in visible:
                taken[ext] = (
                    f"An order you may not see already has the external id {ext!r}; give this order an external "
                    "id of its own, or ask a manager to import it."
                )
            elif deleted_at is not None:
                taken[ext] = (
                    f"Order #{pk} (number {number!r}) in the trash already has the external id {ext!r}; restore "
                    "it under Trash to import these lines into it, or give this order an external id of its own."
                )
            else:
                taken[ext] = (
                    f"Order #{pk} (number {number!r}) already has the external id {ext!r}; give this order an "
                    f"external id of its own, or the number {number!r} if these lines belong to that order."
                )
        if not self.write:
            rows = self.memory.first_rows(f"e:{ext}" for ext in wanted if ext not in found)
            kept = self.memory.planned(planned_id(n) for n in rows.values())
            for key, n in rows.items():
                ext = key.split(":", 1)[1]
                taken[ext] = self._taken_in_file(ext, kept.get(planned_id(n), {}).get("order", ext[:64]))
        free: list[list[Prepared]] = []
        for lines in creates:
            reason = taken.get(self._external_id(lines))
            if reason is None:
                free.append(lines)
            else:
                out.rejects.extend(
                    Rejected(r.row_number, r.cells, self.about(reason, "external_id")) for r in lines
                )
        return free

    @staticmethod
    def _taken_in_file(ext: str, number: str) -> str:
        return (
            f"Order {number!r} of this file (an earlier row) already has the external id {ext!r}; give this "
            f"order an external id of its own, or the number {number!r} if these lines belong to that order."
        )

    def _orders_visible(self, ids: list[int]) -> set[int]:
        """The orders of `ids` the user may see, in the trash too."""
        if not ids or self.user.is_admin:
            return set(ids)
        found: set[int] = set()
        for start in range(0, len(ids), db.IN_CHUNK):
            found.update(
                Order.all_objects.visible_to(self.user)
                .filter(pk__in=ids[start : start + db.IN_CHUNK])
                .values_list("id", flat=True)
            )
        return found

    def _remember_external_ids(self, creates: list[list[Prepared]]) -> None:
        """Dry run: the external ids of the orders this batch would create, with the number each gets (kept in
        the plan of its first row, beside its customer or product), for _external_ids_free of later batches."""
        firsts = [(lines, ext) for lines in creates if (ext := self._external_id(lines))]
        if not firsts:
            return
        self.memory.remember((f"e:{ext}", lines[0].row_number) for lines, ext in firsts)
        numbers = {
            planned_id(lines[0].row_number): self._header(lines).get("number") or ext[:64] for lines, ext in firsts
        }
        kept = self.memory.planned(numbers)
        self.memory.plan({pk: {**kept.get(pk, {}), "order": number} for pk, number in numbers.items()})

    def _cells_group(self, row: Rejected) -> str | None:
        """The order a rejected row belongs to, read from its raw cells (its values did not parse)."""
        for index, name in self.columns:
            if name in ("external_id", "number") and index < len(row.cells) and row.cells[index].strip():
                value = " ".join(row.cells[index].split())
                if name == "external_id":
                    return f"x:{value}"
                number = value
                ext_index = next((i for i, n in self.columns if n == "external_id"), None)
                if ext_index is not None and ext_index < len(row.cells) and row.cells[ext_index].strip():
                    return f"x:{' '.join(row.cells[ext_index].split())}"
                return f"n:{number}"
        return None

    @staticmethod
    def _external_id(lines: list[Prepared]) -> str:
        """The external id a new order of these lines gets: the first its lines give."""
        return next((r.external_id for r in lines if r.external_id), "")

    @staticmethod
    def _label(key: str) -> str:
        return repr(key[2:])

    def _group_problem(self, lines: list[Prepared]) -> str | None:
        """Lines of one order must agree on the order number, customer, date, currency, channel and status they
        name."""
        if len(lines) < 2:
            return None
        label = self._label(self.group_key(lines[0]))
        numbers = sorted({r.values["number"] for r in lines if r.values.get("number")})
        if len(numbers) > 1:
            # Lines of one external id (their group) with two numbers: two orders by number, one by external id.
            rows = ", ".join(str(r.row_number) for r in lines)
            return (
                f"The lines of order {label} (rows {rows}) name different order numbers "
                f"({', '.join(map(repr, numbers))}); an external id belongs to one order: give each order its "
                "own external id, or its lines the same number."
            )
        emails = {r.keys["contact"] for r in lines if r.keys.get("contact")}
        if len(emails) > 1:
            rows = ", ".join(str(r.row_number) for r in lines)
            return f"The lines of order {label} (rows {rows}) name different customers; make them the same."
        for column, what in (
            ("contact_id", "customers"),
            ("ordered_at", "order dates"),
            ("currency", "currencies"),
            ("channel", "channels"),
            ("status", "statuses"),
        ):
            values = {r.values[column] for r in lines if column in r.values}
            if len(values) > 1:
                rows = ", ".join(str(r.row_number) for r in lines)
                return f"The lines of order {label} (rows {rows}) name different {what}; make them the same."
        return None

    def _create_problem(self, first: Prepared) -> str | None:
        if "contact_id" not in first.values and not (self.new_customers and first.keys.get("contact")):
            return "This order has no customer email; a new order belongs to a contact."
        return None

    def _header(self, lines: list[Prepared]) -> dict[str, Any]:
        header: dict[str, Any] = {}
        for r in lines:
            for column in (*HEADER_COLUMNS, "number"):
                if column in r.values:
                    header.setdefault(column, r.values[column])
        return header

    def _line_rows(self, order_id: int, lines: list[Prepared]) -> list[dict[str, Any]]:
        return [
            {
                "order_id": order_id,
                "product_id": r.values.get("product_id"),
                "description": r.extra.get("description", ""),
                "quantity": r.extra["quantity"],
                "unit_price": r.extra["unit_price"],
            }
            for r in lines
        ]

    def _sample(self, lines: list[Prepared]) -> dict[str, Any]:
        header = {k: json_safe(v) for k, v in self._header(lines).items() if not k.endswith("_id")}
        header["lines"] = len(lines)
        header["total"] = str(_total(lines))
        if lines[0].keys.get("contact"):
            header["customer"] = lines[0].keys["contact"]
        return {"row": lines[0].row_number, "values": header}

    # ------------------------------------------------------------ writes

    def _write_creates(self, creates: list[list[Prepared]], result: BatchResult, customers: set[int]) -> int:
        from rapport.activities.models import TimelineEvent

        if not creates:
            return 0
        ids = db.ids_reserve("sales_order", len(creates))
        orders, lines, events = [], [], []
        for pk, group in zip(ids, creates, strict=True):
            header = self._header(group)
            header.setdefault("ordered_at", self.now)
            header.setdefault("currency", self.default_currency)
            external_id = self._external_id(group)
            header.setdefault("number", external_id[:64])
            total = _total(group)
            orders.append(
                {
                    "id": pk,
                    "created_at": self.now,
                    "updated_at": self.now,
                    "external_id": external_id or None,
                    "total": total,
                    **header,
                }
            )
            lines.extend(self._line_rows(pk, group))
            events.append(
                {
                    "occurred_at": self.now,
                    "actor_id": self.user.pk,
                    "kind": "imported",
                    "summary": (
                        f"Order {header['number']}: {total} {header['currency']} imported from "
                        f"{self.job.original_name}"
                    )[:280]
                    + f" (row {group[0].row_number})",
                    "data": {
                        "import": self.job.pk,
                        "row": group[0].row_number,
                        "record": f"order:{pk}",
                        "total": str(total),
                        "currency": header["currency"],
                        "lines": len(group),
                        "ordered_at": json_safe(header["ordered_at"]),
                    },
                    "order_id": pk,
                    "contact_id": header["contact_id"],
                    "company_id": header.get("company_id"),
                }
            )
            customers.add(header["contact_id"])
            self.job_orders[pk] = "created"
        model_insert(Order, orders)
        model_insert(OrderLine, lines)
        model_insert(TimelineEvent, events)
        result.created_ranges.setdefault("order", []).extend(runs_of(ids))
        return sum(len(group) for group in creates)

    def _current(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        columns = ["id", "version", "number", *self.update_columns]
        return (
            {
                row[0]: dict(zip(columns, row, strict=True))
                for row in db.query_in(
                    f"SELECT {', '.join(columns)} FROM sales_order WHERE id IN ({{}})", ids
                )
            }
            if ids
            else {}
        )

    def _updates_allowed(
        self, updates: list[tuple[list[Prepared], int]], out: Outcomes
    ) -> list[tuple[list[Prepared], int]]:
        """The matched orders the user may change; the lines of the others go to out.skips with the reason.

        The dry run calls this too, before anything is created for the batch, so both skip the same orders
        and neither counts (nor the run creates) a customer or product for an order it leaves alone.
        """
        if not updates:
            return []
        ids = sorted({oid for _, oid in updates})
        editable = self.editable_ids(ids)
        visible = self.visible_ids(Order, [oid for oid in ids if oid not in editable])
        allowed: list[tuple[list[Prepared], int]] = []
        for group, order_id in updates:
            if order_id in editable:
                allowed.append((group, order_id))
                continue
            refusal = update_refusal("order", order_id, order_id in visible, "these lines")
            out.skips.extend((r.row_number, *refusal) for r in group)
        return allowed

    def _plan_updates(
        self, updates: list[tuple[list[Prepared], int]], out: Outcomes, adding: Collection[int] = ()
    ) -> list[OrderUpdate]:
        """Compare each matched order with its lines in the file, writing nothing; the dry run and the run
        both call this, so they skip the same orders ("nothing changed") and update the same ones.

        Header cells given in the file are compared with the stored ones, and the file's lines with the
        stored lines (product, description, quantity, unit price, in order). A new customer or product has
        an id by now: the run's own, or the dry run's stand-in (planned_id), which no stored order has.
        The orders of `adding` were found as the file had them by an earlier batch: their stored lines are
        the file's lines so far, so the group's lines are added to them (the header is left as it is).
        Whatever changes, `before` keeps every stored line and the total: undo puts them back, which also
        takes back the lines later batches add (_write_appends). Reads the batch's orders and their lines in
        two queries, however many orders it has.
        """
        if not updates:
            return []
        ids = sorted({oid for _, oid in updates})
        current = self._current(ids)
        old_lines: dict[int, list[list[Any]]] = {}
        for order_id, product_id, description, quantity, unit_price in db.query_in(
            "SELECT order_id, product_id, description, quantity, unit_price FROM sales_orderline "
            "WHERE order_id IN ({}) ORDER BY id",
            ids,
        ):
            old_lines.setdefault(order_id, []).append(
                [product_id, description, json_safe(quantity), json_safe(unit_price)]
            )
        fields = {f.column: f for f in Order._meta.concrete_fields}
        planned: list[OrderUpdate] = []
        unchanged: list[tuple[int, int]] = []
        for group, order_id in updates:
            old = current[order_id]
            new = dict(old)
            had = old_lines.get(order_id, [])
            before: dict[str, Any] = {"lines": had, "total": json_safe(old["total"])}
            changes: dict[str, Any] = {}
            if order_id in adding:
                changes["lines"] = [len(had), len(had) + len(group)]
                new["total"] = Decimal(str(old["total"])).quantize(Decimal("0.01")) + _total(group)
                planned.append(OrderUpdate(group, order_id, old, new, before, changes, adding=True))
                continue
            for column, value in self._header(group).items():
                if column in old and not same_value(fields.get(column), old[column], value):
                    before[column] = json_safe(old[column])
                    changes[column] = [json_safe(old[column]), json_safe(value)]
                    new[column] = value
            # Both sides in the same units: SQLite hands back 10 for a stored 10.00, so a price taken from
            # the product (or read back from the database) must not read as a changed line.
            wanted = [
                _line_key(
                    r.values.get("product_id"),
                    r.extra.get("description", ""),
                    r.extra["quantity"],
                    r.extra["unit_price"],
                )
                for r in group
            ]
            if wanted != [_line_key(*line) for line in had]:
                changes["lines"] = [len(had), len(wanted)]
                new["total"] = _total(group)
            if not changes:
                out.skips.extend((r.row_number, order_id, UNCHANGED.format(order_id=order_id)) for r in group)
                unchanged.append((order_id, group[0].row_number))
                continue
            planned.append(OrderUpdate(group, order_id, old, new, before, changes))
        self._found_unchanged(unchanged)
        return planned

    def _write_updates(self, planned: list[OrderUpdate], out: Outcomes, customers: set[int]) -> None:
        """Rewrite the orders _plan_updates found changed: header cells given in the file, and the lines
        replaced by the file's lines when they differ (or the file's lines added, for OrderUpdate.adding)."""
        from rapport.activities.models import TimelineEvent

        if not planned:
            return
        statements, new_lines, events = [], [], []
        replaced: list[int] = []
        for plan in planned:
            order_id, old, new, before, changes = plan.order_id, plan.old, plan.new, plan.before, plan.changes
            before["version"] = old["version"]
            if "lines" in changes:
                new_lines.extend(self._line_rows(order_id, plan.lines))
                if not plan.adding:
                    replaced.append(order_id)
            statements.append(
                tuple(self._db(new[c]) for c in self.update_columns) + (db.db_time(self.now), order_id)
            )
            events.append(
                {
                    "occurred_at": self.now,
                    "actor_id": self.user.pk,
                    "kind": "updated",
                    "summary": f"Order {old['number']}: changed {', '.join(sorted(changes))} (import "
                    f"#{self.job.pk}, row {plan.lines[0].row_number})"[:300],
                    "data": {"record": f"order:{order_id}", "import": self.job.pk, "changes": changes},
                    "order_id": order_id,
                    "contact_id": new["contact_id"],
                    "company_id": new["company_id"],
                }
            )
            out.updated.append((plan.lines[0].row_number, order_id, before))
            out.also_updated += len(plan.lines) - 1
            customers.update(c for c in (old["contact_id"], new["contact_id"]) if c)
            self.job_orders[order_id] = "updated"
        if replaced:
            db.exec_in("DELETE FROM sales_orderline WHERE order_id IN ({})", replaced)
        model_insert(OrderLine, new_lines)
        sets = ", ".join(f"{c} = %s" for c in self.update_columns)
        db.rows_execute_many(
            f"UPDATE sales_order SET {sets}, updated_at = %s, version = version + 1 WHERE id = %s",
            statements,
        )
        model_insert(TimelineEvent, events)

    @staticmethod
    def _db(value: Any) -> Any:
        from rapport.imports.services.rows import to_db

        return to_db(value)

    def _write_appends(
        self, appends: list[tuple[list[Prepared], int]], out: Outcomes, customers: set[int]
    ) -> dict[str, int]:
        """Lines of orders this job already wrote (earlier in the file, or before a resume): add them."""
        counts = {"created": 0, "updated": 0}
        if not appends:
            return counts
        lines: list[dict[str, Any]] = []
        totals: list[tuple[Any, ...]] = []
        for group, order_id in appends:
            lines.extend(self._line_rows(order_id, group))
            totals.append((self._db(_total(group)), db.db_time(self.now), order_id))
            counts[self.job_orders[order_id]] += len(group)
        model_insert(OrderLine, lines)
        db.rows_execute_many(
            "UPDATE sales_order SET total = total + %s, updated_at = %s WHERE id = %s", totals
        )
        for (contact_id,) in db.query_in(
            "SELECT contact_id FROM sales_order WHERE id IN ({})", [oid for _, oid in appends]
        ):
            customers.add(contact_id)
        return counts

    def write_creates(self, rows: list[Prepared], result: BatchResult, out: Outcomes) -> None:
        raise NotImplementedError("Orders are written by process().")
