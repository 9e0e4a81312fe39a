"""The OpenAPI document and the interactive docs load, and describe every endpoint family."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_every_endpoint_family():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/contacts", "/api/v1/contacts/bulk", "/api/v1/companies/{company_id}",
                 "/api/v1/leads/{lead_id}/convert", "/api/v1/deals/{deal_id}/move", "/api/v1/pipelines",
                 "/api/v1/stages/{stage_id}", "/api/v1/products", "/api/v1/orders/bulk", "/api/v1/activities",
                 "/api/v1/custom-fields", "/api/v1/accounts/tokens", "/api/v1/search"):
        assert path in paths, path
    schemas = response.json()["components"]["schemas"]
    assert schemas["ContactIn"]["additionalProperties"] is False
    assert schemas["ErrorOut"]["required"] == ["detail", "errors"]


def test_interactive_docs_load():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
