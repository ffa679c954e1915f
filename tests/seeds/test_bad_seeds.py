"""A seed file with a mistake fails naming file, record and field, and writes nothing."""

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.db import Base, make_engine, migrate
from app.seeding.errors import SeedErrors
from app.seeding.load import load_seeds

SEEDS = get_settings().seeds_dir
QUOTE = "signed a memorandum of understanding on cooperation in the energy sector"
WHOLE_QUOTE = (
    "The Vietnamese Ministry of Industry and Trade and the Azerbaijani Ministry of Energy "
    + QUOTE
    + "."
)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def _edit(seeds: Path, name: str, old: str, new: str) -> None:
    path = seeds / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BAD_SEEDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "mangled quote": (
        lambda s: _edit(s, "agreements.yaml", QUOTE, QUOTE.replace("energy", "enérgy")),
        "agreements.yaml: mou-energy-vn-az-2025: events[0].citations[0].quote: not a verbatim",
    ),
    "unknown sector": (
        lambda s: _edit(
            s, "agreements.yaml", "[oil-and-gas, training]", "[oil-and-gass, training]"
        ),
        "agreements.yaml: mou-oil-gas-petrovietnam-az-ministry-of-economy-2025: sectors[",
    ),
    "impossible date": (
        lambda s: _edit(s, "relations.yaml", 'date: "1992"', 'date: "1992-02-30"'),
        "relations.yaml: diplomatic-relations-vn-az-1992: date:",
    ),
    "unknown field": (
        lambda s: _edit(s, "visits.yaml", "  city: Baku", "  cty: Baku"),
        "visits.yaml: visit-ho-chi-minh-azerbaijan-1959: cty:",
    ),
    "unknown country": (
        lambda s: _edit(s, "signatories.yaml", "country: AZ", "country: XZ"),
        "signatories.yaml: ",
    ),
    "a value neither cited, inferred nor reference": (
        lambda s: _edit(
            s, "visits.yaml", "    guest_country:\n      basis", "    other:\n      basis"
        ),
        "visits.yaml: visit-ho-chi-minh-azerbaijan-1959: -: no citation (with "
        "`field`), inference or reference for: guest_country",
    ),
    "provenance of no field": (
        lambda s: _edit(
            s, "visits.yaml", "    guest_country:\n      basis", "    other:\n      basis"
        ),
        "visits.yaml: visit-ho-chi-minh-azerbaijan-1959: provenance.other: 'other' is not a "
        "field of this record",
    ),
    "provenance of an alias the record does not have": (
        lambda s: _edit(
            s,
            "countries.yaml",
            "    provenance:\n      successor:",
            "    provenance:\n      aliases.North Vietnam:\n        basis: reference\n        dataset: x\n      successor:",
        ),
        "countries.yaml: -: links.VDVN.provenance.aliases.North Vietnam: 'North Vietnam' is not "
        "one of this record's aliases",
    ),
    "an alias no quote uses": (
        lambda s: _edit(s, "signatories.yaml", "    - Petrovietnam\n", "    - PVN Group\n"),
        "signatories.yaml: petrovietnam: -: no citation (with `field`), inference "
        "or reference for: aliases.PVN Group",
    ),
    "an inference without its reason": (
        lambda s: _edit(
            s, "agreements.yaml", "      reason: The source calls it", "      dataset: x\n      # "
        ),
        "agreements.yaml: unclos-1982: provenance.kind: Value error, an inferred value needs its reason",
    ),
    "a country alias no quote uses": (
        lambda s: _edit(
            s, "countries.yaml", "    - Republic of Azerbaijan", "    - Azerbaijani Republic"
        ),
        "countries.yaml: -: -: Value error, aliases no quote in `citations` uses: AZ: Azerbaijani",
    ),
    "unknown source": (
        lambda s: _edit(
            s,
            "visits.yaml",
            "source: commentary-az-vn-strategic-partnership",
            "source: no-such-source",
        ),
        "visits.yaml: ",
    ),
    "blank name": (
        lambda s: _edit(s, "sectors.yaml", "name: Oil and gas", 'name: "  "'),
        "sectors.yaml: oil-and-gas: name: Value error, must not be blank",
    ),
    "control character in a name": (
        lambda s: _edit(s, "sectors.yaml", "name: Oil and gas", 'name: "Oil\\u001b[31m and gas"'),
        "sectors.yaml: oil-and-gas: name: Value error, contains the control character U+001B",
    ),
    "name of zero-width characters": (
        lambda s: _edit(s, "sectors.yaml", "name: Oil and gas", 'name: "\\u200b\\u2060\\ufeff"'),
        "sectors.yaml: oil-and-gas: name: Value error, must not be blank",
    ),
    "bidi override in a title": (
        lambda s: _edit(
            s,
            "agreements.yaml",
            "title: Memorandum of understanding on cooperation in the energy sector",
            'title: "Memorandum \\u202eygrene"',
        ),
        "agreements.yaml: mou-energy-vn-az-2025: title: Value error, contains the control "
        "character U+202E",
    ),
    "bidi isolate in a description": (
        lambda s: _edit(
            s,
            "sectors.yaml",
            "description: Oil and gas exploration",
            "description: \u2067Oil and gas exploration",
        ),
        "sectors.yaml: oil-and-gas: description: Value error, contains the control character "
        "U+2067",
    ),
    "a citation of no field": (
        lambda s: _edit(
            s,
            "agreements.yaml",
            '      quote: "the 1982 United Nations Convention on the Law of the Sea"\n'
            "      field: date",
            '      quote: "the 1982 United Nations Convention on the Law of the Sea"\n'
            "      field: evil",
        ),
        "agreements.yaml: unclos-1982: citations[1].field: 'evil' is not a field of this record "
        "(date, ",
    ),
    "the same citation twice": (
        lambda s: _edit(
            s,
            "agreements.yaml",
            '      quote: "the 1982 United Nations Convention on the Law of the Sea"\n'
            "      field: date\n",
            '      quote: "the 1982 United Nations Convention on the Law of the Sea"\n'
            "      field: date\n"
            "    - source: vns-baku-signing-ceremony-2025\n"
            '      quote: "the 1982 United Nations Convention on the Law of the Sea"\n'
            "      field: date\n",
        ),
        "agreements.yaml: unclos-1982: citations[2]: repeats the citation at index 1",
    ),
    "an external id of no declared dataset": (
        lambda s: _edit(s, "signatories.yaml", "{wikidata: Q36014}", "{evil: Q36014}"),
        "signatories.yaml: ho-chi-minh: external_ids.evil.[key]: Input should be 'wikidata'",
    ),
    "a country's external id of no declared dataset": (
        lambda s: _edit(s, "countries.yaml", "VN: {wikidata: Q881}", "VN: {iso3166_alpha2: VN}"),
        "countries.yaml: -: external_ids.VN.iso3166_alpha2.[key]: Input should be 'wikidata'",
    ),
    "id with a trailing newline": (
        lambda s: _edit(s, "sectors.yaml", "- id: energy", '- id: "energy\\n"'),
        "sectors.yaml: energy\n: id: Value error, must be a slug",
    ),
    "non-ASCII date digits": (
        lambda s: _edit(s, "relations.yaml", 'date: "1992"', 'date: "١٩٩٢"'),
        "relations.yaml: diplomatic-relations-vn-az-1992: date:",
    ),
    "quote without a word": (
        lambda s: _edit(s, "agreements.yaml", f'quote: "{WHOLE_QUOTE}"', 'quote: "e"'),
        "agreements.yaml: mou-energy-vn-az-2025: events[0].citations[0].quote: Value error, a quote",
    ),
    "source edited after its sha256 was pinned": (
        lambda s: (s / "sources/000_ceacb9c28e99441a.txt").write_text(
            (s / "sources/000_ceacb9c28e99441a.txt").read_text(encoding="utf-8") + "Edited.",
            encoding="utf-8",
        ),
        "sources.yaml: vns-baku-signing-ceremony-2025: sha256: sources/000_ceacb9c28e99441a.txt: "
        "the text's SHA-256 is",
    ),
    "sector tree cycle": (
        lambda s: _edit(
            s, "sectors.yaml", "Energy\n  parent: null", "Energy\n  parent: oil-and-gas"
        ),
        "sectors.yaml: energy: parent: would make the sector tree a cycle",
    ),
}


