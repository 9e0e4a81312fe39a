"""Duplicate scan benchmark: precision, recall and time on a labelled set of generated people.

    python -m bench.dedup_bench --contacts 100000                # in memory (the scan core on plain tuples)
    python -m bench.dedup_bench --contacts 1000000 --duplicates 0.2
    python -m bench.dedup_bench --contacts 20000 --database      # load into DATABASE_URL, scan from there

The generator makes realistic people (first and last names of five countries from Faker's word lists,
cities, companies, emails at company domains and free mail providers, mobile numbers in E.164), then
turns a share of them (default 20 % of all rows) into duplicates carrying 1-3 of: typos in the first or
last name, swapped first/last names, nicknames (Bob for Robert), initials, accents dropped, a missing
email, phone, city or company, email written differently (upper case, gmail dots, +tag, googlemail,
a new employer's domain), phone written differently (spaces, 00 prefix, national format), company
abbreviations (Intl, no legal form) and city abbreviations (St. for Saint). A fifth of the duplicates
of a person whose name has an umlaut (ä ö ü) are written as an ASCII-only keyboard or system writes
them, Jürgen Müller as Juergen Mueller, and half of those write the company and city the same way
(Mueller & Soehne, Koeln). Every duplicate keeps at
least one thing that identifies a person (an email, a phone, or its company and city): a pair that
shares only a common name and a city is, on real data, usually two people, and is not labelled as a
duplicate. Hard negatives are generated on purpose: namesakes (same first and last name in the same
city, different email and phone; also with one of the two written Mueller-style), couples
sharing a home phone, and look-alike colleagues: the same first name, company and city and a last
name that differs only by an "e" after a vowel (Sanz and Sáenz, Bauer and Baur), which a scan that
simply reads every "ae", "oe", "ue" as an umlaut would take for one name.

Precision and recall are pairwise: a true pair is two rows made from the same person.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import string
import sys
import time
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

CITIES = {
    "US": ["New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia", "San Antonio", "San Diego",
           "Dallas", "San Jose", "Austin", "Saint Louis", "Saint Paul", "Seattle", "Denver", "Boston", "Portland",
           "Miami", "Atlanta", "Fort Worth", "Columbus", "Charlotte", "Detroit", "Memphis", "Baltimore"],
    "DE": ["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Düsseldorf", "Leipzig", "Dortmund",
           "Essen", "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg", "Bochum", "Wuppertal", "Bielefeld"],
    "FR": ["Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Strasbourg", "Montpellier", "Bordeaux",
           "Lille", "Rennes", "Reims", "Saint-Étienne", "Toulon", "Grenoble", "Dijon", "Angers"],
    "ES": ["Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga", "Murcia", "Palma", "Bilbao",
           "Alicante", "Córdoba", "Valladolid", "Vigo", "Gijón"],
    "IT": ["Roma", "Milano", "Napoli", "Torino", "Palermo", "Genova", "Bologna", "Firenze", "Bari", "Catania",
           "Venezia", "Verona", "Messina", "Padova", "Trieste"],
}
COUNTRY_WEIGHTS = {"US": 35, "DE": 25, "FR": 15, "ES": 12, "IT": 13}
MOBILE = {"US": ("+1", 10), "DE": ("+4915", 9), "FR": ("+336", 8), "ES": ("+346", 8), "IT": ("+393", 9)}
FREE_MAIL = {"US": ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com"],
             "DE": ["gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de"],
             "FR": ["gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr"],
             "ES": ["gmail.com", "hotmail.es", "yahoo.es", "outlook.es"],
             "IT": ["gmail.com", "libero.it", "virgilio.it", "hotmail.it", "tiscali.it"]}
LEGAL = {"US": ["Inc.", "LLC", "Corp.", "Co."], "DE": ["GmbH", "AG", "GmbH & Co. KG"], "FR": ["SA", "SARL", "SAS"],
         "ES": ["S.L.", "S.A."], "IT": ["S.r.l.", "S.p.A."]}
COMPANY_WORDS = ["International", "Technology", "Systems", "Group", "Services", "Manufacturing", "Logistics",
                 "Consulting", "Partners", "Solutions", "Trading", "Foods", "Energy", "Media", "Design"]
NICK_OF = {"Robert": ["Bob", "Rob", "Bobby"], "William": ["Bill", "Will", "Billy"], "Elizabeth": ["Liz", "Beth"],
           "James": ["Jim", "Jimmy"], "Michael": ["Mike"], "David": ["Dave"], "Daniel": ["Dan", "Danny"],
           "Thomas": ["Tom", "Tommy"], "Christopher": ["Chris"], "Katherine": ["Kate", "Kathy"],
           "Jennifer": ["Jen", "Jenny"], "Joseph": ["Joe"], "Anthony": ["Tony"], "Steven": ["Steve"],
           "Samuel": ["Sam"], "Alexander": ["Alex"], "Andrew": ["Andy", "Drew"], "Nicholas": ["Nick"],
           "Matthew": ["Matt"], "Patricia": ["Pat", "Patty"], "Margaret": ["Maggie", "Peggy"], "Susan": ["Sue"],
           "Richard": ["Rick", "Dick"], "Edward": ["Ed", "Ted"], "Gregory": ["Greg"], "Jeffrey": ["Jeff"],
           "Benjamin": ["Ben"], "Charles": ["Charlie"], "Henry": ["Harry"], "John": ["Jack", "Johnny"],
           "Lawrence": ["Larry"], "Ronald": ["Ron"], "Donald": ["Don"], "Timothy": ["Tim"],
           "Josef": ["Sepp"], "Friedrich": ["Fritz"], "Francisco": ["Paco"], "José": ["Pepe"],
           "Giuseppe": ["Beppe"], "Alessandro": ["Sandro"], "Antonio": ["Toni"], "Maximilian": ["Max"],
           "Ulrich": ["Uli"], "Wolfgang": ["Wolf"], "Susanne": ["Susi"], "Christina": ["Tina"]}


def _name_lists() -> dict[str, tuple[list[str], list[str]]]:
    """First and last names per country, from Faker's word lists (only the lists; no Faker calls)."""
    from faker.providers.person import de_DE, en_US, es_ES, fr_FR, it_IT

    lists = {}
    for code, module in (("US", en_US), ("DE", de_DE), ("FR", fr_FR), ("ES", es_ES), ("IT", it_IT)):
        p = module.Provider
        firsts = list(dict.fromkeys([*p.first_names_male, *p.first_names_female]))
        lasts = list(dict.fromkeys(p.last_names))
        firsts += [n for n in NICK_OF if n not in firsts and code == "US"]
        lists[code] = (firsts, lasts)
    return lists


