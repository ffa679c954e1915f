"""Every value says how it is known: `provenance` has one entry per fact the answer shows,
keyed by its JSON key (`key[member]` for one member of a list or map), cited with the ids of
the record's own citations, inferred with a reason, or reference data with its dataset. The
rule is checked on every record of every kind, as a detail, a list row and an NDJSON line."""

import csv
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import RelationEvent

SHAPES = {
    "cited": {"basis", "citations"},
    "inferred": {"basis", "reason"},
    "reference": {"basis", "dataset"},
}
LISTS = {
    "agreements": ("AgreementOut", "AgreementDetail"),
    "visits": ("VisitOut", "VisitDetail"),
    "statements": ("StatementOut", "StatementDetail"),
    "signatories": ("SignatoryOut", "SignatoryDetail"),
    "countries": ("CountryOut", "CountryDetail"),
    "bodies": ("BodyOut", "BodyDetail"),
}
"""Each record list, and the schemas of its rows and of its details."""
STRATEGIC_PARTNERSHIP = "strategic-partnership-declaration-vn-az-2025"


@pytest.fixture(scope="module")
def fact_fields(app: Any) -> dict[str, list[str]]:
    """`x-provenance-fields` of each schema that has them."""
    with TestClient(app) as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
    return {
        name: schema["x-provenance-fields"]
        for name, schema in schemas.items()
        if "x-provenance-fields" in schema
    }


def members(value: Any) -> set[str]:
    """What `key[member]` may name in a value: a list's items (a record's id, a party's
    country), a map's keys."""
    if isinstance(value, dict):
        return set(value)
    found = set()
    for item in value:
        if isinstance(item, dict):
            inner = item.get("country") or item.get("signatory") or item
            found.add(inner["id"])
        else:
            found.add(str(item))
    return found


def holds(value: Any) -> bool:
    return value not in (None, "", [], {})


def told_problems(item: Mapping[str, Any], fields: list[str], citations: set[str]) -> list[str]:
    """How `item` breaks the rule, given its schema's fact fields and its record's
    citation ids (empty when it follows it)."""
    provenance = item["provenance"]
    problems = []
    for key in fields:
        if key not in item or not holds(item[key]) or key in provenance:
            continue
        value = item[key]
        if isinstance(value, list | dict) and all(
            f"{key}[{m}]" in provenance for m in members(value)
        ):
            continue
        problems.append(f"{key} holds a value but has no provenance entry")
    for key, entry in provenance.items():
        base, bracket, member = key.partition("[")
        if base not in item or not holds(item[base]):
            problems.append(f"{key} is not a key of the answer that holds a value")
        elif bracket and (not member.endswith("]") or member[:-1] not in members(item[base])):
            problems.append(f"{key} names no member of {base}")
        if set(entry) != SHAPES.get(entry.get("basis"), set()):
            problems.append(f"{key}: {entry} is not one of the three shapes")
        elif entry["basis"] == "cited" and not (
            entry["citations"] and set(entry["citations"]) <= citations
        ):
            problems.append(f"{key} cites {entry['citations']}, not all the record's")
    return problems


