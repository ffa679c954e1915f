"""A state or historical entity: every ISO 3166-1 country and ISO 3166-3 historical entity
(reference data, from pycountry), and the entities `countries.yaml` adds (the Azerbaijan SSR),
with the curated names, links and citations that file holds.

Countries are not records curators write one by one: the whole set is made from ISO's data
and that file (`COUNTRY_DATA`), each value labelled with where it comes from.
"""

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated

import pycountry
from pydantic import BaseModel, Field, model_validator

from app.kinds.declaration import Column, Kind, Problem, Ref, SeedFile, SeedReader, Sourced
from app.kinds.fields import CountryId, DateText, Line, Prose
from app.kinds.provenance import (
    ISO_3166_1,
    ISO_3166_3,
    ISO_NAMES,
    CuratedIds,
    Entries,
    ExternalIds,
    inferred,
    reference,
    stored_provenance,
)
from app.kinds.shapes import (
    CitationIn,
    Cited,
    Citing,
    Provenanced,
    Provenances,
    SeedModel,
    Text,
    citation_problems,
    refuse,
)
from app.models import Country
from app.schemas.countries import CountryQuery
from app.text import search_text

NAME_LANGUAGES = {
    "vi": "vi",
    "az": "az",
    "ar": "ar",
    "zh": "zh_CN",
    "fr": "fr",
    "ru": "ru",
    "es": "es",
}
"""Languages of country `names`: the parties' own (vi, az) and the UN's (en is the ISO name)."""
CheckRecord = Callable[[BaseModel, tuple[str | int, ...]], list[Problem]]
"""The record checker: the problems of a value at a location."""


class CountryLink(Citing, Provenanced):
    """What `countries.yaml` adds to an ISO historical entity."""

    successor: Annotated[CountryId | None, Column("successor_id"), Ref("country"), Sourced()] = None
    part_of: Annotated[CountryId | None, Column("part_of_id"), Ref("country"), Sourced()] = None
    aliases: list[Text(300)] = []
    note: Prose | None = None


class EntityRecord(Cited, Provenanced):
    """An entity ISO never coded (the Azerbaijan SSR)."""

    id: CountryId
    name: Annotated[Text(200), Sourced()]
    official_name: Annotated[Text(300) | None, Sourced()] = None
    aliases: list[Text(300)] = []
    valid_from: Annotated[DateText | None, Sourced()] = None
    valid_to: Annotated[DateText | None, Sourced()] = None
    part_of: Annotated[CountryId | None, Column("part_of_id"), Ref("country"), Sourced()] = None
    successor: Annotated[CountryId | None, Column("successor_id"), Ref("country"), Sourced()] = None
    note: Prose | None = None


class CountriesFile(SeedModel):
    aliases: dict[CountryId, list[Text(300)]] = {}
    citations: dict[CountryId, list[CitationIn]] = Field(
        {}, description="Quotes that use each ISO country's curated `aliases`."
    )
    external_ids: dict[CountryId, CuratedIds] = {}
    links: dict[CountryId, CountryLink] = {}
    entities: list[EntityRecord] = []

    @model_validator(mode="after")
    def _citations_fit(self) -> "CountriesFile":
        """A country's citations support its fields (an entity's), each passage once."""
        for code, items in self.citations.items():
            refuse(type(self), citation_problems(EntityRecord, items, ("citations", code)))
        return self

    @model_validator(mode="after")
    def _aliases_cited(self) -> "CountriesFile":
        """A curated alias of an ISO country is a name a cited quote uses (ISO's own names
        come from pycountry as reference data and are not repeated here)."""
        uncited = [
            f"{code}: {alias}"
            for code, aliases in self.aliases.items()
            for alias in aliases
            if not any(alias in c.quote for c in self.citations.get(code, []))
        ]
        if uncited:
            raise ValueError("aliases no quote in `citations` uses: " + ", ".join(uncited))
        return self


@cache
def iso_country_ids() -> frozenset[str]:
    """Alpha-2 of current countries, alpha-4 of historical ones."""
    current = {c.alpha_2 for c in pycountry.countries}
    historic = {c.alpha_4 for c in pycountry.historic_countries}
    return frozenset(current | historic)


@cache
def _catalog(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, [language], fallback=True)


