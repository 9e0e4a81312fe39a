"""Pages for duplicate contacts and companies: the review list (one tab each) with scan, the on-entry checks,
merge side by side, undo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
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
from rapport.contacts.duplicate_check import possible_duplicates
from rapport.contacts.duplicate_scan import (
    duplicate_dismiss,
    duplicate_pairs_for,
    duplicate_scan_start,
    latest_scan,
)
from rapport.contacts.merge import MERGE_FIELDS, contact_merge, contact_merge_undo, merge_defaults
from rapport.contacts.models import Company, CompanyMergeRecord, Contact, DuplicateScan, MergeRecord
from rapport.core.errors import NotAllowed
from rapport.core.ids import pk_or_404
from rapport.web.paging import paginate

FIELD_LABELS = {
    "first_name": "First name", "last_name": "Last name", "title": "Job title", "company": "Company",
    "owner": "Owner", "lifecycle_stage": "Stage", "preferred_channel": "Prefers", "street": "Street",
    "city": "City", "region": "Region", "postal_code": "Postal code", "country": "Country", "email": "Primary email", "phone": "Primary phone",
}
COMPANY_FIELD_LABELS = {
    "name": "Name", "domain": "Domain", "industry": "Industry", "size": "Size", "phone": "Phone", "street": "Street",
    "city": "City", "region": "Region", "postal_code": "Postal code", "country": "Country", "owner": "Owner",
    "parent": "Parent company",
}


def _display(contact: Contact, field: str) -> str:
    if field == "company":
        return contact.company.name if contact.company else ""
    if field == "owner":
        return str(contact.owner) if contact.owner else ""
    if field in ("lifecycle_stage", "preferred_channel"):
        return str(getattr(contact, f"get_{field}_display")())
    return str(getattr(contact, field) or "")


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
    first = CONTACTS.editable(request.user, request.POST.get("first"))
    second = CONTACTS.editable(request.user, request.POST.get("second"))
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
    first = COMPANIES.editable(request.user, request.POST.get("first"))
    second = COMPANIES.editable(request.user, request.POST.get("second"))
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


@dataclass(frozen=True)
class MergeKind:
    """What differs between the contact and the company merge pages; the pages themselves are shared."""

    model: Any
    merge_model: Any
    fields: tuple[str, ...]
    labels: dict[str, str]
    display: Callable[[Any, str], str]
    defaults: Callable[[Any, Any], dict[str, str]]
    merge: Callable[..., Any]
    undo: Callable[..., Any]
    counts: tuple[str, ...]
    noun: str  # "contact"
    plural: str  # "contacts"
    kept: str  # what of both is kept, in words
    possessive: str  # "their" records, "its" records
    brought: str  # what else the merge moved, in words
    route: str  # "contact": contact-merge, contact-merge-detail, contact-merge-undo, contact-detail
    list_url: str  # the duplicates tab to go back to

    def name(self, record: Any) -> str:
        return str(record)

    def editable(self, user: Any, pk: Any) -> Any:
        """A record (not in the trash) the user may change; anything else is a 404."""
        related = [f for f in ("company", "owner", "parent") if f in self.fields]
        return get_object_or_404(self.model.objects.editable_by(user).select_related(*related), pk=pk_or_404(pk))

    def merge_for(self, user: Any, pk: Any) -> Any:
        """A merge both of whose records the user may change; anything else is a 404."""
        merge = get_object_or_404(self.merge_model.objects.select_related("survivor", "loser", "merged_by"),
                                  pk=pk_or_404(pk))
        ids = [merge.survivor_id, merge.loser_id]
        if self.model.all_objects.editable_by(user).filter(pk__in=ids).count() != 2:
            raise Http404("No such merge.")
        return merge


CONTACTS = MergeKind(
    model=Contact, merge_model=MergeRecord, fields=MERGE_FIELDS, labels=FIELD_LABELS, display=_display,
    defaults=merge_defaults, merge=contact_merge, undo=contact_merge_undo,
    counts=("activities", "deals", "leads", "orders", "emails", "phones"), noun="contact", plural="contacts",
    kept="activities, deals, leads, orders, emails, phones, consent, tags and history", possessive="their",
    brought="Emails, phones, consent and tags the survivor did not have were moved too.",
    route="contact", list_url="",
)
COMPANIES = MergeKind(
    model=Company, merge_model=CompanyMergeRecord, fields=COMPANY_MERGE_FIELDS, labels=COMPANY_FIELD_LABELS,
    display=_company_display, defaults=company_merge_defaults, merge=company_merge, undo=company_merge_undo,
    counts=("contacts", "deals", "leads", "orders", "activities", "subsidiaries"), noun="company",
    plural="companies", kept="people, deals, leads, orders, activities, subsidiaries, tags and history",
    possessive="its",
    brought="Tags the survivor did not have were moved too.", route="company", list_url="?tab=companies",
)


SINGULAR = {"activities": "activity", "deals": "deal", "leads": "lead", "orders": "order", "emails": "email",
            "phones": "phone", "contacts": "contact", "subsidiaries": "subsidiary"}


def _related_counts(record: Any, names: tuple[str, ...]) -> str:
    """What each side brings (shown so the user sees nothing will be lost), as "3 activities, 1 deal, …"."""
    # One COUNT per table: joining them all in one query would multiply the rows.
    counts = [(getattr(record, name).count(), name) for name in names]
    return ", ".join(f"{n} {SINGULAR.get(name, name) if n == 1 else name}" for n, name in counts)


def _moved_lines(moved: dict[str, list[int]]) -> list[str]:
    """A merge's moved rows ("app.model.field" -> ids) in words: "3 activities", "1 timeline event"."""
    totals: dict[tuple[str, str], int] = {}
    for label, ids in moved.items():
        app_label, model_name = label.split(".")[:2]
        try:
            meta = apps.get_model(app_label, model_name)._meta
        except LookupError:
            names = (model_name, model_name)
        else:
            names = (str(meta.verbose_name), str(meta.verbose_name_plural))
        totals[names] = totals.get(names, 0) + len(ids)
    return [f"{n} {one if n == 1 else many}" for (one, many), n in totals.items() if n]


