"""Site-level pages: the home redirect, the settings index and the trash (restore)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_POST

from rapport.activities.models import Activity
from rapport.contacts.models import Company, Contact
from rapport.core.errors import NotAllowed
from rapport.core.ids import pk_or_404
from rapport.core.records import record_restore
from rapport.sales.models import Deal, Lead, Product

TRASH_KINDS: dict[str, tuple[Any, str]] = {
    "contact": (Contact, "Contacts"),
    "company": (Company, "Companies"),
    "lead": (Lead, "Leads"),
    "deal": (Deal, "Deals"),
    "product": (Product, "Products"),
    "activity": (Activity, "Activities"),
}
TRASH_LIMIT = 100


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def home(request: HttpRequest) -> HttpResponse:
    """Send the user to My day when it exists, else to the contacts."""
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(_url("my-day") or reverse("contact-list"))


@login_required
def settings_index(request: HttpRequest) -> HttpResponse:
    """The settings overview: links to each settings page the user may open."""
    user: Any = request.user
    sections: list[dict[str, Any]] = []
    if user.is_admin:
        sections.append({"url": _url("user-list"), "title": "Users & teams",
                         "text": "Add people, give them a role and a team, decide whether reps share records."})
        sections.append({"url": _url("custom-field-list"), "title": "Custom fields",
                         "text": "Add your own fields to contacts, companies, leads and deals."})
        sections.append({"url": _url("validation-rule-list"), "title": "Validation rules",
                         "text": "Required fields, formats and when … then … checks that forms, API and imports "
                                 "enforce."})
    sections.append({"url": _url("api-token-list"), "title": "API tokens",
                     "text": "Personal keys for scripts and integrations that use the REST API."})
    pipelines = _url("pipeline-list")
    if pipelines:
        sections.append({"url": pipelines, "title": "Pipelines", "text": "Sales pipelines and their stages."})
    sections = [s for s in sections if s["url"]]
    return render(request, "web/settings.html", {"sections": sections})


def _trash_title(kind: str, record: Any) -> str:
    if kind == "contact":
        return record.full_name
    return str(record)


@login_required
def trash(request: HttpRequest) -> HttpResponse:
    """Records in the trash that the user may restore, newest deletions first."""
    groups: list[dict[str, Any]] = []
    for kind, (model, label) in TRASH_KINDS.items():
        qs = model.all_objects.trashed().editable_by(request.user).select_related("deleted_by")
        rows = list(qs.order_by("-deleted_at", "-id")[:TRASH_LIMIT])
        groups.append({
            "kind": kind, "label": label,
            "rows": [{"record": r, "title": _trash_title(kind, r)} for r in rows],
            "more": len(rows) == TRASH_LIMIT,
        })
    total: int = sum(len(g["rows"]) for g in groups)
    return render(request, "web/trash.html", {"groups": groups, "total": total})


@login_required
@require_POST
def trash_restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Bring a record back from the trash."""
    if kind not in TRASH_KINDS:
        raise Http404("Not found")
    model = TRASH_KINDS[kind][0]
    record = model.all_objects.editable_by(request.user).filter(pk=pk_or_404(pk)).first()
    if record is None:
        raise Http404("Not found")
    try:
        record_restore(record, by=request.user)
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("trash")
    messages.success(request, f"{_trash_title(kind, record)} was restored.")
    try:
        return redirect(record.get_absolute_url())
    except NoReverseMatch:
        return redirect("trash")


urlpatterns = [
    path("", home, name="home"),
    path("settings/", settings_index, name="settings"),
    path("trash/", trash, name="trash"),
    path("trash/<str:kind>/<int:pk>/restore/", trash_restore, name="trash-restore"),
]
