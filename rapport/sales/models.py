"""Leads, pipelines, deals, products, orders, exchange rates and targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import AliveManager, Record, RecordQuerySet
from rapport.sales.choices import LeadSource, LeadStatus, OrderChannel, OrderStatus, StageKind

# Kept for modules that spread it into DecimalField; prefer money_field().
MONEY = {"max_digits": 14, "decimal_places": 2}


def money_field(**options: Any) -> models.DecimalField:
    """A money amount: 14 digits with 2 decimals (the currency is a separate field)."""
    return models.DecimalField(max_digits=14, decimal_places=2, **options)



class Pipeline(models.Model):
    """A sales process with its own ordered stages (e.g. new business, renewals)."""

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("deal-board", args=[self.pk])


class Stage(models.Model):
    """A step of a pipeline; code branches on `kind`, users name it as they like."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    probability = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="Chance to win, in %."
    )

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name")]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(RecordQuerySet):
    """The catalogue is shared: everyone sees it; admins and managers change it."""

    def owner_filter(self, user, *, for_edit):  # type: ignore[no-untyped-def]
        from rapport.accounts.choices import Role
        from rapport.accounts.permissions import NOTHING

        if not user.is_authenticated or not user.is_active:
            return NOTHING
        if for_edit and not (user.is_admin or user.role == Role.MANAGER):
            return NOTHING
        return None


class Product(Record):
    """An item of the catalogue, sold on deals and orders."""

    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit_price = money_field(default=Decimal("0"))
    currency = models.CharField(max_length=3, default="EUR")
    is_active = models.BooleanField(default=True)

    objects: ClassVar[Any] = AliveManager.from_queryset(ProductQuerySet)()
    all_objects: ClassVar[Any] = models.Manager.from_queryset(ProductQuerySet)()

    class Meta:
        ordering = ["name", "id"]
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Deal(Record):
    """A sales opportunity moving through the stages of a pipeline."""

    name = models.CharField(max_length=200)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    amount = money_field(default=Decimal("0"))
    currency = models.CharField(max_length=3, default="EUR")
    expected_close_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    lost_reason = models.CharField(max_length=200, blank=True)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Board: the top cards of a stage in the board's order (amount, then id, both descending), so
            # a LIMIT query reads only the rows it shows; the totals come from StageTotal. Partial on
            # live deals: with deleted_at as a key column PostgreSQL cannot use the index order
            # (IS NULL is no equality for the planner) and sorted the whole stage instead.
            models.Index(fields=["pipeline", "stage", "-amount", "-id"], name="deal_board_live",
                         condition=models.Q(deleted_at__isnull=True)),
            # A rep's cards, read backwards in the same order, never scanning other owners' deals.
            models.Index(fields=["owner", "pipeline", "stage", "amount", "id"], name="deal_owner_board_live",
                         condition=models.Q(deleted_at__isnull=True)),
            models.Index(fields=["expected_close_date"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("deal-detail", args=[self.pk])

    def trash_changed(self, *, trashed: bool) -> None:
        """Keep the board totals when record_trash / record_restore move this deal (same transaction)."""
        from rapport.sales.services.totals import deal_delta, stage_totals_apply

        stage_totals_apply([deal_delta(self, -1 if trashed else 1)])


class StageTotal(models.Model):
    """How many live deals of one stage, owner and currency there are and what they add up to.

    Kept on write, in the same transaction, by every service that changes a deal's stage, owner,
    amount, currency or trash state (rapport.sales.services.totals), so the board reads a few
    hundred rows instead of aggregating every deal of the pipeline on each request.
    """

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="totals")
    # The owner's id, or 0 for unowned deals: part of the unique key because NULL can be no upsert
    # conflict target on SQLite. `owner` is the same id as a foreign key, so the visible_to rules
    # (owner, owner__team_id, owner__isnull) apply to these rows as they do to deals. If a user is
    # deleted, their deals and these rows both become unowned (SET_NULL); the sums stay right.
    owner_key = models.BigIntegerField(default=0)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    currency = models.CharField(max_length=3)
    deal_count = models.BigIntegerField(default=0)
    # Integer cents: exact on both databases (SQLite adds decimals as floating point).
    amount_cents = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["pipeline", "stage", "owner_key", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "owner_key", "currency"], name="stagetotal_unique_key"),
        ]
        indexes = [models.Index(fields=["pipeline", "stage"], name="stagetotal_pipeline")]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.owner_key}/{self.currency}: {self.deal_count} deals, {self.amount}"

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents) / 100


