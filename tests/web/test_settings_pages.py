"""Settings pages: custom fields (admins), users and teams (admins), personal API tokens (everyone)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rapport.accounts.models import ApiToken, Team, User
from rapport.customization.models import CustomField

pytestmark = pytest.mark.django_db


def test_settings_index_links_admin_pages_only_for_admins(client_for, admin, teammate):
    assert "Custom fields" in client_for(admin).get(reverse("settings")).content.decode()
    rep_page = client_for(teammate).get(reverse("settings")).content.decode()
    assert "Custom fields" not in rep_page and "API tokens" in rep_page


def test_non_admin_gets_404_on_custom_fields_and_users(client_for, teammate, manager):
    for user in (teammate, manager):
        client = client_for(user)
        assert client.get(reverse("custom-field-list")).status_code == 404
        assert client.get(reverse("user-list")).status_code == 404
        assert client.post(reverse("custom-field-create"), {}).status_code == 404


def test_admin_adds_edits_and_deletes_a_custom_field(client_for, admin):
    client = client_for(admin)
    response = client.post(reverse("custom-field-create"), {
        "entity": "deal", "label": "Contract end", "key": "contract_end", "field_type": "date", "position": 0})
    assert response.status_code == 302
    field = CustomField.objects.get(key="contract_end")
    assert (field.entity, field.field_type) == ("deal", "date")
    client.post(reverse("custom-field-edit", args=[field.pk]), {"label": "Contract ends", "position": 1,
                                                                 "key": "hacked", "entity": "contact"})
    field.refresh_from_db()
    assert (field.label, field.key, field.entity) == ("Contract ends", "contract_end", "deal")
    client.post(reverse("custom-field-delete", args=[field.pk]))
    assert not CustomField.objects.exists()


def test_custom_field_with_bad_key_or_missing_choices_is_refused(client_for, admin):
    client = client_for(admin)
    bad_key = client.post(reverse("custom-field-create"), {
        "entity": "contact", "label": "X", "key": "Bad Key", "field_type": "text"})
    assert bad_key.status_code == 400
    assert "Use lower-case letters, digits and _" in bad_key.content.decode()
    no_choices = client.post(reverse("custom-field-create"), {
        "entity": "contact", "label": "Tier", "key": "tier", "field_type": "choice"})
    assert no_choices.status_code == 400
    assert "A choice field needs at least one choice." in no_choices.content.decode()
    assert not CustomField.objects.exists()


def test_admin_creates_user_who_can_log_in(client_for, admin, team_a):
    response = client_for(admin).post(reverse("user-create"), {
        "username": "new.rep", "password": "a-long-secret-99", "role": "rep", "team": team_a.pk})
    assert response.status_code == 302
    assert Client().login(username="new.rep", password="a-long-secret-99") is True
    assert User.objects.get(username="new.rep").team == team_a


def test_user_with_weak_password_is_refused_with_sentence(client_for, admin):
    response = client_for(admin).post(reverse("user-create"), {"username": "weak", "password": "123", "role": "rep"})
    assert response.status_code == 400
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_admin_changes_role_and_deactivates_user(client_for, admin, teammate):
    client_for(admin).post(reverse("user-edit", args=[teammate.pk]), {"role": "manager", "is_active": ""})
    teammate.refresh_from_db()
    assert (teammate.role, teammate.is_active) == ("manager", False)


def test_admin_cannot_deactivate_themselves(client_for, admin):
    response = client_for(admin).post(reverse("user-edit", args=[admin.pk]), {"role": "admin", "is_active": ""})
    assert response.status_code == 400
    assert "You cannot deactivate yourself" in response.content.decode()


def test_admin_creates_team_and_toggles_sharing(client_for, admin):
    client = client_for(admin)
    client.post(reverse("team-create"), {"name": "Team C"})
    team = Team.objects.get(name="Team C")
    assert team.reps_see_team is False
    client.post(reverse("team-toggle", args=[team.pk]), {"reps_see_team": "on"})
    team.refresh_from_db()
    assert team.reps_see_team is True


def test_token_is_shown_once_then_only_its_prefix(client_for, teammate):
    client = client_for(teammate)
    response = client.post(reverse("api-token-list"), {"name": "Shop sync", "scope": "write"})
    raw = response.context["new_raw"]
    token = ApiToken.objects.get(user=teammate)
    assert raw.startswith("rpt_") and raw in response.content.decode()
    assert token.prefix == raw[:12]
    later = client.get(reverse("api-token-list")).content.decode()
    assert raw not in later and token.prefix in later


def test_token_works_until_revoked(client_for, teammate):
    client = client_for(teammate)
    raw = client.post(reverse("api-token-list"), {"name": "Script", "scope": "read"}).context["new_raw"]
    api = Client()
    assert api.get("/api/v1/contacts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token = ApiToken.objects.get(user=teammate)
    client.post(reverse("api-token-revoke", args=[token.pk]))
    assert api.get("/api/v1/contacts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert "Revoked" in client.get(reverse("api-token-list")).content.decode()


def test_token_without_name_is_refused(client_for, teammate):
    response = client_for(teammate).post(reverse("api-token-list"), {"name": "", "scope": "read"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_user_cannot_revoke_someone_elses_token(client_for, teammate, outsider):
    client_for(teammate).post(reverse("api-token-list"), {"name": "Mine", "scope": "read"})
    token = ApiToken.objects.get(user=teammate)
    assert client_for(outsider).post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_home_redirects_somewhere_useful(client_for, teammate, client):
    assert client.get("/")["Location"].startswith(reverse("login"))
    location = client_for(teammate).get("/")["Location"]
    assert location in ("/my-day/", reverse("contact-list")) or location.endswith("/")


def test_login_page_shows_a_sentence_on_wrong_password(client, teammate):
    response = client.post(reverse("login"), {"username": teammate.username, "password": "wrong"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
