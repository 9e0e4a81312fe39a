"""Permission-scoped reads of companies and contacts."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from rapport.contacts.filters import CompanyFilter, ContactFilter
from rapport.contacts.models import Company, Contact
from rapport.core.ids import pk_or_404


def contact_list(*, user: Any, filters: ContactFilter | None = None) -> QuerySet[Contact]:
    """Contacts the user may see, filtered and sorted; related rows joined so a page costs a fixed number of queries."""
    qs = Contact.objects.visible_to(user).select_related("company", "owner")
    return (filters or ContactFilter()).apply(qs, user)


def contact_get(*, user: Any, pk: Any, for_update: bool = False) -> Contact:
    """One contact the user may see (404 otherwise, never 403: existence is not leaked)."""
    qs = Contact.objects.editable_by(user) if for_update else Contact.objects.visible_to(user)
    return get_object_or_404(
        qs.select_related("company", "owner").prefetch_related("emails", "phones", "tags", "consents"),
        pk=pk_or_404(pk),
    )


def company_list(*, user: Any, filters: CompanyFilter | None = None) -> QuerySet[Company]:
    qs = Company.objects.visible_to(user).select_related("owner", "parent")
    return (filters or CompanyFilter()).apply(qs, user)


def company_get(*, user: Any, pk: Any) -> Company:
    return get_object_or_404(
        Company.objects.visible_to(user).select_related("owner", "parent").prefetch_related(
            "tags", Prefetch("contacts", queryset=Contact.objects.order_by("last_name", "first_name"))
        ),
        pk=pk_or_404(pk),
    )

