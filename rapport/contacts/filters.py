"""One filter for companies and one for contacts, shared by list pages, API and segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from rapport.contacts.choices import LifecycleStage
from rapport.core.filtering import apply_custom_filters, apply_search, apply_sort, parse_date

CONTACT_SORTS = {
    "name": ["last_name", "first_name"],
    "created": ["created_at"],
    "updated": ["updated_at"],
    "email": ["email"],
    "company": ["company__name"],
    "stage": ["lifecycle_stage"],
}
COMPANY_SORTS = {"name": ["name"], "created": ["created_at"], "country": ["country", "name"], "domain": ["domain"]}


def _int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: ["Must be a whole number (an id)."]})


@dataclass
class ContactFilter:
    q: str = ""
    owner: int | None = None
    tag: str = ""
    lifecycle_stage: str = ""
    company: int | None = None
    country: str = ""
    created_after: Any = None
    created_before: Any = None
    sort: str = "name"
    custom: dict[str, Any] = field(default_factory=dict)
    # From the latest analytics runs (rapport.analytics.selectors.contacts_by_analytics).
    rfm_segment: str = ""
    clv_min: Any = None
    clv_max: Any = None
    churn_risk: str = ""

    @classmethod
    def from_params(cls, params: Any) -> ContactFilter:
        """Build from a QueryDict or dict; custom fields come as cf_<key>=value."""
        custom = {k[3:]: v for k, v in params.items() if k.startswith("cf_") and v not in ("", None)}
        return cls(
            q=params.get("q", "") or "",
            owner=_int(params.get("owner"), "owner"),
            tag=params.get("tag", "") or "",
            lifecycle_stage=params.get("lifecycle_stage", "") or "",
            company=_int(params.get("company"), "company"),
            country=(params.get("country", "") or "").upper(),
            created_after=params.get("created_after") or None,
            created_before=params.get("created_before") or None,
            sort=params.get("sort", "") or "name",
            custom=custom,
            rfm_segment=params.get("rfm_segment", "") or "",
            clv_min=params.get("clv_min") or None,
            clv_max=params.get("clv_max") or None,
            churn_risk=params.get("churn_risk", "") or "",
        )

    def apply(self, qs: QuerySet, user: Any = None) -> QuerySet:
        if self.lifecycle_stage and self.lifecycle_stage not in LifecycleStage.values:
            raise ValidationError({"lifecycle_stage": [f"Use one of {', '.join(LifecycleStage.values)}."]})
        qs = apply_search(qs, "contact", self.q)
        if self.owner:
            qs = qs.filter(owner_id=self.owner)
        if self.tag:
            qs = qs.filter(tags__name__uiexact=self.tag)
        if self.lifecycle_stage:
            qs = qs.filter(lifecycle_stage=self.lifecycle_stage)
        if self.company:
            qs = qs.filter(company_id=self.company)
        if self.country:
            qs = qs.filter(country=self.country)
        after = parse_date(self.created_after, "created_after")
        before = parse_date(self.created_before, "created_before")
        if after:
            qs = qs.filter(created_at__date__gte=after)
        if before:
            qs = qs.filter(created_at__date__lte=before)
        qs = apply_custom_filters(qs, "contact", self.custom, user)
        if self.rfm_segment or self.clv_min is not None or self.clv_max is not None or self.churn_risk:
            from rapport.analytics.selectors import contacts_by_analytics

            qs = contacts_by_analytics(qs, rfm_segment=self.rfm_segment, clv_min=self.clv_min,
                                       clv_max=self.clv_max, churn_risk=self.churn_risk)
        return apply_sort(qs, self.sort, CONTACT_SORTS, "name")


@dataclass
class CompanyFilter:
    q: str = ""
    owner: int | None = None
    tag: str = ""
    industry: str = ""
    country: str = ""
    size: str = ""
    sort: str = "name"
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> CompanyFilter:
        custom = {k[3:]: v for k, v in params.items() if k.startswith("cf_") and v not in ("", None)}
        return cls(
            q=params.get("q", "") or "",
            owner=_int(params.get("owner"), "owner"),
            tag=params.get("tag", "") or "",
            industry=params.get("industry", "") or "",
            country=(params.get("country", "") or "").upper(),
            size=params.get("size", "") or "",
            sort=params.get("sort", "") or "name",
            custom=custom,
        )

    def apply(self, qs: QuerySet, user: Any = None) -> QuerySet:
        qs = apply_search(qs, "company", self.q)
        if self.owner:
            qs = qs.filter(owner_id=self.owner)
        if self.tag:
            qs = qs.filter(tags__name__uiexact=self.tag)
        if self.industry:
            qs = qs.filter(industry__uiexact=self.industry)
        if self.country:
            qs = qs.filter(country=self.country)
        if self.size:
            qs = qs.filter(size=self.size)
        qs = apply_custom_filters(qs, "company", self.custom, user)
        return apply_sort(qs, self.sort, COMPANY_SORTS, "name")
