"""Personal API tokens: created once with the raw secret, listed without it, stored hashed, revocable."""

from __future__ import annotations

import pytest

from rapport.accounts.models import ApiToken, token_hash
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_creating_a_token_returns_the_raw_token_once_and_stores_only_its_hash(api_for, teammate):
    api = api_for(teammate)
    response = api.post("/accounts/tokens", {"name": "Zapier", "scope": "read"})
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("rpt_")
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == token_hash(raw)
    assert raw not in (token.key_hash, token.prefix)
    assert body["prefix"] == raw[:12] == token.prefix
    assert body["scope"] == "read"
    listing = api.get("/accounts/tokens").json()
    assert [t["name"] for t in listing] == ["Zapier", "tests write"]
    assert all("token" not in t for t in listing)


def test_bearer_token_authenticates_and_records_last_use(api_for, teammate):
    api = api_for(teammate)
    response = api.get("/accounts/me")
    assert response.status_code == 200
    assert response.json()["username"] == "tom.teammate"
    assert ApiToken.objects.get(user=teammate).last_used_at is not None


def test_x_api_key_header_also_authenticates(teammate):
    from rapport.accounts.services import api_token_create

    _, raw = api_token_create(user=teammate, name="script", scope="read")
    from django.test import Client

    response = Client().get("/api/v1/accounts/me", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    assert response.json()["role"] == "rep"


def test_request_without_credentials_gets_401_with_the_error_shape():
    response = ApiClient(None).get("/contacts")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_unknown_token_gets_401():
    response = ApiClient("rpt_not-a-real-token").get("/contacts")
    assert response.status_code == 401


def test_read_scope_token_cannot_write(api_for, teammate):
    api = api_for(teammate, "read")
    assert api.get("/contacts").status_code == 200
    response = api.post("/contacts", {"first_name": "Ada", "last_name": "Lovelace"})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    from rapport.contacts.models import Contact

    assert Contact.all_objects.count() == 0


def test_revoked_token_gets_401(api_for, teammate):
    api = api_for(teammate)
    second = api.post("/accounts/tokens", {"name": "old script"}).json()
    old = ApiClient(second["token"])
    assert old.get("/accounts/me").status_code == 200
    assert api.delete(f"/accounts/tokens/{second['id']}").status_code == 204
    assert old.get("/accounts/me").status_code == 401
    assert ApiToken.objects.get(pk=second["id"]).revoked_at is not None


def test_user_cannot_revoke_someone_elses_token(api_for, teammate, outsider):
    theirs = api_for(teammate).post("/accounts/tokens", {"name": "mine"}).json()
    response = api_for(outsider).delete(f"/accounts/tokens/{theirs['id']}")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs["id"]).revoked_at is None


def test_token_list_shows_only_my_tokens(api_for, teammate, outsider):
    api_for(outsider).post("/accounts/tokens", {"name": "outsider tool"})
    names = [t["name"] for t in api_for(teammate).get("/accounts/tokens").json()]
    assert names == ["tests write"]


def test_readonly_user_cannot_create_a_write_token(api_for, readonly):
    api = api_for(readonly, "read")
    response = api.post("/accounts/tokens", {"name": "x", "scope": "write"})
    assert response.status_code == 403


def test_session_login_also_works_for_the_browser(client_for, teammate):
    response = client_for(teammate).get("/api/v1/accounts/me")
    assert response.status_code == 200
    assert response.json()["name"] == str(teammate)
