"""Finding the related records an import row names by key: company by name or domain, contact by email,
deal by external id or name, product by SKU; only records the importing user may see are linked."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from rapport.imports.services import db
from rapport.imports.services.rows import Outcomes, Prepared, Rejected


class RelatedLookups:
    """Lookups by key for an importer (mixed into RecordImporter; needs `user` and `_company_cache`)."""

    user: Any
    _company_cache: dict[str, int]

    # ------------------------------------------------------------ related records

    def visible_ids(self, model: type[models.Model], ids: Iterable[int]) -> set[int]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        manager: Any = model.objects  # type: ignore[attr-defined]
        if self.user.is_admin:
            return set(wanted)
        found: set[int] = set()
        for start in range(0, len(wanted), db.IN_CHUNK):
            found.update(
                manager.visible_to(self.user)
                .filter(pk__in=wanted[start : start + db.IN_CHUNK])
                .values_list("id", flat=True)
            )
        return found

    def companies_find(self, keys: Iterable[str]) -> dict[str, int]:
        """Company id per key: its exact name (any case) or its web domain; keys that find nothing are left out."""
        from rapport.core.normalize import domain_normalize

        cache = self._company_cache
        wanted = {k for k in keys if k and k.upper() not in cache}
        if wanted:
            uppers = sorted({k.upper() for k in wanted})
            for pk, upper in db.query_in(
                "SELECT id, UPPER(name) FROM contacts_company WHERE deleted_at IS NULL AND "
                "UPPER(name) IN ({}) ORDER BY id",
                uppers,
            ):
                cache.setdefault(upper, pk)
            domains: dict[str, str] = {}
            for k in wanted:
                if k.upper() not in cache and "." in k and " " not in k:
                    try:
                        domains[domain_normalize(k)] = k.upper()
                    except ValidationError:
                        continue
            if domains:
                for pk, domain in db.query_in(
                    "SELECT id, domain FROM contacts_company WHERE deleted_at IS NULL AND "
                    "domain IN ({}) ORDER BY id",
                    sorted(domains),
                ):
                    cache.setdefault(domains[domain], pk)
        return {k: cache[k.upper()] for k in keys if k and cache.get(k.upper())}

    def contacts_find(self, emails: Iterable[str]) -> dict[str, tuple[int, int | None]]:
        """(contact id, its company id) per email address (any of the contact's addresses)."""
        wanted = sorted(set(emails))
        found: dict[str, tuple[int, int | None]] = {}
        if wanted:
            for email, pk, company_id in db.query_in(
                "SELECT e.email, c.id, c.company_id FROM contacts_contactemail e JOIN contacts_contact c "
                "ON c.id = e.contact_id AND c.deleted_at IS NULL WHERE e.email IN ({}) ORDER BY c.id",
                wanted,
            ):
                found.setdefault(email, (pk, company_id))
            rest = [e for e in wanted if e not in found]
            for email, pk, company_id in (
                db.query_in(
                    "SELECT email, id, company_id FROM contacts_contact WHERE deleted_at IS NULL AND email IN ({}) "
                    "ORDER BY id",
                    rest,
                )
                if rest
                else []
            ):
                found.setdefault(email, (pk, company_id))
        return found

    def deals_find(self, keys: Iterable[str]) -> dict[str, int | None]:
        """Deal id per key: its external id, else its exact name; None when several deals share the name."""
        wanted = sorted({k for k in keys if k})
        found: dict[str, int | None] = {}
        if not wanted:
            return found
        for ext, pk in db.query_in(
            "SELECT k.external_id, k.object_id FROM imports_externalkey k JOIN sales_deal d ON d.id = k.object_id "
            "AND d.deleted_at IS NULL WHERE k.target = 'deals' AND k.external_id IN ({})",
            wanted,
        ):
            found[ext] = pk
        rest = {k.upper(): k for k in wanted if k not in found}
        by_name: dict[str, list[int]] = {}
        for pk, upper in (
            db.query_in(
                "SELECT id, UPPER(name) FROM sales_deal WHERE deleted_at IS NULL AND "
                "UPPER(name) IN ({}) ORDER BY id",
                sorted(rest),
            )
            if rest
            else []
        ):
            by_name.setdefault(upper, []).append(pk)
        for upper, ids in by_name.items():
            found[rest[upper]] = ids[0] if len(ids) == 1 else None
        return found

    def products_find(self, skus: Iterable[str]) -> dict[str, tuple[int, Decimal, str, str]]:
        """(id, unit price, name, currency) per SKU of the products not in the trash."""
        wanted = sorted(set(skus))
        return (
            {
                sku: (pk, Decimal(str(price)), name, currency)
                for pk, sku, price, name, currency in db.query_in(
                    "SELECT id, sku, unit_price, name, currency FROM sales_product WHERE deleted_at IS NULL AND sku IN ({})",
                    wanted,
                )
            }
            if wanted
            else {}
        )

    def link_company(
        self, rows: list[Prepared], out: Outcomes, *, key: str = "company", column: str = "company_id"
    ) -> list[Prepared]:
        """Resolve the rows' company key to an id the user may see; otherwise reject the row."""
        from rapport.contacts.models import Company

        wanted = {r.keys[key] for r in rows if r.keys.get(key)}
        if not wanted:
            return rows
        found = self.companies_find(wanted)
        visible = self.visible_ids(Company, found.values())
        kept = []
        for r in rows:
            name = r.keys.get(key)
            if name:
                pk = found.get(name)
                if pk is None:
                    out.rejects.append(
                        Rejected(
                            r.row_number,
                            r.cells,
                            (
                                f"There is no company {name!r}; import or add it under Companies first, or fix the name "
                                "or domain."
                            ),
                        )
                    )
                    continue
                if pk not in visible:
                    out.rejects.append(
                        Rejected(
                            r.row_number,
                            r.cells,
                            (
                                f"The company {name!r} belongs to another team; ask its owner or a manager to import "
                                "this row."
                            ),
                        )
                    )
                    continue
                r.values[column] = pk
            kept.append(r)
        return kept

    def link_contact(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Resolve the rows' contact email to a contact the user may see; otherwise reject the row."""
        from rapport.contacts.models import Contact

        wanted = {r.keys["contact"] for r in rows if r.keys.get("contact")}
        if not wanted:
            return rows
        found = self.contacts_find(wanted)
        visible = self.visible_ids(Contact, (pk for pk, _ in found.values()))
        kept = []
        for r in rows:
            email = r.keys.get("contact")
            if email:
                match = found.get(email)
                if match is None:
                    out.rejects.append(
                        Rejected(
                            r.row_number,
                            r.cells,
                            (
                                f"There is no contact with the email {email!r}; import or add the contact first, or fix "
                                "the email."
                            ),
                        )
                    )
                    continue
                if match[0] not in visible:
                    out.rejects.append(
                        Rejected(
                            r.row_number,
                            r.cells,
                            (
                                f"The contact {email!r} belongs to another team; ask its owner or a manager to import "
                                "this row."
                            ),
                        )
                    )
                    continue
                r.values["contact_id"] = match[0]
                if match[1] and "company_id" not in r.values and not r.keys.get("company"):
                    r.values["company_id"] = match[1]
            kept.append(r)
        return kept

    def link_deal(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        from rapport.sales.models import Deal

        wanted = {r.keys["deal"] for r in rows if r.keys.get("deal")}
        if not wanted:
            return rows
        found = self.deals_find(wanted)
        visible = self.visible_ids(Deal, (pk for pk in found.values() if pk))
        kept = []
        for r in rows:
            key = r.keys.get("deal")
            if key:
                pk = found.get(key, 0)
                reason = None
                if pk == 0:
                    reason = f"There is no deal with the external id or name {key!r}; import the deals first or fix it."
                elif pk is None:
                    reason = (
                        f"Several deals are called {key!r}; use the deal's external id instead of its name."
                    )
                elif pk not in visible:
                    reason = f"The deal {key!r} belongs to another team; ask its owner or a manager to import this row."
                if reason:
                    out.rejects.append(Rejected(r.row_number, r.cells, reason))
                    continue
                r.values["deal_id"] = pk
            kept.append(r)
        return kept

    def link_product(self, rows: list[Prepared], out: Outcomes, column: str = "product_id") -> list[Prepared]:
        wanted = {r.keys["product"] for r in rows if r.keys.get("product")}
        if not wanted:
            return rows
        found = self.products_find(wanted)
        kept = []
        for r in rows:
            sku = r.keys.get("product")
            if sku:
                product = found.get(sku)
                if product is None:
                    out.rejects.append(
                        Rejected(
                            r.row_number,
                            r.cells,
                            (f"There is no product with SKU {sku!r}; add it under Products or fix the SKU."),
                        )
                    )
                    continue
                r.values[column] = product[0]
                r.extra["product"] = product
            kept.append(r)
        return kept
