"""Companies and contacts (people): the one identity record every other object points at."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse

from rapport.contacts.choices import (
    Channel,
    CompanySize,
    ConsentStatus,
    EmailKind,
    LifecycleStage,
    PhoneKind,
)
from rapport.core.models import Record


class Company(Record):
    """An account: a business the company sells to."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, db_index=True)
    industry = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=10, choices=CompanySize.choices, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 two-letter code, e.g. DE.")
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="companies"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subsidiaries")
    tags = models.ManyToManyField("customization.Tag", blank=True, related_name="companies")
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(Upper("name"), name="company_name_upper"),
            models.Index(fields=["country", "name"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("company-detail", args=[self.pk])


class Contact(Record):
    """A person; leads, deals, orders, tickets and activities point at this one record."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=100, blank=True)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    lifecycle_stage = models.CharField(max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.LEAD)
    preferred_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 two-letter code, e.g. FR.")
    # The primary email and phone are kept here too (maintained by contact services from
    # ContactEmail/ContactPhone) so that lists, filters and lookups by email need no join.
    email = models.CharField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    tags = models.ManyToManyField("customization.Tag", blank=True, related_name="contacts")
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["owner", "last_name", "first_name"]),
            models.Index(fields=["lifecycle_stage", "last_name"]),
            models.Index(fields=["country", "last_name"]),
            models.Index(fields=["company", "last_name"]),
            models.Index(fields=["-created_at", "id"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or f"Contact #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("contact-detail", args=[self.pk])


class ContactEmail(models.Model):
    """One of a contact's email addresses; exactly one is primary."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.CharField(max_length=254, db_index=True)
    kind = models.CharField(max_length=10, choices=EmailKind.choices, default=EmailKind.WORK)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contactemail_unique_per_contact"),
            models.UniqueConstraint(
                fields=["contact"], condition=models.Q(is_primary=True), name="contactemail_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class ContactPhone(models.Model):
    """One of a contact's phone numbers in E.164; exactly one is primary."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, db_index=True)
    kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.WORK)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contactphone_unique_per_contact"),
            models.UniqueConstraint(
                fields=["contact"], condition=models.Q(is_primary=True), name="contactphone_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Consent(models.Model):
    """The contact's current consent for one channel, with when and where it was given or withdrawn."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.UNKNOWN)
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=100, blank=True, help_text="Where consent was captured, e.g. web form.")

    class Meta:
        ordering = ["channel"]
        constraints = [models.UniqueConstraint(fields=["contact", "channel"], name="consent_one_per_channel")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.status}"