def _versions(request: HttpRequest) -> tuple[int, int] | None:
    try:
        return int(request.POST.get("survivor_version", "")), int(request.POST.get("loser_version", ""))
    except ValueError:
        return None


def _merge_page(request: HttpRequest, kind: MergeKind, pk: int, other: int) -> HttpResponse:
    """Side by side: pick the surviving value of each field, then merge `other` into `pk`."""
    survivor = kind.editable(request.user, pk)
    loser = kind.editable(request.user, other)
    error = ""
    choices = kind.defaults(survivor, loser)
    status = 200
    if request.method == "POST":
        choices = {f: request.POST.get(f, choices[f]) for f in kind.fields}
        try:
            merge = kind.merge(survivor=survivor, loser=loser, by=request.user, choices=choices,
                               expected_versions=_versions(request))
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 422
        except NotAllowed as exc:
            error, status = str(exc), 403
        else:
            messages.success(request, f"{kind.name(loser)} was merged into {kind.name(survivor)}.")
            return redirect(f"{kind.route}-merge-detail", pk=merge.pk)
    elif survivor.pk == loser.pk:
        error = f"A {kind.noun} cannot be merged with itself; pick two different {kind.plural}."
        status = 422
    rows = []
    for field in kind.fields:
        mine, theirs = kind.display(survivor, field), kind.display(loser, field)
        rows.append({"field": field, "label": kind.labels[field], "survivor": mine, "loser": theirs,
                     "same": mine == theirs, "choice": choices.get(field, "survivor")})
    return render(request, "contacts/duplicates/merge.html", {
        "survivor": survivor, "loser": loser, "rows": rows, "error": error, "noun": kind.plural,
        "survivor_name": kind.name(survivor), "loser_name": kind.name(loser), "kept": kind.kept,
        "swap_url": reverse(f"{kind.route}-merge", args=[loser.pk, survivor.pk]),
        "cancel_url": reverse("duplicate-list") + kind.list_url,
        "counts": {"survivor": _related_counts(survivor, kind.counts), "loser": _related_counts(loser, kind.counts)},
    }, status=status)


def _merge_detail_page(request: HttpRequest, kind: MergeKind, pk: int) -> HttpResponse:
    """What a merge did, with the button to undo it."""
    merge = kind.merge_for(request.user, pk)
    return render(request, "contacts/duplicates/merge_detail.html", {
        "merge": merge, "moved": _moved_lines(merge.moved),
        "survivor_name": kind.name(merge.survivor), "loser_name": kind.name(merge.loser),
        "undo_url": reverse(f"{kind.route}-merge-undo", args=[merge.pk]), "brought": kind.brought,
    })


def _merge_undo(request: HttpRequest, kind: MergeKind, pk: int) -> HttpResponse:
    """Undo a merge: the other record comes back with exactly the records it had."""
    merge = kind.merge_for(request.user, pk)
    try:
        kind.undo(merge=merge, by=request.user)
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(f"{kind.route}-merge-detail", pk=merge.pk)
    messages.success(request, f"Merge undone: {kind.name(merge.loser)} is back with {kind.possessive} own records.")
    return redirect(f"{kind.route}-detail", pk=merge.loser_id)


@login_required
def contact_merge_view(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Side by side: pick the surviving value of each field, then merge contact `other` into `pk`."""
    return _merge_page(request, CONTACTS, pk, other)


@login_required
def contact_merge_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What a contact merge did, with the button to undo it."""
    return _merge_detail_page(request, CONTACTS, pk)


@login_required
@require_POST
def contact_merge_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a merge: the other contact comes back with exactly the records it had."""
    return _merge_undo(request, CONTACTS, pk)


@login_required
def company_merge_view(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Side by side: pick the surviving value of each field, then merge company `other` into `pk`."""
    return _merge_page(request, COMPANIES, pk, other)


@login_required
def company_merge_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What a company merge did, with the button to undo it."""
    return _merge_detail_page(request, COMPANIES, pk)


@login_required
@require_POST
def company_merge_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a company merge: the other company comes back with exactly the records it had."""
    return _merge_undo(request, COMPANIES, pk)
