"""Parse and validate every seed file; return the records or raise SeedErrors naming each problem."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.seeding.errors import SeedError, SeedErrors
from app.seeding.iso import iso_country_ids
from app.seeding.records import (
    AgreementRecord,
    BodyRecord,
    CountriesFile,
    DiscrepancyRecord,
    RelationRecord,
    SectorRecord,
    SignatoryRecord,
    SourceRecord,
    VisitRecord,
)

R = TypeVar("R", bound=BaseModel)


@dataclass
class LoadedSource:
    record: SourceRecord
    text: str
    sha256: str


@dataclass
class SeedData:
    sources: list[LoadedSource] = field(default_factory=list)
    countries: CountriesFile = field(default_factory=CountriesFile)
    sectors: list[SectorRecord] = field(default_factory=list)
    signatories: list[SignatoryRecord] = field(default_factory=list)
    visits: list[VisitRecord] = field(default_factory=list)
    agreements: list[AgreementRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    discrepancies: list[DiscrepancyRecord] = field(default_factory=list)
    bodies: list[BodyRecord] = field(default_factory=list)


class _Collector:
    def __init__(self, seeds_dir: Path) -> None:
        self.seeds_dir = seeds_dir
        self.errors: list[SeedError] = []

    def add(self, file: str, record: str, field_name: str, problem: str) -> None:
        self.errors.append(SeedError(file, record, field_name, problem))

    def read_yaml(self, name: str, default: Any) -> Any:
        path = self.seeds_dir / name
        if not path.exists():
            return default
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8")) or default
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.add(name, "-", "-", f"not valid YAML: {exc}")
            return default

    def parse(self, name: str, model: type[R], raw: Any, record: str = "-") -> R | None:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(part) for part in err["loc"]) or "-"
                self.add(name, record, where, err["msg"])
            return None

    def parse_list(self, name: str, model: type[R]) -> list[R]:
        raw = self.read_yaml(name, [])
        if not isinstance(raw, list):
            self.add(name, "-", "-", "expected a list of records")
            return []
        records: list[R] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            label = (
                str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index}"
            )
            parsed = self.parse(name, model, item, label)
            if parsed is None:
                continue
            if label in seen:
                self.add(name, label, "id", "duplicate id")
            seen.add(label)
            records.append(parsed)
        return records


def load_seeds(seeds_dir: Path) -> SeedData:
    """Read `seeds_dir`; every problem is collected and raised together as SeedErrors."""
    c = _Collector(seeds_dir)
    data = SeedData(
        sectors=c.parse_list("sectors.yaml", SectorRecord),
        signatories=c.parse_list("signatories.yaml", SignatoryRecord),
        visits=c.parse_list("visits.yaml", VisitRecord),
        agreements=c.parse_list("agreements.yaml", AgreementRecord),
        relations=c.parse_list("relations.yaml", RelationRecord),
        discrepancies=c.parse_list("discrepancies.yaml", DiscrepancyRecord),
        bodies=c.parse_list("bodies.yaml", BodyRecord),
    )
    countries = c.parse("countries.yaml", CountriesFile, c.read_yaml("countries.yaml", {}))
    data.countries = countries or CountriesFile()
    for record in c.parse_list("sources.yaml", SourceRecord):
        path = seeds_dir / record.file
        try:
            raw = path.read_bytes()
            data.sources.append(
                LoadedSource(record, raw.decode("utf-8"), hashlib.sha256(raw).hexdigest())
            )
        except (OSError, UnicodeDecodeError) as exc:
            c.add("sources.yaml", record.id, "file", f"cannot read {record.file}: {exc}")
    _check_references(c, data)
    if c.errors:
        raise SeedErrors(c.errors)
    return data


def _check_references(c: _Collector, data: SeedData) -> None:
    """Every id a record mentions must exist, and every quote must be verbatim."""
    texts = {s.record.id: s.text for s in data.sources}
    countries = iso_country_ids() | {e.id for e in data.countries.entities}
    sectors = {s.id for s in data.sectors}
    signatories = {s.id for s in data.signatories}
    visits = {v.id for v in data.visits}
    agreements = {a.id for a in data.agreements}

    def ref(file: str, rec: str, field_name: str, value: str | None, known: set[str]) -> None:
        if value is not None and value not in known:
            c.add(file, rec, field_name, f"unknown id {value!r}")

    def quote(file: str, rec: str, field_name: str, source: str, text: str) -> None:
        if source not in texts:
            c.add(file, rec, field_name.rsplit(".", 1)[0] + ".source", f"unknown source {source!r}")
        elif text not in texts[source]:
            c.add(file, rec, field_name, f"not a verbatim quote of source {source!r}")

    def citations(file: str, rec: str, items: list) -> None:
        for i, cit in enumerate(items):
            quote(file, rec, f"citations[{i}].quote", cit.source, cit.quote)

    cf = "countries.yaml"
    for code, items in data.countries.citations.items():
        ref(cf, code, "citations", code, iso_country_ids())
        citations(cf, code, items)
    for code in data.countries.aliases:
        ref(cf, code, "aliases", code, iso_country_ids())
    for code in data.countries.external_ids:
        ref(cf, code, "external_ids", code, countries)
    for code, link in data.countries.links.items():
        ref(cf, code, "links", code, iso_country_ids())
        ref(cf, code, "successor", link.successor, countries)
        ref(cf, code, "part_of", link.part_of, countries)
        citations(cf, code, link.citations)
    for e in data.countries.entities:
        ref(cf, e.id, "successor", e.successor, countries)
        ref(cf, e.id, "part_of", e.part_of, countries)
        citations(cf, e.id, e.citations)

    for s in data.sectors:
        ref("sectors.yaml", s.id, "parent", s.parent, sectors)

    for s in data.signatories:
        ref("signatories.yaml", s.id, "country", s.country, countries)
        citations("signatories.yaml", s.id, s.citations)

    for v in data.visits:
        ref("visits.yaml", v.id, "guest", v.guest, signatories)
        ref("visits.yaml", v.id, "guest_country", v.guest_country, countries)
        ref("visits.yaml", v.id, "host_country", v.host_country, countries)
        citations("visits.yaml", v.id, v.citations)

    af = "agreements.yaml"
    for a in data.agreements:
        ref(af, a.id, "visit", a.visit, visits)
        ref(af, a.id, "place_country", a.place_country, countries)
        for i, p in enumerate(a.parties):
            ref(af, a.id, f"parties[{i}].country", p.country, countries)
        for i, s in enumerate(a.signatories):
            ref(af, a.id, f"signatories[{i}].signatory", s.signatory, signatories)
            ref(af, a.id, f"signatories[{i}].side", s.side, countries)
        for i, sector in enumerate(a.sectors):
            ref(af, a.id, f"sectors[{i}]", sector, sectors)
        for i, other in enumerate(a.references):
            ref(af, a.id, f"references[{i}]", other, agreements - {a.id})
        for i, event in enumerate(a.events):
            ref(af, a.id, f"events[{i}].country", event.country, countries)
            for j, cit in enumerate(event.citations):
                quote(af, a.id, f"events[{i}].citations[{j}].quote", cit.source, cit.quote)
        citations(af, a.id, a.citations)

    for r in data.relations:
        for i, country in enumerate(r.countries):
            ref("relations.yaml", r.id, f"countries[{i}]", country, countries)
        ref("relations.yaml", r.id, "agreement", r.agreement, agreements)
        citations("relations.yaml", r.id, r.citations)

    for b in data.bodies:
        for i, country in enumerate(b.countries):
            ref("bodies.yaml", b.id, f"countries[{i}]", country, countries)
        citations("bodies.yaml", b.id, b.citations)

    known_records = {
        "body": {b.id for b in data.bodies},
        "country": countries,
        "signatory": signatories,
        "visit": visits,
        "agreement": agreements,
        "relation": {r.id for r in data.relations},
        "event": {e.event_id(a.id) for a in data.agreements for e in a.events},
    }
    for d in data.discrepancies:
        ref("discrepancies.yaml", d.id, "record.id", d.record.id, known_records[d.record.type])
        for i, reading in enumerate(d.readings):
            quote("discrepancies.yaml", d.id, f"readings[{i}].quote", reading.source, reading.quote)
