"""`rapport createuser`: a user with a role and team, and clear messages for bad input."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from rapport.accounts.models import Team, User

pytestmark = pytest.mark.django_db


def test_createuser_creates_a_rep_in_a_new_team():
    out = io.StringIO()
    call_command(
        "createuser",
        "sam",
        role="rep",
        team="North",
        password="long-enough-pw-1",
        email="Sam@Example.com",
        stdout=out,
    )
    user = User.objects.get(username="sam")
    assert user.role == "rep"
    assert user.team == Team.objects.get(name="North")
    assert user.email == "sam@example.com"
    assert user.check_password("long-enough-pw-1")
    assert out.getvalue().strip() == "Created sales rep sam in team North."


def test_createuser_rejects_an_unknown_role_with_the_roles_there_are():
    with pytest.raises(CommandError) as error:
        call_command("createuser", "sam", role="boss", password="long-enough-pw-1")
    assert str(error.value) == "Role must be one of admin, manager, rep, readonly (you gave 'boss')."
    assert not User.objects.filter(username="sam").exists()


def test_createuser_refuses_a_taken_username():
    call_command("createuser", "sam", role="admin", password="long-enough-pw-1", stdout=io.StringIO())
    with pytest.raises(CommandError, match="A user called 'SAM' exists already"):
        call_command("createuser", "SAM", role="rep", password="long-enough-pw-2")


def test_createuser_refuses_a_short_password_and_writes_nothing():
    with pytest.raises(CommandError, match="The password is not accepted: This password is too short"):
        call_command("createuser", "sam", role="rep", team="North", password="short")
    assert not User.objects.filter(username="sam").exists()
    assert not Team.objects.filter(name="North").exists()


def test_createuser_refuses_a_malformed_email():
    with pytest.raises(CommandError, match="is not a valid email address"):
        call_command("createuser", "sam", role="rep", password="long-enough-pw-1", email="not-an-email")


def test_createuser_without_password_and_without_terminal_says_to_pass_one(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="Give the password with --password"):
        call_command("createuser", "sam", role="rep")


def test_createuser_asks_for_the_password_twice_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["typed-password-9", "typed-password-9"])
    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    call_command("createuser", "sam", role="manager", stdout=io.StringIO())
    assert User.objects.get(username="sam").check_password("typed-password-9")
