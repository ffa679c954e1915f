"""Synthetic data at world scale, for benchmarks: `treaty-api synth --agreements N`.

Fills an already migrated and seeded database with realistic agreements, visits, signatories
and citations. Every synthetic id starts with `synth-`, so the curated records are never
touched, and a rerun first deletes the previous synthetic rows. The output depends only on
`seed`. Rows are generated in batches and written with the fastest bulk path of the database
(DBAPI `executemany` on SQLite, `COPY` on PostgreSQL, Core `insert` elsewhere), so memory stays
flat however many agreements are asked for.
"""

import calendar
import hashlib
import itertools
import json
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, MetaData, Table, insert, inspect, text

from app.dates import PartialDate, parse_partial_date
from app.text import fold

PREFIX = "synth-"
SOURCE_ID = "synth-source"
BATCH = 10_000
Progress = Callable[[int, int], None]

# ------------------------------------------------------------------------------- vocabulary

KINDS: dict[str, tuple[str, int]] = {
    # kind: (how titles name it, weight)
    "mou": ("Memorandum of understanding", 30),
    "agreement": ("Agreement", 25),
    "cooperation-programme": ("Programme of cooperation", 8),
    "joint-statement": ("Joint statement", 8),
    "protocol": ("Protocol", 8),
    "letter-of-intent": ("Letter of intent", 6),
    "treaty": ("Treaty", 5),
    "declaration": ("Declaration", 5),
    "exchange-of-notes": ("Exchange of notes", 5),
}
STATUSES = (("signed", 70), ("in-force", 15), ("agreed", 6), ("adopted", 5), ("expired", 4))
SECTOR_TOPICS: dict[str, tuple[str, ...]] = {
    "politics-diplomacy": (
        "political consultations between the ministries of foreign affairs",
        "the establishment of a strategic partnership",
        "visa exemption for holders of diplomatic and service passports",
    ),
    "multilateral-cooperation": ("coordination within the United Nations and other forums",),
    "energy": ("cooperation in the energy sector", "energy security"),
    "oil-and-gas": (
        "cooperation in the oil and gas sector",
        "joint exploration of offshore oil and gas fields",
        "the supply of crude oil and refined products",
    ),
    "renewable-energy": (
        "cooperation in renewable energy",
        "the development of solar and wind power",
        "green hydrogen",
    ),
    "defence": ("defence cooperation", "military education and training"),
    "defence-industry": ("military-technical cooperation", "defence industry cooperation"),
    "security": (
        "combating transnational organised crime",
        "cooperation in the fight against terrorism",
        "cybersecurity cooperation",
    ),
    "justice": (
        "mutual legal assistance in criminal matters",
        "the transfer of sentenced persons",
        "cooperation between the ministries of justice",
    ),
    "science-technology": ("scientific and technical cooperation", "cooperation in space research"),
    "digital": (
        "cooperation in digital development",
        "information and communication technologies",
    ),
    "transport": ("international road transport", "cooperation in transport"),
    "logistics": ("transit and logistics", "the development of a multimodal transport corridor"),
    "railway": ("railway transport", "international railway traffic"),
    "maritime": ("merchant shipping", "maritime transport"),
    "trade-investment": (
        "the promotion and reciprocal protection of investments",
        "the avoidance of double taxation",
        "trade and economic cooperation",
    ),
    "industry": ("industrial cooperation",),
    "processing-manufacturing": ("cooperation in processing and manufacturing",),
    "agriculture": (
        "cooperation in agriculture",
        "plant protection and quarantine",
        "veterinary cooperation",
    ),
    "education": (
        "cooperation in education",
        "the mutual recognition of diplomas and academic degrees",
    ),
    "training": ("the training of specialists", "vocational training"),
    "culture": ("cultural cooperation", "the protection of cultural heritage"),
    "sports": ("cooperation in physical culture and sports",),
    "tourism": ("cooperation in tourism",),
    "people-to-people": ("youth exchanges", "people-to-people exchanges"),
}
MINISTRIES = (
    ("economy", "Ministry of Economy"),
    ("energy", "Ministry of Energy"),
    ("trade", "Ministry of Industry and Trade"),
    ("defence", "Ministry of Defence"),
    ("justice", "Ministry of Justice"),
    ("education", "Ministry of Education and Science"),
    ("culture", "Ministry of Culture"),
    ("transport", "Ministry of Transport"),
    ("agriculture", "Ministry of Agriculture"),
    ("digital", "Ministry of Digital Development"),
)
COMPANIES = (
    ("oil", "National Oil Company"),
    ("rail", "State Railways"),
    ("invest", "Investment Holding"),
    ("power", "Power Grid Corporation"),
    ("air", "National Airlines"),
)
GIVEN = (
    "Amina", "Carlos", "Mei", "Olga", "Ahmed", "Lars", "Priya", "Jean", "Kwame", "Sofia",
    "Dmitri", "Hana", "Luis", "Fatima", "Kenji", "Elena", "Omar", "Ana", "Thabo", "Ingrid",
    "José", "Zoë", "Łukasz", "Şükrü", "Nguyễn Văn", "Chloé", "Björn", "Aigerim", "Rashid",
    "Marta", "Tomás", "Leila", "Yusuf", "Irina", "Mateo", "Ama", "Hiroshi", "Nadia", "Pedro",
)  # fmt: skip
FAMILY = (
    "Okafor", "Silva", "Chen", "Ivanova", "Haddad", "Andersen", "Sharma", "Dubois", "Mensah",
    "Rossi", "Petrov", "Kim", "García", "Al-Sayed", "Tanaka", "Novak", "Nasser", "Pereira",
    "Ndlovu", "Johansson", "Müller", "Đặng", "Kowalski", "Yılmaz", "Hồ", "Nazarbayeva",
    "Aliyev", "Fernández", "Kovačević", "Schmidt", "Mbeki", "Sato", "Hussein", "Orlova",
)  # fmt: skip
LEADER_TITLES = (("President", 55), ("Prime Minister", 35), ("King", 5), ("Chancellor", 5))
VISIT_KINDS = (("state", 30), ("official", 50), ("working", 20))
CAPITALS = {
    "US": "Washington", "CN": "Beijing", "RU": "Moscow", "FR": "Paris", "DE": "Berlin",
    "GB": "London", "JP": "Tokyo", "IN": "New Delhi", "BR": "Brasília", "TR": "Ankara",
    "IT": "Rome", "ES": "Madrid", "KR": "Seoul", "CA": "Ottawa", "AU": "Canberra",
    "MX": "Mexico City", "ID": "Jakarta", "SA": "Riyadh", "AE": "Abu Dhabi", "EG": "Cairo",
    "ZA": "Pretoria", "NG": "Abuja", "KE": "Nairobi", "ET": "Addis Ababa", "AR": "Buenos Aires",
    "CL": "Santiago", "CO": "Bogotá", "PE": "Lima", "VN": "Hà Nội", "TH": "Bangkok",
    "MY": "Kuala Lumpur", "SG": "Singapore", "PH": "Manila", "PK": "Islamabad", "IR": "Tehran",
    "IQ": "Baghdad", "IL": "Jerusalem", "UA": "Kyiv", "PL": "Warsaw", "NL": "Amsterdam",
    "BE": "Brussels", "SE": "Stockholm", "NO": "Oslo", "FI": "Helsinki", "DK": "Copenhagen",
    "AT": "Vienna", "CH": "Bern", "CZ": "Prague", "HU": "Budapest", "RO": "Bucharest",
    "GR": "Athens", "PT": "Lisbon", "IE": "Dublin", "KZ": "Astana", "UZ": "Tashkent",
    "AZ": "Baku", "GE": "Tbilisi", "AM": "Yerevan", "BY": "Minsk", "RS": "Belgrade",
    "HR": "Zagreb", "BG": "Sofia", "QA": "Doha", "KW": "Kuwait City", "MA": "Rabat",
    "DZ": "Algiers", "TN": "Tunis", "GH": "Accra", "SN": "Dakar", "CI": "Yamoussoukro",
    "NZ": "Wellington", "BD": "Dhaka", "LK": "Colombo", "MN": "Ulaanbaatar", "CU": "Havana",
    "VE": "Caracas", "KP": "Pyongyang", "LA": "Vientiane", "KH": "Phnom Penh", "MM": "Naypyidaw",
}  # fmt: skip
# The busiest parties first; the rest of the world follows in a seeded order.
BUSY = ("US", "CN", "RU", "FR", "DE", "GB", "JP", "IN", "TR", "BR", "IT", "KR", "AZ", "VN")

