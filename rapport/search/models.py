"""The global search index: one row per searchable record, indexed by trigrams on both databases."""

from __future__ import annotations

from django.db import models


class SearchEntry(models.Model):
    """Searchable text of a contact, company, lead or deal (names, emails, phones, domain).

    On SQLite an FTS5 trigram table mirrors `text` through triggers; on PostgreSQL a pg_trgm GIN index
    covers it (see migration 0002). Maintained by the services that write the records.
    """

    kind = models.CharField(max_length=10)
    object_id = models.BigIntegerField()
    # The record's owner at indexing time, so a search can be limited to what a user may see
    # before ranking; results are checked again through visible_to.
    owner_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300)
    text = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="searchentry_unique_record")]
        indexes = [models.Index(fields=["owner_id"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"