def walk(client: TestClient, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a list, page by page."""
    params = {**params, "limit": 100}
    while True:
        page = client.get(path, params=params).json()
        yield from page["items"]
        if page["next_cursor"] is None:
            return
        params["cursor"] = page["next_cursor"]


@pytest.mark.parametrize("plural", LISTS)
def test_every_record_says_how_each_fact_is_known(
    client: TestClient, fact_fields: dict[str, list[str]], plural: str
) -> None:
    """Walked through the list, its NDJSON and each record's detail, every record of the
    kind has an entry for each fact it shows, and only for those."""
    row_schema, detail_schema = LISTS[plural]
    lines = client.get(f"/api/v1/{plural}.ndjson").text.splitlines()
    rows = list(walk(client, f"/api/v1/{plural}"))
    assert rows and [orjson.loads(line) for line in lines] == rows
    problems = {}
    for row in rows:
        detail = client.get(f"/api/v1/{plural}/{row['id']}").json()
        citations = {c["id"] for c in detail["citations"]}
        found = told_problems(row, fact_fields[row_schema], citations)
        found += told_problems(detail, fact_fields[detail_schema], citations)
        for event in detail.get("events", ()):
            found += told_problems(
                event, fact_fields["EventOut"], {c["id"] for c in event["citations"]}
            )
        if found:
            problems[row["id"]] = found
    assert problems == {}


def test_relations_and_their_timelines_say_how_each_fact_is_known(
    client: TestClient, session: Session, fact_fields: dict[str, list[str]]
) -> None:
    """For every pair of countries a milestone joins: its milestones, visits, agreements,
    statements and bodies, and every row of its timeline, keyed as their own records are."""
    problems: list[str] = []
    pairs = set(session.execute(select(RelationEvent.country_a_id, RelationEvent.country_b_id)))
    assert ("VN", "AZ") in pairs or ("AZ", "VN") in pairs
    for first, second in pairs:
        body = client.get(f"/api/v1/relations/{first}/{second}").json()
        cited = {
            c["id"]
            for record in (*body["milestones"], *body["agreements"])
            for c in record["citations"]
        }
        for milestone in body["milestones"]:
            ids = {c["id"] for c in milestone["citations"]}
            problems += told_problems(milestone, fact_fields["MilestoneOut"], ids)
        for visit in body["visits_from_first"] + body["visits_from_second"]:
            ids = {c["id"] for c in visit["citations"]}
            problems += told_problems(visit, fact_fields["CitedVisit"], ids)
            cited |= ids
        for agreement in body["agreements"]:
            ids = {c["id"] for c in agreement["citations"]}
            problems += told_problems(agreement, fact_fields["AgreementOut"], ids)
        for name, schema in (("statements", "StatementOut"), ("bodies", "BodyOut")):
            for record in body[name]:
                detail = client.get(f"/api/v1/{name}/{record['id']}").json()
                ids = {c["id"] for c in detail["citations"]}
                problems += told_problems(record, fact_fields[schema], ids)
        timeline = walk(client, "/api/v1/timeline", country=[first, second])
        for entry in timeline:
            if entry["kind"] not in ("relation", "visit", "agreement"):
                detail = client.get(entry["url"]).json()
                cited |= {c["id"] for c in detail["citations"]}
            problems += told_problems(entry, fact_fields["TimelineEntry"], cited)
    assert problems == []


def test_a_cited_value_names_its_citations(client: TestClient) -> None:
    """The Strategic Partnership declaration's title is stated by the commentary's sentence
    that names it; its date, which no source states, is inferred with the reasoning."""
    body = client.get(f"/api/v1/agreements/{STRATEGIC_PARTNERSHIP}").json()
    assert body["provenance"]["title"] == {"basis": "cited", "citations": ["ca82c1f85efba23b"]}
    (citation,) = [c for c in body["citations"] if c["id"] == "ca82c1f85efba23b"]
    assert citation["field"] == "title" and citation["quote"].startswith(
        "The signing of the Declaration on the Establishment of a Strategic Partnership"
    )
    date = body["provenance"]["date"]
    assert date["basis"] == "inferred" and "2025" in date["reason"]
    assert body["date_inferred"] is True  # derived from the entry, for filtering
    assert "date_inferred_reason" not in body  # told once, in the entry


def test_a_list_row_tells_what_it_shows_as_the_detail_does(client: TestClient) -> None:
    body = client.get(f"/api/v1/agreements/{STRATEGIC_PARTNERSHIP}").json()
    rows = client.get("/api/v1/agreements", params={"q": "strategic partnership"}).json()
    (row,) = [r for r in rows["items"] if r["id"] == STRATEGIC_PARTNERSHIP]
    assert row["provenance"] == {k: v for k, v in body["provenance"].items() if k in row}
    assert {"title", "date", "party_codes"} <= set(row["provenance"])
    assert "sectors" not in row["provenance"] and "sectors" not in row  # not expanded: absent


def test_an_inferred_party_is_keyed_as_a_member_of_party_codes(client: TestClient) -> None:
    """The 1959 agreement's parties are both inferred, each under its own key; `inferred`
    on each party is derived from those entries."""
    body = client.get("/api/v1/agreements/agreement-vietnamese-students-azerbaijan-ssr-1959").json()
    assert body["party_codes"] == ["VDVN", "azerbaijan-ssr"]
    for code in body["party_codes"]:
        entry = body["provenance"][f"party_codes[{code}]"]
        assert entry["basis"] == "inferred" and entry["reason"]
    assert [p["inferred"] for p in body["parties"]] == [True, True]
    assert all("inferred_reason" not in p for p in body["parties"])


def test_reference_data_names_its_dataset(client: TestClient) -> None:
    body = client.get("/api/v1/countries/VN").json()
    provenance = body["provenance"]
    assert provenance["external_ids[iso3166_alpha3]"] == {
        "basis": "reference",
        "dataset": "ISO 3166-1 (pycountry)",
    }
    assert provenance["external_ids[wikidata]"]["basis"] == "reference"
    assert provenance["alpha3"]["dataset"] == "ISO 3166-1 (pycountry)"
    assert provenance["predecessors[VDVN]"]["basis"] == "inferred"


def test_a_visit_is_keyed_by_its_own_json_keys(client: TestClient) -> None:
    body = client.get("/api/v1/visits/state-visit-to-lam-azerbaijan-2025").json()
    assert {"guest_id", "guest_country_id", "host_country_id"} <= set(body["provenance"])
    assert not {"guest", "guest_country", "host_country"} & set(body["provenance"])
    for agreement in body["agreements"]:  # rows as the list shows them: no embeds
        assert not {"parties", "signatories", "sectors", "visit", "citations"} & set(agreement)
        assert agreement["provenance"]["party_codes"]["basis"] == "cited"


def test_timeline_rows_say_how_their_date_is_known(client: TestClient) -> None:
    rows = client.get("/api/v1/timeline", params={"country": ["VN", "AZ"], "limit": 100}).json()
    (row,) = [r for r in rows["items"] if r["id"] == STRATEGIC_PARTNERSHIP]
    assert row["provenance"]["date"]["basis"] == "inferred"
    assert row["provenance"]["title"] == {"basis": "cited", "citations": ["ca82c1f85efba23b"]}
    assert "kind" not in row["provenance"]  # the entry's kind is not the agreement's


def test_csv_names_the_inferred_values_of_each_row(client: TestClient) -> None:
    lines = client.get("/api/v1/agreements.csv").text.splitlines()
    rows = list(csv.DictReader(lines))
    by_id = {r["id"]: r for r in rows}
    # Its sectors are a CSV column (not a list item's key), inferred as its date is.
    assert by_id[STRATEGIC_PARTNERSHIP]["inferred"] == "date; sectors"
    assert by_id["agreement-vietnamese-students-azerbaijan-ssr-1959"]["inferred"] == (
        "party_codes[VDVN]; party_codes[azerbaijan-ssr]"
    )


def test_the_spec_lists_each_schemas_fact_fields(fact_fields: dict[str, list[str]]) -> None:
    assert fact_fields["VisitOut"] == [
        *("date", "kind", "guest_id", "guest_title", "guest_country_id", "host_country_id"),
        "city",
    ]
    assert "party_codes" in fact_fields["AgreementOut"]
    assert {"sectors", "signatories", "references", "aliases"} <= set(
        fact_fields["AgreementDetail"]
    )
    assert fact_fields["TimelineEntry"] == ["date"]


def test_the_spec_documents_one_discriminated_union(app: Any) -> None:
    with TestClient(app) as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
    union = schemas["ProvenanceEntry"]
    assert union["discriminator"]["propertyName"] == "basis"
    assert set(union["discriminator"]["mapping"]) == {"cited", "inferred", "reference"}


@pytest.mark.parametrize("path", ["/api/v1/countries", "/api/v1/signatories", "/api/v1/visits"])
def test_a_page_reads_its_citations_in_one_statement(
    client: TestClient, sql_log: list[str], path: str
) -> None:
    """However many rows a page holds, their citations are read at once (no query per row)."""
    counts = []
    for limit in (1, 100):
        sql_log.clear()
        assert len(client.get(path, params={"limit": limit}).json()["items"]) >= min(limit, 2)
        counts.append(len(sql_log))
    assert counts[0] == counts[1], counts
    assert sum("FROM citations" in s for s in sql_log) == 1


def test_search_hits_say_how_their_date_is_known(client: TestClient) -> None:
    hits = client.get("/api/v1/search", params={"q": "strategic partnership"}).json()["items"]
    (hit,) = [h for h in hits if h["id"] == STRATEGIC_PARTNERSHIP]
    assert hit["provenance"]["date"]["basis"] == "inferred"
    assert hit["provenance"]["title"] == {"basis": "cited", "citations": ["ca82c1f85efba23b"]}
    countries = client.get("/api/v1/search", params={"q": "Azerbaijan", "kind": "country"})
    assert all(h["provenance"] == {} for h in countries.json()["items"])  # no date shown
