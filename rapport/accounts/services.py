"""Every write to users, teams and personal API tokens: validated, permission-checked, atomic."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.accounts.choices import Role
from rapport.accounts.models import ApiToken, Team, User, token_hash
from rapport.core.errors import NotAllowed

TOKEN_SCOPES = ("read", "write")
MAX_ACTIVE_TOKENS = 50


def _ensure_admin(by: Any) -> None:
    if not getattr(by, "is_admin", False):
        raise NotAllowed("Only an administrator can manage users and teams.")


# ---------------------------------------------------------------- API tokens


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str = "write") -> tuple[ApiToken, str]:
    """Create a personal token; return it with the raw secret, which is never stored and shown only once."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the token a name, like “Zapier” or “Reporting script”, so you can recognise it later."]
    elif len(name) > 100:
        errors["name"] = ["The name is too long: at most 100 characters."]
    if scope not in TOKEN_SCOPES:
        errors["scope"] = ["Scope must be read or write."]
    if not errors and ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        errors["name"] = [f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one you no longer use first."]
    if errors:
        raise ValidationError(errors)
    if scope == "write" and not user.can_write:
        raise ValidationError({"scope": ["Your role is read-only, so your tokens can only read; choose “Read only”."]})
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, prefix=raw[: len(ApiToken.PREFIX) + 8], key_hash=token_hash(raw)
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token (its owner or an admin); it stops working at once. Revoking twice is harmless."""
    if token.user_id != by.pk and not by.is_admin:
        raise NotAllowed("You can only revoke your own tokens.")
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
    return token


# ---------------------------------------------------------------- users


def _user_values(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    for field in ("first_name", "last_name", "email"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if values.get("email"):
        from rapport.core.normalize import email_normalize

        try:
            values["email"] = email_normalize(values["email"])
        except ValidationError as exc:
            errors.setdefault("email", []).extend(exc.messages)
    if "role" in values and values["role"] not in Role.values:
        errors.setdefault("role", []).append(f"Role must be one of: {', '.join(Role.values)}.")
    if "team" in values and values["team"] is not None and not isinstance(values["team"], Team):
        errors.setdefault("team", []).append("Pick a team from the list.")
    return values


@transaction.atomic
def user_create(*, by: Any, username: str, password: str, role: str = Role.REP, team: Team | None = None,
                first_name: str = "", last_name: str = "", email: str = "") -> User:
    """Create a user who can log in (admins only, or `by=None` from the command line)."""
    if by is not None:
        _ensure_admin(by)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = ["Enter a user name to log in with."]
    elif len(username) > 150:
        errors["username"] = ["The user name is too long: at most 150 characters."]
    elif User.objects.filter(username__uiexact=username).exists():
        errors["username"] = [f"The user name {username!r} is taken; choose another."]
    values = _user_values(
        {"first_name": first_name, "last_name": last_name, "email": email, "role": role, "team": team}, errors
    )
    candidate = User(username=username, **values)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    candidate.set_password(password)
    candidate.is_staff = values["role"] == Role.ADMIN
    candidate.save()
    return candidate


@transaction.atomic
def user_update(*, user: User, by: Any, **values: Any) -> User:
    """Change a user's name, email, role, team, active flag or password (admins only)."""
    _ensure_admin(by)
    allowed = {"first_name", "last_name", "email", "role", "team", "is_active", "password"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError({k: ["This field cannot be changed here."] for k in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    values = _user_values(dict(values), errors)
    if user.pk == by.pk:
        if values.get("is_active") is False:
            errors.setdefault("is_active", []).append("You cannot deactivate yourself; ask another administrator.")
        if "role" in values and values["role"] != Role.ADMIN and not user.is_superuser:
            errors.setdefault("role", []).append("You cannot remove your own administrator role.")
    password = values.pop("password", None)
    if password:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(user, field, value)
    if "role" in values:
        user.is_staff = values["role"] == Role.ADMIN
    if password:
        user.set_password(password)
    user.save()
    return user


# ---------------------------------------------------------------- teams


def _team_name(name: str, errors: dict[str, list[str]], *, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Enter the team's name."]
    elif len(name) > 100:
        errors["name"] = ["The name is too long: at most 100 characters."]
    elif Team.objects.filter(name__uiexact=name).exclude(pk=exclude or 0).exists():
        errors["name"] = [f"There is already a team called {name!r}."]
    return name


@transaction.atomic
def team_create(*, by: Any, name: str, reps_see_team: bool = False) -> Team:
    """Create a team (admins only)."""
    _ensure_admin(by)
    errors: dict[str, list[str]] = {}
    name = _team_name(name, errors)
    if errors:
        raise ValidationError(errors)
    return Team.objects.create(name=name, reps_see_team=bool(reps_see_team))


@transaction.atomic
def team_update(*, team: Team, by: Any, name: str | None = None, reps_see_team: bool | None = None) -> Team:
    """Rename a team or change whether its reps see each other's records (admins only)."""
    _ensure_admin(by)
    errors: dict[str, list[str]] = {}
    if name is not None:
        team.name = _team_name(name, errors, exclude=team.pk)
    if errors:
        raise ValidationError(errors)
    if reps_see_team is not None:
        team.reps_see_team = bool(reps_see_team)
    team.save()
    return team