# How an ASCII-only keyboard or system writes umlauts and Nordic letters (Müller → Mueller, Åsa → Aasa).
TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss",
                                 "å": "aa", "Å": "Aa", "ø": "oe", "Ø": "Oe", "æ": "ae", "Æ": "Ae"})
UMLAUTS = frozenset("äöüÄÖÜåÅøØæÆ")
TRANSLITERATED_SHARE = 0.2  # of the duplicates of a person whose name has an umlaut (--transliterated)
# Different last names of one country that differ by an "e" after a vowel: a scan reading every
# "ae", "oe", "ue" as an umlaut would take them for one name.
LOOKALIKE_LASTS = {"Sanz": "Sáenz", "Sáenz": "Sanz", "Paz": "Páez", "Páez": "Paz", "Bauer": "Baur",
                   "Sauer": "Saur", "Steuer": "Steur"}


def transliterate(text: str) -> str:
    """Umlauts as an ASCII-only system writes them: "MÜLLER" → "MUELLER", "Jürgen" → "Juergen"."""
    if not UMLAUTS.intersection(text):
        return text
    words = text.split(" ")
    written = (w.translate(TRANSLITERATION) for w in words)
    return " ".join(w.upper() if o.isupper() and len(o) > 1 else w for w, o in zip(written, words, strict=True))


