"""The permission rules behind `visible_to` / `editable_by`: one place, used by pages and API alike.

- admin: sees and edits everything.
- manager: sees and edits records owned by anyone in their team (and their own).
- rep: sees and edits their own records; their team's too when the team shares records.
- read-only: sees their team's records, edits nothing.
Unowned records (from a web form or import without owner) are seen by admins and managers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from rapport.accounts.choices import Role

if TYPE_CHECKING:
    from rapport.accounts.models import User

NOTHING = Q(pk__in=[])


def owner_scope(user: User, owner_path: str, *, for_edit: bool) -> Q | None:
    """Return the filter on `owner_path` for this user, or None when the user may reach every record."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_admin:
        return None
    if for_edit and not user.can_write:
        return NOTHING
    own = Q(**{f"{owner_path}_id": user.pk}) if "__" not in owner_path else Q(**{owner_path: user.pk})
    team_wide = user.role in (Role.MANAGER, Role.READ_ONLY) or (
        user.team_id is not None and user.team is not None and user.team.reps_see_team
    )
    if user.team_id is not None and team_wide:
        scope = own | Q(**{f"{owner_path}__team_id": user.team_id})
    else:
        scope = own
    if user.role == Role.MANAGER:
        scope |= Q(**{f"{owner_path}__isnull": True})
    return scope


def assignable_users(user: User):  # noqa: ANN201 - returns a User queryset
    """Users this user may hand a record to."""
    from rapport.accounts.models import User as UserModel

    users = UserModel.objects.filter(is_active=True)
    if user.is_admin:
        return users
    if user.role == Role.MANAGER and user.team_id:
        return users.filter(team_id=user.team_id)
    return users.filter(pk=user.pk)


def owner_refusal(by: User, owner: object, what: str = "records") -> str:
    """Why `by` may not give `what` to `owner` (someone assignable_users leaves out), in the words of their role."""
    if not by.is_admin and by.role == Role.MANAGER and by.team_id:
        return f"You cannot give {what} to {owner}: they are not in your team. Pick yourself or someone in your team."
    return (
        f"You can give {what} only to yourself, not to {owner}; leave the owner empty, or ask a manager or an "
        "administrator to do it."
    )

