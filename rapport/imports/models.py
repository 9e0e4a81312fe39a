"""Import jobs and what happened to every row of them (for the outcome report, rejected rows and undo)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from rapport.imports.choices import JobStatus, MatchKey, Mode, Outcome, Target


class ImportJob(models.Model):
    """One file imported into one record type: its settings, progress checkpoint and outcome counts.

    `next_row` is the checkpoint: the number of data rows already committed. It is written in the same
    transaction as the records of each batch, so a job killed mid-way resumes there and no row is
    imported twice.
    """

    created_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="import_jobs")
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField(default=0)
    target = models.CharField(max_length=16, choices=Target.choices, default=Target.CONTACTS)
    # Reader settings found by sniffing and confirmed by the user: format, encoding, delimiter, sheet,
    # default_country, date_order, decimal_comma, value_map.
    options = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # Column position (as a string) -> field name; a missing or empty field means "ignore this column".
    mapping = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.CREATE_OR_UPDATE)
    match_key = models.CharField(max_length=16, choices=MatchKey.choices, default=MatchKey.EMAIL)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.DRAFT)
    total_rows = models.BigIntegerField(null=True, blank=True, help_text="Data rows in the file (known after a dry run).")
    next_row = models.BigIntegerField(default=0, help_text="Checkpoint: data rows already committed.")
    created_count = models.BigIntegerField(default=0)
    updated_count = models.BigIntegerField(default=0)
    skipped_count = models.BigIntegerField(default=0)
    rejected_count = models.BigIntegerField(default=0)
    dry_run = models.JSONField(default=dict, blank=True, help_text="Counts and sample rows of the last dry run.")
    # Raised by every change of settings and every dry run started: a dry run keeps its report only while the
    # number is still the one it started with, so a check of earlier settings never passes for the current one.
    settings_version = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # What the outcome says beyond the counts, as sentences (companies linked to a parent further down the file).
    notes = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import #{self.pk} of {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("import-detail", args=[self.pk])

    @property
    def processed_count(self) -> int:
        return self.created_count + self.updated_count + self.skipped_count + self.rejected_count

    @property
    def estimated_rows(self) -> int | None:
        """While the file is being checked: about how many rows it has (readers.rows_estimate)."""
        return (self.dry_run or {}).get("estimated_rows") if self.status == JobStatus.CHECKING else None

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if self.status == JobStatus.CHECKING:
            # An estimate: the bar waits at 99 % for the last rows rather than claim it is done.
            estimate = self.estimated_rows
            return min(99, int(self.next_row * 100 / estimate)) if estimate else 0
        if not self.total_rows:
            return 0
        return min(100, int(self.next_row * 100 / self.total_rows))


class ImportBatch(models.Model):
    """One committed batch of a job: its row range and the ids of the records it created (for undo)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    first_row = models.BigIntegerField()
    last_row = models.BigIntegerField()
    # {"contact": [[first_id, last_id], ...], "company": [...]}: ids are reserved per batch, so runs are
    # usually one range per batch; stored as ranges to keep a million created ids small.
    created_ranges = models.JSONField(default=dict, blank=True)
    # [[record id, parent key, row number], ...]: companies this batch created whose parent company a later
    # row of the file brings; linked when the last batch is in (CompanyImporter.finish), also after a resume.
    links = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["job", "first_row"]
        constraints = [models.UniqueConstraint(fields=["job", "first_row"], name="importbatch_unique_start")]

    def __str__(self) -> str:
        return f"Rows {self.first_row}–{self.last_row} of import #{self.job_id}"


class ImportRow(models.Model):
    """The outcome of one row that was not a plain create: updated (with values before), skipped or rejected."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.BigIntegerField(help_text="Data row number, 1 = first row under the header.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    object_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # Rejected rows: the cells as read, to download, fix and re-import. Updated rows: the values before.
    cells = models.JSONField(default=list, blank=True)
    before = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="importrow_unique_row")]
        indexes = [models.Index(fields=["job", "outcome", "row_number"])]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {self.outcome}"


class ExternalKey(models.Model):
    """The id a record had in the system it was imported from, to update it by that id next time."""

    target = models.CharField(max_length=16, choices=Target.choices)
    external_id = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "external_id"], name="externalkey_unique")]
        indexes = [models.Index(fields=["target", "object_id"])]

    def __str__(self) -> str:
        return f"{self.target}:{self.external_id}"


class SavedMapping(models.Model):
    """A column mapping saved by name, offered again for files with the same headers."""

    name = models.CharField(max_length=100)
    target = models.CharField(max_length=16, choices=Target.choices)
    # Header text (normalised) -> field name, so the mapping applies whatever the column order.
    columns = models.JSONField(default=dict)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["target", "name"], name="savedmapping_unique_name")]

    def __str__(self) -> str:
        return self.name
