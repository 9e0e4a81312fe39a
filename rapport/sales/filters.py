"""Filters for leads, deals, orders and products, shared by list pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from rapport.contacts.filters import _int
from rapport.core.filtering import apply_custom_filters, apply_search, apply_sort, parse_date
from rapport.sales.choices import LeadSource, LeadStatus, StageKind

LEAD_SORTS = {"created": ["created_at"], "score": ["score"], "status": ["status"]}
DEAL_SORTS = {"created": ["created_at"], "amount": ["amount"], "close": ["expected_close_date"], "name": ["name"]}
ORDER_SORTS = {"date": ["ordered_at"], "total": ["total"]}


@dataclass
class LeadFilter:
    q: str = ""
    status: str = ""
    source: str = ""
    owner: int | None = None
    sort: str = "-created"
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> LeadFilter:
        return cls(
            q=params.get("q", "") or "",
            status=params.get("status", "") or "",
            source=params.get("source", "") or "",
            owner=_int(params.get("owner"), "owner"),
            sort=params.get("sort", "") or "-created",
            custom={k[3:]: v for k, v in params.items() if k.startswith("cf_") and v not in ("", None)},
        )

    def apply(self, qs: QuerySet, user: Any = None) -> QuerySet:
        if self.status and self.status not in [*LeadStatus.values, "open"]:
            raise ValidationError({"status": [f"Use one of open, {', '.join(LeadStatus.values)}."]})
        if self.source and self.source not in LeadSource.values:
            raise ValidationError({"source": [f"Use one of {', '.join(LeadSource.values)}."]})
        qs = apply_search(qs, "lead", self.q)
        if self.status == "open":
            qs = qs.filter(status__in=[LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING, LeadStatus.QUALIFIED])
        elif self.status:
            qs = qs.filter(status=self.status)
        if self.source:
            qs = qs.filter(source=self.source)
        if self.owner:
            qs = qs.filter(owner_id=self.owner)
        qs = apply_custom_filters(qs, "lead", self.custom, user)
        return apply_sort(qs, self.sort, LEAD_SORTS, "-created")


@dataclass
class DealFilter:
    q: str = ""
    pipeline: int | None = None
    stage: int | None = None
    kind: str = ""
    owner: int | None = None
    company: int | None = None
    contact: int | None = None
    close_after: Any = None
    close_before: Any = None
    sort: str = "-created"
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> DealFilter:
        return cls(
            q=params.get("q", "") or "",
            pipeline=_int(params.get("pipeline"), "pipeline"),
            stage=_int(params.get("stage"), "stage"),
            kind=params.get("kind", "") or "",
            owner=_int(params.get("owner"), "owner"),
            company=_int(params.get("company"), "company"),
            contact=_int(params.get("contact"), "contact"),
            close_after=params.get("close_after") or None,
            close_before=params.get("close_before") or None,
            sort=params.get("sort", "") or "-created",
            custom={k[3:]: v for k, v in params.items() if k.startswith("cf_") and v not in ("", None)},
        )

    def apply(self, qs: QuerySet, user: Any = None) -> QuerySet:
        if self.kind and self.kind not in StageKind.values:
            raise ValidationError({"kind": ["Use open, won or lost."]})
        qs = apply_search(qs, "deal", self.q)
        for name in ("pipeline", "stage", "owner", "company", "contact"):
            value = getattr(self, name)
            if value:
                qs = qs.filter(**{f"{name}_id": value})
        if self.kind:
            qs = qs.filter(stage__kind=self.kind)
        after = parse_date(self.close_after, "close_after")
        before = parse_date(self.close_before, "close_before")
        if after:
            qs = qs.filter(expected_close_date__gte=after)
        if before:
            qs = qs.filter(expected_close_date__lte=before)
        qs = apply_custom_filters(qs, "deal", self.custom, user)
        return apply_sort(qs, self.sort, DEAL_SORTS, "-created")


@dataclass
class OrderFilter:
    contact: int | None = None
    company: int | None = None
    channel: str = ""
    after: Any = None
    before: Any = None
    sort: str = "-date"

    @classmethod
    def from_params(cls, params: Any) -> OrderFilter:
        return cls(
            contact=_int(params.get("contact"), "contact"),
            company=_int(params.get("company"), "company"),
            channel=params.get("channel", "") or "",
            after=params.get("after") or None,
            before=params.get("before") or None,
            sort=params.get("sort", "") or "-date",
        )

    def apply(self, qs: QuerySet, user: Any = None) -> QuerySet:
        if self.contact:
            qs = qs.filter(contact_id=self.contact)
        if self.company:
            qs = qs.filter(company_id=self.company)
        if self.channel:
            qs = qs.filter(channel=self.channel)
        after = parse_date(self.after, "after")
        before = parse_date(self.before, "before")
        if after:
            qs = qs.filter(ordered_at__date__gte=after)
        if before:
            qs = qs.filter(ordered_at__date__lte=before)
        return apply_sort(qs, self.sort, ORDER_SORTS, "-date")
