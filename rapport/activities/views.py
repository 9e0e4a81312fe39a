"""Pages of activities: log from any record, detail, edit, tasks done, meetings as iCalendar, My day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.models import User
from rapport.activities import ical
from rapport.activities.choices import ActivityKind
from rapport.activities.forms import ActivityForm
from rapport.activities.models import LINK_FIELDS, Activity
from rapport.activities.selectors import activity_get, my_day
from rapport.activities.services import activity_create, activity_update, task_complete
from rapport.contacts.models import Contact
from rapport.contacts.selectors import company_get, contact_get
from rapport.core.errors import EditConflict, NotAllowed
from rapport.core.http import AuthenticatedHttpRequest
from rapport.sales.selectors import deal_get, lead_get
from rapport.sales.views.common import add_errors, render_page, safe_next

# The clock My day reads; tests replace it to pin "now" instead of waiting for a time of day.
clock = timezone.now

FEED_SALT = "rapport.activities.calendar-feed"
MEETINGS_IN_FEED = 500


def _linked_record(user: Any, link_field: str, pk: Any) -> Any:
    """The contact, company, lead or deal the user wants to log on (404 if they may not see it)."""
    getter: Any = {"contact": contact_get, "company": company_get, "lead": lead_get, "deal": deal_get}[link_field]
    return getter(user=user, pk=pk)


def _not_allowed(request: AuthenticatedHttpRequest, exc: NotAllowed) -> HttpResponse:
    return render_page(request, "activities/not_allowed.html", {"message": str(exc)}, status=403)


@login_required
@require_POST
def activity_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log a call, meeting, task or note on the record named in the form, then go back to it."""
    links = {f: request.POST.get(f) for f in LINK_FIELDS if request.POST.get(f)}
    if len(links) != 1:
        return HttpResponseBadRequest("Log the activity from a contact, company, lead or deal page.")
    link_field, pk = next(iter(links.items()))
    record = _linked_record(request.user, link_field, pk)
    form = ActivityForm(request.POST)
    back = safe_next(request, record.get_absolute_url())
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            activity = activity_create(by=request.user, kind=kind, **{link_field: record},
                                       **form.service_values(kind))
        except NotAllowed as exc:
            return _not_allowed(request, exc)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{activity.get_kind_display()} saved: {activity.subject}.")
            return redirect(back)
    return render_page(request, "activities/activity_form.html",
                  {"form": form, "record": record, "link_field": link_field, "next": back,
                   "kind": request.POST.get("kind", ""), "creating": True, "action": reverse("activity-create")},
                  status=400)


@login_required
@require_GET
def activity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = activity_get(user=request.user, pk=pk)
    can_edit = Activity.objects.editable_by(request.user).filter(pk=activity.pk).exists()
    return render_page(request, "activities/activity_detail.html", {
        "activity": activity, "can_edit": can_edit, "attendees": list(activity.attendees.all()),
        "record": _main_record(activity),
    })


def _main_record(activity: Activity) -> Any:
    """The record the activity is mainly about (deal, then lead, contact, company)."""
    for field in ("deal", "lead", "contact", "company"):
        value = getattr(activity, field)
        if value is not None:
            return value
    return None


def _attendee_choices(user: Any, activity: Activity) -> Any:
    ids = set(activity.attendees.values_list("pk", flat=True))
    scope = Q(pk__in=ids)
    if activity.company_id:
        scope |= Q(company_id=activity.company_id)
    if activity.contact_id:
        scope |= Q(pk=activity.contact_id)
    wanted = list(Contact.objects.visible_to(user).filter(scope).order_by("last_name", "first_name")
                  .values_list("pk", flat=True)[:100])
    return Contact.objects.filter(pk__in=set(wanted) | ids).order_by("last_name", "first_name")


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = activity_get(user=request.user, pk=pk)
    choices = _attendee_choices(request.user, activity)
    conflict = None
    status = 200
    if request.method == "POST":
        form = ActivityForm({**request.POST.dict(), "kind": activity.kind,
                             "attendees": request.POST.getlist("attendees")}, attendee_choices=choices)
        if form.is_valid():
            try:
                version = int(request.POST.get("version", ""))
            except ValueError:
                version = None
            try:
                attendees = (list(form.cleaned_data["attendees"]) if activity.kind == ActivityKind.MEETING
                             else None)
                activity_update(activity=activity, by=request.user, expected_version=version,
                                attendees=attendees, **form.service_values(activity.kind))
            except NotAllowed as exc:
                return _not_allowed(request, exc)
            except EditConflict as exc:
                conflict = exc
                status = 409
            except ValidationError as exc:
                add_errors(form, exc)
                status = 400
            else:
                messages.success(request, "Saved.")
                return redirect("activity-detail", pk=activity.pk)
        else:
            status = 400
    else:
        local = timezone.localtime
        form = ActivityForm(initial={
            "kind": activity.kind, "subject": activity.subject, "body": activity.body, "outcome": activity.outcome,
            "duration_minutes": activity.duration_minutes,
            "starts_at": local(activity.starts_at) if activity.starts_at else None,
            "ends_at": local(activity.ends_at) if activity.ends_at else None,
            "location": activity.location, "attendees": list(activity.attendees.all()),
            "due_at": local(activity.due_at).date().isoformat() if activity.due_at else "",
            "priority": activity.priority,
        }, attendee_choices=choices)
    return render_page(request, "activities/activity_form.html", {
        "form": form, "activity": activity, "kind": activity.kind, "record": _main_record(activity),
        "conflict": conflict, "version": conflict.record.version if conflict else activity.version,
        "creating": False, "action": reverse("activity-edit", args=[activity.pk]),
    }, status=status)


