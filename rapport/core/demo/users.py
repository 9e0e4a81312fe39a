"""The demo logins: an admin, a sales manager and two sales reps in one team, two reps in another team."""

from __future__ import annotations

from dataclasses import dataclass

from rapport.accounts.choices import Role
from rapport.accounts.models import Team, User


@dataclass(frozen=True)
class DemoLogin:
    """One demo user with the password printed for people trying Rapport."""

    username: str
    password: str
    role: str
    team: str
    first_name: str
    last_name: str
    shown: bool = True  # printed in the quickstart banner

    @property
    def label(self) -> str:
        return Role(self.role).label


INSIDE_SALES = "Inside Sales"
FIELD_SALES = "Field Sales"

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "admin-demo", Role.ADMIN, "", "Ada", "Admin"),
    DemoLogin("manager", "manager-demo", Role.MANAGER, INSIDE_SALES, "Maria", "Manager"),
    DemoLogin("rep1", "rep1-demo", Role.REP, INSIDE_SALES, "Ravi", "Rep"),
    DemoLogin("rep2", "rep2-demo", Role.REP, INSIDE_SALES, "Rosa", "Rep"),
    DemoLogin("rep3", "rep3-demo", Role.REP, FIELD_SALES, "Felix", "Field", shown=False),
    DemoLogin("rep4", "rep4-demo", Role.REP, FIELD_SALES, "Fiona", "Field", shown=False),
)


def demo_users_ensure() -> dict[str, User]:
    """Create the demo teams and users that do not exist yet; existing users keep their password."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in (INSIDE_SALES, FIELD_SALES)}
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(
                username=login.username,
                first_name=login.first_name,
                last_name=login.last_name,
                email=f"{login.username}@rapport.example",
                role=login.role,
                team=teams[login.team] if login.team else None,
                is_staff=login.role == Role.ADMIN,
            )
            user.set_password(login.password)
            user.save()
        users[login.username] = user
    return users


def demo_logins_valid() -> list[DemoLogin]:
    """The demo logins whose user still exists with the demo password (for the quickstart banner)."""
    found = {
        u.username: u
        for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS], is_active=True)
    }
    return [d for d in DEMO_LOGINS if d.username in found and found[d.username].check_password(d.password)]
