"""API test helpers: a JSON client authenticated with a personal token of a persona."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from rapport.accounts.models import User
from rapport.accounts.services import api_token_create

BASE = "/api/v1"


class ApiClient:
    """Sends JSON with `Authorization: Bearer <token>`; returns the Django test response."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body: Any = None, raw: str | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(self.client, method)(BASE + path, data=data, content_type="application/json", **self.headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, **self.headers)

    def post(self, path: str, body: Any = None, raw: str | None = None) -> Any:
        return self._send("post", path, body, raw)

    def patch(self, path: str, body: Any = None, raw: str | None = None) -> Any:
        return self._send("patch", path, body, raw)

    def put(self, path: str, body: Any = None) -> Any:
        return self._send("put", path, body)

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path, **self.headers)


def api_client(user: User, scope: str = "write") -> ApiClient:
    _, raw = api_token_create(user=user, name=f"tests {scope}", scope=scope)
    return ApiClient(raw)


@pytest.fixture
def api_for():
    """api_for(user, scope="write") -> an ApiClient using a fresh personal token of that user."""
    return api_client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas are created in every test; a fast hasher keeps the API suite quick (no password is checked)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
