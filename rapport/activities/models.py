"""Activities (calls, meetings, tasks, notes, logged emails) and the immutable timeline."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from rapport.activities.choices import ActivityKind, CallOutcome, EventKind, Priority
from rapport.core.models import Record

LINK_FIELDS = ("contact", "company", "lead", "deal")


class Activity(Record):
    """Something done or to do with a customer; linked to records through explicit foreign keys."""

    kind = models.CharField(max_length=8, choices=ActivityKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=20000)
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    lead = models.ForeignKey("sales.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    deal = models.ForeignKey("sales.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    # Tasks: due time and priority; calls/meetings/notes are done when logged.
    due_at = models.DateTimeField(null=True, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    done_at = models.DateTimeField(null=True, blank=True)
    # Meetings.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    attendees = models.ManyToManyField("contacts.Contact", blank=True, related_name="meetings_attended")
    # Calls.
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False)
                | Q(company__isnull=False)
                | Q(lead__isnull=False)
                | Q(deal__isnull=False),
                name="activity_linked_to_a_record",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "kind", "done_at", "due_at"]),
            models.Index(fields=["owner", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("activity-detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.kind == ActivityKind.TASK and self.done_at is None and self.due_at is not None and (
            self.due_at < timezone.now()
        )


class TimelineEvent(models.Model):
    """An immutable business event (who, what, when, data), shown on every record it touches."""

    occurred_at = models.DateTimeField(default=timezone.now)
    # The timeline is an append-only log written with every import row: its links to the records are
    # not database constraints (each one is a foreign-key check per inserted event; the application
    # deletes a record's events with the record), and contact/company/lead/deal have no index of their
    # own (the (link, -occurred_at) indexes below serve them). bench/README.md, "Import".
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="timeline_events",
        db_index=False, db_constraint=False,
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="timeline_events",
        db_index=False, db_constraint=False,
    )
    lead = models.ForeignKey(
        "sales.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="timeline_events",
        db_index=False, db_constraint=False,
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="timeline_events",
        db_index=False, db_constraint=False,
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    order = models.ForeignKey(
        "sales.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        # An event links to one or two kinds of record; each index holds only the events that have its
        # link (lookups "link = x" imply it is not null), so an event costs the indexes of its links.
        indexes = [
            models.Index(fields=["contact", "-occurred_at"], name="timeline_contact_recent",
                         condition=models.Q(contact__isnull=False)),
            models.Index(fields=["company", "-occurred_at"], name="timeline_company_recent",
                         condition=models.Q(company__isnull=False)),
            models.Index(fields=["lead", "-occurred_at"], name="timeline_lead_recent",
                         condition=models.Q(lead__isnull=False)),
            models.Index(fields=["deal", "-occurred_at"], name="timeline_deal_recent",
                         condition=models.Q(deal__isnull=False)),
            models.Index(fields=["activity"], name="timeline_activity", condition=models.Q(activity__isnull=False)),
            models.Index(fields=["order"], name="timeline_order", condition=models.Q(order__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.summary

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("Timeline events are immutable.")
        super().save(*args, **kwargs)
