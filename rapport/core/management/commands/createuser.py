"""`rapport createuser USERNAME --role admin|manager|rep|readonly --team T`: add a person who logs in."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from rapport.accounts.choices import Role
from rapport.accounts.models import Team, User
from rapport.core.normalize import email_normalize


def role_clean(raw: str) -> str:
    """Return the role, or raise CommandError naming the roles there are."""
    role = (raw or "").strip().lower()
    if role not in Role.values:
        raise CommandError(f"Role must be one of {', '.join(Role.values)} (you gave {raw!r}).")
    return role


class Command(BaseCommand):
    help = "Create a user with a role (admin, manager, rep, readonly) and optionally a team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", default=Role.REP, help="admin, manager, rep or readonly (default rep).")
        parser.add_argument("--team", default="", help="Team name; created when it does not exist.")
        parser.add_argument("--password", default=None, help="Password; asked for when not given.")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username or len(username) > 150:
            raise CommandError("Give a user name of 1 to 150 characters.")
        role = role_clean(options["role"])
        if User.objects.filter(username__uiexact=username).exists():
            raise CommandError(f"A user called {username!r} exists already; pick another user name.")
        email = ""
        if options["email"]:
            try:
                email = email_normalize(options["email"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages))
        user = User(
            username=username,
            role=role,
            email=email,
            first_name=options["first_name"],
            last_name=options["last_name"],
            is_staff=role == Role.ADMIN,
        )
        password = options["password"]
        if password is None:
            password = self._ask_password()
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("The password is not accepted: " + " ".join(exc.messages))
        with transaction.atomic():
            team_name = options["team"].strip()
            if team_name:
                user.team = Team.objects.get_or_create(name=team_name)[0]
            user.set_password(password)
            user.save()
        team_text = f" in team {user.team.name}" if user.team else ""
        self.stdout.write(self.style.SUCCESS(f"Created {Role(role).label.lower()} {username}{team_text}."))

    def _ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("Give the password with --password (no terminal to ask for it).")
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password (again): ")
        if first != second:
            raise CommandError("The two passwords differ; run the command again.")
        return first
