"""HTML forms for contacts and companies: input validation only; the services decide the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from rapport.accounts.models import User
from rapport.accounts.permissions import assignable_users
from rapport.contacts.choices import Channel, CompanySize, ConsentStatus, EmailKind, LifecycleStage, PhoneKind
from rapport.customization.forms import add_custom_fields
from rapport.web.forms import StyledFormMixin

MAX_ROWS = 20


def tags_split(text: str) -> list[str]:
    """Split "vip, newsletter" into ["vip", "newsletter"], dropping blanks and duplicates."""
    seen: dict[str, str] = {}
    for part in (text or "").split(","):
        name = part.strip()
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


class RecordForm(StyledFormMixin, forms.Form):
    """Base of the contact and company forms: owner choices, tags, custom fields, the version for conflicts."""

    entity = ""
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, user: Any, custom_initial: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = assignable_users(user).order_by(  # type: ignore[attr-defined]
            "first_name", "last_name", "username"
        )
        add_custom_fields(self, self.entity, user, custom_initial)
        self.style_fields()

    def clean_tags(self) -> list[str]:
        tags = tags_split(self.cleaned_data.get("tags", ""))
        for name in tags:
            if len(name) > 50:
                raise forms.ValidationError(f"The tag “{name[:20]}…” is too long: at most 50 characters.")
        return tags

    def clean_country(self) -> str:
        value = (self.cleaned_data.get("country") or "").strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise forms.ValidationError("Use the two-letter country code, like DE or US.")
        return value

    def main_fields(self) -> list[forms.BoundField]:
        names = getattr(self, "custom_field_names", [])
        return [f for f in self.visible_fields() if f.name not in names and f.name not in self.skip_in_main]

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in getattr(self, "custom_field_names", [])]

    skip_in_main: tuple[str, ...] = ()


class ContactForm(RecordForm):
    entity = "contact"
    skip_in_main = tuple(f"consent_{c}" for c in Channel.values) + tuple(f"consent_source_{c}" for c in Channel.values)

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    title = forms.CharField(max_length=100, required=False, label="Job title")
    company_name = forms.CharField(
        max_length=200, required=False, label="Company",
        help_text="Type the exact name of a company; a new one is created if none matches.",
    )
    lifecycle_stage = forms.ChoiceField(choices=LifecycleStage.choices, initial=LifecycleStage.LEAD)
    preferred_channel = forms.ChoiceField(choices=[("", "No preference"), *Channel.choices], required=False)
    street = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False, label="Region or state")
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="Two letters, like DE or US.")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Me")
    tags = forms.CharField(max_length=1000, required=False, help_text="Separate tags with commas: vip, newsletter")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for channel, label in Channel.choices:
            self.fields[f"consent_{channel}"] = forms.ChoiceField(
                choices=ConsentStatus.choices, initial=ConsentStatus.UNKNOWN, label=label, required=False
            )
            self.fields[f"consent_source_{channel}"] = forms.CharField(
                max_length=100, required=False, label=f"{label}: where was it given?"
            )
        self.style_fields()

    def consent_rows(self) -> list[dict[str, Any]]:
        return [
            {"label": label, "status": self[f"consent_{c}"], "source": self[f"consent_source_{c}"]}
            for c, label in Channel.choices
        ]

    def consents(self) -> dict[str, dict[str, str]]:
        """Chosen consent per channel: {channel: {status, source}}."""
        return {
            c: {"status": self.cleaned_data.get(f"consent_{c}") or ConsentStatus.UNKNOWN,
                "source": self.cleaned_data.get(f"consent_source_{c}") or ""}
            for c in Channel.values
        }


class CompanyForm(RecordForm):
    entity = "company"

    name = forms.CharField(max_length=200)
    domain = forms.CharField(max_length=253, required=False, help_text="Web domain, like example.com.")
    industry = forms.CharField(max_length=100, required=False)
    size = forms.ChoiceField(choices=[("", "Unknown"), *CompanySize.choices], required=False)
    phone = forms.CharField(max_length=40, required=False)
    street = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="Two letters, like DE or US.")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Me")
    tags = forms.CharField(max_length=1000, required=False, help_text="Separate tags with commas: partner, key account")


def rows_from_post(data: QueryDict, prefix: str, value_name: str) -> list[dict[str, Any]]:
    """Email or phone rows posted as parallel lists `<prefix>_value`, `<prefix>_kind` and a radio `<prefix>_primary`."""
    values = data.getlist(f"{prefix}_value")[:MAX_ROWS]
    kinds = data.getlist(f"{prefix}_kind")
    primary = data.get(f"{prefix}_primary", "")
    rows = []
    for i, value in enumerate(values):
        value = (value or "").strip()
        if not value:
            continue
        rows.append({value_name: value, "kind": kinds[i] if i < len(kinds) else "", "is_primary": primary == str(i)})
    return rows


def rows_for_form(rows: list[dict[str, Any]], value_name: str, kinds: Any, blank: int = 1) -> list[dict[str, Any]]:
    """Rows for the template: the current ones plus blank ones to add more."""
    result = [{"value": r[value_name], "kind": r.get("kind") or "", "is_primary": r.get("is_primary")} for r in rows]
    result += [{"value": "", "kind": "", "is_primary": not result and i == 0} for i in range(blank)]
    for index, row in enumerate(result):
        row["index"] = index
    return result


EMAIL_KINDS = EmailKind.choices
PHONE_KINDS = PhoneKind.choices
