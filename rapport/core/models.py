"""Base classes for every business record: timestamps, optimistic version, soft delete, visibility."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from rapport.accounts.models import User


class RecordQuerySet(models.QuerySet):
    """Querysets of owned records; `visible_to` and `editable_by` are the one permission chokepoint."""

    # Path from the record to the owning user; subclasses override (orders go through their contact).
    owner_path: str = "owner"

    def alive(self) -> Self:
        return self.filter(deleted_at__isnull=True)

    def trashed(self) -> Self:
        return self.filter(deleted_at__isnull=False)

    def owner_filter(self, user: User, *, for_edit: bool) -> Q | None:
        """Return the Q restricting records to what the user may see (or edit); None means everything."""
        from rapport.accounts.permissions import owner_scope

        return owner_scope(user, self.owner_path, for_edit=for_edit)

    def visible_to(self, user: User) -> Self:
        q = self.owner_filter(user, for_edit=False)
        return self if q is None else self.filter(q)

    def editable_by(self, user: User) -> Self:
        q = self.owner_filter(user, for_edit=True)
        return self if q is None else self.filter(q)


class AliveManager(models.Manager):
    """Default manager: records in the trash are invisible unless asked for through `all_objects`."""

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Record(models.Model):
    """Abstract base for business records: created/updated times, version for edit conflicts, trash."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Incremented on every save through a service; a save that carries an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects: ClassVar[Any] = AliveManager.from_queryset(RecordQuerySet)()
    all_objects: ClassVar[Any] = models.Manager.from_queryset(RecordQuerySet)()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None
