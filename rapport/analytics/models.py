"""Stored analytics results: purchase summaries, RFM/ABC/CLV runs with per-customer scores, KPI snapshots.

Pages and the API read these tables; the services in `rapport.analytics.services` write them,
usually from a background task. Every run keeps its as-of date and when it was computed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


def money_field(**options: Any) -> models.DecimalField:
    """A money total in the base currency: 16 digits with 2 decimals (sums of many orders)."""
    return models.DecimalField(max_digits=16, decimal_places=2, **options)



class PurchaseSummary(models.Model):
    """What one contact has bought: kept up to date on every order write, rebuildable in one SQL statement.

    Amounts are in the base currency (settings.RAPPORT_BASE_CURRENCY), converted with the exchange
    rate of each order's date. Orders that cannot be converted are left out of the amounts and
    counted in `unconverted_orders`, so no two currencies are ever added as plain numbers.
    """

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, primary_key=True, related_name="purchase_summary"
    )
    company = models.ForeignKey("contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_purchase = models.DateField()
    last_purchase = models.DateField()
    purchase_days = models.PositiveIntegerField(help_text="Number of distinct days with a purchase.")
    orders = models.PositiveIntegerField()
    total_spend = money_field()
    unconverted_orders = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["company"]), models.Index(fields=["last_purchase"])]

    def __str__(self) -> str:
        return f"Purchases of contact {self.contact_id}: {self.purchase_days} days, {self.total_spend}"

    @property
    def average_spend(self) -> Decimal:
        return (self.total_spend / self.purchase_days).quantize(Decimal("0.01")) if self.purchase_days else Decimal(0)


class RunKind(models.TextChoices):
    RFM = "rfm", "RFM segments"
    ABC = "abc", "ABC classes"
    CLV = "clv", "Lifetime value and churn"
    KPI = "kpi", "KPIs, dashboards and forecast"
    SUMMARY = "summary", "Purchase summaries"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AnalyticsRun(models.Model):
    """One computation of RFM, ABC, CLV or KPIs: its inputs, progress, outcome and headline figures."""

    kind = models.CharField(max_length=8, choices=RunKind.choices)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    as_of = models.DateField()
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    step = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True, help_text="Why the run failed, or warnings a user should read.")
    customers = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "-finished_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} as of {self.as_of} ({self.get_status_display()})"


class SegmentRule(models.Model):
    """A named RFM segment: customers whose R and F scores fall in the ranges get this name (first match wins)."""

    name = models.CharField(max_length=60, unique=True)
    position = models.PositiveIntegerField(default=0, help_text="Rules are tried in this order; first match wins.")
    r_min = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    r_max = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    f_min = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    f_max = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    action = models.CharField(max_length=200, blank=True, help_text="What to do with these customers.")
    color = models.CharField(max_length=7, default="#64748b")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class RfmScore(models.Model):
    """A contact's recency, frequency and monetary scores (1-5) and segment in one RFM run."""

    # No single-column indexes on run or contact: the unique (run, contact) constraint and the (contact, run)
    # index serve those lookups, and every index costs time when a full run writes 700,000 rows. No
    # database-level foreign keys either: checking them costs PostgreSQL 5.4 s per 700,000 rows and key
    # (measured), for rows the code derives from existing contacts; deleting a contact or a run still
    # deletes its scores (Django's cascade, and run_prune).
    run = models.ForeignKey(AnalyticsRun, on_delete=models.CASCADE, related_name="rfm_scores", db_index=False,
                            db_constraint=False)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    recency_days = models.IntegerField()
    frequency = models.PositiveIntegerField()
    monetary = money_field()
    r = models.PositiveSmallIntegerField()
    f = models.PositiveSmallIntegerField()
    m = models.PositiveSmallIntegerField()
    segment = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "contact"], name="rfmscore_one_per_run")]
        indexes = [models.Index(fields=["run", "segment"]), models.Index(fields=["contact", "run"])]

    def __str__(self) -> str:
        return f"{self.segment} (R{self.r} F{self.f} M{self.m})"


