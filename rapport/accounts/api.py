"""API of the current user and their personal API tokens (created, listed, revoked)."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404, HttpRequest
from ninja import Router, Status

from rapport.accounts.models import ApiToken, User
from rapport.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut, me_out, token_out
from rapport.accounts.services import api_token_create, api_token_revoke
from rapport.core.api_types import ERRORS

router = Router(tags=["accounts"])


def _me(request: HttpRequest) -> User:
    """The authenticated caller (every endpoint here requires authentication)."""
    return cast(User, request.user)


@router.get("/me", response={200: MeOut, **ERRORS}, summary="Who am I")
def get_me(request: HttpRequest) -> Any:
    return me_out(request.user)  # type: ignore[arg-type]


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="List my API tokens")
def list_tokens(request: HttpRequest) -> Any:
    """The caller's tokens, newest first: name, prefix, scope, created and last used; never the token itself."""
    return [token_out(t) for t in ApiToken.objects.filter(user=_me(request)).order_by("-created_at", "-id")]


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS}, summary="Create an API token")
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Create a token; the response holds the raw token, which cannot be shown again."""
    token, raw = api_token_create(user=request.user, name=payload.name, scope=payload.scope)  # type: ignore[arg-type]
    return Status(201, {**token_out(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    token = ApiToken.objects.filter(pk=token_id, user=_me(request)).first() if 0 < token_id < 2**63 else None
    if token is None:
        raise Http404
    api_token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
    return Status(204, None)
