"""Finding the related records an import row names by key: company by name or domain, contact by email
(an activity's also by name), deal or lead by external id (deal also by name), product by SKU (the email
a contact cell names a person by: values.person_email).

Only records the importing user may see are found: a record of another team reads exactly like one
that does not exist (the same reason, no team named), so an import never tells a rep that a record
they cannot see is there. Seeing a record is what linking to it takes, as on the pages and in the API.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from rapport.imports.services import db
from rapport.imports.services.people import split_name
from rapport.imports.services.rows import Outcomes, Prepared

Found = TypeVar("Found")


def person_name_forms(name: str) -> list[str]:
    """How a person's full name may read as a contact's "first last", either way round:
    "Berg, Anna" and "Anna Berg" both give ["Anna Berg", "Berg Anna"]."""
    first, last = split_name(" ".join(unicodedata.normalize("NFC", name).split()))
    return list(dict.fromkeys(form for form in (f"{first} {last}".strip(), f"{last} {first}".strip()) if form))


def name_splits(form: str) -> list[tuple[str, str]]:
    """Every (first name, last name) a contact whose "first last" reads `form` may have: split at each
    space ("Anna Maria Berg": Anna + Maria Berg, Anna Maria + Berg), or all of it one of the two."""
    words = form.split(" ")
    return [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))] + [("", form), (form, "")]


def name_candidates(forms: Iterable[str]) -> Any:
    """SQLite: a condition on contacts that holds for those (in the trash or not, anyone's) whose
    "first last" is one of `forms` in any case, served by the name index (contact_name_order: last_name,
    first_name, id) instead of upper-casing every contact's full name, which no index holds (decision
    0004 adds none).

    Upper-casing (Python's str.upper) maps each side of a space on its own, so a contact reads as a form
    exactly when its trimmed first and last names, upper-cased, are the form's two sides of one of its
    spaces (name_splits; either may be empty). The last and first names stored that way come from the
    distinct values of the name index (db.person_names_find: each distinct name is upper-cased once, not
    every contact), and the index finds the contacts of each such (last name, first name) pair by
    equality. The caller still compares the whole upper-cased name.
    """
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    splits = [pair for form in set(forms) for pair in name_splits(form)]
    stored: dict[str, dict[str, list[str]]] = {"first_name": {}, "last_name": {}}
    for column, value, name in db.person_names_find("contacts_contact", {side for pair in splits for side in pair}):
        stored[column].setdefault(name, []).append(value)
    pairs = sorted({
        (last_name, first_name)
        for first, last in splits
        for last_name in stored["last_name"].get(last, ())
        for first_name in stored["first_name"].get(first, ())
    })
    # A constant statement; the pairs travel as its one parameter.
    return RawSQL(  # noqa: S611
        '("contacts_contact"."last_name", "contacts_contact"."first_name") IN '
        "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%s))",
        [db.db_json(pairs)],
        output_field=BooleanField(),
    )


def domain_key(key: str) -> str | None:
    """The web domain a company key names, if it reads as one ("acme.com", "https://www.acme.com/"), else None."""
    from rapport.core.normalize import domain_normalize

    if "." not in key or " " in key:
        return None
    try:
        return domain_normalize(key)
    except ValidationError:
        return None


def companies_named_by(pairs: Iterable[tuple[str, int | None]]) -> set[tuple[str, int]]:
    """The (cell, company id) pairs where the company answers to the cell: its name in any case, or its web
    domain. A record whose company is one of two namesakes keeps it when a row names it again (a Rapport
    export coming back), instead of moving to the first company of that name."""
    # Only stored companies: a dry run's stand-ins (negative ids, "new company …") have no name to read yet.
    wanted = {(key, pk) for key, pk in pairs if key and isinstance(pk, int) and pk > 0}
    if not wanted:
        return set()
    found = {pk: (str(name).upper(), domain or "") for pk, name, domain in db.query_in(
        "SELECT id, name, domain FROM contacts_company WHERE id IN ({})", sorted({pk for _, pk in wanted}))}
    return {(key, pk) for key, pk in wanted if pk in found and (
        key.upper() == found[pk][0] or (found[pk][1] and domain_key(key) == found[pk][1]))}


class RelatedLookups:
    """Lookups by key for an importer (mixed into RecordImporter; needs `user` and `_company_cache`)."""

    user: Any
    # The company id this user's rows link to, by upper-case name or domain key (visible companies only).
    _company_cache: dict[str, int]
    about: Callable[..., str]  # RecordImporter.about: a reason led by its column's header

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

    def visible_by_key(
        self, model: type[models.Model], candidates: dict[str, list[int]]
    ) -> dict[str, list[int]]:
        """Per key, its candidate ids (order kept) that the user may see; keys left with none are dropped."""
        visible = self.visible_ids(model, (pk for ids in candidates.values() for pk in ids))
        kept = {key: [pk for pk in ids if pk in visible] for key, ids in candidates.items()}
        return {key: ids for key, ids in kept.items() if ids}

    def companies_find(self, keys: Iterable[str]) -> dict[str, int]:
        """Company id per key: its exact name (any case) or its web domain; keys that find nothing are left out."""
        from rapport.contacts.models import Company

        cache = self._company_cache
        wanted = {k for k in keys if k and k.upper() not in cache}
        if wanted:
            by_name: dict[str, list[int]] = {}
            for pk, upper in db.names_find("contacts_company", wanted):
                by_name.setdefault(upper, []).append(pk)
            for upper, ids in self.visible_by_key(Company, by_name).items():
                cache.setdefault(upper, ids[0])
            domains: dict[str, str] = {}
            for k in wanted:
                domain = domain_key(k) if k.upper() not in cache else None
                if domain:
                    domains[domain] = k.upper()
            if domains:
                by_domain: dict[str, list[int]] = {}
                for pk, domain in db.query_in(
                    "SELECT id, domain FROM contacts_company WHERE deleted_at IS NULL AND "
                    "domain IN ({}) ORDER BY id",
                    sorted(domains),
                ):
                    by_domain.setdefault(domains[domain], []).append(pk)
                for upper, ids in self.visible_by_key(Company, by_domain).items():
                    cache.setdefault(upper, ids[0])
        return {k: cache[k.upper()] for k in keys if k and cache.get(k.upper())}

    def contacts_find(self, emails: Iterable[str]) -> dict[str, tuple[int, int | None]]:
        """(contact id, its company id) per email address (any of the contact's addresses).

        The company id is None when the user may not see that company: a lead or deal that takes the
        contact's company must not be linked to another team's company the user could not pick.
        """
        from rapport.contacts.models import Company, Contact

        wanted = sorted(set(emails))
        found: dict[str, tuple[int, int | None]] = {}
        company_of: dict[int, int | None] = {}
        def by_address(rest: list[str]) -> list[tuple[Any, ...]]:
            return db.owners_having("contacts_contactemail", "email", rest, "contact_id", "contacts_contact",
                                    ["company_id"])

        def on_contact(rest: list[str]) -> list[tuple[Any, ...]]:
            # The primary email is also kept on the contact; look there for addresses still unmatched.
            return [(email, pk, company_id) for email, pk, company_id in db.query_any(
                "SELECT email, id, company_id FROM contacts_contact WHERE deleted_at IS NULL AND email IN ({}) "
                "ORDER BY id", rest)]

        for source in (by_address, on_contact):
            rest = [e for e in wanted if e not in found]
            if not rest:
                break
            candidates: dict[str, list[int]] = {}
            for email, pk, company_id in source(rest):
                candidates.setdefault(email, []).append(pk)
                company_of[pk] = company_id
            for email, ids in self.visible_by_key(Contact, candidates).items():
                found[email] = (ids[0], company_of[ids[0]])
        companies = {company for _, company in found.values() if company is not None}
        visible = self.visible_ids(Company, companies) if companies else set()
        return {email: (pk, company if company in visible else None) for email, (pk, company) in found.items()}

    def deals_find(self, keys: Iterable[str]) -> dict[str, int | None]:
        """Deal id per key: its external id, else its exact name; None when several deals share the name."""
        from rapport.sales.models import Deal

        wanted = sorted({k for k in keys if k})
        found: dict[str, int | None] = {}
        if not wanted:
            return found
        by_external = {ext: [pk] for ext, pk in db.external_keys_find("deals", "sales_deal", wanted).items()}
        for ext, ids in self.visible_by_key(Deal, by_external).items():
            found[ext] = ids[0]
        rest = {k.upper(): k for k in wanted if k not in found}
        by_name: dict[str, list[int]] = {}
        for pk, upper in db.names_find("sales_deal", rest.values()):
            by_name.setdefault(upper, []).append(pk)
        # Only deals the user may see count: a namesake of another team does not make a name ambiguous.
        for upper, ids in self.visible_by_key(Deal, by_name).items():
            found[rest[upper]] = ids[0] if len(ids) == 1 else None
        return found

    def contacts_find_by_name(self, names: Iterable[str]) -> dict[str, tuple[int, int | None] | None]:
        """(contact id, its company id) per key: a contact's external id, else its full name either way
        round ("Anna Berg", "Berg, Anna", "BERG ANNA"); None when several contacts have that name.

        Names compare in any case with the full Unicode rules on both databases, as company names do
        (db.names_find): the database upper-cases both sides. Only contacts the user may see are
        searched, so another team's namesake is never found and does not make a name ambiguous. The
        company id is None when the user may not see that company (as in contacts_find).
        """
        from django.db.models import Value
        from django.db.models.expressions import RawSQL
        from django.db.models.functions import Concat, Trim

        from rapport.contacts.models import Company, Contact
        from rapport.core.sqlite_functions import SQLITE_UPPER, CaseFold

        wanted = sorted({n for n in names if n})
        if not wanted:
            return {}
        company_of: dict[int, int | None] = {}
        found: dict[str, int | None] = {}
        by_external = {ext: [pk] for ext, pk in db.external_keys_find("contacts", "contacts_contact", wanted).items()}
        for ext, ids in self.visible_by_key(Contact, by_external).items():
            found[ext] = ids[0]
        if found:
            company_of.update({pk: company_id for pk, company_id in db.query_any(
                "SELECT id, company_id FROM contacts_contact WHERE id IN ({})", sorted(set(found.values())))})
        # Each name as a contact's "first last" may read, both ways round: "Berg, Anna" -> "Anna Berg", "Berg Anna".
        forms: set[str] = set()
        names_of: dict[str, set[str]] = {}
        for name in wanted:
            if name not in found:
                for form in person_name_forms(name):
                    forms.add(form)
                    names_of.setdefault(form.upper(), set()).add(name)
        if forms:
            # One query for the batch, over the contacts the user may see: a rep's own through the owner
            # index. No index holds the upper-cased full name an administrator's batch is compared by.
            # SQLite, whose upper-casing is a Python function, takes the candidates from the name index
            # first (name_candidates): at a million demo contacts a batch took 1.3-1.9 s before, whatever
            # its size, and now 0.03 s for 100 names, 0.45 s for 5,000. PostgreSQL upper-cases every
            # contact in parallel workers, which stayed faster for large batches than finding the
            # distinct names first (20,000 names: 1.4 s against 2.1 s), so it compares as before.
            listed = (
                RawSQL("SELECT UPPER(v) FROM unnest(%s::text[]) AS v", [sorted(forms)])
                if db.is_postgres()
                # A constant statement; the names travel as its one parameter.
                else RawSQL(f"SELECT {SQLITE_UPPER}(value) FROM json_each(%s)", [db.db_json(sorted(forms))])  # noqa: S611
            )
            visible = Contact.objects.visible_to(self.user)
            if not db.is_postgres() and Contact.objects.owner_filter(self.user, for_edit=False) is None:
                visible = visible.filter(name_candidates(forms))  # the user sees every contact
            hits = (
                visible
                .annotate(name_key=CaseFold(Trim(Concat(Trim("first_name"), Value(" "), Trim("last_name")))))
                .filter(name_key__in=listed)
                .order_by("id")
                .values_list("id", "first_name", "last_name", "company_id")
            )
            matched: dict[str, list[int]] = {}
            for pk, first, last, company_id in hits:
                company_of[pk] = company_id
                for name in names_of.get(f"{first.strip()} {last.strip()}".strip().upper(), ()):
                    matched.setdefault(name, []).append(pk)
            for name, ids in matched.items():
                found[name] = ids[0] if len(ids) == 1 else None
        companies = {company_of[pk] for pk in found.values() if pk is not None} - {None}
        visible = self.visible_ids(Company, (c for c in companies if c is not None))
        return {
            name: None if pk is None else (pk, company_of[pk] if company_of[pk] in visible else None)
            for name, pk in found.items()
        }

    def companies_find_by_key(self, keys: Iterable[str]) -> dict[str, int]:
        """Company id per key: its external id, else its exact name (any case) or web domain (companies_find)."""
        from rapport.contacts.models import Company

        wanted = sorted({k for k in keys if k})
        by_external = {ext: [pk] for ext, pk in db.external_keys_find("companies", "contacts_company", wanted).items()}
        found = {ext: ids[0] for ext, ids in self.visible_by_key(Company, by_external).items()}
        found.update(self.companies_find([k for k in wanted if k not in found]))
        return found

    def leads_find(self, keys: Iterable[str]) -> dict[str, int]:
        """Lead id per external id, among the leads the user may see."""
        from rapport.sales.models import Lead

        wanted = sorted({k for k in keys if k})
        by_external = {ext: [pk] for ext, pk in db.external_keys_find("leads", "sales_lead", wanted).items()}
        return {ext: ids[0] for ext, ids in self.visible_by_key(Lead, by_external).items()}

    def products_find(self, skus: Iterable[str]) -> dict[str, tuple[int, Decimal, str, str]]:
        """(id, unit price, name, currency) per SKU of the products not in the trash (everyone sees the catalogue)."""
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

    # ------------------------------------------------------------ linking rows

    def link_rows(
        self,
        rows: list[Prepared],
        out: Outcomes,
        key: str,
        find: Callable[[set[str]], dict[str, Found]],
        missing: str | None,
        use: Callable[[Prepared, Found], str | None],
    ) -> list[Prepared]:
        """Link the rows' `key` to what `find` returns for it (one call for the batch); reject the rest.

        A row whose key finds nothing is rejected with `missing` (formatted with the key as `{key!r}`), or
        kept without the link when `missing` is None (the importer creates the record later);
        `use` puts what was found into the row, or returns the reason to reject it. Rows without the
        key are kept as they are.
        """
        fields = ("sku", "product") if key == "product" else (key,)  # the mapped fields that fill `key`
        wanted = {r.keys[key] for r in rows if r.keys.get(key)}
        if not wanted:
            return rows
        found = find(wanted)
        kept = []
        for r in rows:
            value = r.keys.get(key)
            if value:
                if value not in found and missing is None:
                    kept.append(r)
                    continue
                reason = use(r, found[value]) if value in found else (missing or "").format(key=value)
                if reason:
                    self.refuse(r, self.about(reason, *fields))
            kept.append(r)
        return kept

    @staticmethod
    def refuse(row: Prepared, reason: str) -> None:
        """Reject the row for a related record it names. It stays in the batch until every key of it was
        looked up (RecordImporter.resolve_all), so the reason names all there is to fix."""
        row.refused.append(reason)

    def link_company(
        self, rows: list[Prepared], out: Outcomes, *, key: str = "company", column: str = "company_id"
    ) -> list[Prepared]:
        """Resolve the rows' company key to a company the user may see; otherwise reject the row."""

        def use(r: Prepared, pk: int) -> None:
            r.values[column] = pk

        return self.link_rows(
            rows,
            out,
            key,
            self.companies_find,
            "There is no company {key!r}; import or add it under Companies first, or fix the name or domain.",
            use,
        )

    def link_contact(
        self,
        rows: list[Prepared],
        out: Outcomes,
        missing: str | None = (
            "There is no contact with the email {key!r}; import or add the contact first, or fix the email."
        ),
    ) -> list[Prepared]:
        """Resolve the rows' contact email to a contact the user may see; otherwise reject the row."""

        def use(r: Prepared, match: tuple[int, int | None]) -> None:
            r.values["contact_id"] = match[0]
            if match[1] and "company_id" not in r.values and not r.keys.get("company"):
                r.values["company_id"] = match[1]

        return self.link_rows(
            rows,
            out,
            "contact",
            self.contacts_find,
            missing,
            use,
        )

    def _own_deal(self, r: Prepared) -> int | None:
        """The deal of the record a row's Rapport ID names, when it is one of the deals the row's ambiguous deal
        name means (a Rapport export coming back keeps each lead on its own deal)."""
        from rapport.sales.models import Deal

        rid = r.extra.get("rapport_id")
        model: Any = getattr(self, "model", None)
        if not rid or model is None or "deal" not in {f.name for f in model._meta.get_fields()}:
            return None
        rows = db.query(f"SELECT d.id, d.name FROM {model._meta.db_table} t JOIN sales_deal d ON d.id = t.deal_id "
                        "WHERE t.id = %s AND d.deleted_at IS NULL", [rid])
        if rows and str(rows[0][1]).upper() == r.keys["deal"].upper() and self.visible_ids(Deal, [rows[0][0]]):
            return int(rows[0][0])
        return None

    def link_deal(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Resolve the rows' deal key (external id or name) to a deal the user may see; otherwise reject the row."""

        def use(r: Prepared, pk: int | None) -> str | None:
            if pk is None:
                pk = self._own_deal(r)
                if pk is None:
                    return (f"Several deals are called {r.keys['deal']!r}; use the deal's external id instead of "
                            "its name.")
            r.values["deal_id"] = pk
            return None

        return self.link_rows(
            rows,
            out,
            "deal",
            self.deals_find,
            "There is no deal with the external id or name {key!r}; import the deals first or fix it.",
            use,
        )

    def link_lead(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        """Resolve the rows' lead external id to a lead the user may see; otherwise reject the row."""

        def use(r: Prepared, pk: int) -> None:
            r.values["lead_id"] = pk

        return self.link_rows(
            rows,
            out,
            "lead",
            self.leads_find,
            "There is no lead with the external id {key!r}; import the leads first or fix the id.",
            use,
        )

    def link_product(
        self,
        rows: list[Prepared],
        out: Outcomes,
        column: str = "product_id",
        missing: str | None = "There is no product with SKU {key!r}; add it under Products or fix the SKU.",
    ) -> list[Prepared]:
        """Resolve the rows' SKU to a product of the catalogue; otherwise reject the row with `missing`
        (or keep it without a product when `missing` is None: the order importer creates it or goes without)."""

        def use(r: Prepared, product: tuple[int, Decimal, str, str]) -> None:
            r.values[column] = product[0]
            r.extra["product"] = product

        return self.link_rows(
            rows,
            out,
            "product",
            self.products_find,
            missing,
            use,
        )
