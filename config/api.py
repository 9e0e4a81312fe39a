"""The REST API: one NinjaAPI mounting each app's router."""

from rapport.core.api import build_api

api = build_api()