AGREEMENT_COLUMNS = (
    "id", "title", "aliases", "kind", "place", "place_country_id", "summary", "status",
    "visit_id", "date", "date_precision", "date_inferred", "date_inferred_reason",
    "date_start", "date_end", "search_text",
)  # fmt: skip
VISIT_COLUMNS = (
    "id", "title", "kind", "guest_id", "guest_title", "guest_country_id", "host_country_id",
    "city", "summary", "date", "date_precision", "date_inferred", "date_inferred_reason",
    "date_start", "date_end", "search_text",
)  # fmt: skip
SIGNATORY_COLUMNS = ("id", "name", "kind", "country_id", "aliases", "description", "search_text")
SOURCE_COLUMNS = (
    "id", "title", "kind", "publisher", "language", "url", "published", "notes", "filename",
    "text", "sha256",
)  # fmt: skip
PARTY_COLUMNS = ("agreement_id", "country_id", "inferred_reason")
SECTOR_COLUMNS = ("agreement_id", "sector_id")
SIGNER_COLUMNS = ("agreement_id", "signatory_id", "role", "side_id", "position")
CITATION_COLUMNS = ("record_type", "record_id", "position", "field", "source_id", "quote")


# ------------------------------------------------------------------------------- helpers


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


def _search_text(*parts: str | None) -> str:
    """`app.text.search_text`, through the fast `_fold`."""
    return " | ".join(_fold(part) for part in parts if part)


