"""Companies and contacts (people): the one identity record every other object points at."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from rapport.contacts.choices import (
    Channel,
    CompanySize,
    ConsentStatus,
    EmailKind,
    LifecycleStage,
    PhoneKind,
)
from rapport.core.models import Record
from rapport.core.sqlite_functions import CaseFold


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
            models.Index(CaseFold("name"), name="company_name_upper"),
            models.Index(fields=["country", "name"]),
            models.Index(fields=["name", "id"], name="company_name_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("company-detail", args=[self.pk])


class Contact(Record):
    """A person; leads, deals, orders, tickets and activities point at this one record."""

    # Indexes of their own would repeat a prefix of the ordering indexes below (created_at, owner,
    # company) or serve no query (deleted_by): each one costs every insert (bench/README.md, "Import").
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    deleted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
        db_index=False,
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=100, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts", db_index=False
    )
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts", db_index=False
    )
    lifecycle_stage = models.CharField(max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.LEAD)
    preferred_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    # The contact's own (mailing) address; the company's address is the company's.
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 two-letter code, e.g. FR.")
    # The primary email and phone are kept here too (maintained by contact services from
    # ContactEmail/ContactPhone) so that lists, filters and lookups by email need no join.
    email = models.CharField(max_length=254, blank=True, db_index=True)
    # No index: lookups by number go through ContactPhone (which has the primary number too).
    phone = models.CharField(max_length=20, blank=True)
    tags = models.ManyToManyField("customization.Tag", blank=True, related_name="contacts")
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # Each list filter followed by the default order (last_name, first_name, id), so a filtered
            # page and its keyset cursor read exactly the rows shown, at any table size.
            models.Index(fields=["owner", "last_name", "first_name", "id"], name="contact_owner_order"),
            models.Index(fields=["lifecycle_stage", "last_name", "first_name", "id"], name="contact_stage_order"),
            models.Index(fields=["country", "last_name", "first_name", "id"], name="contact_country_order"),
            # Contacts without a company are not in it: "company = x" implies the company is set.
            models.Index(fields=["company", "last_name", "first_name", "id"], name="contact_company_order",
                         condition=models.Q(company__isnull=False)),
            models.Index(fields=["-created_at", "id"]),
            # The default list order (and its keyset cursor) for users who see everyone's contacts.
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_order"),
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

    # No index of its own: the unique (contact, email) constraint serves lookups by contact.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails", db_index=False)
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

    # No index of its own: the unique (contact, number) constraint serves lookups by contact.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones", db_index=False)
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


# ---------------------------------------------------------------- duplicates and merge


class DuplicateScan(models.Model):
    """One run of the duplicate scan over all contacts and companies: its progress and the pairs it found."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=20, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    contacts = models.BigIntegerField(default=0)
    pairs = models.BigIntegerField(default=0)
    companies = models.BigIntegerField(default=0)
    company_pairs = models.BigIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Duplicate scan #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0


class DuplicateCandidate(models.Model):
    """A likely duplicate pair found by a scan (smaller contact id first), with its score and reasons."""

    scan = models.ForeignKey(DuplicateScan, on_delete=models.CASCADE, related_name="candidates")
    first = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.CharField(max_length=300)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["scan", "-score", "id"], name="dupcandidate_scan_score")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.score})"


class DuplicateDismissal(models.Model):
    """Someone checked a pair and said "not a duplicate": the pair is not shown again."""

    first = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicatedismissal_unique_pair"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")),
                                   name="duplicatedismissal_ordered_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class MergeRecord(models.Model):
    """One contact merged into another: what moved and the old values, so the merge can be undone exactly.

    `moved` maps "app_label.model.field" to the ids of the rows re-pointed from the loser to the
    survivor; `survivor_before` holds the survivor's field values before the merge; `details` holds
    the emails, phones, consents and many-to-many rows the merge touched.
    """

    survivor = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_won")
    loser = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_lost")
    merged_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)
    details = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"Contact {self.loser_id} merged into {self.survivor_id}"


class CompanyDuplicateCandidate(models.Model):
    """A likely duplicate pair of companies found by a scan (smaller company id first), with score and reasons."""

    scan = models.ForeignKey(DuplicateScan, on_delete=models.CASCADE, related_name="company_candidates")
    first = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.CharField(max_length=300)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["scan", "-score", "id"], name="companydup_scan_score")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.score})"


class CompanyDuplicateDismissal(models.Model):
    """Someone checked a pair of companies and said "not a duplicate": the pair is not shown again."""

    first = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="companydismissal_unique_pair"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")),
                                   name="companydismissal_ordered_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class CompanyMergeRecord(models.Model):
    """One company merged into another, with what moved and the old values, so the merge can be undone.

    Same shape as MergeRecord: `moved` maps "app_label.model.field" to the re-pointed row ids,
    `survivor_before`/`survivor_after` hold the survivor's field values, `details` the link rows.
    """

    survivor = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="merges_won")
    loser = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="merges_lost")
    merged_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)
    details = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"Company {self.loser_id} merged into {self.survivor_id}"
