"""Personas used across the suite: an admin, a manager and a rep of team A (teammates), an outsider of team B."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.models import Team, User
from tests.factories import make_pipeline, make_user

PASSWORD = "correct-horse-42"


@pytest.fixture
def team_a(db) -> Team:
    return Team.objects.create(name="Team A")


@pytest.fixture
def team_b(db) -> Team:
    return Team.objects.create(name="Team B")


@pytest.fixture
def admin(team_a) -> User:
    return make_user(role="admin", team=team_a, username="alice.admin")


@pytest.fixture
def manager(team_a) -> User:
    return make_user(role="manager", team=team_a, username="mark.manager")


@pytest.fixture
def teammate(team_a) -> User:
    """A sales rep of team A: owns records in most tests."""
    return make_user(role="rep", team=team_a, username="tom.teammate")


@pytest.fixture
def outsider(team_b) -> User:
    """A sales rep of another team: must never see or change team A's records."""
    return make_user(role="rep", team=team_b, username="olga.outsider")


@pytest.fixture
def readonly(team_a) -> User:
    return make_user(role="readonly", team=team_a, username="rita.readonly")


@pytest.fixture
def pipeline(admin):
    return make_pipeline(by=admin, name="New business")


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """client_for(user) -> a logged-in Django test client."""
    return login