@lru_cache(maxsize=65_536)
def _parse(text_: str) -> PartialDate:
    return parse_partial_date(text_)


def _weighted(pairs: Sequence[tuple[str, int]]) -> tuple[list[str], list[float]]:
    values = [v for v, _ in pairs]
    return values, list(itertools.accumulate(w for _, w in pairs))


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass
class _Country:
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
class _Visit:
    id: str
    guest_country: str
    host_country: str
    city: str | None
    date: str


class _World:
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
            cid: _Country(cid, name, alpha3 or cid, CAPITALS.get(cid))
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
        self.kinds, self.kind_cum = _weighted([(k, w) for k, (_, w) in KINDS.items()])
        self.statuses, self.status_cum = _weighted(STATUSES)
        self.visit_kinds, self.visit_kind_cum = _weighted(VISIT_KINDS)
        self.signatories: dict[str, tuple[str, str, str, list[str], str]] = {}
        self.names: dict[str, str] = {}
        self.signatory_rows: list[tuple[Any, ...]] = []
        leader_titles, leader_cum = _weighted(LEADER_TITLES)
        for country in self.countries.values():
            self._add_signatories(country, leader_titles, leader_cum)

    def _add_signatories(self, c: _Country, leader_titles, leader_cum) -> None:
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
                    _search_text(name, *aliases, description),
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


