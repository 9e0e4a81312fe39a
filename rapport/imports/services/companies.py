"""Importing companies (accounts): matched by web domain (or name) or external id, set-based writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError

from rapport.contacts.choices import CompanySize
from rapport.contacts.models import Company
from rapport.core.normalize import domain_normalize
from rapport.customization.services import tags_named
from rapport.imports.choices import MatchKey
from rapport.imports.services import db
from rapport.imports.services.base import RecordImporter
from rapport.imports.services.dry_memory import planned_id
from rapport.imports.services.related import domain_key
from rapport.imports.services.rows import (
    BatchResult,
    Outcomes,
    Prepared,
    Rejected,
    model_insert,
    runs_of,
    search_reindex,
)

TEXT = {
    "name": ("Company name", 200),
    "industry": ("Industry", 100),
    "street": ("Street", 200),
    "city": ("City", 100),
    "region": ("Region", 100),
    "postal_code": ("Postal code", 20),
}
SIZE_BOUNDS = [
    (9, CompanySize.MICRO),
    (49, CompanySize.SMALL),
    (249, CompanySize.MEDIUM),
    (999, CompanySize.LARGE),
]
SIZE_SYNONYMS = {
    "micro": CompanySize.MICRO,
    "small": CompanySize.SMALL,
    "medium": CompanySize.MEDIUM,
    "large": CompanySize.LARGE,
    "enterprise": CompanySize.ENTERPRISE,
    "1-10": CompanySize.MICRO,
    "11-50": CompanySize.SMALL,
    "51-200": CompanySize.MEDIUM,
    "201-500": CompanySize.LARGE,
    "501-1000": CompanySize.LARGE,
    "1001-5000": CompanySize.ENTERPRISE,
    "5001-10000": CompanySize.ENTERPRISE,
    "10001+": CompanySize.ENTERPRISE,
    "10000+": CompanySize.ENTERPRISE,
    "1000+": CompanySize.ENTERPRISE,
}
PARENT_MISSING = ("There is no company {key!r} in Rapport or in this file; add or import it first, or fix the "
                  "name, web domain or id.")
# A parent that only a later row of the file brings: new companies get it when the last batch is in; an
# update of a company Rapport has cannot wait (its other changes are written now).
PARENT_LATER_UPDATE = ("The parent company {key!r} is created by a later row of this file, and this row updates a "
                       "company Rapport already has; import the rejected rows again once this import is done.")
PARENT_SELF = "A company cannot be its own parent; fix the parent company."
LATER = 0  # _parents_find: the parent is a company a later row of the file brings
NOTES_LISTED = 20  # unlinked parents named one by one in the outcome; the rest are counted


def parent_notes(linked: int, unlinked: list[tuple[int, str, int | None]], *, done: bool) -> list[str]:
    """The outcome's (or the dry run's) sentences about parents that rows further down the file brought;
    `unlinked` holds (row, parent cell, the row that was to bring the parent)."""
    notes = []
    if linked:
        what = "new company" if linked == 1 else "new companies"
        their = "its parent company" if linked == 1 else "their parent companies"
        notes.append(f"{linked:,} {what} got {their} from rows further down the file, linked when the last row "
                     "was in." if done else
                     f"{linked:,} {what} will get {their} from rows further down the file, linked when the last "
                     "row is in.")
    for row, key, bringing in unlinked[:NOTES_LISTED]:
        source = f"row {bringing}" if bringing else "the row"
        notes.append(f"Row {row}: the parent company {key!r} {'was' if done else 'will be'} left empty, because "
                     f"{source}, which brings that company, {'was' if done else 'is'} rejected. Fix {source} and "
                     "import it, then set the parent on the company's page.")
    if len(unlinked) > NOTES_LISTED:
        notes.append(f"{len(unlinked) - NOTES_LISTED:,} more new companies {'were' if done else 'will be'} left "
                     "without the parent a rejected row names.")
    return notes


class CompanyImporter(RecordImporter):
    """Transform, match and write company rows of one job."""

    target = "companies"
    kind = "company"
    model = Company
    noun = "company"
    match_keys = (MatchKey.DOMAIN, MatchKey.EXTERNAL_ID, MatchKey.RAPPORT_ID)
    update_columns = (
        "name",
        "domain",
        "industry",
        "size",
        "phone",
        "street",
        "city",
        "region",
        "postal_code",
        "country",
        "owner_id",
        "parent_id",
        "custom",
    )
    search_kind = "company"
    rules_entity = "company"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch_called: set[str] = set()  # what the batch's rows are called (_called)
        self._file_called: dict[str, int] | None = None  # what the file's rows are called -> first row (_in_file)
        self._dry_links: list[list[Any]] = []  # dry run: [planned id, parent key, row] of rows waiting for a parent

    def check_mapping(self) -> None:
        if not self.mapped & {"name", "domain", "external_id"}:
            raise ValidationError("Map a column to Company name: a company needs a name.")
        if self.job.mode != "update" and "name" not in self.mapped:
            raise ValidationError("Map a column to Company name: a new company needs a name.")

    def natural_key_text(self) -> str:
        return "web domain or name"

    def parse_cell(self, name: str, cell: str, row: Prepared) -> None:
        if name in TEXT:
            label, size = TEXT[name]
            row.values[name] = self.text(cell, label, size)
        elif name == "domain":
            domain = domain_normalize(cell)
            if len(domain) > 253:
                raise ValidationError("The web domain is too long (at most 253 characters).")
            row.values["domain"] = domain
        elif name == "size":
            row.values["size"] = self._size(cell)
        elif name == "phone":
            row.extra["phone"] = cell
        elif name == "country":
            row.values["country"] = self.country(cell)
        elif name == "parent":
            row.keys["parent"] = self.text(cell, "Parent company", 253)
        elif name == "created_at":
            row.extra["created_at"] = self.datetime(cell, "Created date", past=True)

    def _size(self, cell: str) -> str:
        digits = cell.replace(",", "").replace(".", "").replace(" ", "")
        if digits.isdigit():
            count = int(digits)
            return next((size for bound, size in SIZE_BOUNDS if count <= bound), CompanySize.ENTERPRISE)
        return self.choice(cell, "size", "Size", list(CompanySize.choices), SIZE_SYNONYMS)

    def finish_row(self, row: Prepared, errors: list[str]) -> None:
        if "phone" in row.extra:
            try:
                row.values["phone"] = self.phone(row.extra.pop("phone"), row.values.get("country", ""))
            except ValidationError as exc:
                errors.append(f"Phone: {' '.join(exc.messages)}")

    def row_match_keys(self, row: Prepared) -> list[str]:
        keys = row.match_keys()
        if row.values.get("domain"):
            keys.append(f"d:{row.values['domain']}")
        elif row.values.get("name"):
            keys.append(f"n:{row.values['name'].upper()}")
        return keys

    def create_problem(self, row: Prepared) -> str | None:
        if not row.values.get("name"):
            return "This row has no company name; a new company needs one."
        return None

    def natural_matches(self, rows: list[Prepared]) -> dict[int, tuple[int, str]]:
        domains = sorted({r.values["domain"] for r in rows if r.values.get("domain")})
        by_domain: dict[str, int] = {}
        for pk, domain in (
            db.query_in(
                "SELECT id, domain FROM contacts_company WHERE deleted_at IS NULL AND "
                "domain IN ({}) ORDER BY id",
                domains,
            )
            if domains
            else []
        ):
            by_domain.setdefault(domain, pk)
        names = [r.values["name"] for r in rows if not r.values.get("domain") and r.values.get("name")]
        by_name: dict[str, int] = {}
        for pk, upper in db.names_find("contacts_company", names):
            by_name.setdefault(upper, pk)
        found: dict[int, tuple[int, str]] = {}
        for r in rows:
            domain = r.values.get("domain")
            if domain and domain in by_domain:
                found[r.row_number] = (by_domain[domain], "same web domain")
            elif not domain and r.values.get("name", "").upper() in by_name:
                found[r.row_number] = (by_name[r.values["name"].upper()], "same name")
        return found

    # ------------------------------------------------------------ parents named in the same file

    @staticmethod
    def _called(row: Prepared) -> set[str]:
        """What a parent cell may call the company of this row: its name, web domain or external id."""
        return {v.upper() for v in (row.values.get("name"), row.values.get("domain"), row.external_id) if v}

    @staticmethod
    def _parent_names(text: str) -> set[str]:
        domain = domain_key(text)
        return {text.upper(), domain.upper()} if domain else {text.upper()}

    def add(self, item: Prepared | Rejected, flush: Callable[[], None]) -> None:
        """A row whose parent an earlier row of the batch brings flushes the batch first: the import then
        writes the parent before it looks the parent up (and a dry run remembers it, _parents_find)."""
        parent = item.keys.get("parent") if isinstance(item, Prepared) else None
        if parent and self._parent_names(parent) & self._batch_called:
            flush()
        super().add(item, flush)
        if isinstance(item, Prepared):
            self._batch_called |= self._called(item)

    def take_batch(self) -> list[Prepared | Rejected]:
        self._batch_called = set()
        return super().take_batch()

    def remembered_keys(self, row: Prepared) -> list[str]:
        return [*super().remembered_keys(row), *(f"called:{name}" for name in sorted(self._called(row)))]

    def _in_file(self) -> dict[str, int]:
        """What the rows of the whole file are called (_called), with the first row so called, read once: a
        parent cell naming one of them waits for that row instead of being refused. Only rows whose cells
        pass count."""
        if self._file_called is None:
            from rapport.imports.services.jobs import file_rows

            called: dict[str, int] = {}
            for number, cells in file_rows(self.job):
                item = self.transform(number, cells)
                if isinstance(item, Prepared):
                    for name in self._called(item):
                        called.setdefault(name, number)
            self._file_called = called
        return self._file_called

    def _bringing_row(self, key: str) -> int | None:
        """The first row of the file that is called what a parent cell says."""
        in_file = self._in_file()
        rows = [in_file[name] for name in self._parent_names(key) if name in in_file]
        return min(rows) if rows else None

    def _parents_find(self, keys: Iterable[str]) -> dict[str, int]:
        """Parent id per cell: a company by external id, name or web domain; in a dry run, else the company
        an earlier row of the file would create (its stand-in id), as the import will have written it; else
        LATER when a row further down the file brings it."""
        wanted = set(keys)
        found = self.companies_find_by_key(wanted)
        rest = {key: self._parent_names(key) for key in wanted if key not in found}
        if rest and not self.write:
            earlier = self.memory.first_rows(f"called:{name}" for names in rest.values() for name in names)
            for key, names in list(rest.items()):
                rows = [earlier[f"called:{name}"] for name in names if f"called:{name}" in earlier]
                if rows:
                    found[key] = planned_id(min(rows))
                    del rest[key]
        if rest:
            in_file = self._in_file()
            found.update({key: LATER for key, names in rest.items() if names & in_file.keys()})
        return found

    def resolve(self, rows: list[Prepared], out: Outcomes) -> list[Prepared]:
        def use(r: Prepared, pk: int) -> str | None:
            if pk != LATER:
                r.values["parent_id"] = pk
                return None
            key = r.keys["parent"]
            if self._parent_names(key) & self._called(r):
                return PARENT_SELF
            r.extra["parent_later"] = key
            return None

        return self.link_rows(rows, out, "parent", self._parents_find, PARENT_MISSING, use)

    def sort_outcomes(self, prepared: list[Prepared], out: Outcomes) -> None:
        """As for every target; then an update whose parent only a later row brings is rejected (it cannot
        wait for the parent, see PARENT_LATER_UPDATE)."""
        super().sort_outcomes(prepared, out)
        waiting = [(r, rid) for r, rid in out.updates if r.extra.get("parent_later")]
        if waiting:
            out.updates[:] = [(r, rid) for r, rid in out.updates if not r.extra.get("parent_later")]
            for r, _ in waiting:
                reason = self.about(PARENT_LATER_UPDATE.format(key=r.extra["parent_later"]), "parent")
                out.rejects.append(Rejected(r.row_number, r.cells, reason))

    def count_alongside(self, creates: list[Prepared], result: BatchResult) -> None:
        """Dry run: the new companies that wait for a parent further down the file."""
        for r in creates:
            if r.extra.get("parent_later"):
                self._dry_links.append([planned_id(r.row_number), r.extra["parent_later"], r.row_number])
                result.parents_later += 1

    def finish(self) -> list[str]:
        """After the last batch: give the new companies that waited for a parent further down the file their
        parent, now that every row is in; return what the outcome says about it. A dry run finds out the
        same from what it remembers. Safe to run again (a resumed import whose last batch was in)."""
        if self.write:
            from rapport.imports.models import ImportBatch

            links = [link for links in ImportBatch.objects.filter(job=self.job).exclude(links=[])
                     .values_list("links", flat=True) for link in links]
            found = self.companies_find_by_key({key for _, key, _ in links}) if links else {}
            linked = [(found[key], pk) for pk, key, _ in links if found.get(key) not in (None, pk)]
            if linked:
                db.rows_update("contacts_company", "id", ["parent_id"], [(parent, pk) for parent, pk in linked])
            unlinked = [(row, key) for pk, key, row in links if found.get(key) in (None, pk)]
            count = len(linked)
        else:
            links = self._dry_links
            keys = {key: self._parent_names(key) for _, key, _ in links}
            earlier = self.memory.first_rows(f"called:{n}" for names in keys.values() for n in names)
            coming = {key for key, names in keys.items() if any(f"called:{n}" in earlier for n in names)}
            unlinked = [(row, key) for _, key, row in links if key not in coming]
            count = sum(1 for link in links if link[1] in coming)
        return parent_notes(count, [(row, key, self._bringing_row(key)) for row, key in sorted(unlinked)],
                            done=self.write)

    def write_creates(self, rows: list[Prepared], result: BatchResult, out: Outcomes) -> None:
        if not rows:
            return
        from rapport.activities.models import TimelineEvent

        ids = db.ids_reserve("contacts_company", len(rows))
        records: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        tags: list[tuple[int, int]] = []
        keys: list[tuple[str, int]] = []
        tag_ids = self.tag_ids({t for r in rows for t in r.tags})
        for pk, r in zip(ids, rows, strict=True):
            created = r.extra.get("created_at") or self.now
            records.append({"id": pk, "created_at": created, "updated_at": self.now, **self.new_values(r)})
            events.append(self.event(pk, r, {"company_id": pk}))
            tags.extend((pk, tag_ids[t]) for t in r.tags)
            if r.external_id:
                keys.append((r.external_id, pk))
            if r.extra.get("parent_later"):
                result.links.append([pk, r.extra["parent_later"], r.row_number])
        result.parents_later = len(result.links)
        model_insert(Company, records)
        if tags:
            db.rows_insert("contacts_company_tags", ["company_id", "tag_id"], tags)
        self.external_keys_insert(keys)
        runs = runs_of(ids)
        search_reindex("company", runs)
        model_insert(TimelineEvent, events)
        result.created_ranges.setdefault("company", []).extend(runs)

    def update_values(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        if record_id == new.get("parent_id"):
            return "A company cannot be its own parent; fix the parent company."
        if row.tags:
            have = old["tags"] if "tags" in old else self._tags_of(record_id)
            wanted = self._tag_keys(row.tags)
            if not wanted <= have:
                changes["tags"] = [None, row.tags]
                new["tags"] = have | wanted  # what a later row of a dry run meets
        return None

    def update_changes_more(self, row: Prepared, changes: dict[str, Any]) -> bool:
        return "tags" in changes

    def planned_record(self, row: Prepared) -> dict[str, Any]:
        return {**super().planned_record(row), "tags": self._tag_keys(row.tags)}

    def _tag_keys(self, names: list[str]) -> frozenset[Any]:
        """The tags' ids, or a stand-in for a tag that does not exist yet (the run would create it)."""
        found = tags_named(names)
        return frozenset(found[n.upper()].pk if n.upper() in found else f"new tag {n.upper()}" for n in names)

    def _tags_of(self, record_id: int) -> frozenset[Any]:
        if record_id < 0:
            return frozenset()
        return frozenset(t for (t,) in db.query(
            "SELECT tag_id FROM contacts_company_tags WHERE company_id = %s", [record_id]))

    def update_extra(
        self,
        row: Prepared,
        record_id: int,
        old: dict[str, Any],
        new: dict[str, Any],
        before: dict[str, Any],
        changes: dict[str, Any],
    ) -> str | None:
        """Tags the row adds to the company (kept in `before` so undo removes them)."""
        if "tags" in changes:
            tag_ids = self.tag_ids(set(row.tags))
            added = sorted({tag_ids[t] for t in row.tags} - self._tags_of(record_id))
            if added:
                db.rows_insert(
                    "contacts_company_tags", ["company_id", "tag_id"], [(record_id, t) for t in added]
                )
                before["added_tags"] = added
                changes["tags"] = [None, row.tags]
        return None
