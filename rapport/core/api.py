"""The NinjaAPI instance: token/session auth, one error shape, and the routers of every app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from rapport.core.errors import EditConflict, NotAllowed


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rpt_…` personal tokens, looked up by hash."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from rapport.accounts.models import ApiToken, token_hash

        found = (
            ApiToken.objects.select_related("user", "user__team")
            .filter(key_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        if found.scope == "read" and request.method not in ("GET", "HEAD", "OPTIONS"):
            raise HttpError(403, "This token is read-only; create a token with write access to change data.")
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class TokenHeaderAuth(APIKeyHeader):
    """`X-API-Key: rpt_…`, for tools that cannot send a bearer header."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        return TokenAuth().authenticate(request, key)


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or {}}


def build_api() -> NinjaAPI:
    """Create the API, register error handlers and mount every app's router."""
    api = NinjaAPI(
        title="Rapport API",
        version="1",
        description="REST API of Rapport CRM. Authenticate with `Authorization: Bearer <token>` "
        "(create a personal token under Settings → API tokens).",
        auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
        urls_namespace="api",
    )

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = {k: [str(m) for m in ValidationError(v).messages] for k, v in exc.error_dict.items()}
            return api.create_response(request, error_body("Some fields are not valid; see errors.", errors), status=422)
        return api.create_response(request, error_body(" ".join(exc.messages)), status=422)

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
            errors.setdefault(".".join(loc) or "body", []).append(str(err.get("msg", "Invalid value.")))
        return api.create_response(request, error_body("The request is not valid; see errors.", errors), status=422)

    @api.exception_handler(EditConflict)
    def on_conflict(request: HttpRequest, exc: EditConflict) -> HttpResponse:
        body = error_body(str(exc), {k: [f"now {v[1]!r}"] for k, v in exc.changes.items()})
        body["current_version"] = exc.record.version
        return api.create_response(request, body, status=409)

    @api.exception_handler(NotAllowed)
    def on_not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
        return api.create_response(request, error_body(str(exc)), status=403)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("Not found, or you do not have access to it."), status=404)

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body("Authentication required: send 'Authorization: Bearer <token>'."), status=401
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            message = "The request body is not valid JSON; send a JSON object with Content-Type: application/json."
            return api.create_response(request, error_body(message, {"body": [message]}), status=400)
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)

    from rapport.core.api_routers import mount_routers

    mount_routers(api)
    return api
