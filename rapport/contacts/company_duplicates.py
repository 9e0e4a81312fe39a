"""Duplicate companies: the scan (blocking + rapidfuzz scoring) and the on-entry check of the company form.

The same approach as duplicate contacts (see duplicates.py), with company evidence:

* **Normalised features.** The name folded (accents, case, punctuation) with legal forms removed
  (GmbH, Inc, Ltd, SARL, S.A., B.V. …) and abbreviations spelled out; the web domain without www and
  its stem (acme.de and acme.com share "acme"); the phone in E.164; the city folded. A name or city
  with an umlaut also has its ASCII spelling (Müller & Söhne → mueller soehne, Köln → koeln), for
  blocks and comparison, as for contacts (`duplicates.transliterated`).
* **Blocking.** A company lands in blocks keyed by exact domain, domain stem, phone, the folded name,
  and two typo-tolerant name keys within its city or country. Oversized blocks (a shared switchboard,
  fifty "Consulting" firms in a city) are skipped, so the cost grows near-linearly.
* **Scoring.** Agreeing and disagreeing fields add evidence; the sum maps to 0-100 with 50 as the
  decision line (`duplicates.score_of`). The same domain decides alone; a name needs a second
  agreeing field (city, phone, domain stem), since many different firms share a name in one country.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from django.db.models import Max, Min, Q
from rapidfuzz import fuzz

from rapport.contacts.duplicate_scan import latest_scan_pairs, pair_dismiss
from rapport.contacts.duplicates import (
    CITY_EVIDENCE,
    COMPANY_NOISE,
    LETTERS_TO_WRITE_OUT,
    MIN_SCORE,
    FieldEvidence,
    Pair,
    city_fold,
    company_fold,
    fold,
    pairs_scored,
    phone_canonical,
    phonetic,
    score_of,
    spelling_pairs,
    transliterated,
)

# Legal forms beyond the common ones duplicates.COMPANY_NOISE already drops (folded, without dots).
LEGAL_FORMS = COMPANY_NOISE | frozenset(
    {
        "sas",
        "sasu",
        "sca",
        "snc",
        "eurl",
        "cie",
        "ug",
        "ohg",
        "gbr",
        "kgaa",
        "mbh",
        "ek",
        "eg",
        "ev",
        "se",
        "haftungsbeschrankt",
        "ab",
        "as",
        "asa",
        "aps",
        "oy",
        "oyj",
        "pty",
        "pte",
        "llp",
        "lp",
        "pc",
        "pllc",
        "bvba",
        "cv",
        "vof",
        "sro",
        "spol",
        "doo",
        "kft",
        "zrt",
        "nyrt",
        "sp",
        "zoo",
        "lda",
        "sae",
        "kk",
        "holding",
        "group",
    }
)
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
    }
)
SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "ltd", "plc", "or", "ne", "gv", "edu"})

W_DOMAIN = 7.0
W_DOMAIN_STEM = 3.0
W_DOMAIN_DIFFERENT = -1.5
W_PHONE = 6.0
W_PHONE_DIFFERENT = -1.0
W_NAME_SAME = 5.5
W_NAME_CLOSE = 5.0  # >= 92 % similar: a typo
W_NAME_SIMILAR = 2.5  # >= 85 %
W_NAME_CONTAINED = 1.5  # "Acme" and "Acme Robotics"
W_NAMES_DIFFERENT = -4.0  # < 60 %
W_COUNTRY_DIFFERENT = -2.0
ENTRY_MIN_SCORE = 25  # the on-entry warning also shows "same name, nothing else known"

PHONE_EVIDENCE = FieldEvidence(W_PHONE, W_PHONE_DIFFERENT, "same phone")
# A shared country says nothing (most companies of a database share one); a different one counts against.
COUNTRY_EVIDENCE = FieldEvidence(0.0, W_COUNTRY_DIFFERENT, "", "different country")

BLOCK_LIMIT_EXACT = 20
BLOCK_LIMIT_NAME = 60
BATCH = 5000
ENTRY_CANDIDATES = 200
_TYPED_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=100_000)
def company_name_key(name: str) -> str:
    """A company name folded, legal forms removed: "ACME Robotics G.m.b.H." → "acme robotics"."""
    words = company_fold(name or "").split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def domain_key(domain: str) -> str:
    """The web domain as stored (lower case, no scheme, no www.); '' for free-mail domains."""
    text = (domain or "").strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].split(":", 1)[0].removeprefix("www.").strip(".")
    return "" if text in FREE_MAIL or "." not in text else text


def domain_stem(domain: str) -> str:
    """The registrable name of a domain: acme.co.uk → acme, shop.acme.de → acme ('' if too short)."""
    labels = domain.split(".") if domain else []
    if len(labels) < 2:
        return ""
    stem = (
        labels[-3] if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2 else labels[-2]
    )
    return stem if len(stem) >= 3 else ""


class CompanyRow(NamedTuple):
    """A company as the scan reads it: plain values, no model instance."""

    id: int
    name: str
    domain: str = ""
    phone: str = ""
    city: str = ""
    country: str = ""


class CompanyFeatures(NamedTuple):
    id: int
    name: str  # folded, legal forms removed
    squeezed: str  # the same without spaces
    domain: str
    stem: str
    phone: str
    city: str
    country: str
    # The same company with the umlauts of its name and city written out (Müller → mueller), or None.
    spelled: CompanyFeatures | None = None


def company_features_of(row: CompanyRow | Sequence[Any]) -> CompanyFeatures:
    """Normalise one company for blocking and scoring."""
    rid, name, domain, phone, city, country = (tuple(row) + ("", "", "", "", ""))[:6]
    name, city = name or "", city or ""
    key = company_name_key(name)
    domain_clean = domain_key(domain or "")
    stem = domain_stem(domain_clean)
    country = (country or "").strip().upper()
    phone_clean = phone_canonical(phone or "", country)
    city_folded = city_fold(city)
    features = CompanyFeatures(
        id=rid,
        name=key,
        squeezed=key.replace(" ", ""),
        domain=domain_clean,
        stem=stem,
        phone=phone_clean,
        city=city_folded,
        country=country,
    )
    if not (name.isascii() and city.isascii()) and LETTERS_TO_WRITE_OUT.search(f"{name}|{city}"):
        written_name, written_city = transliterated(name), transliterated(city)
        spelled_key = company_name_key(written_name) if written_name else key
        spelled_city = city_fold(written_city) if written_city else city_folded
        if spelled_key != key or spelled_city != city_folded:  # Köln and Koeln both fold to "koln"
            spelled = features._replace(name=spelled_key, squeezed=spelled_key.replace(" ", ""), city=spelled_city)
            return features._replace(spelled=spelled)
    return features


def company_blocking_keys(f: CompanyFeatures) -> list[tuple[str, str]]:
    """(kind, key) pairs of the blocks this company belongs to; name keys in both spellings if it has two."""
    keys: list[tuple[str, str]] = []
    if f.domain:
        keys.append(("d", f.domain))
    if f.stem:
        keys.append(("t", f.stem))
    if f.phone:
        keys.append(("p", f.phone))
    if len(f.squeezed) >= 3:
        keys += _company_name_keys(f)
    if f.spelled is not None and len(f.spelled.squeezed) >= 3:
        keys += [key for key in _company_name_keys(f.spelled) if key not in keys]
    return keys


def _company_name_keys(f: CompanyFeatures) -> list[tuple[str, str]]:
    place = f.city or f.country
    sound = "".join(phonetic(word) for word in f.name.split()[:3])
    return [
        ("n", f.squeezed),
        # Typos: the same start of the name, or names that sound alike, in the same city (or country).
        ("c", f"{f.squeezed[:4]}|{place}"),
        ("s", f"{sound}|{place}"),
    ]


COMPANY_BLOCK_LIMITS = {"d": BLOCK_LIMIT_EXACT, "p": BLOCK_LIMIT_EXACT}


def company_candidate_pairs(features: Sequence[CompanyFeatures]) -> set[tuple[int, int]]:
    """Index pairs (i < j) that share at least one block of acceptable size."""
    blocks: dict[tuple[str, str], list[int]] = {}
    for index, f in enumerate(features):
        for key in company_blocking_keys(f):
            blocks.setdefault(key, []).append(index)
    pairs: set[tuple[int, int]] = set()
    for (kind, _), members in blocks.items():
        size = len(members)
        if size < 2 or size > COMPANY_BLOCK_LIMITS.get(kind, BLOCK_LIMIT_NAME):
            continue
        for a in range(size):
            for b in range(a + 1, size):
                pairs.add((members[a], members[b]))
    return pairs


def _name_evidence(a: CompanyFeatures, b: CompanyFeatures) -> tuple[float, str]:
    """The weight of two (non-empty) company names and its reason ('' when it has none)."""
    if a.squeezed == b.squeezed:
        return W_NAME_SAME, "same name"
    similar = max(fuzz.token_sort_ratio(a.name, b.name), fuzz.ratio(a.squeezed, b.squeezed))
    if similar >= 92:
        return W_NAME_CLOSE, f"names {int(similar)} % similar"
    if similar >= 85:
        return W_NAME_SIMILAR, f"names {int(similar)} % similar"
    a_words, b_words = set(a.name.split()), set(b.name.split())
    if a_words <= b_words or b_words <= a_words:
        return W_NAME_CONTAINED, "one name contains the other"
    if similar < 60:
        return W_NAMES_DIFFERENT, "different names"
    return 0.0, ""


def _best_name_evidence(a: CompanyFeatures, b: CompanyFeatures) -> tuple[float, str]:
    """_name_evidence in the spellings that agree best: Müller & Söhne is Mueller & Soehne.

    Both sides written out only when that makes the names equal, as for contacts
    (duplicates._best_name_match): the same umlaut on both sides would otherwise make two names look
    more alike than they are.
    """
    as_written = _name_evidence(a, b)
    a_spelled = a.spelled if a.spelled is not None and a.spelled.squeezed != a.squeezed else None
    b_spelled = b.spelled if b.spelled is not None and b.spelled.squeezed != b.squeezed else None
    if (a_spelled is None and b_spelled is None) or as_written[0] >= W_NAME_SAME:
        return as_written
    # A side written out comes closer to the other side only when that one writes an umlaut out too
    # ("mueller" to "mueler"; to "muler" it is further): skip the fuzzy comparisons that would not help.
    # (A typo putting an "e" a letter after the vowel, "Muxehl" for "Mühl", is the rare loss.)
    ways = [(a_spelled, b)] if a_spelled is not None and _writes_umlauts(b.squeezed) else []
    if b_spelled is not None:
        if _writes_umlauts(a.squeezed):
            ways.append((a, b_spelled))
        if a_spelled is not None and a_spelled.squeezed == b_spelled.squeezed:
            ways.append((a_spelled, b_spelled))
    return max([as_written, *(_name_evidence(x, y) for x, y in ways)], key=lambda evidence: evidence[0])


def _writes_umlauts(text: str) -> bool:
    return "ae" in text or "oe" in text or "ue" in text or "aa" in text


def company_pair_evidence(a: CompanyFeatures, b: CompanyFeatures) -> tuple[float, list[str]]:
    """Sum of evidence weights for `a` and `b` being one company, and the reasons in words."""
    weight = 0.0
    reasons: list[str] = []
    if a.domain and b.domain:
        if a.domain == b.domain:
            weight += W_DOMAIN
            reasons.append("same domain")
        elif a.stem and a.stem == b.stem:
            weight += W_DOMAIN_STEM
            reasons.append("same domain name with another ending")
        else:
            weight += W_DOMAIN_DIFFERENT
    if a.phone and b.phone:
        weight += PHONE_EVIDENCE.weigh(a.phone == b.phone, reasons)
    if a.name and b.name:
        name_weight, name_reason = (
            _name_evidence(a, b) if a.spelled is None and b.spelled is None else _best_name_evidence(a, b)
        )
        weight += name_weight
        if name_reason:
            reasons.append(name_reason)
    if a.city and b.city:
        same_city = a.city == b.city or (
            (a.spelled is not None or b.spelled is not None)
            and any(x.city == y.city for x, y in spelling_pairs(a, b))
        )
        weight += CITY_EVIDENCE.weigh(same_city, reasons)
    if a.country and b.country:
        weight += COUNTRY_EVIDENCE.weigh(a.country == b.country, reasons)
    return weight, reasons


def company_pair_score(a: CompanyFeatures, b: CompanyFeatures) -> tuple[int, str]:
    """Score 0-100 and the reasons ("same domain; names 94 % similar; same city") of one pair."""
    weight, reasons = company_pair_evidence(a, b)
    return score_of(weight), "; ".join(reasons)


def scan_company_features(
    features: Sequence[CompanyFeatures],
    *,
    min_score: int = MIN_SCORE,
    skip: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Pair]:
    """Every likely duplicate pair among normalised companies, best first."""
    return pairs_scored(
        features,
        company_candidate_pairs(features),
        company_pair_evidence,
        min_score=min_score,
        skip=skip,
        progress=progress,
        phase="companies",
    )


def scan_company_rows(rows: Iterable[CompanyRow | Sequence[Any]], **options: Any) -> list[Pair]:
    """Scan plain rows held in memory (the benchmark's entry point)."""
    return scan_company_features([company_features_of(r) for r in rows], **options)


# -------------------------------------------------------------------------------------- the database


def company_rows(*, batch: int = BATCH) -> Iterator[CompanyRow]:
    """Stream companies (not in the trash) as plain rows, in windows of consecutive ids."""
    from rapport.contacts.models import Company

    bounds = Company.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    for low in range(bounds["low"], bounds["high"] + 1, batch):
        rows = (
            Company.objects.filter(id__gte=low, id__lte=low + batch - 1)
            .order_by("id")
            .values_list("id", "name", "domain", "phone", "city", "country")
        )
        for row in rows:
            yield CompanyRow(*row)


def company_dismissed_pairs() -> set[tuple[int, int]]:
    """Company pairs someone marked "not a duplicate" (smaller id first)."""
    from rapport.contacts.models import CompanyDuplicateDismissal

    return set(CompanyDuplicateDismissal.objects.values_list("first_id", "second_id"))


def scan_companies(
    *, min_score: int = MIN_SCORE, progress: Callable[[str, int, int], None] | None = None
) -> tuple[int, list[Pair]]:
    """Scan every company for likely duplicates, leaving out dismissed pairs: (companies read, pairs)."""
    features = [company_features_of(row) for row in company_rows()]
    return len(features), scan_company_features(
        features, min_score=min_score, skip=company_dismissed_pairs(), progress=progress
    )


def company_pairs_for(*, user: Any) -> Any:
    """Company pairs of the newest finished scan the user may merge: both alive, editable, not dismissed."""
    from rapport.contacts.models import Company, CompanyDuplicateCandidate, CompanyDuplicateDismissal

    return latest_scan_pairs(
        CompanyDuplicateCandidate, CompanyDuplicateDismissal, Company, user, ("first", "second")
    )


def company_duplicate_dismiss(*, first: Any, second: Any, by: Any) -> Any:
    """Mark two companies as "not a duplicate" so no scan or check shows the pair again."""
    from rapport.contacts.models import CompanyDuplicateDismissal

    return pair_dismiss(CompanyDuplicateDismissal, first=first, second=second, by=by, plural="companies")


_WRITTEN_UMLAUT = re.compile(r"ae|oe|ue")
_UMLAUT_OF = {"ae": "ä", "oe": "ö", "ue": "ü"}


def _umlauts_restored(word: str) -> str:
    """A folded word's "ae", "oe", "ue" as umlauts ("mueller" → "müller"), '' when it has none.

    Only a lookup term for the on-entry check: a wrong guess ("samuel" → "samül") finds nothing more,
    and every candidate is scored as written.
    """
    restored = _WRITTEN_UMLAUT.sub(lambda m: _UMLAUT_OF[m.group()], word)
    return restored if restored != word else ""


def possible_company_duplicates(
    *,
    name: str = "",
    domain: str = "",
    phone: str = "",
    city: str = "",
    country: str = "",
    exclude_id: int | None = None,
    user: Any = None,
    limit: int = 5,
) -> list[tuple[Any, int, str]]:
    """Existing companies that are probably the one being entered: [(company, score, reasons)], best first.

    Looks up by exact domain, domain stem, phone and the longest word of the name; only companies
    the user may see are considered.
    """
    from rapport.contacts.models import Company

    entered = company_features_of(CompanyRow(0, name, domain, phone, city, country))
    base = Company.objects.visible_to(user) if user is not None else Company.objects.all()
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    q = Q()
    if entered.domain:
        q |= Q(domain=entered.domain)
    if entered.stem:
        q |= Q(domain__startswith=f"{entered.stem}.") | Q(domain__contains=f".{entered.stem}.")
    if entered.phone:
        q |= Q(phone=entered.phone)
    words = sorted((w for w in entered.name.split() if len(w) >= 3), key=len, reverse=True)
    if words:
        q |= Q(name__icontains=words[0])
        # The folded word ("muller") is not in a stored "Müller & Söhne": look for the word as typed too,
        # in the spellings of case that LIKE on SQLite (case-blind for A-Z only) needs to meet it, and in
        # its other spelling: "Mueller" for a typed "Müller", "Müller" for a typed "Mueller".
        typed = [w for w in _TYPED_WORD.split(name) if fold(w) == words[0]][:1]
        spellings = [*typed, *(transliterated(w) for w in typed), _umlauts_restored(words[0])]
        for variant in {
            v for w in spellings if w for v in (w, w.lower(), w.upper(), w.title(), w.capitalize())
        }:
            if variant != words[0]:
                q |= Q(name__icontains=variant)
    if not q:
        return []
    rows = base.filter(q).order_by("id").values_list("id", "name", "domain", "phone", "city", "country")
    scored = []
    for row in rows[:ENTRY_CANDIDATES]:
        score, reasons = company_pair_score(entered, company_features_of(CompanyRow(*row)))
        if score >= ENTRY_MIN_SCORE:
            scored.append((row[0], score, reasons))
    scored.sort(key=lambda t: (-t[1], t[0]))
    companies = Company.objects.in_bulk([s[0] for s in scored[:limit]])
    return [(companies[cid], score, reasons) for cid, score, reasons in scored[:limit] if cid in companies]