def country_names(iso_name: str, display_name: str, historical: bool) -> dict[str, str]:
    """The country's name in each of NAME_LANGUAGES where pycountry translates it."""
    domain = "iso3166-3" if historical else "iso3166-1"
    names = {"en": display_name}
    for code, locale in NAME_LANGUAGES.items():
        translated = _catalog(domain, locale).gettext(iso_name)
        if translated != iso_name:
            names[code] = translated
    return names


@dataclass(frozen=True)
class CountryData:
    """How countries are seeded: ISO 3166 through pycountry, and `countries.yaml`."""

    file: str = "countries.yaml"

    def read(self, reader: SeedReader) -> CountriesFile:
        return reader.document(self.file, CountriesFile) or CountriesFile()

    def ids(self, data: CountriesFile) -> set[str]:
        return set(iso_country_ids()) | {e.id for e in data.entities}

    def check(self, data: CountriesFile, check: CheckRecord) -> list[tuple[str, Problem]]:
        """(country, problem) for each id the file names that is unknown, and each problem
        `check` (the record checker) finds in the links, the entities and the citations."""
        found: list[tuple[str, Problem]] = []
        iso = iso_country_ids()
        countries = self.ids(data)

        def run(code: str, value: BaseModel | None, citations: list[CitationIn] = ()) -> None:
            problems = check(value, ()) if value is not None else []
            for i, c in enumerate(citations):
                problems += check(c, ("citations", i))
            found.extend((code, p) for p in problems)

        for code, items in data.citations.items():
            if code not in countries:
                found.append((code, (("citations",), f"unknown country id {code!r}")))
            run(code, None, items)
        for code in data.aliases:
            if code not in iso:
                found.append((code, (("aliases",), f"unknown country id {code!r}")))
        for code in data.external_ids:
            if code not in countries:
                found.append((code, (("external_ids",), f"unknown country id {code!r}")))
        for code, link in data.links.items():
            if code not in iso:
                found.append((code, (("links",), f"unknown country id {code!r}")))
            run(code, link)
        for entity in data.entities:
            run(entity.id, entity)
        return found

    def rows(self, data: CountriesFile) -> list[Country]:
        """Every ISO 3166-1 country, every ISO 3166-3 historical entity, and the file's own,
        each value labelled in `provenance` (ISO codes and names as reference data)."""
        rows: list[Country] = []
        iso_names: dict[str, str] = {}
        for c in pycountry.countries:
            iso_names[c.alpha_2] = c.name
            name = getattr(c, "common_name", None) or c.name
            official = getattr(c, "official_name", None)
            aliases = list(
                dict.fromkeys(
                    [n for n in (c.name, official) if n and n != name]
                    + data.aliases.get(c.alpha_2, [])
                )
            )
            rows.append(
                _country(c.alpha_2, c.alpha_2, c.alpha_3, c.numeric, name, official, aliases)
            )
        for h in pycountry.historic_countries:
            iso_names[h.alpha_4] = h.name
            link = data.links.get(h.alpha_4)
            withdrawn = getattr(h, "withdrawal_date", None)
            note = f"Withdrawn from ISO 3166-1 on {withdrawn}." if withdrawn else None
            if link and link.note:
                note = f"{link.note} {note or ''}".strip()
            row = _country(
                h.alpha_4,
                h.alpha_2,
                h.alpha_3,
                getattr(h, "numeric", None),
                h.name,
                None,
                link.aliases if link else [],
                is_historical=True,
                note=note,
            )
            row.successor_id = link.successor if link else None
            row.part_of_id = link.part_of if link else None
            rows.append(row)
        for e in data.entities:
            row = _country(
                e.id, None, None, None, e.name, e.official_name, e.aliases, is_historical=True
            )
            row.valid_from, row.valid_to, row.note = e.valid_from, e.valid_to, e.note
            row.successor_id, row.part_of_id = e.successor, e.part_of
            rows.append(row)
        for row in rows:
            iso = {
                "iso3166_alpha2": row.alpha2,
                "iso3166_alpha3": row.alpha3,
                "iso3166_numeric": row.numeric,
            }
            if row.is_historical and row.alpha2:
                iso = {"iso3166_3_alpha4": row.id, **iso}
            row.external_ids = {
                **{k: v for k, v in iso.items() if v},
                **data.external_ids.get(row.id, {}),
            }
            _reference_data(row, iso_names.get(row.id), data)
            row.search_text = search_text(
                row.id, row.alpha3, row.name, row.official_name, *row.aliases, *row.names.values()
            )
        _label_predecessors(rows)
        return rows

    def citations(self, data: CountriesFile) -> list[tuple[str, str, list[CitationIn]]]:
        return [
            *(
                ("country", code, link.citations)
                for code, link in data.links.items()
                if link.citations
            ),
            *(("country", e.id, e.citations) for e in data.entities),
            *(("country", code, items) for code, items in data.citations.items()),
        ]


