"""The synthetic world: countries with their signatories, and the draws agreements make.

Everything is drawn from one seeded `random.Random`, in a fixed order, so the same seed
gives the same world and the same agreements.
"""

import calendar
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.dates import PartialDate, parse_partial_date
from app.text import fold
from bench.synth.vocabulary import (
    BUSY,
    CAPITALS,
    COMPANIES,
    FAMILY,
    GIVEN,
    KINDS,
    LEADER_TITLES,
    MINISTRIES,
    PREFIX,
    STATUSES,
    VISIT_KINDS,
)


def _fold(part: str) -> str:
    """`app.text.fold`, with a shortcut for printable ASCII (identical result, much faster).

    Printable ASCII has no diacritics or control characters and `casefold` is `lower` on it;
    tests/test_synth.py checks the stored text against `app.text.search_text` itself.
    """
    if part.isascii() and part.isprintable():
        return " ".join(part.lower().split())
    return _fold_cached(part)


@lru_cache(maxsize=65_536)
def _fold_cached(part: str) -> str:
    return fold(part)


def search_text(*parts: str | None) -> str:
    """`app.text.search_text`, through the fast `_fold`."""
    return " | ".join(_fold(part) for part in parts if part)


@lru_cache(maxsize=65_536)
def parse(text_: str) -> PartialDate:
    return parse_partial_date(text_)


def weighted(pairs: Sequence[tuple[str, int]]) -> tuple[list[str], list[float]]:
    values = [v for v, _ in pairs]
    return values, list(itertools.accumulate(w for _, w in pairs))


def join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass
class Country:
    id: str
    name: str
    alpha3: str
    capital: str | None
    government: str = ""
    ministries: list[str] = field(default_factory=list)
    company: str = ""
    leader: str = ""
    leader_title: str = ""


@dataclass
class Visit:
    id: str
    guest_country: str
    host_country: str
    city: str | None
    date: str


class World:
    """Countries, sectors and signatories, built once; agreements are drawn from it."""

    def __init__(self, rng: random.Random, countries: list[tuple[str, str, str]], sectors):
        self.rng = rng
        busy = [c for c in countries if c[0] in BUSY]
        busy.sort(key=lambda c: BUSY.index(c[0]))
        rest = sorted(c for c in countries if c[0] not in BUSY)
        rng.shuffle(rest)
        ordered = busy + rest
        if not ordered:
            raise ValueError("no current countries: run `treaty-api seed` first")
        self.countries = {
            cid: Country(cid, name, alpha3 or cid, CAPITALS.get(cid))
            for cid, name, alpha3 in ordered
        }
        self.country_ids = [c[0] for c in ordered]
        # Zipf-like: the k-th busiest country is party to ~1/k as many agreements as the first.
        self.country_cum = list(
            itertools.accumulate(1.0 / (k + 1) ** 1.05 for k in range(len(ordered)))
        )
        self.sectors: list[tuple[str, str]] = sectors
        if not sectors:
            raise ValueError("no sectors: run `treaty-api seed` first")
        years = list(range(1950, 2026))
        self.years = [str(y) for y in years]
        self.year_cum = list(itertools.accumulate(math.exp((y - 1950) / 17) for y in years))
        self.kinds, self.kind_cum = weighted([(k, w) for k, (_, w) in KINDS.items()])
        self.statuses, self.status_cum = weighted(STATUSES)
        self.visit_kinds, self.visit_kind_cum = weighted(VISIT_KINDS)
        self.signatories: dict[str, tuple[str, str, str, list[str], str]] = {}
        self.names: dict[str, str] = {}
        self.signatory_rows: list[tuple[Any, ...]] = []
        leader_titles, leader_cum = weighted(LEADER_TITLES)
        for country in self.countries.values():
            self._add_signatories(country, leader_titles, leader_cum)

    def _add_signatories(self, c: Country, leader_titles, leader_cum) -> None:
        rng, slug = self.rng, c.id.lower()
        title = rng.choices(leader_titles, cum_weights=leader_cum)[0]
        person = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
        ministry_key, ministry = rng.choice(MINISTRIES)
        company_key, company = rng.choice(COMPANIES)
        rows = [
            ("government", f"Government of {c.name}", "government", [], f"The government of {c.name}."),
            ("ministry-of-foreign-affairs", f"Ministry of Foreign Affairs of {c.name}", "ministry",
             [f"{c.alpha3} MFA"], f"The foreign ministry of {c.name}."),
            (f"ministry-{ministry_key}", f"{ministry} of {c.name}", "ministry", [],
             f"The {ministry.lower()} of {c.name}."),
            (f"company-{company_key}", f"{c.name} {company}", "company",
             [f"{c.alpha3} {company.split()[-1]}"], f"A state-owned company of {c.name}."),
            ("leader", person, "person", [f"{title} {person}"], f"{title} of {c.name}."),
        ]  # fmt: skip
        for key, name, kind, aliases, description in rows:
            sid = f"{PREFIX}sig-{slug}-{key}"
            self.names[sid] = name
            self.signatory_rows.append(
                (
                    sid,
                    name,
                    kind,
                    c.id,
                    aliases,
                    description,
                    search_text(name, *aliases, description),
                )
            )
        ids = [f"{PREFIX}sig-{slug}-{key}" for key, *_ in rows]
        c.government, c.ministries, c.company, c.leader = ids[0], ids[1:3], ids[3], ids[4]
        c.leader_title = title

    def countries_for(self, k: int, first: Sequence[str] = ()) -> list[str]:
        chosen = list(first)
        while len(chosen) < k:
            cid = self.rng.choices(self.country_ids, cum_weights=self.country_cum)[0]
            if cid not in chosen:
                chosen.append(cid)
        return chosen

    def date(self) -> str:
        rng = self.rng
        year = rng.choices(self.years, cum_weights=self.year_cum)[0]
        r = rng.random()
        if r < 0.15:
            return year
        month = rng.randint(1, 12)
        if r < 0.40:
            return f"{year}-{month:02d}"
        day = rng.randint(1, _month_days(int(year), month))
        return f"{year}-{month:02d}-{day:02d}"


@lru_cache(maxsize=2048)
def _month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