def _source_text(rng: random.Random, world: _World) -> tuple[str, list[str]]:
    """A generated press digest; every citation quotes one of its sentences verbatim."""
    sentences: list[str] = []
    verbs = ("signed", "concluded", "agreed on", "exchanged", "initialled", "adopted")
    for _ in range(600):
        a, b = world.countries_for(2)
        ca, cb = world.countries[a], world.countries[b]
        sector_id, sector_name = rng.choice(world.sectors)
        topic = rng.choice(SECTOR_TOPICS.get(sector_id, (f"cooperation in {sector_name.lower()}",)))
        kind = rng.choice(list(KINDS.values()))[0].lower()
        where = f" in {ca.capital}" if ca.capital else ""
        sentences.append(
            f"Officials of {ca.name} and {cb.name} {rng.choice(verbs)} a {kind} on {topic}"
            f"{where}, and agreed to review its implementation every {rng.randint(2, 5)} years."
        )
    body = "\n".join(
        " ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)
    )  # paragraphs
    return "Synthetic diplomatic digest (generated for benchmarks)\n\n" + body + "\n", sentences


# ------------------------------------------------------------------------------- generation


@dataclass
class _Batch:
    visits: list[tuple[Any, ...]] = field(default_factory=list)
    agreements: list[tuple[Any, ...]] = field(default_factory=list)
    parties: list[tuple[Any, ...]] = field(default_factory=list)
    sectors: list[tuple[Any, ...]] = field(default_factory=list)
    signers: list[tuple[Any, ...]] = field(default_factory=list)
    citations: list[tuple[Any, ...]] = field(default_factory=list)


