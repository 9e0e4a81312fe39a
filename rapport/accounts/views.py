"""Settings pages for users, teams (administrators) and personal API tokens (everyone)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rapport.accounts.forms import ApiTokenForm, TeamForm, UserCreateForm, UserEditForm
from rapport.accounts.models import ApiToken, Team, User
from rapport.accounts.services import (
    api_token_create,
    api_token_revoke,
    team_create,
    team_update,
    user_create,
    user_update,
)
from rapport.core.ids import pk_or_404
from rapport.web.forms import service_errors_to_form


def _admin_only(request: HttpRequest) -> None:
    user: Any = request.user
    if not user.is_admin:
        raise Http404("Not found")


def _users_page(request: HttpRequest, *, user_form: UserCreateForm | None = None, team_form: TeamForm | None = None,
                status: int = 200) -> HttpResponse:
    users = User.objects.select_related("team").order_by("-is_active", "first_name", "last_name", "username")
    teams = Team.objects.annotate(member_count=Count("members")).order_by("name")
    for form in (user_form, team_form):
        if form is not None and form.is_bound:
            form.mark_invalid()
    context = {
        "users": users, "teams": teams,
        "user_form": user_form or UserCreateForm(), "team_form": team_form or TeamForm(),
    }
    return render(request, "accounts/users.html", context, status=status)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    """Users and teams, with forms to add both."""
    _admin_only(request)
    return _users_page(request)


@login_required
@require_POST
def user_create_view(request: HttpRequest) -> HttpResponse:
    """Add a user."""
    _admin_only(request)
    form = UserCreateForm(request.POST)
    if form.is_valid():
        try:
            created = user_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            service_errors_to_form(form, exc)
        else:
            messages.success(request, f"{created} can now log in as {created.username}.")
            return redirect("user-list")
    return _users_page(request, user_form=form, status=400)


@login_required
def user_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a user's role, team, active flag or password."""
    _admin_only(request)
    target = get_object_or_404(User, pk=pk_or_404(pk))
    initial = {"first_name": target.first_name, "last_name": target.last_name, "email": target.email,
               "role": target.role, "team": target.team_id, "is_active": target.is_active}
    if request.method == "POST":
        form = UserEditForm(request.POST, initial=initial)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "password" or v}
            try:
                user_update(user=target, by=request.user, **values)
            except ValidationError as exc:
                service_errors_to_form(form, exc)
            else:
                messages.success(request, f"Saved {target}.")
                return redirect("user-list")
        form.mark_invalid()
        return render(request, "accounts/user_form.html", {"form": form, "target": target}, status=400)
    form = UserEditForm(initial=initial)
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@login_required
@require_POST
def team_create_view(request: HttpRequest) -> HttpResponse:
    """Add a team."""
    _admin_only(request)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            service_errors_to_form(form, exc)
        else:
            messages.success(request, f"Team {team} added.")
            return redirect("user-list")
    return _users_page(request, team_form=form, status=400)


@login_required
@require_POST
def team_toggle_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch whether the team's reps see each other's records."""
    _admin_only(request)
    team = get_object_or_404(Team, pk=pk_or_404(pk))
    team = team_update(team=team, by=request.user, reps_see_team=request.POST.get("reps_see_team") == "on")
    state = "now see" if team.reps_see_team else "no longer see"
    messages.success(request, f"Reps in {team} {state} each other's records.")
    return redirect("user-list")


@login_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    """The user's personal API tokens; a new token's secret is shown once, right after creation."""
    new_raw = ""
    status = 200
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, new_raw = api_token_create(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except ValidationError as exc:
                service_errors_to_form(form, exc)
                status = 400
            else:
                form = ApiTokenForm()
        else:
            status = 400
        form.mark_invalid()
    else:
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user_id=request.user.pk or 0).order_by("revoked_at", "-created_at")
    response = render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_raw": new_raw},
                      status=status)
    if new_raw:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's tokens."""
    token = get_object_or_404(ApiToken, pk=pk_or_404(pk), user_id=request.user.pk or 0)
    api_token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"Token {token.name} revoked; programs using it can no longer connect.")
    return redirect("api-token-list")
