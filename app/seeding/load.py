"""Parse and validate every seed file; return the records or raise SeedErrors naming each problem."""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.records import checks
from app.records.shapes import (
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
from app.seeding.errors import SeedError, SeedErrors
from app.seeding.iso import iso_country_ids

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
                where = checks.bracketed(err["loc"])
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
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            c.add("sources.yaml", record.id, "file", f"cannot read {record.file}: {exc}")
            continue
        digest = hashlib.sha256(raw).hexdigest()
        if record.sha256 is not None:
            mismatch = checks.sha256_problem(text, record.sha256)
            if mismatch:
                c.add("sources.yaml", record.id, "sha256", f"{record.file}: {mismatch}")
        data.sources.append(LoadedSource(record, text, digest))
    _check_references(c, data)
    if c.errors:
        raise SeedErrors(c.errors)
    return data


def _check_references(c: _Collector, data: SeedData) -> None:
    """Every id a record mentions must exist, and every quote must be verbatim."""
    countries = iso_country_ids() | {e.id for e in data.countries.entities}
    known = checks.InMemory(
        ids={
            "country": countries,
            "sector": {s.id for s in data.sectors},
            "signatory": {s.id for s in data.signatories},
            "visit": {v.id for v in data.visits},
            "agreement": {a.id for a in data.agreements},
            "relation": {r.id for r in data.relations},
            "body": {b.id for b in data.bodies},
            "event": {e.event_id(a.id) for a in data.agreements for e in a.events},
        },
        texts={s.record.id: s.text for s in data.sources},
        parents={s.id: s.parent for s in data.sectors},
    )

    def report(file: str, record: str, problems: list[checks.Problem]) -> None:
        for loc, message in problems:
            c.add(file, record, checks.bracketed(loc), message)

    cf = "countries.yaml"
    iso = iso_country_ids()
    for code, items in data.countries.citations.items():
        report(cf, code, checks.check_country_citations(known, code, items))
    for code in data.countries.aliases:
        report(cf, code, [] if code in iso else [(("aliases",), f"unknown country id {code!r}")])
    for code in data.countries.external_ids:
        if code not in countries:
            report(cf, code, [(("external_ids",), f"unknown country id {code!r}")])
    for code, link in data.countries.links.items():
        if code not in iso:
            report(cf, code, [(("links",), f"unknown country id {code!r}")])
        report(cf, code, checks.check_country(known, link))
    for e in data.countries.entities:
        report(cf, e.id, checks.check_country(known, e))
    for name, records, check in (
        ("sectors.yaml", data.sectors, checks.check_sector),
        ("signatories.yaml", data.signatories, checks.check_signatory),
        ("visits.yaml", data.visits, checks.check_visit),
        ("agreements.yaml", data.agreements, checks.check_agreement),
        ("relations.yaml", data.relations, checks.check_relation),
        ("bodies.yaml", data.bodies, checks.check_body),
        ("discrepancies.yaml", data.discrepancies, checks.check_discrepancy),
    ):
        for record in records:
            report(name, record.id, check(known, record))  # type: ignore[operator]
