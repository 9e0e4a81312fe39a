"""Pages for duplicate contacts and companies: the review list (one tab each) with scan, the on-entry checks,
merge side by side, undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.contacts.company_duplicates import (
    company_duplicate_dismiss,
    company_pairs_for,
    possible_company_duplicates,
)
from rapport.contacts.company_merge import (
    COMPANY_MERGE_FIELDS,
    company_merge,
    company_merge_defaults,
    company_merge_undo,
)
from rapport.contacts.duplicates import (
    duplicate_dismiss,
    duplicate_pairs_for,
    duplicate_scan_start,
    latest_scan,
    possible_duplicates,
)
from rapport.contacts.merge import MERGE_FIELDS, contact_merge, contact_merge_undo, merge_defaults
from rapport.contacts.models import Company, CompanyMergeRecord, Contact, DuplicateScan, MergeRecord
from rapport.core.errors import NotAllowed
from rapport.core.ids import pk_or_404
from rapport.web.paging import paginate

FIELD_LABELS = {
    "first_name": "First name", "last_name": "Last name", "title": "Job title", "company": "Company",
    "owner": "Owner", "lifecycle_stage": "Stage", "preferred_channel": "Prefers", "city": "City",
    "country": "Country", "email": "Primary email", "phone": "Primary phone",
}
COMPANY_FIELD_LABELS = {
    "name": "Name", "domain": "Domain", "industry": "Industry", "size": "Size", "phone": "Phone", "street": "Street",
    "city": "City", "region": "Region", "postal_code": "Postal code", "country": "Country", "owner": "Owner",
    "parent": "Parent company",
}


def _editable_contact(user: Any, pk: Any) -> Contact:
    """A contact (not in the trash) the user may change; anything else is a 404."""
    return get_object_or_404(
        Contact.objects.editable_by(user).select_related("company", "owner"), pk=pk_or_404(pk)
    )


def _display(contact: Contact, field: str) -> str:
    if field == "company":
        return contact.company.name if contact.company else ""
    if field == "owner":
        return str(contact.owner) if contact.owner else ""
    if field in ("lifecycle_stage", "preferred_channel"):
        return str(getattr(contact, f"get_{field}_display")())
    return str(getattr(contact, field) or "")


def _editable_company(user: Any, pk: Any) -> Company:
    """A company (not in the trash) the user may change; anything else is a 404."""
    return get_object_or_404(Company.objects.editable_by(user).select_related("owner", "parent"), pk=pk_or_404(pk))


def _company_display(company: Company, field: str) -> str:
    if field in ("owner", "parent"):
        related = getattr(company, field)
        return str(related) if related else ""
    if field == "size":
        return str(company.get_size_display())
    return str(getattr(company, field) or "")


@login_required
def duplicate_list_view(request: HttpRequest) -> HttpResponse:
    """Likely duplicate pairs (people, or companies with ?tab=companies) with score and reasons."""
    tab = "companies" if request.GET.get("tab") == "companies" else "people"
    pairs = company_pairs_for(user=request.user) if tab == "companies" else duplicate_pairs_for(user=request.user)
    page = paginate(pairs, request)
    return render(request, "contacts/duplicates/duplicate_list.html",
                  {"page": page, "scan": latest_scan(), "tab": tab})


@login_required
@require_POST
def duplicate_scan_view(request: HttpRequest) -> HttpResponse:
    """Start a scan (synchronous on a small database, in the background on a large one)."""
    try:
        scan = duplicate_scan_start(by=request.user)
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("duplicate-list")
    if scan.status == DuplicateScan.Status.DONE:
        plural = "" if scan.pairs == 1 else "s"
        messages.success(request, f"Scan finished: {scan.pairs} likely duplicate pair{plural} found.")
    elif scan.status == DuplicateScan.Status.FAILED:
        messages.error(request, "The scan failed; try again, and tell an administrator if it fails again.")
    else:
        messages.info(request, "The scan runs in the background; this page shows its progress. You can leave it.")
    return redirect("duplicate-list")


@login_required
def duplicate_scan_progress_view(request: HttpRequest) -> HttpResponse:
    """The scan's progress bar (polled by htmx); reloads the page once the scan has finished."""
    scan = latest_scan()
    response = render(request, "contacts/duplicates/partials/scan_progress.html", {"scan": scan})
    if (scan is None or scan.status not in (DuplicateScan.Status.QUEUED, DuplicateScan.Status.RUNNING)) and \
            request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def duplicate_dismiss_view(request: HttpRequest) -> HttpResponse:
    """Mark a pair as "not a duplicate"; it is not shown again."""
    first = _editable_contact(request.user, request.POST.get("first"))
    second = _editable_contact(request.user, request.POST.get("second"))
    try:
        duplicate_dismiss(first=first, second=second, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("duplicate-list")
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    messages.success(request, f"{first.full_name} and {second.full_name} are marked as different people.")
    return redirect("duplicate-list")


@login_required
@require_POST
def company_duplicate_dismiss_view(request: HttpRequest) -> HttpResponse:
    """Mark a pair of companies as "not a duplicate"; it is not shown again."""
    first = _editable_company(request.user, request.POST.get("first"))
    second = _editable_company(request.user, request.POST.get("second"))
    try:
        company_duplicate_dismiss(first=first, second=second, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('duplicate-list')}?tab=companies")
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    messages.success(request, f"{first.name} and {second.name} are marked as different companies.")
    return redirect(f"{reverse('duplicate-list')}?tab=companies")


def _exclude_id(value: str | None) -> int | None:
    try:
        return pk_or_404(value) if value else None
    except Http404:
        return None


@login_required
def company_duplicate_check_view(request: HttpRequest) -> HttpResponse:
    """The "possible duplicate of …" warning for the company form (htmx; reads the form's own field names)."""
    get = request.GET
    matches = possible_company_duplicates(
        name=get.get("name", "")[:200], domain=get.get("domain", "")[:253], phone=get.get("phone", "")[:40],
        city=get.get("city", "")[:100], country=get.get("country", "")[:2],
        exclude_id=_exclude_id(get.get("exclude")), user=request.user,
    )
    return render(request, "contacts/duplicates/partials/possible_company_duplicates.html", {"matches": matches})


@login_required
def duplicate_check_view(request: HttpRequest) -> HttpResponse:
    """The "possible duplicate of …" warning for the contact form (htmx; reads the form's own field names)."""
    get = request.GET
    exclude_id = _exclude_id(get.get("exclude") or get.get("contact"))
    matches = possible_duplicates(
        first_name=get.get("first_name", "")[:100],
        last_name=get.get("last_name", "")[:100],
        emails=[v[:254] for v in get.getlist("email_value")[:10]],
        phones=[v[:40] for v in get.getlist("phone_value")[:10]],
        city=get.get("city", "")[:100],
        country=get.get("country", "")[:2],
        exclude_id=exclude_id,
        user=request.user,
    )
    return render(request, "contacts/duplicates/partials/possible_duplicates.html", {"matches": matches})


@login_required
def contact_merge_view(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Side by side: pick the surviving value of each field, then merge `other` into `pk`."""
    survivor = _editable_contact(request.user, pk)
    loser = _editable_contact(request.user, other)
    error = ""
    choices = merge_defaults(survivor, loser)
    status = 200
    if request.method == "POST":
        choices = {f: request.POST.get(f, choices[f]) for f in MERGE_FIELDS}
        try:
            merge = contact_merge(survivor=survivor, loser=loser, by=request.user, choices=choices,
                                  expected_versions=_versions(request))
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 422
        except NotAllowed as exc:
            error, status = str(exc), 403
        else:
            messages.success(request, f"{loser.full_name} was merged into {survivor.full_name}.")
            return redirect("contact-merge-detail", pk=merge.pk)
    elif survivor.pk == loser.pk:
        error, status = "A contact cannot be merged with itself; pick two different contacts.", 422
    rows = []
    for field in MERGE_FIELDS:
        mine, theirs = _display(survivor, field), _display(loser, field)
        rows.append({"field": field, "label": FIELD_LABELS[field], "survivor": mine, "loser": theirs,
                     "same": mine == theirs, "choice": choices.get(field, "survivor")})
    return render(request, "contacts/duplicates/merge.html", {
        "survivor": survivor, "loser": loser, "rows": rows, "error": error,
        "survivor_name": survivor.full_name, "loser_name": loser.full_name, "noun": "contacts",
        "swap_url": reverse("contact-merge", args=[loser.pk, survivor.pk]),
        "kept": "activities, deals, leads, orders, emails, phones, consent, tags and history",
        "counts": {"survivor": _related_counts(survivor, CONTACT_COUNTS),
                   "loser": _related_counts(loser, CONTACT_COUNTS)},
    }, status=status)


CONTACT_COUNTS = ("activities", "deals", "leads", "orders", "emails", "phones")
COMPANY_COUNTS = ("contacts", "deals", "leads", "orders", "activities", "subsidiaries")


def _related_counts(record: Any, names: tuple[str, ...]) -> str:
    """What each side brings (shown so the user sees nothing will be lost), as "3 activities, 1 deal, …"."""
    # One COUNT per table: joining them all in one query would multiply the rows.
    return ", ".join(f"{getattr(record, name).count()} {name}" for name in names)


@login_required
def company_merge_view(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Side by side: pick the surviving value of each field, then merge company `other` into `pk`."""
    survivor = _editable_company(request.user, pk)
    loser = _editable_company(request.user, other)
    error = ""
    choices = company_merge_defaults(survivor, loser)
    status = 200
    if request.method == "POST":
        choices = {f: request.POST.get(f, choices[f]) for f in COMPANY_MERGE_FIELDS}
        try:
            merge = company_merge(survivor=survivor, loser=loser, by=request.user, choices=choices,
                                  expected_versions=_versions(request))
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 422
        except NotAllowed as exc:
            error, status = str(exc), 403
        else:
            messages.success(request, f"{loser.name} was merged into {survivor.name}.")
            return redirect("company-merge-detail", pk=merge.pk)
    elif survivor.pk == loser.pk:
        error, status = "A company cannot be merged with itself; pick two different companies.", 422
    rows = []
    for field in COMPANY_MERGE_FIELDS:
        mine, theirs = _company_display(survivor, field), _company_display(loser, field)
        rows.append({"field": field, "label": COMPANY_FIELD_LABELS[field], "survivor": mine, "loser": theirs,
                     "same": mine == theirs, "choice": choices.get(field, "survivor")})
    return render(request, "contacts/duplicates/merge.html", {
        "survivor": survivor, "loser": loser, "rows": rows, "error": error,
        "survivor_name": survivor.name, "loser_name": loser.name, "noun": "companies",
        "swap_url": reverse("company-merge", args=[loser.pk, survivor.pk]),
        "cancel_url": f"{reverse('duplicate-list')}?tab=companies",
        "kept": "people, deals, leads, orders, activities, subsidiaries, tags and history",
        "counts": {"survivor": _related_counts(survivor, COMPANY_COUNTS),
                   "loser": _related_counts(loser, COMPANY_COUNTS)},
    }, status=status)


def _versions(request: HttpRequest) -> tuple[int, int] | None:
    try:
        return int(request.POST.get("survivor_version", "")), int(request.POST.get("loser_version", ""))
    except ValueError:
        return None


def _merge_for(user: Any, pk: Any) -> MergeRecord:
    merge = get_object_or_404(MergeRecord.objects.select_related("survivor", "loser", "merged_by"),
                              pk=pk_or_404(pk))
    editable = Contact.all_objects.editable_by(user).filter(pk__in=[merge.survivor_id, merge.loser_id]).count()
    if editable != 2:
        raise Http404("No such merge.")
    return merge


@login_required
def contact_merge_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What a merge did, with the button to undo it."""
    merge = _merge_for(request.user, pk)
    return render(request, "contacts/duplicates/merge_detail.html", {
        "merge": merge, "moved": _moved_counts(merge), "survivor_name": merge.survivor.full_name,
        "loser_name": merge.loser.full_name, "undo_url": reverse("contact-merge-undo", args=[merge.pk]),
        "brought": "Emails, phones, consent and tags the survivor did not have were moved too.",
    })


def _moved_counts(merge: Any) -> dict[str, int]:
    return {label.split(".")[1]: len(ids) for label, ids in merge.moved.items()}


def _company_merge_for(user: Any, pk: Any) -> CompanyMergeRecord:
    merge = get_object_or_404(CompanyMergeRecord.objects.select_related("survivor", "loser", "merged_by"),
                              pk=pk_or_404(pk))
    editable = Company.all_objects.editable_by(user).filter(pk__in=[merge.survivor_id, merge.loser_id]).count()
    if editable != 2:
        raise Http404("No such merge.")
    return merge


@login_required
def company_merge_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What a company merge did, with the button to undo it."""
    merge = _company_merge_for(request.user, pk)
    return render(request, "contacts/duplicates/merge_detail.html", {
        "merge": merge, "moved": _moved_counts(merge), "survivor_name": merge.survivor.name,
        "loser_name": merge.loser.name, "undo_url": reverse("company-merge-undo", args=[merge.pk]),
        "brought": "Tags the survivor did not have were moved too.",
    })


@login_required
@require_POST
def company_merge_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a company merge: the other company comes back with exactly the records it had."""
    merge = _company_merge_for(request.user, pk)
    try:
        company_merge_undo(merge=merge, by=request.user)
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("company-merge-detail", pk=merge.pk)
    messages.success(request, f"Merge undone: {merge.loser.name} is back with its own records.")
    return redirect("company-detail", pk=merge.loser_id)


@login_required
@require_POST
def contact_merge_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a merge: the other contact comes back with exactly the records it had."""
    merge = _merge_for(request.user, pk)
    try:
        contact_merge_undo(merge=merge, by=request.user)
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("contact-merge-detail", pk=merge.pk)
    messages.success(request, f"Merge undone: {merge.loser.full_name} is back with their own records.")
    return redirect("contact-detail", pk=merge.loser_id)
