"""The on-entry check: existing contacts that are probably the person being entered or just created.

Looks candidates up with indexed queries only (exact email, phone in E.164, last name with the
typed first name, its full form and its short forms, and the names swapped), a fixed number of
queries per batch of entries, among the contacts the user may see; then scores each candidate with
the scan's `pair_score` (duplicates.py) and keeps those at or above the decision line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from rapport.contacts.duplicates import (
    MIN_SCORE,
    NICKNAMES,
    Features,
    Row,
    contact_rows,
    features_of,
    first_name_canonical,
    name_fold,
    pair_score,
    phone_canonical,
    transliterated,
)

ENTRY_CANDIDATES = 200  # candidates read per entry and lookup (email, phone, name)
ENTRY_BATCH = 200  # entries looked up together: bounds the parameters of one query


# Written-out letters and the letters they may stand for ("Mueller" may be stored as "Müller").
_RESTORED = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("aa", "å"))


def _spellings(name: str) -> list[str]:
    """The name as typed, with its umlauts written out ("Müller" → "Mueller") and with written-out ones
    read back ("Mueller" → "Müller"): the stored contact may have either (the scan scores them alike)."""
    spellings = [name]
    written = transliterated(name)
    if written:
        spellings.append(written)
    lower = name.lower()
    for pair, letter in _RESTORED:
        if pair in lower:
            spellings.append(lower.replace(pair, letter))
    return spellings


def _name_variants(name: str) -> list[str]:
    name = (name or "").strip()
    if not name:
        return []
    return list(dict.fromkeys(form for spelling in _spellings(name) for form in
                              (spelling, spelling.title(), spelling.lower(), spelling.upper(), spelling.capitalize())))


def _first_name_variants(first: str) -> list[str]:
    """The typed first name, its full form and its common short forms (Bob → Robert, Rob, Bobby …)."""
    folded = name_fold(first)
    canonical = first_name_canonical(folded)
    words = {folded, canonical, *(nick for nick, full in NICKNAMES.items() if full == canonical)}
    variants = _name_variants(first)
    for word in words:
        if word:
            variants += _name_variants(word)
    return list(dict.fromkeys(variants))


class Entered(NamedTuple):
    """A contact being entered (or just created) as the on-entry check compares it."""

    first_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    company: str = ""  # the company's name
    city: str = ""
    country: str = ""
    exclude_id: int | None = None  # the contact itself, when it is already saved


class _NameKey(NamedTuple):
    """Stored names that make a candidate: a last name among `lasts` and (unless None) a first among `firsts`."""

    lasts: frozenset[str]
    firsts: frozenset[str] | None
    swapped: bool


def _name_keys(first_name: str, last_name: str) -> list[_NameKey]:
    """The stored first and last names an entered name looks up: variants, nicknames, swapped names."""
    if last_name:
        if not first_name:
            return [_NameKey(frozenset(_name_variants(last_name)), None, False)]
        return [
            _NameKey(
                frozenset(_name_variants(last_name)), frozenset(_first_name_variants(first_name)), False
            ),
            _NameKey(frozenset(_name_variants(first_name)), frozenset(_name_variants(last_name)), True),
        ]
    if " " in first_name:  # "John Smith" typed into the first-name field
        first, last = first_name.rsplit(" ", 1)
        return [_NameKey(frozenset(_name_variants(last)), frozenset(_first_name_variants(first)), False)]
    return []


def _candidates_of(entries: Sequence[Entered], base: Any) -> tuple[list[Features], list[set[int]]]:
    """The entries' features and, per entry, the ids of contacts in `base` sharing an email, phone or name.

    One query per kind of lookup (emails, phones, names) for all the entries together, each reading at
    most ENTRY_CANDIDATES rows for every entry: the count of queries does not grow with the entries.
    """
    from django.db.models import Q

    from rapport.contacts.models import ContactEmail, ContactPhone

    entered: list[Features] = []
    candidates: list[set[int]] = [set() for _ in entries]
    by_email: dict[str, list[int]] = {}
    by_phone: dict[str, list[int]] = {}
    by_last: dict[str, list[tuple[int, frozenset[str] | None]]] = {}
    # Name keys of one kind share a query term: (with first names, swapped) -> keys.
    name_groups: dict[tuple[bool, bool], list[_NameKey]] = {}
    for i, entry in enumerate(entries):
        emails = [e.strip().lower() for e in entry.emails if e and e.strip()][:10]
        phones = [p for p in (phone_canonical(x, entry.country) for x in entry.phones if x) if p][:10]
        first, last = (entry.first_name or "").strip(), (entry.last_name or "").strip()
        for email in emails:
            by_email.setdefault(email, []).append(i)
        for phone in phones:
            by_phone.setdefault(phone, []).append(i)
        for key in _name_keys(first, last):
            name_groups.setdefault((key.firsts is not None, key.swapped), []).append(key)
            for stored_last in key.lasts:
                by_last.setdefault(stored_last, []).append((i, key.firsts))
        entered.append(
            features_of(
                Row(0, first, last, tuple(emails), tuple(phones), entry.city, entry.company, entry.country)
            )
        )

    def found(pairs: Iterable[tuple[int, str]], index: dict[str, list[int]]) -> None:
        for contact_id, value in pairs:
            for i in index.get(value, ()):
                candidates[i].add(contact_id)

    # Every lookup goes through `base`, so a contact the user may not see is never a candidate.
    visible_ids = base.values("id")
    most = ENTRY_CANDIDATES * len(entries)
    if by_email:
        found(base.filter(email__in=by_email).values_list("id", "email")[:most], by_email)
        found(
            ContactEmail.objects.filter(email__in=by_email, contact__in=visible_ids).values_list(
                "contact_id", "email"
            )[:most],
            by_email,
        )
    if by_phone:
        # ContactPhone holds every number, the primary one too (contacts_contact.phone has no index).
        found(
            ContactPhone.objects.filter(number__in=by_phone, contact__in=visible_ids).values_list(
                "contact_id", "number"
            )[:most],
            by_phone,
        )
    if name_groups:
        names = Q()
        for (with_firsts, _), keys in name_groups.items():
            lasts = sorted(set().union(*(k.lasts for k in keys)))
            if with_firsts:
                wanted_firsts = sorted(set().union(*(k.firsts or () for k in keys)))
                names |= Q(last_name__in=lasts, first_name__in=wanted_firsts)
            else:
                names |= Q(last_name__in=lasts)
        for contact_id, stored_first, stored_last in base.filter(names).values_list(
            "id", "first_name", "last_name"
        )[:most]:
            for i, accepted in by_last.get(stored_last, ()):
                if accepted is None or stored_first in accepted:
                    candidates[i].add(contact_id)
    for entry, ids in zip(entries, candidates, strict=True):
        if entry.exclude_id is not None:
            ids.discard(entry.exclude_id)
    return entered, candidates


def possible_duplicates_many(
    entries: Sequence[Entered], *, user: Any = None, limit: int = 5
) -> list[list[tuple[Any, int, str]]]:
    """Per entry, the existing contacts that are probably that person: [(contact, score, reasons)], best first.

    Indexed lookups only (email, phone, last name + first name variants), for ENTRY_BATCH entries at
    a time, so a bulk request of n contacts costs a fixed number of queries per ENTRY_BATCH, not per
    contact. Only contacts the user may see are considered. Entries already saved (a bulk create)
    find each other, each leaving itself out by its `exclude_id`.
    """
    from rapport.contacts.models import Contact

    base = Contact.objects.visible_to(user) if user is not None else Contact.objects.all()
    scored: list[list[tuple[int, int, str]]] = []
    for start in range(0, len(entries), ENTRY_BATCH):
        batch = entries[start : start + ENTRY_BATCH]
        entered, candidates = _candidates_of(batch, base)
        wanted = set().union(*candidates)
        features = {row.id: features_of(row) for row in contact_rows(ids=wanted)} if wanted else {}
        for mine, ids in zip(entered, candidates, strict=True):
            matches = []
            for contact_id in ids:
                if contact_id in features:
                    score, reasons = pair_score(mine, features[contact_id])
                    if score >= MIN_SCORE:
                        matches.append((contact_id, score, reasons))
            matches.sort(key=lambda t: (-t[1], t[0]))
            scored.append(matches[:limit])
    shown = {contact_id for matches in scored for contact_id, _, _ in matches}
    contacts = Contact.objects.in_bulk(shown) if shown else {}
    return [
        [(contacts[cid], score, reasons) for cid, score, reasons in matches if cid in contacts]
        for matches in scored
    ]


def possible_duplicates(
    *,
    first_name: str = "",
    last_name: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    company: Any = None,
    city: str = "",
    country: str = "",
    exclude_id: int | None = None,
    user: Any = None,
    limit: int = 5,
) -> list[tuple[Any, int, str]]:
    """Existing contacts that are probably the person being entered: [(contact, score, reasons)], best first.

    Uses indexed lookups only (email, phone, last name + first name variants); the user sees only
    contacts they may see.
    """
    entry = Entered(
        first_name or "",
        last_name or "",
        tuple(emails),
        tuple(phones),
        getattr(company, "name", company) or "",
        city or "",
        country or "",
        exclude_id,
    )
    return possible_duplicates_many([entry], user=user, limit=limit)[0]