class AbcClass(models.Model):
    """A contact's ABC class by cumulative share of revenue in one ABC run."""

    # Covered by the unique (run, contact) constraint and the (contact, run) index (see RfmScore).
    run = models.ForeignKey(AnalyticsRun, on_delete=models.CASCADE, related_name="abc_classes", db_index=False,
                            db_constraint=False)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    revenue = money_field()
    cumulative_share = models.FloatField()
    abc = models.CharField(max_length=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "contact"], name="abcclass_one_per_run")]
        indexes = [models.Index(fields=["run", "abc"]), models.Index(fields=["contact", "run"])]

    def __str__(self) -> str:
        return f"Class {self.abc}"


class ClvScore(models.Model):
    """A contact's BG/NBD + Gamma-Gamma results in one CLV run (as of the run's date)."""

    # Covered by the unique (run, contact) constraint and the (contact, run) index (see RfmScore).
    run = models.ForeignKey(AnalyticsRun, on_delete=models.CASCADE, related_name="clv_scores", db_index=False,
                            db_constraint=False)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    repeat_purchases = models.PositiveIntegerField(help_text="x: purchase days after the first one.")
    recency_weeks = models.FloatField(help_text="t_x: weeks from first to last purchase.")
    age_weeks = models.FloatField(help_text="T: weeks from first purchase to the as-of date.")
    average_spend = models.FloatField(help_text="Mean spend per repeat purchase day (0 without repeats).")
    p_alive = models.FloatField()
    expected_purchases = models.FloatField(help_text="Expected purchases over the run's horizon.")
    expected_spend = models.FloatField(help_text="Gamma-Gamma expected spend per purchase.")
    clv = models.FloatField(help_text="Discounted value over the horizon, in the base currency.")
    previous_p_alive = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "contact"], name="clvscore_one_per_run")]
        indexes = [models.Index(fields=["run", "-clv"]), models.Index(fields=["contact", "run"])]

    def __str__(self) -> str:
        return f"CLV {self.clv:.2f}, P(alive) {self.p_alive:.0%}"


class AcquisitionCost(models.Model):
    """Money spent to win customers in a period through a channel (the input of CAC)."""

    period_start = models.DateField()
    period_end = models.DateField()
    channel = models.CharField(max_length=60)
    amount = money_field(validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-period_start", "channel"]

    def __str__(self) -> str:
        return f"{self.channel}: {self.amount} {self.currency} ({self.period_start}–{self.period_end})"


class KpiTarget(models.Model):
    """The value a KPI should reach in a period (higher or lower is better depending on the KPI)."""

    kpi = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["kpi", "-period_start"]
        constraints = [models.UniqueConstraint(fields=["kpi", "period_start", "period_end"], name="kpitarget_unique")]

    def __str__(self) -> str:
        return f"{self.kpi} = {self.value} ({self.period_start}–{self.period_end})"


class AnalyticsSettings(models.Model):
    """The analytics options an administrator sets (one row): segment tags and the cost of serving customers."""

    tag_rfm_segments = models.BooleanField(
        default=False, help_text='Tag every scored contact with its RFM segment ("RFM: Champions"), kept in sync.')
    activity_costs = models.JSONField(
        default=dict, blank=True, help_text="Cost of one activity per kind (call, meeting, task, note, email), "
                                            "in the base currency; used for the cost to serve per ABC class.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "Analytics settings"


class ServiceCost(models.Model):
    """Money spent serving one customer (support, delivery, visits), counted in the ABC cost to serve."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    incurred_on = models.DateField()
    amount = money_field(validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-incurred_on", "-id"]
        indexes = [models.Index(fields=["contact", "incurred_on"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for contact {self.contact_id} on {self.incurred_on}"


class NightlyClaim(models.Model):
    """The day one worker claimed for the nightly recalculation: the unique day makes it run once a day."""

    day = models.DateField(unique=True)
    worker = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Nightly run of {self.day}"