def _ascii(text: str) -> str:
    import unicodedata

    text = text.replace("ß", "ss").replace("ø", "o").replace("ł", "l")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


class Generator:
    """Labelled rows: (id, first, last, (emails), (phones), city, company, country) and a cluster id each."""

    def __init__(self, seed: int = 42, transliterated_share: float = TRANSLITERATED_SHARE) -> None:
        from rapport.contacts.duplicates import email_canonical

        self.transliterated_share = transliterated_share
        self.canonical = email_canonical
        self.rng = random.Random(seed)
        self.names = _name_lists()
        self.countries = list(COUNTRY_WEIGHTS)
        self.weights = list(COUNTRY_WEIGHTS.values())
        # Heavy-tailed name popularity: a few names are very common, as in real data.
        self.name_weights = {
            code: (list(accumulate(1 / (i + 5) for i in range(len(f)))),
                   list(accumulate(1 / (i + 10) for i in range(len(lst)))))
            for code, (f, lst) in self.names.items()
        }
        self.country_cum = list(accumulate(COUNTRY_WEIGHTS.values()))
        # Transliterated spellings and look-alikes draw from their own stream: the rest of the set stays
        # close to what it was before they were added.
        self.spelling_rng = random.Random(seed + 1)
        self.transliterated_rows: set[int] = set()  # row ids of duplicates written Mueller-style
        self.hard_pairs: dict[str, set[tuple[int, int]]] = {"transliterated namesakes": set(),
                                                            "look-alike colleagues": set()}  # person indexes
        self.used_phones: set[str] = set()
        self.used_emails: set[str] = set()

    def company(self, country: str) -> tuple[str, str]:
        rng = self.rng
        _, lasts = self.names[country]
        base = rng.choice(lasts) if rng.random() < 0.5 else rng.choice(lasts) + " " + rng.choice(lasts)
        name = f"{base} {rng.choice(COMPANY_WORDS)} {rng.choice(LEGAL[country])}"
        domain = _ascii(base).lower().replace(" ", "") + rng.choice([".com", ".net", f".{country.lower()}"])
        return name, domain

    def phone(self, country: str) -> str:
        prefix, digits = MOBILE[country]
        while True:
            if country == "US":
                number = prefix + str(self.rng.randint(201, 989)) + "".join(self.rng.choices(string.digits, k=7))
            else:
                number = prefix + "".join(self.rng.choices(string.digits, k=digits))
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def person(self, companies: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
        rng = self.rng
        country = rng.choices(self.countries, cum_weights=self.country_cum)[0]
        firsts, lasts = self.names[country]
        fw, lw = self.name_weights[country]
        first = rng.choices(firsts, cum_weights=fw)[0]
        last = rng.choices(lasts, cum_weights=lw)[0]
        city = rng.choice(CITIES[country])
        company, domain = ("", "")
        if rng.random() < 0.6:
            company, domain = rng.choice(companies[country])
        emails = []
        if rng.random() < 0.9:
            local_first, local_last = _ascii(first).lower().replace(" ", ""), _ascii(last).lower().replace(" ", "")
            pattern = rng.random()
            if pattern < 0.4:
                local = f"{local_first}.{local_last}"
            elif pattern < 0.6:
                local = f"{local_first[0]}{local_last}"
            elif pattern < 0.8:
                local = f"{local_first}{local_last}{rng.randint(1, 99)}"
            else:
                local = f"{local_first}_{local_last[:3]}{rng.randint(100, 9999)}"
            use_company = domain and rng.random() < 0.7
            at = domain if use_company else rng.choice(FREE_MAIL[country])
            email = f"{local}@{at}"
            # A mailbox belongs to one person (j.smith@gmail.com and jsmith@gmail.com are one mailbox).
            while self.canonical(email) in self.used_emails:
                email = f"{local}{rng.randint(1, 9999)}@{at}"
            self.used_emails.add(self.canonical(email))
            emails.append(email)
        # A contact in a CRM has a way to reach them: an email, a phone or both.
        phones = [self.phone(country)] if rng.random() < 0.8 or not emails else []
        return {"first": first, "last": last, "emails": emails, "phones": phones, "city": city,
                "company": company, "country": country}

    # ------------------------------------------------------------------------------- variations

    def typo(self, word: str) -> str:
        rng = self.rng
        if len(word) < 3:
            return word
        i = rng.randint(1, len(word) - 1)  # real typos rarely hit the first letter
        op = rng.random()
        letters = "aeioulnrstmhkc"
        if op < 0.3:
            return word[:i] + word[i + 1:]
        if op < 0.55:
            return word[:i] + rng.choice(letters) + word[i:]
        if op < 0.8:
            return word[:i] + rng.choice(letters) + word[i + 1:]
        if i < len(word) - 1:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        return word[:i] + word[i] + word[i:]

    def vary(self, p: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        rng = self.rng
        d = {**p, "emails": list(p["emails"]), "phones": list(p["phones"])}
        ops = rng.sample(
            ["typo_first", "typo_last", "swap", "nickname", "initial", "accents", "drop_email", "drop_phone",
             "drop_city", "drop_company", "email_format", "email_domain", "phone_format", "company_abbrev",
             "city_abbrev", "case"],
            k=rng.choice([1, 2, 2, 3]),
        )
        for op in ops:
            if op == "typo_first":
                d["first"] = self.typo(d["first"])
            elif op == "typo_last":
                d["last"] = self.typo(d["last"])
            elif op == "swap":
                d["first"], d["last"] = d["last"], d["first"]
            elif op == "nickname" and d["first"] in NICK_OF:
                d["first"] = rng.choice(NICK_OF[d["first"]])
            elif op == "initial":
                d["first"] = d["first"][0] + "."
            elif op == "accents":
                d["first"], d["last"] = _ascii(d["first"]), _ascii(d["last"])
            elif op == "case":
                d["first"], d["last"] = d["first"].upper(), d["last"].upper()
            elif op == "drop_email":
                d["emails"] = []
            elif op == "drop_phone":
                d["phones"] = []
            elif op == "drop_city":
                d["city"] = ""
            elif op == "drop_company":
                d["company"] = ""
            elif op == "email_format" and d["emails"]:
                local, domain = d["emails"][0].split("@")
                roll = rng.random()
                if domain == "gmail.com" and roll < 0.5:
                    d["emails"] = [(local.replace(".", "") if "." in local else local[:2] + "." + local[2:])
                                   + "@" + rng.choice(["gmail.com", "googlemail.com"])]
                elif roll < 0.75:
                    d["emails"] = [f"{local}+crm@{domain}"]
                else:
                    d["emails"] = [f"{local}@{domain}".upper()]
            elif op == "email_domain" and d["emails"]:
                local = d["emails"][0].split("@")[0]
                moved = f"{local}@{rng.choice(FREE_MAIL[d['country']])}"
                if self.canonical(moved) not in self.used_emails:  # not someone else's mailbox
                    self.used_emails.add(self.canonical(moved))
                    d["emails"] = [moved]
            elif op == "phone_format" and d["phones"]:
                d["phones"] = [self.phone_written(d["phones"][0], d["country"])]
            elif op == "company_abbrev" and d["company"]:
                name = d["company"].replace("International", "Intl").replace("Technology", "Tech")
                for legal in sorted(LEGAL[d["country"]], key=len, reverse=True):
                    name = name.replace(" " + legal, "")
                d["company"] = name
            elif op == "city_abbrev" and d["city"].startswith("Saint"):
                d["city"] = d["city"].replace("Saint", "St.")
        if UMLAUTS.intersection(p["first"] + p["last"]) and self.spelling_rng.random() < self.transliterated_share:
            d["first"], d["last"] = transliterate(d["first"]), transliterate(d["last"])
            ops.append("transliterated")
            if self.spelling_rng.random() < 0.5:  # the same ASCII-only system wrote the rest too
                d["company"], d["city"] = transliterate(d["company"]), transliterate(d["city"])
        # A duplicate must keep something that identifies the person (see the module docstring).
        if not (d["emails"] or d["phones"] or (d["company"] and d["city"])):
            if p["phones"]:
                d["phones"] = list(p["phones"])
            elif p["emails"]:
                d["emails"] = list(p["emails"])
            else:
                d["company"], d["city"] = p["company"], p["city"]
        return d, ops

    def hard_spellings(self, people: list[dict[str, Any]]) -> None:
        """Hard negatives of spelling: transliterated namesakes and look-alike colleagues (see the docstring)."""
        rng = self.spelling_rng
        n_people = len(people)
        # Namesakes with umlauts, one of them written Mueller-style: a person's name, not a duplicate.
        umlauted = [i for i, p in enumerate(people) if UMLAUTS.intersection(p["first"] + p["last"])]
        for _ in range(len(umlauted) // 100):
            i, j = rng.choice(umlauted), rng.randrange(n_people)
            if i != j and people[i]["country"] == people[j]["country"]:
                people[j]["first"], people[j]["last"] = transliterate(people[i]["first"]), transliterate(
                    people[i]["last"])
                people[j]["city"] = people[i]["city"]
                self.hard_pairs["transliterated namesakes"].add((min(i, j), max(i, j)))
        # Look-alike colleagues: Maria Sanz and Maria Sáenz at one company in one city.
        lookalikes = [i for i, p in enumerate(people) if p["last"] in LOOKALIKE_LASTS and p["company"]]
        for _ in range(len(lookalikes) // 5):
            i, j = rng.choice(lookalikes), rng.randrange(n_people)
            if i != j and people[i]["country"] == people[j]["country"]:
                people[j]["first"], people[j]["last"] = people[i]["first"], LOOKALIKE_LASTS[people[i]["last"]]
                people[j]["city"], people[j]["company"] = people[i]["city"], people[i]["company"]
                self.hard_pairs["look-alike colleagues"].add((min(i, j), max(i, j)))

    def phone_written(self, e164: str, country: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return "00" + e164[1:]
        if roll < 0.7:
            return f"{e164[:3]} {e164[3:6]} {e164[6:]}"
        national = e164[len("+1"):] if country == "US" else "0" + e164[3:]
        if country == "US":
            return f"({national[:3]}) {national[3:6]}-{national[6:]}"
        if country in ("IT", "ES", "FR") and country != "FR":
            return e164[3:]  # Italy and Spain have no national prefix
        return f"{national[:4]} {national[4:]}"

    # ---------------------------------------------------------------------------------- the set

    def rows(self, contacts: int, duplicate_share: float = 0.2) -> tuple[list[tuple[Any, ...]], list[int]]:
        """`contacts` rows of which `duplicate_share` are duplicates; returns rows and their cluster ids."""
        rng = self.rng
        companies = {c: [self.company(c) for _ in range(max(20, contacts // 40))] for c in self.countries}
        n_dups = int(contacts * duplicate_share)
        n_people = contacts - n_dups
        people = []
        for _ in range(n_people):
            people.append(self.person(companies))
        # Hard negatives: namesakes in the same city and couples sharing a home phone.
        for _ in range(max(1, n_people // 100)):
            i, j = rng.randrange(n_people), rng.randrange(n_people)
            if i != j and people[i]["country"] == people[j]["country"]:
                people[j]["first"], people[j]["last"], people[j]["city"] = (
                    people[i]["first"], people[i]["last"], people[i]["city"])
        for _ in range(max(1, n_people // 200)):
            i, j = rng.randrange(n_people), rng.randrange(n_people)
            if i != j and people[i]["phones"] and people[i]["country"] == people[j]["country"]:
                firsts = self.names[people[i]["country"]][0]
                people[j]["last"], people[j]["city"], people[j]["phones"] = (
                    people[i]["last"], people[i]["city"], list(people[i]["phones"]))
                while people[j]["first"] == people[i]["first"]:
                    people[j]["first"] = rng.choice(firsts)
        self.hard_spellings(people)
        records: list[tuple[dict[str, Any], int, list[str]]] = [(p, i, []) for i, p in enumerate(people)]
        for _ in range(n_dups):
            source = rng.randrange(n_people)
            variant, ops = self.vary(people[source])
            records.append((variant, source, ops))
        rng.shuffle(records)
        rows, clusters = [], []
        for index, (p, cluster, ops) in enumerate(records, 1):
            if "transliterated" in ops:
                self.transliterated_rows.add(index)
            rows.append((index, p["first"], p["last"], tuple(p["emails"]), tuple(p["phones"]), p["city"],
                         p["company"], p["country"]))
            clusters.append(cluster)
        return rows, clusters


def true_pairs(clusters: list[int]) -> set[tuple[int, int]]:
    """Every pair of row ids (1-based, smaller first) made from the same person."""
    members: dict[int, list[int]] = {}
    for index, cluster in enumerate(clusters, 1):
        members.setdefault(cluster, []).append(index)
    pairs = set()
    for ids in members.values():
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                pairs.add((min(ids[a], ids[b]), max(ids[a], ids[b])))
    return pairs


def spelling_report(generator: Generator, found: set[tuple[int, int]], truth: set[tuple[int, int]],
                    clusters: list[int], scanned: dict[tuple[int, int], tuple[int, str]]) -> dict[str, Any]:
    """Recall on the Mueller-style duplicates, and the wrong pairs among the spelling hard negatives."""
    written = generator.transliterated_rows
    subset = {pair for pair in truth if pair[0] in written or pair[1] in written}
    hits = subset & found
    report: dict[str, Any] = {
        "transliterated_true_pairs": len(subset),
        "transliterated_recall": round(len(hits) / len(subset), 4) if subset else 1.0,
        # Of those found, how many the scan calls "same name" (Jürgen Müller and Juergen Mueller).
        "transliterated_same_name": round(sum(1 for pair in hits if "same name" in scanned[pair][1]) / len(hits), 4)
        if hits else 1.0,
    }
    for kind, people_pairs in generator.hard_pairs.items():
        wrong = sum(1 for a, b in found - truth
                    if (min(clusters[a - 1], clusters[b - 1]), max(clusters[a - 1], clusters[b - 1])) in people_pairs)
        report[kind] = {"pairs_of_people": len(people_pairs), "wrongly_paired_rows": wrong}
    return report


def evaluate(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, float]:
    hits = len(found & truth)
    return {
        "true_pairs": len(truth),
        "found_pairs": len(found),
        "correct": hits,
        "precision": round(hits / len(found), 4) if found else 1.0,
        "recall": round(hits / len(truth), 4) if truth else 1.0,
    }


def _load_into_database(rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Write the rows as contacts (with companies) into DATABASE_URL; return row id → contact id."""
    import django

    django.setup()
    from django.db import transaction

    from rapport.contacts.duplicates import email_canonical, phone_canonical
    from rapport.contacts.models import Company, Contact

    with transaction.atomic():
        names = sorted({r[6] for r in rows if r[6]})
        Company.objects.bulk_create([Company(name=n) for n in names], batch_size=2000)
        company_ids = dict(Company.objects.filter(name__in=names).values_list("name", "id")) if names else {}
        start = (Contact.all_objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        objects = []
        for offset, (_, first, last, emails, phones, city, company, country) in enumerate(rows):
            # Stored as the services store them: lower-case email, E.164 phone.
            email = emails[0].strip().lower() if emails else ""
            phone = phone_canonical(phones[0], country) if phones else ""
            objects.append(Contact(id=start + offset, first_name=first[:100], last_name=last[:100], city=city,
                                   country=country, email=email if email_canonical(email) else "", phone=phone[:20],
                                   company_id=company_ids.get(company)))
        Contact.objects.bulk_create(objects, batch_size=2000)
    return {row[0]: start + offset for offset, row in enumerate(rows)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the labelled set, scan it (in memory or from the database) and report quality and time."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    load_start = os.getloadavg()
    started = time.perf_counter()
    generator = Generator(args.seed, args.transliterated)
    rows, clusters = generator.rows(args.contacts, args.duplicates)
    generated = time.perf_counter() - started
    truth = true_pairs(clusters)
    result: dict[str, Any] = {"contacts": args.contacts, "duplicate_share": args.duplicates, "seed": args.seed,
                              "generate_seconds": round(generated, 1), "load_average_at_start": load_start}
    if args.database:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        t = time.perf_counter()
        id_map = _load_into_database(rows)
        result["load_seconds"] = round(time.perf_counter() - t, 1)
        back = {cid: rid for rid, cid in id_map.items()}
        from rapport.contacts.duplicate_scan import duplicate_scan_run
        from rapport.contacts.duplicates import Pair
        from rapport.contacts.models import DuplicateCandidate, DuplicateScan

        # The whole scan as the app runs it: stream from the database, score, store the pairs.
        t, cpu = time.perf_counter(), time.process_time()
        scan = DuplicateScan.objects.create()
        duplicate_scan_run(scan.pk)
        result["scan_seconds"] = round(time.perf_counter() - t, 1)
        result["scan_cpu_seconds"] = round(time.process_time() - cpu, 1)
        result["scan_note"] = "read from the database + score + store the pairs (duplicate_scan_run)"
        pairs = [Pair(*row) for row in DuplicateCandidate.objects.filter(scan=scan).values_list(
            "first_id", "second_id", "score", "reasons").iterator()]
        # Pairs by row ids (smaller first), with their score and reasons.
        scanned = {(min(back[p.first_id], back[p.second_id]), max(back[p.first_id], back[p.second_id])):
                   (p.score, p.reasons) for p in pairs if p.first_id in back and p.second_id in back}
        result["source"] = "database " + django.db.connection.vendor
    else:
        import django

        django.setup()
        from rapport.contacts.duplicates import scan_rows

        t, cpu = time.perf_counter(), time.process_time()
        pairs = scan_rows(rows)
        result["scan_seconds"] = round(time.perf_counter() - t, 1)
        result["scan_cpu_seconds"] = round(time.process_time() - cpu, 1)
        scanned = {(p.first_id, p.second_id): (p.score, p.reasons) for p in pairs}
        result["source"] = "memory"
    found = set(scanned)
    result.update(evaluate(found, truth))  # type: ignore[arg-type]
    result.update(spelling_report(generator, found, truth, clusters, scanned))
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["load_average_at_end"] = os.getloadavg()
    if args.show_errors:
        by_id = {r[0]: r for r in rows}
        for a, b in sorted(truth - found)[: args.show_errors]:
            print("MISSED", by_id[a], by_id[b])
        for pair in sorted(found - truth)[: args.show_errors]:
            print("WRONG ", scanned.get(pair), by_id[pair[0]], by_id[pair[1]])
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.dedup_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--duplicates", type=float, default=0.2, help="Share of rows that are duplicates (0.1-0.3).")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", action="store_true", help="Load into DATABASE_URL and scan from there.")
    parser.add_argument("--transliterated", type=float, default=TRANSLITERATED_SHARE,
                        help="Share of the duplicates of a person with an umlaut written Mueller-style.")
    parser.add_argument("--show-errors", type=int, default=0, help="Print this many missed and wrong pairs.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"dedup-{result['source'].replace('database ', '')}-{args.contacts}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
