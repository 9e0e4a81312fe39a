"""Duplicate scans, their review and dismissals: run a stored scan, list its pairs, dismiss a pair.

A scan reads every contact and company (duplicates.scan_contacts, company_duplicates.scan_companies),
stores the likely pairs of the run and drops those of older scans; a small database is scanned right
away, a large one by the background worker, with its progress on the scan row. The review lists the
newest finished scan's pairs the user may merge, less those someone marked "not a duplicate".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from rapport.contacts.duplicates import scan_contacts

SYNC_SCAN_CONTACTS = 20_000  # above this a scan runs in the background worker
STALE_SCAN = dt.timedelta(hours=2)
STORE_BATCH = 2000


def duplicate_scan_start(*, by: Any) -> Any:
    """Start a scan: right away for a small database, otherwise as a background task (returns the scan)."""
    from django.db import transaction

    from rapport.contacts.models import Contact, DuplicateScan
    from rapport.core.records import ensure_can_create

    ensure_can_create(by)
    from django.utils import timezone

    running = DuplicateScan.objects.filter(
        status__in=[DuplicateScan.Status.QUEUED, DuplicateScan.Status.RUNNING]
    )
    # A scan still "running" after STALE_SCAN lost its worker; let a new one start.
    running.filter(created_at__lt=timezone.now() - STALE_SCAN).update(
        status=DuplicateScan.Status.FAILED, error="The background worker stopped before the scan finished."
    )
    if running.exists():
        return running.first()
    scan = DuplicateScan.objects.create(started_by=by)
    if Contact.objects.count() <= SYNC_SCAN_CONTACTS:
        duplicate_scan_run(scan.pk)
        scan.refresh_from_db()
    else:
        transaction.on_commit(lambda: duplicate_scan_task.enqueue(scan.pk))
    return scan


def _candidates_store(model: Any, scan_id: int, pairs: list[Any]) -> None:
    """Replace the scan's stored pairs of one kind (contacts or companies) in batches."""
    model.objects.filter(scan_id=scan_id).delete()
    for start in range(0, len(pairs), STORE_BATCH):
        model.objects.bulk_create(
            [
                model(scan_id=scan_id, first_id=p.first_id, second_id=p.second_id, score=p.score,
                      reasons=p.reasons[:300])
                for p in pairs[start : start + STORE_BATCH]
            ]
        )


def duplicate_scan_run(scan_id: int) -> int:
    """Run one scan and store its pairs; safe to run twice (a finished scan is left as it is)."""
    import time

    from django.db import transaction
    from django.utils import timezone

    from rapport.contacts.company_duplicates import scan_companies
    from rapport.contacts.models import CompanyDuplicateCandidate, DuplicateCandidate, DuplicateScan

    claimed = DuplicateScan.objects.filter(pk=scan_id, status=DuplicateScan.Status.QUEUED).update(
        status=DuplicateScan.Status.RUNNING, phase="reading"
    )
    if not claimed:
        return 0
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int) -> None:
        DuplicateScan.objects.filter(pk=scan_id).update(phase=phase, done=done, total=total)

    try:
        pairs = scan_contacts(progress=progress)
        companies, company_pairs = scan_companies(progress=progress)
        progress("saving", 0, len(pairs) + len(company_pairs))
        with transaction.atomic():
            _candidates_store(DuplicateCandidate, scan_id, pairs)
            _candidates_store(CompanyDuplicateCandidate, scan_id, company_pairs)
            # Only the newest finished scan is reviewed; older pairs would be stale.
            DuplicateCandidate.objects.filter(scan__status=DuplicateScan.Status.DONE).exclude(
                scan_id=scan_id
            ).delete()
            CompanyDuplicateCandidate.objects.filter(scan__status=DuplicateScan.Status.DONE).exclude(
                scan_id=scan_id
            ).delete()
            DuplicateScan.objects.filter(pk=scan_id).update(
                status=DuplicateScan.Status.DONE,
                phase="",
                done=len(pairs),
                total=len(pairs),
                pairs=len(pairs),
                companies=companies,
                company_pairs=len(company_pairs),
                finished_at=timezone.now(),
                seconds=round(time.perf_counter() - started, 1),
            )
    except Exception as exc:  # the page must show that the scan failed, not spin forever
        DuplicateScan.objects.filter(pk=scan_id).update(
            status=DuplicateScan.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    return len(pairs)


def _task_decorator() -> Any:
    from django_tasks import task

    return task()


@_task_decorator()
def duplicate_scan_task(scan_id: int) -> int:
    """Background duplicate scan (takes the scan id; a second run finds it claimed)."""
    return duplicate_scan_run(scan_id)


def latest_scan() -> Any:
    """The newest scan (running or finished), or None."""
    from rapport.contacts.models import DuplicateScan

    return DuplicateScan.objects.order_by("-created_at", "-id").first()


def latest_scan_pairs(
    candidates: Any, dismissals: Any, records: Any, user: Any, related: Sequence[str]
) -> Any:
    """Pairs (of `candidates`) of the newest finished scan the user may merge: both alive and editable, not dismissed."""
    from django.db.models import Exists, OuterRef

    from rapport.contacts.models import DuplicateScan

    scan = (
        DuplicateScan.objects.filter(status=DuplicateScan.Status.DONE).order_by("-created_at", "-id").first()
    )
    if scan is None:
        return candidates.objects.none()
    editable = records.objects.editable_by(user)
    dismissed = dismissals.objects.filter(first_id=OuterRef("first_id"), second_id=OuterRef("second_id"))
    return (
        candidates.objects.filter(
            scan=scan, first__in=editable.values("id"), second__in=editable.values("id")
        )
        .filter(~Exists(dismissed))
        .select_related(*related)
        .order_by("-score", "id")
    )


def duplicate_pairs_for(*, user: Any) -> Any:
    """Contact pairs of the newest finished scan that the user may merge."""
    from rapport.contacts.models import Contact, DuplicateCandidate, DuplicateDismissal

    return latest_scan_pairs(
        DuplicateCandidate,
        DuplicateDismissal,
        Contact,
        user,
        ("first", "second", "first__company", "second__company"),
    )


def pair_dismiss(dismissals: Any, *, first: Any, second: Any, by: Any, plural: str) -> Any:
    """Record that two records are not duplicates (smaller id first), so no scan shows the pair again."""
    from django.core.exceptions import ValidationError

    from rapport.core.records import ensure_editable

    if first.pk == second.pk:
        raise ValidationError(f"Pick two different {plural}.")
    ensure_editable(first, by)
    ensure_editable(second, by)
    low, high = sorted((first.pk, second.pk))
    dismissal, _ = dismissals.objects.get_or_create(
        first_id=low, second_id=high, defaults={"dismissed_by": by}
    )
    return dismissal


def duplicate_dismiss(*, first: Any, second: Any, by: Any) -> Any:
    """Mark two contacts as "not a duplicate" so no scan or check shows the pair again."""
    from rapport.contacts.models import DuplicateDismissal

    return pair_dismiss(DuplicateDismissal, first=first, second=second, by=by, plural="contacts")
