"""Duplicate contacts: normalisation, features, blocking and scoring, and the database row readers.

The on-entry check lives in duplicate_check.py, the stored scans, their review and dismissals in
duplicate_scan.py; companies are scanned in the same run by company_duplicates.py.

How a pair is found and judged:

* **Normalised features.** Names are accent-folded and lower-cased, titles dropped, nicknames mapped to
  their full form (Bob → robert); emails are compared in a canonical form (gmail dots and +tags
  removed, googlemail → gmail); phones in E.164; city and company names folded.
* **Umlauts written out.** A contact whose name, city or company has an umlaut or a Nordic å or ø
  also gets a second spelling as an ASCII-only keyboard writes it (Jürgen Müller → juergen mueller,
  Düsseldorf → duesseldorf, Åsa → aasa, see `transliterated`; æ and œ fold to ae and oe anyway).
  Name blocks take both spellings and a pair is compared in the spellings that agree best, so Müller
  meets Mueller as well as Muller. A written "ue" is never read back as an umlaut: Samuel stays
  samuel, Sáenz stays apart from Sanz, Bauer from Baur (reading every "ae", "oe", "ue" as an umlaut
  paired different people in the benchmark, see bench/README.md).
* **Blocking.** Every contact lands in a few small blocks: exact email, exact phone, email local part,
  and name keys (sorted phonetic codes of first and last name, first initial + last name, first name
  + last initial) within a company. Only contacts sharing a block are
  compared, so the work grows with the number of contacts, not with its square. Name keys are
  combined with the company only (see `blocking_keys`). Oversized blocks
  (a switchboard number, "info@", fifty John Smiths in one city) are skipped: they hold many pairs of
  different people and would make the scan quadratic.
* **Scoring.** Each agreeing or disagreeing field adds evidence (a Fellegi-Sunter style sum of
  weights); the sum maps to a score 0-100 where 50 is the decision line. A name match alone, or a
  name plus a city, is never enough (most such pairs are different people with a common name, see
  PERFORMANCE-FACTS); an identical email or phone is enough unless the first names clearly differ
  (a couple sharing a home phone).

The core (`features_of`, `candidate_pairs`, `pair_score`, `scan_rows`) works on plain tuples so the
benchmark can run it in memory; `scan_contacts` streams the rows from the database in batches.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from django.db.models import Max, Min
from rapidfuzz.distance import Indel

if TYPE_CHECKING:
    from rapport.contacts.company_duplicates import CompanyFeatures

# ------------------------------------------------------------------------------------------- tables

# The word tables are packed several entries a line, by hand.
# fmt: off
# Nickname → the full first name it stands for (folded, lower case). Small on purpose: the common
# English, German, French, Spanish and Italian short forms; a fuzzy score covers the rest.
NICKNAMES: dict[str, str] = {
    "bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert", "bert": "robert",
    "bill": "william", "billy": "william", "will": "william", "willy": "william", "liam": "william",
    "liz": "elizabeth", "lizzie": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "eliza": "elizabeth",
    "elisabeth": "elizabeth", "jim": "james", "jimmy": "james", "jamie": "james", "mike": "michael",
    "mick": "michael", "micky": "michael", "dave": "david", "davy": "david", "dan": "daniel", "danny": "daniel",
    "tom": "thomas", "tommy": "thomas", "chris": "christopher", "kate": "katherine", "katie": "katherine",
    "kathy": "katherine", "cathy": "katherine", "catherine": "katherine", "kathryn": "katherine",
    "jenny": "jennifer", "jen": "jennifer", "joe": "joseph", "joey": "joseph", "tony": "anthony",
    "steve": "steven", "stephen": "steven", "sam": "samuel", "alex": "alexander", "andy": "andrew",
    "drew": "andrew", "nick": "nicholas", "nicky": "nicholas", "matt": "matthew", "pat": "patricia",
    "patty": "patricia", "peggy": "margaret", "maggie": "margaret", "meg": "margaret", "sue": "susan",
    "susie": "susan", "dick": "richard", "rick": "richard", "ricky": "richard", "rich": "richard",
    "ted": "edward", "ed": "edward", "eddie": "edward", "greg": "gregory", "jeff": "jeffrey",
    "ben": "benjamin", "benny": "benjamin", "charlie": "charles", "chuck": "charles", "harry": "henry",
    "hank": "henry", "jack": "john", "johnny": "john", "jon": "john", "larry": "lawrence", "ron": "ronald",
    "ronnie": "ronald", "don": "donald", "tim": "timothy", "vicky": "victoria", "abby": "abigail",
    "becky": "rebecca", "debbie": "deborah", "jess": "jessica", "jessie": "jessica", "mandy": "amanda",
    "manny": "manuel", "pepe": "jose", "paco": "francisco", "beppe": "giuseppe", "sandro": "alessandro",
    "toni": "antonio", "hansi": "hans", "sepp": "josef", "joseph": "josef", "fritz": "friedrich",
    "kathi": "katharina", "steffi": "stephanie", "nico": "nicolas", "nicolas": "nicholas", "max": "maximilian",
    "fred": "frederick", "freddie": "frederick", "gabi": "gabriele", "uli": "ulrich", "wolf": "wolfgang",
    "leni": "helene", "lena": "helene", "susi": "susanne", "tina": "christina", "chrissy": "christina",
    "nate": "nathan", "ken": "kenneth", "kenny": "kenneth", "phil": "philip", "phillip": "philip",
    "ray": "raymond", "al": "albert", "gus": "august", "frank": "francis", "frankie": "francis",
    "annie": "anna", "ann": "anna", "anne": "anna", "molly": "mary", "polly": "mary", "mimi": "maria",
}

TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "herr", "frau", "mme", "mlle", "m", "sr", "jr", "ii",
                    "iii", "dipl", "ing", "mag", "phd", "md", "sir", "dott", "sig", "sra", "don", "dona"})
COMPANY_NOISE = frozenset({"inc", "ltd", "llc", "gmbh", "ag", "co", "corp", "corporation", "company", "sa", "sarl",
                           "srl", "spa", "bv", "nv", "plc", "kg", "the", "and", "limited", "incorporated", "sl",
                           "und", "et"})  # "Müller & Söhne" is "Müller und Söhne", "Dupont & Fils" "Dupont et Fils"
COMPANY_WORDS = {"intl": "international", "int": "international", "mfg": "manufacturing", "svc": "services",
                 "svcs": "services", "tech": "technologies", "technology": "technologies", "grp": "group",
                 "bros": "brothers", "assoc": "associates", "dept": "department", "sys": "systems"}
CITY_WORDS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "n": "north", "s": "south",
              "nyc": "new york", "la": "los angeles", "sf": "san francisco", "muenchen": "munchen",
              "koeln": "koln", "nuernberg": "nurnberg", "frankfurt am main": "frankfurt"}
# Mailboxes of a role, not a person: a shared local part says nothing about being the same person.
GENERIC_LOCALS = frozenset({"info", "contact", "sales", "office", "admin", "hello", "mail", "kontakt", "support",
                            "service", "team", "billing", "accounts", "enquiries", "inquiries", "hr", "jobs",
                            "marketing", "noreply", "no-reply", "post", "buero", "bureau", "empfang", "reception"})
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
DOMAIN_TYPOS = {"gmial.com": "gmail.com", "gmai.com": "gmail.com", "gmal.com": "gmail.com", "gnail.com": "gmail.com",
                "hotmial.com": "hotmail.com", "hotmai.com": "hotmail.com", "yahooo.com": "yahoo.com",
                "yaho.com": "yahoo.com", "outlok.com": "outlook.com"}
# How an ASCII-only keyboard writes the letters fold() reduces to their base letter (DIN 5007-2 for
# German; Danish, Norwegian and Swedish the same way): Müller → Mueller, Åsa → Aasa, Øystein → Oeystein.
TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                                 "å": "aa", "Å": "Aa", "ø": "oe", "Ø": "Oe"})

# fmt: on

# Evidence weights (log-likelihood style) and the decision line. Tuned on the labelled set of
# bench/dedup_bench.py; see the module docstring for the reasoning.
W_EMAIL = 7.0
W_PHONE = 6.5
W_EMAIL_LOCAL = 2.5
W_EMAIL_LOCAL_NAME = 0.4
W_EMAIL_DIFFERENT = -1.0
W_PHONE_DIFFERENT = -1.0
W_CITY = 1.5
W_CITY_DIFFERENT = -1.5
W_COMPANY = 2.0
W_COMPANY_DIFFERENT = -0.5
W_NAMES_DIFFERENT = -5.0
DECISION = 6.5
SCORE_SLOPE = 0.9
MIN_SCORE = 50

BLOCK_LIMIT_EXACT = 20  # more contacts than this on one email or phone: a shared mailbox or switchboard
BLOCK_LIMIT_NAME = 60


# ------------------------------------------------------------------------------------ normalisation

_NOT_LETTER = re.compile(r"[^a-z ]+")
# The letters TRANSLITERATION writes out, and the combining diaeresis and ring of a decomposed ü or å.
LETTERS_TO_WRITE_OUT = re.compile("[äöüÄÖÜåÅøØ\u0308\u030a]")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_PHONE_JUNK = re.compile(r"[^0-9+]")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII without accents (Müller → muller, Søren → soren), single spaces."""
    if not text:
        return ""
    if text.isascii():  # most names: nothing to decompose
        return _SPACES.sub(" ", text.lower()).strip()
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "o").replace("ł", "l").replace("Ł", "l")
    # æ and œ have no decomposition: without this "Kjær" would fold to "kjr".
    text = text.replace("æ", "ae").replace("Æ", "ae").replace("œ", "oe").replace("Œ", "oe")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _SPACES.sub(" ", text).strip()