class DealStageChange(models.Model):
    """One move of a deal between stages; the source of time-in-stage and cycle length."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["deal", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"


class DealLine(models.Model):
    """A product on a deal with quantity and price."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="deal_lines")
    quantity = models.DecimalField(max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))])
    unit_price = money_field(validators=[MinValueValidator(Decimal("0"))])
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def total(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return (gross * (Decimal(100) - self.discount_percent) / Decimal(100)).quantize(Decimal("0.01"))


class Lead(Record):
    """A record of interest pointing at the contact (and company) it came from; never a copy of them."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="leads")
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    source = models.CharField(max_length=16, choices=LeadSource.choices, default=LeadSource.MANUAL)
    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    disqualified_reason = models.CharField(max_length=200, blank=True)
    score = models.IntegerField(default=0)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    need = models.CharField(max_length=200, blank=True, help_text="What the lead is interested in.")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    deal = models.ForeignKey(Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    converted_at = models.DateTimeField(null=True, blank=True)
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["source", "-created_at"]),
        ]

    def __str__(self) -> str:
        need = f" — {self.need}" if self.need else ""
        return f"{self.contact}{need}"

    def get_absolute_url(self) -> str:
        return reverse("lead-detail", args=[self.pk])


class OrderQuerySet(RecordQuerySet):
    # Orders have no owner of their own: whoever may see the customer may see the orders.
    owner_path = "contact__owner"


class Order(Record):
    """A purchase: who bought what, how many, at which price, when and through which channel."""

    number = models.CharField(max_length=64, help_text="The order number in the shop or accounting tool.")
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="orders")
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    deal = models.ForeignKey(Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    ordered_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=16, choices=OrderChannel.choices, default=OrderChannel.WEB)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PAID)
    currency = models.CharField(max_length=3, default="EUR")
    # Sum of the lines, kept by the order services so lists and analytics need not re-add lines.
    total = money_field(default=Decimal("0"))

    objects: ClassVar[Any] = AliveManager.from_queryset(OrderQuerySet)()
    all_objects: ClassVar[Any] = models.Manager.from_queryset(OrderQuerySet)()

    class Meta:
        ordering = ["-ordered_at", "-id"]
        base_manager_name = "all_objects"
        indexes = [
            # Covering on PostgreSQL: re-summarising a customer after new orders (analytics) reads every
            # order of theirs; with these columns in the index it needs no heap visit per order.
            # SQLite has no INCLUDE and builds the plain (contact, ordered_at) index.
            models.Index(fields=["contact", "ordered_at"], include=["total", "currency", "status", "deleted_at"],
                         name="order_contact_purchases"),
            models.Index(fields=["company", "ordered_at"]),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("order-detail", args=[self.pk])


class OrderLine(models.Model):
    """One product on an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines")
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))])
    unit_price = money_field(validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description or self.product_id}"

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class ExchangeRate(models.Model):
    """How many units of the base currency one unit of `currency` was worth on `date`."""

    currency = models.CharField(max_length=3)
    date = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))])

    class Meta:
        ordering = ["currency", "-date"]
        constraints = [models.UniqueConstraint(fields=["currency", "date"], name="exchangerate_unique_day")]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} on {self.date}"


class Target(models.Model):
    """A sales target for a user over a period (amount of won business in the base currency)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="targets")
    period_start = models.DateField()
    period_end = models.DateField()
    amount = money_field(validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["-period_start", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "period_start", "period_end"], name="target_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.amount} ({self.period_start}–{self.period_end})"
