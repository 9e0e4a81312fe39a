"""Company duplicate scan benchmark: precision, recall and time on a labelled set of generated companies.

    python -m bench.company_dedup_bench --companies 100000               # in memory (the scan core)
    python -m bench.company_dedup_bench --companies 300000 --duplicates 0.3

Companies are made from the people benchmark's word lists (bench/dedup_bench.py): one or two family
names, a trade word and the country's legal form ("Weber Logistics GmbH"), a web domain, a phone
and a city. A share of the rows (default 20 %) are duplicates carrying 1-3 of: another or no legal
form, upper/lower case, a typo in one word, an abbreviated trade word (Intl, Tech, Svcs), "&" for
"and", the domain written with www./https:// or another ending (.de → .com), or missing; the phone
written differently or missing; the city missing. A fifth of the duplicates of a firm with an umlaut in
its name are written as an ASCII-only system writes them (Müller Schäfer Logistik → Mueller Schaefer
Logistik), half of those with the city too (Koeln). Each duplicate keeps its name (maybe varied) and
at least one of domain, phone or city: a row that keeps nothing but a similar name is not labelled a
duplicate (on real data that is often another firm). Hard negatives on purpose: the same name in
another country (a foreign subsidiary is another record) and in another city with its own domain, a
fifth of those with umlauts written Mueller-style.

Precision and recall are pairwise over rows made from the same company.
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
from pathlib import Path
from typing import Any

from bench.dedup_bench import (
    CITIES,
    COMPANY_WORDS,
    COUNTRY_WEIGHTS,
    LEGAL,
    TRANSLITERATED_SHARE,
    UMLAUTS,
    _ascii,
    _name_lists,
    evaluate,
    transliterate,
    true_pairs,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ABBREVIATIONS = {
    "International": "Intl",
    "Technology": "Tech",
    "Services": "Svcs",
    "Manufacturing": "Mfg",
    "Systems": "Sys",
    "Group": "Grp",
}
PHONE_PREFIX = {"US": "+1", "DE": "+4930", "FR": "+331", "ES": "+3491", "IT": "+3906"}


class CompanyGenerator:
    """Labelled rows (id, name, domain, phone, city, country) with a cluster id each."""

    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self.names = _name_lists()
        self.countries = list(COUNTRY_WEIGHTS)
        self.weights = list(COUNTRY_WEIGHTS.values())
        # Transliterated spellings draw from their own stream: the rest of the set stays close to before.
        self.spelling_rng = random.Random(seed + 1)
        self.transliterated_rows: set[int] = set()  # row ids of duplicates written Mueller-style
        self.transliterated_namesakes: set[tuple[int, int]] = set()  # cluster pairs of hard negatives
        self.used: set[tuple[str, str, str]] = set()
        self.domains: set[str] = set()

    def unique_domain(self, domain: str) -> str:
        """Two firms never share a web domain: a taken one gets a number, as real firms do (weber2.com)."""
        stem, ending = domain.rsplit(".", 1)
        n = 1
        while domain in self.domains:
            n += 1
            domain = f"{stem}{n}.{ending}"
        self.domains.add(domain)
        return domain

    def original(self, country: str | None = None) -> dict[str, Any]:
        rng = self.rng
        country = country or rng.choices(self.countries, self.weights)[0]
        lasts = self.names[country][1]
        while True:
            base = rng.choice(lasts) if rng.random() < 0.6 else f"{rng.choice(lasts)} {rng.choice(lasts)}"
            word = rng.choice(COMPANY_WORDS)
            if (base, word, country) not in self.used:
                self.used.add((base, word, country))
                break
        stem = _ascii(base).lower().replace(" ", "") + _ascii(word).lower()[:4]
        digits = 10 if country == "US" else 7
        return {
            "base": base,
            "word": word,
            "legal": rng.choice(LEGAL[country]),
            "domain": self.unique_domain(stem + rng.choice([".com", f".{country.lower()}"])),
            "phone": PHONE_PREFIX[country] + "".join(rng.choices(string.digits, k=digits)),
            "city": rng.choice(CITIES[country]),
            "country": country,
        }

    @staticmethod
    def name(c: dict[str, Any]) -> str:
        return f"{c['base']} {c['word']} {c['legal']}".strip()

    def typo(self, word: str) -> str:
        rng = self.rng
        if len(word) < 4:
            return word
        i = rng.randint(1, len(word) - 2)
        op = rng.random()
        if op < 0.35:
            return word[:i] + word[i + 1 :]
        if op < 0.7:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        return word[:i] + rng.choice("aeiourlnst") + word[i + 1 :]

    def vary(self, c: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        d = dict(c)
        changes = rng.sample(
            ["legal", "case", "typo", "abbreviation", "and", "domain", "phone", "city"], k=rng.randint(1, 3)
        )
        name_parts = [d["base"], d["word"], d["legal"]]
        if "legal" in changes:
            name_parts[2] = rng.choice(["", *LEGAL[d["country"]]])
        if "abbreviation" in changes and d["word"] in ABBREVIATIONS:
            name_parts[1] = ABBREVIATIONS[d["word"]]
        if "typo" in changes:
            words = name_parts[0].split()
            k = rng.randrange(len(words))
            words[k] = self.typo(words[k])
            name_parts[0] = " ".join(words)
        if "and" in changes and " " in name_parts[0]:
            name_parts[0] = name_parts[0].replace(" ", " & ", 1)
        name = " ".join(p for p in name_parts if p)
        if "case" in changes:
            name = name.upper() if rng.random() < 0.5 else name.lower()
        if UMLAUTS.intersection(c["base"]) and self.spelling_rng.random() < TRANSLITERATED_SHARE:
            name = transliterate(name)
            d["transliterated"] = True
            if self.spelling_rng.random() < 0.5:
                d["city"] = transliterate(d["city"])
        d["name"] = name
        if "domain" in changes:
            choice = rng.random()
            stem, ending = d["domain"].rsplit(".", 1)
            if choice < 0.35:
                d["domain"] = "https://www." + d["domain"] + "/"
            elif choice < 0.7:
                d["domain"] = stem + (".net" if ending != "net" else ".com")
            else:
                d["domain"] = ""
        if "phone" in changes:
            if rng.random() < 0.5:
                p = d["phone"]
                d["phone"] = "00" + p[1:3] + " " + p[3:6] + " " + p[6:]
            else:
                d["phone"] = ""
        if "city" in changes:
            d["city"] = ""
        if not (d["domain"] or d["phone"] or d["city"]):
            d["city"] = c["city"]  # keep one identifying field (see the module docstring)
        return d

    def rows(self, companies: int, duplicate_share: float) -> tuple[list[tuple[Any, ...]], list[int]]:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        clusters: list[int] = []
        written: list[bool] = []
        originals: list[dict[str, Any]] = []
        n_dups = int(companies * duplicate_share)
        n_orig = companies - n_dups
        for cluster in range(n_orig):
            c = self.original()
            # Hard negatives: the same name in another country, or in another city with its own domain.
            if originals and rng.random() < 0.05:
                other = rng.choice(originals)
                c.update(base=other["base"], word=other["word"])
                if rng.random() < 0.5:
                    c["country"] = rng.choice([x for x in self.countries if x != other["country"]])
                    c["city"] = rng.choice(CITIES[c["country"]])
                    c["legal"] = rng.choice(LEGAL[c["country"]])
                else:
                    c["country"] = other["country"]
                    c["city"] = rng.choice([x for x in CITIES[other["country"]] if x != other["city"]])
                self.domains.discard(c["domain"])
                c["domain"] = self.unique_domain(
                    _ascii(c["base"]).lower().replace(" ", "") + f"-{c['city'][:3].lower()}.com"
                )
                if UMLAUTS.intersection(c["base"]) and self.spelling_rng.random() < TRANSLITERATED_SHARE:
                    c["base"] = transliterate(c["base"])
                    self.transliterated_namesakes.add((other["cluster"], cluster))
            c["name"] = self.name(c)
            c["cluster"] = cluster
            originals.append(c)
            rows.append((len(rows) + 1, c["name"], c["domain"], c["phone"], c["city"], c["country"]))
            clusters.append(cluster)
            written.append(False)
        for _ in range(n_dups):
            c = rng.choice(originals)
            d = self.vary(c)
            rows.append((len(rows) + 1, d["name"], d["domain"], d["phone"], d["city"], d["country"]))
            clusters.append(c["cluster"])
            written.append(bool(d.get("transliterated")))
        order = list(range(len(rows)))
        rng.shuffle(order)
        self.transliterated_rows = {i + 1 for i, original in enumerate(order) if written[original]}
        shuffled = [rows[i] for i in order]
        return [(i + 1, *r[1:]) for i, r in enumerate(shuffled)], [clusters[i] for i in order]


def run(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from rapport.contacts.company_duplicates import scan_company_rows

    load_start = os.getloadavg()
    t = time.perf_counter()
    generator = CompanyGenerator(args.seed)
    rows, clusters = generator.rows(args.companies, args.duplicates)
    result: dict[str, Any] = {
        "companies": args.companies,
        "duplicate_share": args.duplicates,
        "seed": args.seed,
        "generate_seconds": round(time.perf_counter() - t, 1),
        "load_average_at_start": load_start,
        "source": "memory",
    }
    truth = true_pairs(clusters)
    t, cpu = time.perf_counter(), time.process_time()
    pairs = scan_company_rows(rows)
    result["scan_seconds"] = round(time.perf_counter() - t, 2)
    result["scan_cpu_seconds"] = round(time.process_time() - cpu, 2)
    found = {(p.first_id, p.second_id) for p in pairs}
    result.update(evaluate(found, truth))  # type: ignore[arg-type]
    reasons = {(p.first_id, p.second_id): (p.score, p.reasons) for p in pairs}
    subset = {
        pair
        for pair in truth
        if pair[0] in generator.transliterated_rows or pair[1] in generator.transliterated_rows
    }
    hits = subset & found
    result["transliterated_true_pairs"] = len(subset)
    result["transliterated_recall"] = round(len(hits) / len(subset), 4) if subset else 1.0
    result["transliterated_same_name"] = (
        round(sum(1 for pair in hits if "same name" in reasons[pair][1]) / len(hits), 4) if hits else 1.0
    )
    namesakes = generator.transliterated_namesakes
    result["transliterated namesakes"] = {
        "pairs_of_firms": len(namesakes),
        "wrongly_paired_rows": sum(
            1
            for a, b in found - truth
            if (clusters[a - 1], clusters[b - 1]) in namesakes
            or (clusters[b - 1], clusters[a - 1]) in namesakes
        ),
    }
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["load_average_at_end"] = os.getloadavg()
    if args.show_errors:
        by_id = {r[0]: r for r in rows}
        for a, b in sorted(truth - found)[: args.show_errors]:
            print("MISSED", by_id[a], by_id[b])
        for pair in sorted(found - truth)[: args.show_errors]:
            print("WRONG ", reasons.get(pair), by_id[pair[0]], by_id[pair[1]])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.company_dedup_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument(
        "--duplicates", type=float, default=0.2, help="Share of rows that are duplicates (0.1-0.3)."
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--show-errors", type=int, default=0, help="Print this many missed and wrong pairs.")
    args = parser.parse_args(argv)
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"company-dedup-memory-{args.companies}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
