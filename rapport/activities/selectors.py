"""Permission-scoped reads of activities and the My day lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rapport.activities.choices import ActivityKind
from rapport.activities.models import Activity
from rapport.core.ids import pk_or_404


def activity_list(*, user: Any, kind: str = "", record: Any = None, open_only: bool = False) -> QuerySet[Activity]:
    """Activities the user may see; for a record the user can see, all of that record's activities."""
    if record is not None:
        qs = Activity.objects.filter(**{type(record)._meta.model_name: record})
    else:
        qs = Activity.objects.visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs.select_related("owner", "contact", "company", "deal", "lead__contact").order_by("-created_at", "-id")


def activity_get(*, user: Any, pk: Any) -> Activity:
    return get_object_or_404(
        Activity.objects.visible_to(user).select_related("owner", "contact", "company", "deal", "lead__contact"),
        pk=pk_or_404(pk),
    )


def my_day(*, user: Any, now: dt.datetime | None = None) -> dict[str, list[Activity]]:
    """The user's overdue tasks, today's tasks and today's meetings (in time order), in the site time zone."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=1)
    mine = Activity.objects.filter(owner=user).select_related("contact", "company", "deal", "lead__contact")
    open_tasks = mine.filter(kind=ActivityKind.TASK, done_at__isnull=True)
    return {
        "overdue": list(open_tasks.filter(due_at__lt=start).order_by("due_at", "id")),
        "today": list(open_tasks.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "id")),
        "meetings": list(
            mine.filter(kind=ActivityKind.MEETING, starts_at__gte=start, starts_at__lt=end)
            .select_related("company")
            .prefetch_related("attendees")
            .order_by("starts_at", "id")
        ),
        "done_today": list(
            mine.filter(kind=ActivityKind.TASK, done_at__gte=start, done_at__lt=end).order_by("-done_at")[:20]
        ),
    }
