"""HTML forms for users, teams and API tokens (input checks only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.accounts.choices import Role
from rapport.accounts.models import Team
from rapport.web.forms import StyledFormMixin


class UserCreateForm(StyledFormMixin, forms.Form):
    username = forms.CharField(max_length=150, label="User name")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.CharField(max_length=254, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REP)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="No team")
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), max_length=128,
                               help_text="At least 8 characters; not a common password.")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.style_fields()


class UserEditForm(StyledFormMixin, forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.CharField(max_length=254, required=False)
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="No team")
    is_active = forms.BooleanField(required=False, label="Active (can log in)")
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), max_length=128, required=False,
                               label="New password", help_text="Leave empty to keep the current password.")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.style_fields()


class TeamForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=100, label="Team name")
    reps_see_team = forms.BooleanField(required=False, label="Reps see and edit their teammates' records")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.style_fields()


class ApiTokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “Shop sync” or “Reporting script”.")
    scope = forms.ChoiceField(choices=[("read", "Read only"), ("write", "Read and write")], initial="read",
                              widget=forms.RadioSelect, label="Access")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.style_fields()
