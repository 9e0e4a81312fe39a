"""Contacts tagged with their RFM segment ("RFM: Champions"), kept in sync set-based after every run.

Only tags whose name starts with "RFM: " are touched; a contact carries at most one of them, the tag
of its segment in the latest RFM run. Turned on and off in the analytics settings.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rapport.analytics.models import AnalyticsRun, AnalyticsSettings
from rapport.analytics.services.sql import execute, fetchall, in_ids

TAG_PREFIX = "RFM: "
TAG_MAX_LENGTH = 50  # customization.Tag.name


def analytics_settings() -> AnalyticsSettings:
    """The one settings row (created with the defaults when missing)."""
    found, _ = AnalyticsSettings.objects.get_or_create(pk=1)
    return found


def segment_tag_name(segment: str) -> str:
    return (TAG_PREFIX + segment)[:TAG_MAX_LENGTH]


def _through() -> tuple[str, str, str]:
    from rapport.contacts.models import Contact

    through = Contact.tags.through._meta
    return (through.db_table, through.get_field("contact").column, through.get_field("tag").column)


def rfm_tags_sync(run: AnalyticsRun, *, contact_ids: list[int] | None = None) -> int:
    """Give scored contacts the tag of their segment and take other RFM tags away; return tags added.

    Two statements (a DELETE of wrong tags and an INSERT ... SELECT of missing ones) for all contacts or
    the given ones; the segment-to-tag mapping is a CASE over the run's few segment names.
    """
    if not analytics_settings().tag_rfm_segments:
        return 0
    from rapport.customization.models import Tag

    names = (
        [
            str(r[0])
            for r in fetchall("SELECT DISTINCT segment FROM analytics_rfmscore WHERE run_id = %s", [run.pk])
        ]
        if contact_ids is None
        else list(run.result.get("segments", {}))
    )
    if contact_ids is not None:
        scores_of, params = in_ids("contact_id", contact_ids)
        names += [
            str(r[0])
            for r in fetchall(
                f"SELECT DISTINCT segment FROM analytics_rfmscore WHERE run_id = %s AND {scores_of}",
                [run.pk, *params],
            )
        ]
    wanted = {name: segment_tag_name(name) for name in set(names)}
    with transaction.atomic():
        for tag_name in set(wanted.values()):
            Tag.objects.get_or_create(name=tag_name)
        tag_ids = dict(Tag.objects.filter(name__startswith=TAG_PREFIX).values_list("name", "id"))
        if not tag_ids:
            return 0
        table, contact_col, tag_col = _through()
        case_parts, case_params = [], []
        for segment, tag_name in wanted.items():
            case_parts.append("WHEN %s THEN %s")
            case_params += [segment, tag_ids[tag_name]]
        case = f"(CASE s.segment {' '.join(case_parts)} END)" if case_parts else "NULL"
        all_tags = ", ".join(str(int(i)) for i in tag_ids.values())
        only_tags, only_scores = "", ""
        only_params: list[Any] = []
        if contact_ids is not None:
            tags_of, only_params = in_ids(contact_col, contact_ids)
            only_tags, only_scores = f" AND {tags_of}", f" AND {in_ids('s.contact_id', contact_ids)[0]}"
        execute(
            f"DELETE FROM {table} WHERE {tag_col} IN ({all_tags}){only_tags} AND NOT EXISTS ("
            f"SELECT 1 FROM analytics_rfmscore s WHERE s.run_id = %s AND s.contact_id = {table}.{contact_col} "
            f"AND {case} = {table}.{tag_col})",
            [*only_params, run.pk, *case_params],
        )
        return execute(
            f"INSERT INTO {table} ({contact_col}, {tag_col}) SELECT s.contact_id, {case} FROM analytics_rfmscore s "
            f"WHERE s.run_id = %s{only_scores} AND {case} IS NOT NULL AND NOT EXISTS ("
            f"SELECT 1 FROM {table} t WHERE t.{contact_col} = s.contact_id AND t.{tag_col} = {case})",
            [*case_params, run.pk, *only_params, *case_params, *case_params],
        )


def rfm_tags_remove() -> int:
    """Take every RFM segment tag off every contact (when the setting is turned off); return tags removed."""
    from rapport.customization.models import Tag

    ids = list(Tag.objects.filter(name__startswith=TAG_PREFIX).values_list("id", flat=True))
    if not ids:
        return 0
    table, _, tag_col = _through()
    return execute(f"DELETE FROM {table} WHERE {tag_col} IN ({', '.join(str(int(i)) for i in ids)})")


def settings_save(
    *, by: Any, tag_rfm_segments: bool | None = None, activity_costs: dict[str, Any] | None = None
) -> AnalyticsSettings:
    """Change the analytics settings; turning segment tags on tags everyone now, turning them off removes them."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from rapport.analytics.services.runs import ensure_can_recalculate, latest_run
    from rapport.analytics.services.settings import parse_activity_costs

    ensure_can_recalculate(by)
    current = analytics_settings()
    if activity_costs is not None:
        errors: dict[str, list[str]] = {}
        current.activity_costs = parse_activity_costs(activity_costs, errors)
        if errors:
            raise ValidationError(errors)
    was = current.tag_rfm_segments
    if tag_rfm_segments is not None:
        current.tag_rfm_segments = bool(tag_rfm_segments)
    current.updated_at = timezone.now()
    with transaction.atomic():
        current.save()
        if was and not current.tag_rfm_segments:
            rfm_tags_remove()
        elif current.tag_rfm_segments and not was:
            from rapport.analytics.models import RunKind

            run = latest_run(RunKind.RFM)
            if run is not None:
                rfm_tags_sync(run)
    return current