def _batches(
    world: _World, sentences: list[str], total: int, dates_as_text: bool
) -> Iterator[tuple[int, _Batch]]:
    rng = world.rng
    width = max(7, len(str(total)))
    party_counts, party_cum = [2, 3, 4, 5], list(itertools.accumulate([60, 20, 12, 8]))
    sector_counts, sector_cum = [1, 2, 3], list(itertools.accumulate([50, 35, 15]))
    signer_counts, signer_cum = [1, 2, 3], list(itertools.accumulate([25, 50, 25]))

    def day(d: date) -> Any:
        return d.isoformat() if dates_as_text else d

    def dated(text_: str) -> tuple[Any, ...]:
        p = _parse(text_)
        return (p.text, p.precision, False, None, day(p.start), day(p.end))

    for start in range(0, total, BATCH):
        end = min(total, start + BATCH)
        batch = _Batch()
        visits: list[_Visit] = []
        for v in range(start // 10, end // 10):
            vid = f"{PREFIX}v-{v + 1:0{width}d}"
            guest, host = world.countries_for(2)
            g, h = world.countries[guest], world.countries[host]
            vkind = rng.choices(world.visit_kinds, cum_weights=world.visit_kind_cum)[0]
            leader = world.names[g.leader]
            title = f"{vkind.capitalize()} visit of {g.leader_title} {leader} to {h.name}"
            when = world.date()
            city = h.capital
            summary = (
                f"{g.leader_title} {leader} of {g.name} paid a {vkind} visit to "
                f"{city + ', ' if city else ''}{h.name}, holding talks on bilateral cooperation."
            )
            visits.append(_Visit(vid, guest, host, city, when))
            batch.visits.append(
                (
                    vid,
                    title,
                    vkind,
                    g.leader,
                    g.leader_title,
                    guest,
                    host,
                    city,
                    summary,
                    *dated(when),
                    _search_text(
                        title, summary, city, g.leader_title, leader, f"{g.leader_title} {leader}"
                    ),
                )
            )
            batch.citations.append(("visit", vid, 0, None, SOURCE_ID, rng.choice(sentences)))
        for i in range(start, end):
            aid = f"{PREFIX}a-{i + 1:0{width}d}"
            n_parties = rng.choices(party_counts, cum_weights=party_cum)[0]
            visit = rng.choice(visits) if visits and rng.random() < 0.5 else None
            if visit is not None:
                parties = world.countries_for(n_parties, (visit.guest_country, visit.host_country))
                when, place_country, place = visit.date, visit.host_country, visit.city
            else:
                parties = world.countries_for(n_parties)
                when = world.date()
                place_country = parties[rng.randrange(2)]
                place = world.countries[place_country].capital
            kind = rng.choices(world.kinds, cum_weights=world.kind_cum)[0]
            phrase = KINDS[kind][0]
            sectors = rng.sample(
                world.sectors, rng.choices(sector_counts, cum_weights=sector_cum)[0]
            )
            sector_id, sector_name = sectors[0]
            topic = rng.choice(
                SECTOR_TOPICS.get(sector_id, (f"cooperation in {sector_name.lower()}",))
            )
            cs = [world.countries[p] for p in parties]
            names = [c.name for c in cs]
            shape = rng.random()
            if shape < 0.1:
                title = f"{phrase} on {topic}"
            elif len(cs) == 2 and shape < 0.45:
                title = (
                    f"{phrase} between the Government of {names[0]} and the Government of "
                    f"{names[1]} on {topic}"
                )
            elif len(cs) == 2:
                title = f"{phrase} on {topic} between {names[0]} and {names[1]}"
            else:
                title = f"{phrase} among {_join(names)} on {topic}"
            aliases = (
                [f"{'–'.join(c.alpha3 for c in cs[:3])} {phrase.split()[0]} {when[:4]}"]
                if rng.random() < 0.2
                else []
            )
            # Who signed: a ministry, company or government of each side; the leader witnesses.
            n_signers = rng.choices(signer_counts, cum_weights=signer_cum)[0]
            signers: list[tuple[str, str, str]] = []
            for side in cs[: min(2, n_signers)]:
                pick = rng.random()
                sid = (
                    side.government
                    if pick < 0.3
                    else side.company
                    if pick < 0.45
                    else rng.choice(side.ministries)
                )
                signers.append((sid, "signatory", side.id))
            if n_signers == 3:
                signers.append((cs[0].leader, "witness", cs[0].id))
            signer_names = [world.names[s] for s, _, _ in signers]
            summary = (
                f"{phrase} on {topic}, signed{' in ' + place if place else ''} by "
                f"{_join(signer_names)}. It covers {_join([n.lower() for _, n in sectors])}."
            )
            status = rng.choices(world.statuses, cum_weights=world.status_cum)[0]
            batch.agreements.append(
                (
                    aid,
                    title,
                    aliases,
                    kind,
                    place,
                    place_country,
                    summary,
                    status,
                    visit.id if visit else None,
                    *dated(when),
                    _search_text(title, *aliases, summary, place, *signer_names),
                )
            )
            batch.parties.extend((aid, p, None) for p in parties)
            batch.sectors.extend((aid, s) for s, _ in sectors)
            batch.signers.extend(
                (aid, sid, role, side, pos) for pos, (sid, role, side) in enumerate(signers)
            )
            batch.citations.append(("agreement", aid, 0, None, SOURCE_ID, rng.choice(sentences)))
        yield end, batch


# ------------------------------------------------------------------------------- writing


def _sqlite_range(column: str) -> str:
    """`column LIKE 'synth-%'` as a range, so SQLite can use the index on `column`."""
    return f"{column} >= '{PREFIX}' AND {column} < '{PREFIX[:-1]}.'"


OWN = {
    "citations", "agreement_signatories", "agreement_parties", "agreement_sectors", "agreements",
    "visits", "signatories", "sources",
}  # fmt: skip


def _delete_statements(engine: Engine) -> list[str]:
    dialect = engine.dialect.name

    def synth(column: str) -> str:
        return _sqlite_range(column) if dialect == "sqlite" else f"{column} LIKE '{PREFIX}%'"

    # Rows of other tables that point at synthetic records (none are generated, but a
    # schema may grow tables that reference agreements, visits or signatories).
    inspector = inspect(engine)
    dependents = []
    for table in inspector.get_table_names():
        if table in OWN:
            continue
        nullable = {c["name"]: c["nullable"] for c in inspector.get_columns(table)}
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] not in ("agreements", "visits", "signatories"):
                continue
            for column in fk["constrained_columns"]:
                dependents.append(
                    f"UPDATE {table} SET {column} = NULL WHERE {synth(column)}"
                    if nullable[column]
                    else f"DELETE FROM {table} WHERE {synth(column)}"
                )
    return [
        *dependents,
        f"DELETE FROM citations WHERE source_id = '{SOURCE_ID}'",
        f"DELETE FROM citations WHERE record_type IN ('agreement', 'visit', 'signatory') "
        f"AND {synth('record_id')}",
        f"DELETE FROM agreement_signatories WHERE {synth('agreement_id')}",
        f"DELETE FROM agreement_signatories WHERE {synth('signatory_id')}",
        f"DELETE FROM agreement_parties WHERE {synth('agreement_id')}",
        f"DELETE FROM agreement_sectors WHERE {synth('agreement_id')}",
        f"DELETE FROM agreements WHERE {synth('id')}",
        f"DELETE FROM visits WHERE {synth('id')}",
        f"DELETE FROM signatories WHERE {synth('id')}",
        f"DELETE FROM sources WHERE id = '{SOURCE_ID}'",
    ]