@pytest.mark.parametrize("case", BAD_SEEDS)
def test_bad_seed_is_rejected_with_its_location(seeds_copy: Path, case: str) -> None:
    mangle, expected = BAD_SEEDS[case]
    mangle(seeds_copy)
    with pytest.raises(SeedErrors) as caught:
        load_seeds(seeds_copy)
    assert any(str(e).startswith(expected) for e in caught.value.errors), caught.value


def test_duplicate_id_is_rejected(seeds_copy: Path) -> None:
    path = seeds_copy / "sectors.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "- id: energy\n  name: Energy again\n", encoding="utf-8"
    )
    with pytest.raises(SeedErrors, match=re.escape("sectors.yaml: energy: id: duplicate id")):
        load_seeds(seeds_copy)


@pytest.fixture
def seeded_scratch(scratch_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    get_settings.cache_clear()
    migrate.upgrade(scratch_url)
    assert CliRunner().invoke(cli, ["seed"]).exit_code == 0
    yield scratch_url
    get_settings.cache_clear()


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        snap = {
            name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
            for name, table in Base.metadata.tables.items()
        }
    engine.dispose()
    return snap


def test_seed_command_is_idempotent(seeded_scratch: str) -> None:
    def counts() -> dict[str, int]:
        return {name: len(rows) for name, rows in _snapshot(seeded_scratch).items()}

    before = counts()
    assert CliRunner().invoke(cli, ["seed"]).exit_code == 0
    assert counts() == before


def test_seed_command_with_a_mistake_changes_nothing(
    seeded_scratch: str, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(
        seeds_copy,
        "agreements.yaml",
        "title: Memorandum of understanding on cooperation in the energy sector",
        "title: MoU on energy, edited",
    )
    _edit(seeds_copy, "agreements.yaml", QUOTE, QUOTE.upper())
    monkeypatch.setenv("SEEDS_DIR", str(seeds_copy))
    get_settings.cache_clear()
    before = _snapshot(seeded_scratch)
    result = CliRunner().invoke(cli, ["seed"])
    assert result.exit_code == 1
    assert "agreements.yaml: mou-energy-vn-az-2025: events[0].citations[0].quote" in result.output
    assert "nothing was written" in result.output
    assert _snapshot(seeded_scratch) == before


def test_row_counts(seeded_scratch: str) -> None:
    engine = make_engine(seeded_scratch)
    with engine.connect() as conn:
        agreements = conn.scalar(
            select(func.count()).select_from(Base.metadata.tables["agreements"])
        )
    engine.dispose()
    assert agreements == len(load_seeds(SEEDS).records["agreement"])