def transliterated(text: str) -> str:
    """The text with umlauts and å, ø written out as on an ASCII-only keyboard ("Müller" → "Mueller").

    '' when there is nothing to write out, which is most text: the scan then keeps one spelling.
    """
    if not text or text.isascii():
        return ""
    return _transliterated(text)


@lru_cache(maxsize=200_000)
def _transliterated(text: str) -> str:
    composed = unicodedata.normalize("NFC", text)  # "u" + combining diaeresis is "ü" too
    written = composed.translate(TRANSLITERATION)
    return written if written != composed else ""


@lru_cache(maxsize=200_000)
def name_fold(text: str) -> str:
    """A person's name without accents, punctuation and titles ("Dr. Hans-Peter" → "hans peter")."""
    words = _NOT_LETTER.sub(" ", fold(text).replace("-", " ")).split()
    kept = [w for w in words if w not in TITLES]
    return " ".join(kept or words)


@lru_cache(maxsize=200_000)
def first_name_canonical(folded: str) -> str:
    """The full form of a (folded) first name: bob → robert; the first word only ("mary ann" → mary)."""
    first = folded.split(" ", 1)[0] if folded else ""
    return NICKNAMES.get(first, first)


@lru_cache(maxsize=50_000)
def city_fold(text: str) -> str:
    """A city name folded, abbreviations spelled out (St. → saint, NYC → new york)."""
    folded = _NOT_WORD.sub(" ", fold(text).replace("-", " "))
    folded = _SPACES.sub(" ", folded).strip()
    if folded in CITY_WORDS:
        return CITY_WORDS[folded]
    return " ".join(CITY_WORDS.get(w, w) if len(w) <= 3 else w for w in folded.split())