@login_required
@require_POST
def task_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Tick a task off (or back on); htmx swaps in the updated row."""
    activity = activity_get(user=request.user, pk=pk)
    done = request.POST.get("done", "1") != "0"
    try:
        activity = task_complete(activity=activity, by=request.user, done=done)
    except NotAllowed as exc:
        return _not_allowed(request, exc)
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    if request.headers.get("HX-Request"):
        return render_page(request, "activities/partials/task_item.html", {"task": activity, "now": clock()})
    messages.success(request, f"Task {'done' if done else 'open again'}: {activity.subject}.")
    return redirect(safe_next(request, reverse("activity-detail", args=[activity.pk])))


@login_required
@require_GET
def activity_ics(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Download one meeting as an .ics file for any calendar app."""
    activity = activity_get(user=request.user, pk=pk)
    if activity.kind != ActivityKind.MEETING or activity.starts_at is None:
        raise Http404("Only meetings can be added to a calendar.")
    attendees = {activity.pk: list(activity.attendees.all())}
    body = ical.calendar_of([activity], attendees=attendees, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{activity.pk}.ics"'
    return response


def calendar_feed_token(user: User) -> str:
    """A secret for the user's meeting feed URL; it stops working when the user's password changes."""
    check = salted_hmac(FEED_SALT, f"{user.pk}:{user.password}").hexdigest()[:20]
    return signing.dumps({"u": user.pk, "c": check}, salt=FEED_SALT)


def _feed_user(token: str) -> User:
    try:
        data = signing.loads(token, salt=FEED_SALT)
        user = User.objects.get(pk=int(data["u"]), is_active=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise Http404("This calendar link is not valid any more; copy the new one from My day.")
    expected = salted_hmac(FEED_SALT, f"{user.pk}:{user.password}").hexdigest()[:20]
    if not constant_time_compare(expected, str(data.get("c", ""))):
        raise Http404("This calendar link is not valid any more; copy the new one from My day.")
    return user


@require_GET
def calendar_feed(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The user's meetings (past 30 days and all upcoming) as an iCalendar feed calendar apps subscribe to."""
    user = _feed_user(token)
    since = timezone.now() - dt.timedelta(days=30)
    meetings = list(
        Activity.objects.filter(owner=user, kind=ActivityKind.MEETING, starts_at__gte=since)
        .select_related("contact", "company", "deal").prefetch_related("attendees")
        .order_by("starts_at", "id")[:MEETINGS_IN_FEED]
    )
    attendees = {m.pk: list(m.attendees.all()) for m in meetings}
    body = ical.calendar_of(meetings, attendees=attendees, base_url=request.build_absolute_uri("/"),
                            name=f"Rapport meetings of {user}")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@login_required
@require_GET
def my_day_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Overdue and today's tasks, today's meetings in time order with map links, and a quick call log."""
    now = clock()
    day = my_day(user=request.user, now=now)
    recent = list(
        Contact.objects.visible_to(request.user).select_related("company").order_by("-updated_at", "-id")[:30]
    )
    return render_page(request, "activities/my_day.html", {
        **day, "now": now, "day_date": timezone.localtime(now).date(), "recent_contacts": recent,
        "feed_url": request.build_absolute_uri(reverse("calendar-feed", args=[calendar_feed_token(request.user)])),
    })


@login_required
@require_POST
def quick_call(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log a call on a contact from My day in one step."""
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=_int_or_404(request.POST.get("contact")))
    form = ActivityForm({**request.POST.dict(), "kind": ActivityKind.CALL})
    if form.is_valid():
        try:
            activity_create(by=request.user, kind=ActivityKind.CALL, contact=contact,
                            **form.service_values(ActivityKind.CALL))
        except NotAllowed as exc:
            return _not_allowed(request, exc)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Call with {contact} logged.")
            return redirect("my-day")
    return render_page(request, "activities/activity_form.html", {
        "form": form, "record": contact, "link_field": "contact", "next": reverse("my-day"),
        "kind": ActivityKind.CALL, "creating": True, "action": reverse("my-day-call")}, status=400)


def _int_or_404(value: Any) -> int:
    from rapport.core.ids import pk_or_404

    return pk_or_404(value)