def _country(
    id: str,
    alpha2: str | None,
    alpha3: str | None,
    numeric: str | None,
    name: str,
    official_name: str | None,
    aliases: list[str],
    is_historical: bool = False,
    note: str | None = None,
) -> Country:
    return Country(
        id=id,
        alpha2=alpha2,
        alpha3=alpha3,
        numeric=numeric,
        name=name,
        official_name=official_name,
        aliases=aliases,
        is_historical=is_historical,
        valid_from=None,
        valid_to=None,
        note=note,
        successor_id=None,
        part_of_id=None,
    )


def _label_predecessors(rows: list[Country]) -> None:
    """A country's `predecessors` (`/countries/VN` lists VDVN) are its predecessors'
    `successor` links seen from the other end, and are known as those are: each predecessor
    whose link is inferred or reference data gives its successor a `predecessors.<id>` entry
    saying so. (A link a citation states is cited on the predecessor's record.)"""
    by_id = {row.id: row for row in rows}
    for row in rows:
        entry = row.provenance.get("successor")
        if row.successor_id is None or entry is None:
            continue
        successor = by_id[row.successor_id]
        if entry["basis"] == "inferred":
            entry = inferred(
                f"{row.name} ({row.id}) is recorded as its predecessor: {entry['reason']}"
            )
        successor.provenance = {**successor.provenance, f"predecessors.{row.id}": entry}


def _reference_data(row: Country, iso_name: str | None, data: CountriesFile) -> None:
    """Fill a country row's `names` and `provenance`: ISO codes and names are reference data
    (ISO 3166 via pycountry), curated aliases are cited, Wikidata ids labelled as such."""
    dataset = ISO_3166_3 if row.is_historical else ISO_3166_1
    record = next((e for e in data.entities if e.id == row.id), None) or data.links.get(row.id)
    curated = set(data.aliases.get(row.id, [])) | set(record.aliases if record else [])
    entries: Entries = {}
    if iso_name is not None:
        row.names = country_names(iso_name, row.name, row.is_historical)
        entries = {
            field: reference(dataset)
            for field in ("name", "official_name", "alpha2", "alpha3", "numeric")
            if getattr(row, field)
        }
        entries["names"] = reference(ISO_NAMES)
        entries |= {
            f"aliases.{alias}": reference(dataset) for alias in row.aliases if alias not in curated
        }
    else:
        row.names = {}
    row.provenance = stored_provenance(record, row.external_ids, entries)


COUNTRY_DATA = CountryData()
KIND = Kind(
    name="country",
    plural="countries",
    model=Country,
    seed_file=SeedFile("countries.yaml", ()),
    citable=True,
    reference_data=COUNTRY_DATA,
    csv_columns=("id", "name", "is_historical", "numeric", "successor_id"),
    facts=(
        *("name", "official_name", "alpha2", "alpha3", "numeric", "names", "aliases"),
        *("external_ids", "valid_from", "valid_to", "successor", "part_of", "predecessors"),
    ),
    filters=CountryQuery,
    row_rules={
        "id": CountryId,
        "alpha2": Line(2) | None,
        "alpha3": Line(3) | None,
        "numeric": Line(3) | None,
        "name": Line(200),
        "official_name": Line(300) | None,
        "aliases": list[Line(300)],
        "is_historical": bool,
        "valid_from": DateText | None,
        "valid_to": DateText | None,
        "note": Prose | None,
        "external_ids": ExternalIds,
        "successor_id": CountryId | None,
        "part_of_id": CountryId | None,
        "search_text": Prose,
        "names": dict[Line(10), Line(300)],
        "provenance": Provenances,
    },
)
