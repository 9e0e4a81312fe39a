"""REST API of validation rules: admins list, add, change, deactivate and delete; everyone else gets 403."""

from __future__ import annotations

import pytest

from rapport.customization.models import ValidationRule
from tests.api.conftest import api_client

WON = {"when": {"field": "stage_kind", "operator": "equals", "value": "won"}, "then": {"kind": "required"}}


def test_admin_creates_lists_changes_and_deletes_a_rule(admin):
    api = api_client(admin)
    response = api.post(
        "/validation-rules",
        {
            "entity": "deal",
            "name": "Won deals need an amount",
            "kind": "conditional",
            "field": "amount",
            "parameters": WON,
        },
    )
    assert response.status_code == 201
    body = response.json()
    rule_id = body["id"]
    assert body["summary"] == "Deals: when Stage is won, Amount is required"
    assert body["active"] is True
    assert [r["id"] for r in api.get("/validation-rules", {"entity": "deal"}).json()] == [rule_id]
    assert api.get("/validation-rules", {"entity": "contact"}).json() == []
    response = api.patch(
        f"/validation-rules/{rule_id}", {"active": False, "message": "Enter the amount you won."}
    )
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["message"]) == (False, "Enter the amount you won.")
    assert api.get(f"/validation-rules/{rule_id}").json()["name"] == "Won deals need an amount"
    assert api.delete(f"/validation-rules/{rule_id}").status_code == 204
    assert api.get(f"/validation-rules/{rule_id}").status_code == 404


@pytest.mark.parametrize("persona", ["teammate", "manager"])
def test_a_non_admin_gets_403_on_every_rule_endpoint(request, admin, persona):
    rule = ValidationRule.objects.create(entity="contact", name="Email", kind="required", field="email")
    api = api_client(request.getfixturevalue(persona))
    body = {"entity": "contact", "name": "x", "kind": "required", "field": "email"}
    assert api.post("/validation-rules", body).status_code == 403
    assert api.get("/validation-rules").status_code == 403
    assert api.get(f"/validation-rules/{rule.pk}").status_code == 403
    assert api.patch(f"/validation-rules/{rule.pk}", {"active": False}).status_code == 403
    assert api.delete(f"/validation-rules/{rule.pk}").status_code == 403
    assert ValidationRule.objects.filter(pk=rule.pk, active=True).count() == 1
    assert (
        api.post("/validation-rules", body).json()["detail"]
        == "Only an administrator can add validation rules."
    )


def test_a_read_only_user_cannot_list_rules(readonly):
    response = api_client(readonly, scope="read").get("/validation-rules")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only an administrator can see and change validation rules."


def test_an_invalid_regex_is_refused_with_a_sentence_and_nothing_saved(admin):
    response = api_client(admin).post(
        "/validation-rules",
        {
            "entity": "contact",
            "name": "Code",
            "kind": "format",
            "field": "title",
            "parameters": {"format": "regex", "pattern": "(a"},
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Some fields are not valid; see errors.",
        "errors": {
            "parameters": [
                "The regular expression is not valid (missing ), unterminated subpattern at position 0); correct it, "
                "for example ^[A-Z]{2}-\\d{4}$."
            ]
        },
    }
    assert ValidationRule.objects.count() == 0


def test_unknown_fields_kinds_and_attributes_are_refused(admin):
    api = api_client(admin)
    response = api.post(
        "/validation-rules", {"entity": "contact", "name": "x", "kind": "required", "field": "nope"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "field": ["There is no field called 'nope' on contacts; choose one from the list."]
    }
    response = api.post(
        "/validation-rules", {"entity": "contact", "name": "x", "kind": "often", "field": "email"}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["kind"]
    response = api.post(
        "/validation-rules",
        {"entity": "contact", "name": "x", "kind": "required", "field": "email", "colour": "red"},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["colour"]
    assert ValidationRule.objects.count() == 0


def test_an_unknown_rule_id_is_404(admin):
    api = api_client(admin)
    assert api.get("/validation-rules/999999").status_code == 404
    assert api.patch("/validation-rules/999999", {"active": False}).status_code == 404
    assert api.get("/validation-rules/0").status_code == 404