class _Writer:
    """Bulk inserts in the database's fastest way; one transaction per `commit()`."""

    dates_as_text = False

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.raw = engine.raw_connection()

    def execute(self, sql: str) -> None:
        cursor = self.raw.cursor()
        cursor.execute(sql)
        cursor.close()

    def begin(self) -> None:
        pass

    def commit(self) -> None:
        self.raw.commit()

    def rollback(self) -> None:
        self.raw.rollback()

    def close(self) -> None:
        self.raw.close()

    def finish(self) -> None:
        pass

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError


class _SqliteWriter(_Writer):
    """pysqlite `executemany`; the engine's connections are in autocommit mode (BEGIN is ours)."""

    dates_as_text = True

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.execute("PRAGMA synchronous=OFF")
        self.execute("PRAGMA cache_size=-262144")  # 256 MiB of page cache while loading
        self.execute("PRAGMA temp_store=MEMORY")

    def begin(self) -> None:
        self.execute("BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        if self.raw.driver_connection.in_transaction:
            self.execute("ROLLBACK")

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        json_at = [i for i, c in enumerate(columns) if c == "aliases"]
        if json_at:
            rows = [_with_json(row, json_at) for row in rows]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = self.raw.cursor()
        cursor.executemany(sql, rows)
        cursor.close()

    def finish(self) -> None:
        self.execute("ANALYZE")
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class _PostgresWriter(_Writer):
    """psycopg 3 `COPY ... FROM STDIN`, the fastest way into PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.conn = self.raw.driver_connection

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        json_at = [i for i, c in enumerate(columns) if c == "aliases"]
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(_with_json(row, json_at) if json_at else row)

    def finish(self) -> None:
        self.commit()
        self.conn.autocommit = True
        tables = ("agreements", "agreement_parties", "agreement_sectors")
        for table in (*tables, "agreement_signatories", "visits", "signatories", "citations"):
            self.execute(f"VACUUM ANALYZE {table}")
        self.conn.autocommit = False


class _CoreWriter(_Writer):
    """Any other database: SQLAlchemy Core `insert(table)` with lists of dicts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata = MetaData()
        self.connection = engine.connect()
        self.transaction = self.connection.begin()

    def execute(self, sql: str) -> None:
        self.connection.execute(text(sql))

    def commit(self) -> None:
        self.transaction.commit()
        self.transaction = self.connection.begin()

    def rollback(self) -> None:
        self.transaction.rollback()

    def close(self) -> None:
        self.connection.close()

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            t = Table(table, self.metadata, autoload_with=self.connection)
            self.connection.execute(
                insert(t), [dict(zip(columns, row, strict=True)) for row in rows]
            )


def _with_json(row: tuple[Any, ...], at: list[int]) -> tuple[Any, ...]:
    out = list(row)
    for i in at:
        out[i] = json.dumps(out[i], ensure_ascii=False)
    return tuple(out)


def _writer(engine: Engine) -> _Writer:
    if engine.dialect.name == "sqlite":
        return _SqliteWriter(engine)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        return _PostgresWriter(engine)
    return _CoreWriter(engine)


# ------------------------------------------------------------------------------- entry point


def synthesize(
    engine: Engine, agreements: int, seed: int = 0, progress: Progress | None = None
) -> dict[str, int]:
    """Replace the database's synthetic rows with `agreements` new ones; return the counts.

    The database must be migrated and seeded (countries and sectors come from it). Curated
    rows are left as they are. Each batch is committed on its own, so a run that fails part
    way leaves some synthetic rows behind; the next run deletes them first.
    """
    if agreements < 0:
        raise ValueError("agreements must be >= 0")
    with engine.connect() as conn:
        countries = [
            (row.id, row.name, row.alpha3)
            for row in conn.execute(
                text(
                    "SELECT id, name, alpha3 FROM countries WHERE is_historical = :no ORDER BY id"
                ),
                {"no": False},
            )
        ]
        sectors = [
            (row.id, row.name)
            for row in conn.execute(text("SELECT id, name FROM sectors ORDER BY id"))
        ]
    rng = random.Random(seed)
    world = _World(rng, countries, sectors)
    source_text, sentences = _source_text(random.Random(f"{seed}-source"), world)
    counts = {"agreements": 0, "visits": 0, "signatories": 0, "citations": 0, "parties": 0}
    deletes = _delete_statements(engine)
    writer = _writer(engine)
    try:
        writer.begin()
        for statement in deletes:
            writer.execute(statement)
        writer.write(
            "sources",
            SOURCE_COLUMNS,
            [
                (
                    SOURCE_ID,
                    "Synthetic diplomatic digest",
                    "synthetic",
                    "treaty-api synth",
                    "en",
                    None,
                    None,
                    f"Generated by `treaty-api synth` with seed {seed}; not a real document.",
                    f"{SOURCE_ID}.txt",
                    source_text,
                    hashlib.sha256(source_text.encode("utf-8")).hexdigest(),
                )
            ],
        )
        writer.write("signatories", SIGNATORY_COLUMNS, world.signatory_rows)
        counts["signatories"] = len(world.signatory_rows)
        writer.commit()
        if progress:
            progress(0, agreements)
        for done, batch in _batches(world, sentences, agreements, writer.dates_as_text):
            writer.begin()
            writer.write("visits", VISIT_COLUMNS, batch.visits)
            writer.write("agreements", AGREEMENT_COLUMNS, batch.agreements)
            writer.write("agreement_parties", PARTY_COLUMNS, batch.parties)
            writer.write("agreement_sectors", SECTOR_COLUMNS, batch.sectors)
            writer.write("agreement_signatories", SIGNER_COLUMNS, batch.signers)
            writer.write("citations", CITATION_COLUMNS, batch.citations)
            writer.commit()
            counts["agreements"] += len(batch.agreements)
            counts["visits"] += len(batch.visits)
            counts["citations"] += len(batch.citations)
            counts["parties"] += len(batch.parties)
            if progress:
                progress(done, agreements)
        writer.finish()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.close()
    return counts


def synthetic_count(engine: Engine) -> int:
    """How many synthetic agreements the database holds (the bench reuses a filled file)."""
    where = _sqlite_range("id") if engine.dialect.name == "sqlite" else f"id LIKE '{PREFIX}%'"
    with engine.connect() as conn:
        return conn.scalar(text(f"SELECT count(*) FROM agreements WHERE {where}")) or 0