@lru_cache(maxsize=100_000)
def company_fold(text: str) -> str:
    """A company name without legal form and punctuation, abbreviations spelled out (Intl → international)."""
    words = _NOT_WORD.sub(" ", fold(text).replace(".", "").replace("&", " and ")).split()
    words = [COMPANY_WORDS.get(w, w) for w in words]
    kept = [w for w in words if w not in COMPANY_NOISE]
    return " ".join(kept or words)


def email_canonical(email: str) -> str:
    """The mailbox an address delivers to: lower case, no +tag, gmail without dots ('' when not an email)."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return ""
    domain = DOMAIN_TYPOS.get(domain, domain)
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        domain = "gmail.com"
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else ""


def email_local(canonical: str) -> str:
    """The person part of a canonical email without punctuation ('' for role mailboxes like info@)."""
    local = canonical.split("@", 1)[0]
    if local in GENERIC_LOCALS:
        return ""
    squeezed = local.replace(".", "").replace("_", "").replace("-", "")
    return squeezed if len(squeezed) >= 4 else ""


@lru_cache(maxsize=100_000)
def _phone_national(digits: str, region: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(digits, region or "US")
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_canonical(raw: str, region: str = "") -> str:
    """E.164 for any common way of writing a number: +49 30 1234, 0049 30 1234, (030) 1234 in DE."""
    text = _PHONE_JUNK.sub("", raw or "")
    if not text:
        return ""
    if text.startswith("+"):
        digits = text[1:].replace("+", "")
        return "+" + digits if len(digits) >= 6 else ""
    if text.startswith("00"):
        return "+" + text[2:] if len(text) >= 8 else ""
    if len(text) < 6:
        return ""
    return _phone_national(text, region or _default_region())


@lru_cache(maxsize=1)
def _default_region() -> str:
    try:
        from django.conf import settings

        return str(getattr(settings, "RAPPORT_DEFAULT_COUNTRY", "") or "US").upper()
    except Exception:
        return "US"


_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """A Soundex-style code of a folded word (smith, smyth, schmidt-ish spellings share one)."""
    word = word.replace(" ", "")
    if not word:
        return ""
    head = word[0]
    coded = word.translate(_SOUNDEX)
    out = []
    last = coded[0]
    for ch, original in zip(coded[1:], word[1:], strict=True):
        if ch.isdigit():
            if ch != last:
                out.append(ch)
            last = ch
        elif original not in "hw":  # vowels separate equal codes, h and w do not
            last = ""
    return (head + "".join(out) + "000")[:4]


# ------------------------------------------------------------------------------------------ features


class Row(NamedTuple):
    """A contact as the scan reads it: plain values, no model instance."""

    id: int
    first_name: str
    last_name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    city: str = ""
    company: str = ""
    country: str = ""


class Features(NamedTuple):
    id: int
    first: str  # folded first name
    first_canonical: str  # nickname resolved
    last: str
    emails: tuple[str, ...]
    locals: tuple[str, ...]
    phones: tuple[str, ...]
    city: str
    company: str
    first_display: str
    last_display: str
    # The same contact with its umlauts written out (Müller → mueller), None when it has none.
    spelled: Features | None = None


def _names_folded(first_raw: str, last_raw: str) -> tuple[str, str]:
    first = name_fold(first_raw)
    last = name_fold(last_raw)
    if not last and " " in first:  # "John Smith" typed into the first-name field
        first, last = first.rsplit(" ", 1)
    return first, last


def features_of(row: Row | Sequence[Any]) -> Features:
    """Normalise one contact for blocking and scoring."""
    rid, first_raw, last_raw, emails_raw, phones_raw, city, company, country = (tuple(row) + ("", "", ""))[:8]
    first_raw, last_raw, city, company = first_raw or "", last_raw or "", city or "", company or ""
    first = name_fold(first_raw)
    last = name_fold(last_raw)
    if not last and " " in first:  # "John Smith" typed into the first-name field
        first, last = first.rsplit(" ", 1)
    emails = tuple(dict.fromkeys(e for e in (email_canonical(x) for x in emails_raw if x) if e))
    locals_ = tuple(dict.fromkeys(loc for loc in (email_local(e) for e in emails) if loc))
    phones = tuple(
        dict.fromkeys(p for p in (phone_canonical(x, country or "") for x in phones_raw if x) if p)
    )
    features = Features(
        id=rid,
        first=first,
        first_canonical=first_name_canonical(first),
        last=last,
        emails=emails,
        locals=locals_,
        phones=phones,
        city=city_fold(city),
        company=company_fold(company),
        first_display=first_raw,
        last_display=last_raw,
    )
    if (
        first_raw.isascii() and last_raw.isascii() and city.isascii() and company.isascii()
    ) or not LETTERS_TO_WRITE_OUT.search(f"{first_raw}|{last_raw}|{city}|{company}"):
        return features  # most contacts: nothing to write out
    spelled = _written_out(features, city, company)
    return features if spelled is None else features._replace(spelled=spelled)


def _written_out(f: Features, city: str, company: str) -> Features | None:
    """The contact with the umlauts of its names, city and company written out; None if that changes nothing."""
    first_written, last_written = transliterated(f.first_display), transliterated(f.last_display)
    if first_written or last_written:
        first, last = _names_folded(first_written or f.first_display, last_written or f.last_display)
    else:
        first, last = f.first, f.last
    city_written, company_written = transliterated(city), transliterated(company)
    spelled_city = city_fold(city_written) if city_written else f.city
    spelled_company = company_fold(company_written) if company_written else f.company
    if first == f.first and last == f.last and spelled_city == f.city and spelled_company == f.company:
        return None  # Köln and Koeln already fold alike (CITY_WORDS): no second spelling to compare
    return Features(
        f.id,
        first,
        first_name_canonical(first),
        last,
        f.emails,
        f.locals,
        f.phones,
        spelled_city,
        spelled_company,
        f.first_display,
        f.last_display,
    )


def _personal(local: str) -> bool:
    """An email name with digits ("jsmith74") is personal; "john.smith" is just the name again."""
    return any(ch.isdigit() for ch in local)


def blocking_keys(f: Features) -> list[tuple[str, str]]:
    """(kind, key) pairs of the blocks this contact belongs to; name keys in both spellings if it has two."""
    keys = [("e", email) for email in f.emails]
    keys += [("p", phone) for phone in f.phones]
    # Only personal email names ("jsmith74") block: a name-like one ("john.smith") adds too little
    # evidence to decide a pair that shares nothing else, and its blocks are as big as the name's.
    keys += [("l", local) for local in f.locals if _personal(local)]
    # Name keys only within a company: a pair that shares no email, phone or email name needs the
    # company to reach the decision line (name + city alone never does), and city-wide name blocks
    # grow with the square of the city's size.
    if f.company:
        keys += _name_keys(f)
        spelled = f.spelled
        # The city is no part of a key: a contact written out only there has no other keys.
        if spelled is not None and (_names_differ(f, spelled) or spelled.company != f.company):
            keys += [key for key in _name_keys(spelled) if key not in keys]
    return keys


def _name_keys(f: Features) -> list[tuple[str, str]]:
    first, last = f.first_canonical, f.last.replace(" ", "")
    if not (first or last):
        return []
    a, b = phonetic(first), phonetic(last)
    codes = f"{a}|{b}" if a <= b else f"{b}|{a}"
    context = f.company
    keys = [("s", f"{codes}|{context}")]  # swaps and spelling variants that sound alike
    if first and last:
        keys.append(("i", f"{first[0]}|{last}|{context}"))  # a typo in the first name
        keys.append(("f", f"{first}|{last[0]}|{context}"))  # a typo in the last name
    return keys


BLOCK_LIMITS = {"e": BLOCK_LIMIT_EXACT, "p": BLOCK_LIMIT_EXACT, "l": BLOCK_LIMIT_EXACT}


def candidate_pairs(features: Sequence[Features]) -> set[tuple[int, int]]:
    """Index pairs (i < j) that share at least one block of acceptable size.

    Most keys are held by one contact only, so the first holder is kept as a plain int and a list is
    made only when a second contact arrives.
    """
    first_holder: dict[tuple[str, str], int] = {}
    shared: dict[tuple[str, str], list[int]] = {}
    for index, f in enumerate(features):
        for key in blocking_keys(f):
            holder = first_holder.setdefault(key, index)
            if holder != index:
                members = shared.get(key)
                if members is None:
                    shared[key] = [holder, index]
                elif members[-1] != index:
                    members.append(index)
    first_holder.clear()
    pairs: set[tuple[int, int]] = set()
    for (kind, _), members in shared.items():
        size = len(members)
        if size > BLOCK_LIMITS.get(kind, BLOCK_LIMIT_NAME):
            continue
        if size == 2:
            pairs.add((members[0], members[1]))
            continue
        for a in range(size):
            ma = members[a]
            for b in range(a + 1, size):
                pairs.add((ma, members[b]))
    return pairs


# ------------------------------------------------------------------------------------------- scoring


def _similarity(a: str, b: str) -> float:
    """0-100 similarity of two folded words (Indel ratio, like rapidfuzz's fuzz.ratio)."""
    if a == b:
        return 100.0
    if not a or not b:
        return 0.0
    return Indel.normalized_similarity(a, b) * 100.0


def _first_similarity(
    a: Features, b: Features, a_first: str, a_canon: str, b_first: str, b_canon: str
) -> float:
    if a_canon == b_canon and a_canon:
        return 100.0
    shorter, longer = (a_first, b_first) if len(a_first) <= len(b_first) else (b_first, a_first)
    if len(shorter) == 1 and longer.startswith(shorter):
        return 85.0  # an initial: "J." and "John"
    if len(shorter) >= 3 and longer.startswith(shorter):
        return 90.0  # "Chris" and "Christopher", "Alex" and "Alexandra"
    return max(_similarity(a_first, b_first), _similarity(a_canon, b_canon))


@dataclass(frozen=True)
class NameMatch:
    score: float  # 0-100 overall; -1 when there is nothing to compare
    disagree: bool
    swapped: bool
    nickname: bool


def name_match(a: Features, b: Features) -> NameMatch:
    """How alike two people's names are, allowing swapped first/last names, nicknames and initials."""
    if a.first and a.last and b.first and b.last:
        if a.last == b.last and a.first_canonical == b.first_canonical:
            return NameMatch(100.0, False, False, a.first != b.first)
        f = _first_similarity(a, b, a.first, a.first_canonical, b.first, b.first_canonical)
        last = _similarity(a.last, b.last)
        direct = (f + last) / 2
        if direct >= 90:
            return NameMatch(
                direct,
                min(f, last) < 60,
                False,
                a.first != b.first and a.first_canonical == b.first_canonical,
            )
        swapped_first = _first_similarity(
            a, b, a.first, a.first_canonical, b.last, first_name_canonical(b.last)
        )
        swapped_last = _first_similarity(a, b, a.last, a.last, b.first, b.first)
        swapped = (swapped_first + swapped_last) / 2
        if swapped > direct + 1:
            return NameMatch(swapped, min(swapped_first, swapped_last) < 60, True, False)
        nickname = a.first != b.first and a.first_canonical == b.first_canonical
        return NameMatch(direct, min(f, last) < 60, False, nickname)
    a_words = [w for w in (a.first, a.last) if w]
    b_words = [w for w in (b.first, b.last) if w]
    if not a_words or not b_words:
        return NameMatch(-1, False, False, False)
    # One side has a single name: compare it with the best-matching name of the other side.
    best = max(_similarity(x, y) for x in a_words for y in b_words)
    return NameMatch(best * 0.9, best < 60, False, False)


class FieldEvidence(NamedTuple):
    """What one field known on both sides of a pair adds to its evidence: agreeing, or differing.

    Contacts and companies weigh their fields with these (pair_evidence, company_pair_evidence); a
    field missing on either side adds nothing, which the caller checks before weighing.
    """

    same: float
    different: float
    same_reason: str = ""
    different_reason: str = ""

    def weigh(self, agree: bool, reasons: list[str]) -> float:
        """The weight for an agreeing (or differing) field; its reason, if it has one, goes on `reasons`."""
        if agree:
            if self.same_reason:
                reasons.append(self.same_reason)
            return self.same
        if self.different_reason:
            reasons.append(self.different_reason)
        return self.different


PHONE_EVIDENCE = FieldEvidence(W_PHONE, W_PHONE_DIFFERENT, "same phone")
CITY_EVIDENCE = FieldEvidence(W_CITY, W_CITY_DIFFERENT, "same city", "different city")
COMPANY_EVIDENCE = FieldEvidence(W_COMPANY, W_COMPANY_DIFFERENT, "same company")


_Spelled = TypeVar("_Spelled", "Features", "CompanyFeatures")


def spelling_pairs(a: _Spelled, b: _Spelled) -> list[tuple[_Spelled, _Spelled]]:
    """The ways to compare a city or company (of two contacts or two companies): as written, and with either
    or both sides written out (their `spelled`)."""
    pairs = [(a, b)]
    if a.spelled is not None:
        pairs.append((a.spelled, b))
    if b.spelled is not None:
        pairs.append((a, b.spelled))
        if a.spelled is not None:
            pairs.append((a.spelled, b.spelled))
    return pairs


def _best_name_match(a: Features, b: Features) -> NameMatch:
    """name_match in the spellings that agree best: Müller written Mueller on one side is the same name.

    Both sides written out only when that makes the names equal (Jürgen Mueller and Juergen Müller):
    otherwise two names with the same umlaut would look more alike than they are (bahm/bahr 75 %,
    baehm/baehr 80 %); as written they already compare letter for letter.
    """
    a_spelled = a.spelled if a.spelled is not None and _names_differ(a, a.spelled) else None
    b_spelled = b.spelled if b.spelled is not None and _names_differ(b, b.spelled) else None
    as_written = name_match(a, b)
    if (a_spelled is None and b_spelled is None) or as_written.score >= 100:
        return as_written
    ways = [(a_spelled, b)] if a_spelled is not None else []
    if b_spelled is not None:
        ways.append((a, b_spelled))
        if a_spelled is not None and not _names_differ(a_spelled, b_spelled):
            ways.append((a_spelled, b_spelled))
    return max([as_written, *(name_match(x, y) for x, y in ways)], key=lambda m: (not m.disagree, m.score))


def _names_differ(a: Features, b: Features) -> bool:
    return a.first != b.first or a.last != b.last


def pair_evidence(a: Features, b: Features) -> tuple[float, list[str]]:
    """Sum of evidence weights for `a` and `b` being one person, and the reasons in words."""
    weight = 0.0
    reasons: list[str] = []
    if a.emails and b.emails:
        if any(e in b.emails for e in a.emails):
            weight += W_EMAIL
            reasons.append("same email")
        elif shared_locals := [x for x in a.locals if x in b.locals]:
            # "john.smith@" says little more than the name does; "jsmith74@" is personal.
            weight += (
                W_EMAIL_LOCAL if any(_personal(local) for local in shared_locals) else W_EMAIL_LOCAL_NAME
            )
            reasons.append("same email name at another domain")
        else:
            weight += W_EMAIL_DIFFERENT
    if a.phones and b.phones:
        weight += PHONE_EVIDENCE.weigh(any(p in b.phones for p in a.phones), reasons)
    names = name_match(a, b) if a.spelled is None and b.spelled is None else _best_name_match(a, b)
    if names.score >= 0:
        if names.disagree:
            weight += W_NAMES_DIFFERENT
            reasons.append("different names")
        else:
            percent = int(names.score)
            if names.score >= 97:
                weight += 4.5
                reasons.append("same name")
            elif names.score >= 88:
                weight += 3.5
                reasons.append(f"names {percent} % similar")
            elif names.score >= 80:
                weight += 2.0
                reasons.append(f"names {percent} % similar")
            elif names.score >= 70:
                reasons.append(f"names {percent} % similar")
            if names.swapped:
                reasons.append("first and last name swapped")
            if names.nickname:
                reasons.append("nickname")
    if a.city and b.city:
        same_city = a.city == b.city or (
            (a.spelled is not None or b.spelled is not None)
            and any(x.city == y.city for x, y in spelling_pairs(a, b))
        )
        weight += CITY_EVIDENCE.weigh(same_city, reasons)
    if a.company and b.company:
        same_company = a.company == b.company or (
            (a.spelled is not None or b.spelled is not None)
            and any(x.company == y.company for x, y in spelling_pairs(a, b))
        )
        weight += COMPANY_EVIDENCE.weigh(same_company, reasons)
    return weight, reasons


def score_of(weight: float) -> int:
    """Map an evidence sum to 0-100; the decision line maps to 50."""
    return round(100 / (1 + math.exp(-(weight - DECISION) * SCORE_SLOPE)))


def pair_score(a: Features, b: Features) -> tuple[int, str]:
    """Score 0-100 and the reasons ("same phone; names 92 % similar; same city") of one pair."""
    weight, reasons = pair_evidence(a, b)
    return score_of(weight), "; ".join(reasons)


class Pair(NamedTuple):
    first_id: int  # the smaller contact id
    second_id: int
    score: int
    reasons: str


def scan_features(
    features: Sequence[Features],
    *,
    min_score: int = MIN_SCORE,
    skip: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Pair]:
    """Every likely duplicate pair among normalised contacts, best first."""
    return pairs_scored(
        features,
        candidate_pairs(features),
        pair_evidence,
        min_score=min_score,
        skip=skip,
        progress=progress,
        phase="scoring",
    )


def pairs_scored(
    features: Sequence[Any],
    candidates: set[tuple[int, int]],
    evidence: Callable[[Any, Any], tuple[float, list[str]]],
    *,
    min_score: int,
    skip: set[tuple[int, int]] | frozenset[tuple[int, int]],
    progress: Callable[[str, int, int], None] | None,
    phase: str,
) -> list[Pair]:
    """Score candidate index pairs with `evidence`; the pairs at or above `min_score`, best first."""
    total = len(candidates)
    if progress:
        progress(phase, 0, total)
    found: list[Pair] = []
    for done, (i, j) in enumerate(candidates, 1):
        a, b = features[i], features[j]
        weight, reasons = evidence(a, b)
        score = score_of(weight)
        if score >= min_score:
            low, high = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if (low, high) not in skip:
                found.append(Pair(low, high, score, "; ".join(reasons)))
        if progress and done % 200_000 == 0:
            progress(phase, done, total)
    found.sort(key=lambda p: (-p.score, p.first_id, p.second_id))
    return found


def scan_rows(rows: Iterable[Row | Sequence[Any]], **options: Any) -> list[Pair]:
    """Scan plain rows held in memory (the benchmark's entry point)."""
    return scan_features([features_of(r) for r in rows], **options)


# -------------------------------------------------------------------------------------- the database

BATCH = 5000


def contact_rows(*, batch: int = BATCH, ids: Iterable[int] | None = None) -> Iterator[Row]:
    """Stream contacts (not in the trash) as plain rows in id order, with all their emails and phones.

    Reads windows of `batch` consecutive ids (a primary-key range, planned as an index scan even on a
    freshly loaded table without statistics) and no join: company names come from one lookup per
    window. Memory holds one window of tuples, never model instances.
    """
    from rapport.contacts.models import Company, Contact

    if ids is not None:
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            yield from _rows_of(Contact.objects.filter(id__in=chunk), {"contact_id__in": chunk}, Company)
        return
    bounds = Contact.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    for low in range(bounds["low"], bounds["high"] + 1, batch):
        high = low + batch - 1
        yield from _rows_of(
            Contact.objects.filter(id__gte=low, id__lte=high),
            {"contact_id__gte": low, "contact_id__lte": high},
            Company,
        )


def _rows_of(query: Any, extras_scope: dict[str, Any], company_model: Any) -> Iterator[Row]:
    from rapport.contacts.models import ContactEmail, ContactPhone

    values = list(
        query.order_by("id").values_list(
            "id", "first_name", "last_name", "email", "phone", "city", "company_id", "country"
        )
    )
    if not values:
        return
    company_ids = {v[6] for v in values if v[6]}
    companies = (
        dict(company_model.all_objects.filter(id__in=company_ids).values_list("id", "name"))
        if company_ids
        else {}
    )
    extra_emails: dict[int, list[str]] = {}
    for contact_id, email in ContactEmail.objects.filter(is_primary=False, **extras_scope).values_list(
        "contact_id", "email"
    ):
        extra_emails.setdefault(contact_id, []).append(email)
    extra_phones: dict[int, list[str]] = {}
    for contact_id, number in ContactPhone.objects.filter(is_primary=False, **extras_scope).values_list(
        "contact_id", "number"
    ):
        extra_phones.setdefault(contact_id, []).append(number)
    for cid, first, last, email, phone, city, company_id, country in values:
        yield Row(
            cid,
            first,
            last,
            (email, *extra_emails.get(cid, ())),
            (phone, *extra_phones.get(cid, ())),
            city,
            companies.get(company_id, ""),
            country,
        )


def dismissed_pairs() -> set[tuple[int, int]]:
    """Pairs someone marked "not a duplicate" (smaller id first)."""
    from rapport.contacts.models import DuplicateDismissal

    return set(DuplicateDismissal.objects.values_list("first_id", "second_id"))


def scan_contacts(
    *, min_score: int = MIN_SCORE, progress: Callable[[str, int, int], None] | None = None
) -> list[Pair]:
    """Scan every contact in the database for likely duplicates, leaving out dismissed pairs."""
    features: list[Features] = []
    for row in contact_rows():
        features.append(features_of(row))
        if progress and len(features) % 50_000 == 0:
            progress("reading", len(features), 0)
    return scan_features(features, min_score=min_score, skip=dismissed_pairs(), progress=progress)


def __getattr__(name: str) -> Any:
    """Scans queued before the upgrade that moved the task name it at this module: find it in its new home."""
    if name == "duplicate_scan_task":
        from rapport.contacts.duplicate_scan import duplicate_scan_task

        return duplicate_scan_task
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
