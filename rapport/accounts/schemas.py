"""API schemas of the current user and personal API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from rapport.accounts.models import ApiToken, User
from rapport.core.api_types import StrictSchema


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    team: str | None


def me_out(user: User) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "name": str(user), "email": user.email,
            "role": user.role, "team": user.team.name if user.team_id and user.team else None}


class TokenIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=100, description="What the token is for, e.g. Zapier.")
    scope: Literal["read", "write"] = "write"


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="The first characters of the token, to recognise it.")
    scope: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The token itself. Shown only in this response: store it now.")


def token_out(token: ApiToken) -> dict[str, Any]:
    return {"id": token.pk, "name": token.name, "prefix": token.prefix, "scope": token.scope,
            "created_at": token.created_at, "last_used_at": token.last_used_at, "revoked_at": token.revoked_at}
