"""Quotes found in their sources: `/sources/{id}/text`, and the W3C Web Annotation selectors
of every citation (with its id) and of every discrepancy's reading, on every record of every
kind as the API shows it."""

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Citation, DiscrepancyReading, RelationEvent
from app.schemas.common import citation_id
from tests.api.test_writes import auth, etag
from tests.problems import assert_problem

SOURCE = "vns-baku-signing-ceremony-2025"
COMMENTARY = "commentary-az-vn-strategic-partnership"
LISTS = ("sources", "countries", "sectors", "signatories", "visits", "agreements", "statements")
LISTS += ("bodies",)


def _walk(client: TestClient, url: str) -> Iterator[dict[str, Any]]:
    """Every item of a list, page by page."""
    page = client.get(url, params={"limit": 100}).json()
    yield from page["items"]
    while page["next_cursor"]:
        page = client.get(url, params={"limit": 100, "cursor": page["next_cursor"]}).json()
        yield from page["items"]


def _citations(value: Any) -> Iterator[dict[str, Any]]:
    """Every citation anywhere in a JSON answer (a record's, its events', nested records'),
    not the ids a cited `provenance` entry lists."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "citations" and isinstance(item, list):
                yield from item
            elif key != "provenance":
                yield from _citations(item)
    elif isinstance(value, list):
        for item in value:
            yield from _citations(item)


def _every_answer(client: TestClient, session: Session) -> Iterator[dict[str, Any]]:
    """Every record of every kind through the API: each list's items and each one's detail,
    and the relations of every pair of countries a milestone joins."""
    for plural in LISTS:
        for item in _walk(client, f"/api/v1/{plural}"):
            key = item.get("alpha2") or item["id"] if plural == "countries" else item["id"]
            detail = client.get(f"/api/v1/{plural}/{key}")
            assert detail.status_code == 200, (plural, key)
            yield detail.json()
    pairs = session.execute(select(RelationEvent.country_a_id, RelationEvent.country_b_id))
    for first, second in set(pairs):
        yield client.get(f"/api/v1/relations/{first}/{second}").json()


class Texts(dict[str, str]):
    """Each source's text as `GET /api/v1/sources/{id}/text` serves it, fetched once."""

    def __init__(self, client: TestClient) -> None:
        super().__init__()
        self.client = client

    def __missing__(self, source: str) -> str:
        self[source] = self.client.get(f"/api/v1/sources/{source}/text").text
        return self[source]


def assert_selectors_cut_the_quote(texts: Texts, quoted: dict[str, Any]) -> None:
    """A citation's or reading's selectors find its `quote` in its source's text."""
    quote, position = quoted["selectors"]
    assert quote["type"] == "TextQuoteSelector"
    assert position["type"] == "TextPositionSelector"
    text = texts[quoted["source"]]
    assert text[position["start"] : position["end"]] == quote["exact"] == quoted["quote"]
    assert text[: position["start"]].endswith(quote["prefix"])
    assert text[position["end"] :].startswith(quote["suffix"])


def test_every_selector_cuts_its_quote_out_of_the_source_text(
    client: TestClient, session: Session
) -> None:
    texts = Texts(client)
    seen: set[str] = set()
    for answer in _every_answer(client, session):
        for citation in _citations(answer):
            assert_selectors_cut_the_quote(texts, citation)
            seen.add(citation["id"])
    stored = {
        citation_id(c.record_type, c.record_id, c.field, c.source_id, c.quote)
        for c in session.scalars(select(Citation))
    }
    assert seen == stored, "every stored citation reaches the API"


def test_every_reading_of_every_discrepancy_has_selectors_that_cut_its_quote(
    client: TestClient, session: Session
) -> None:
    texts = Texts(client)
    seen: set[tuple[str, int]] = set()
    for answer in _every_answer(client, session):
        for discrepancy in answer.get("discrepancies", ()):
            for position, reading in enumerate(discrepancy["readings"]):
                assert_selectors_cut_the_quote(texts, reading)
                assert reading["value"] in reading["quote"]
                seen.add((discrepancy["id"], position))
    stored = set(
        session.execute(select(DiscrepancyReading.discrepancy_id, DiscrepancyReading.position))
    )
    assert seen == stored, "every stored reading reaches the API"


def test_a_reading_names_its_place_in_the_source(client: TestClient) -> None:
    """The Baku ceremony's year: the readings of both sources, at their offsets (the second
    quote's en dash, and the report's other characters beyond ASCII, count one each)."""
    visit = client.get("/api/v1/visits/state-visit-to-lam-azerbaijan-2025").json()
    (year,) = [d for d in visit["discrepancies"] if d["id"] == "baku-ceremony-year"]
    positions = [(r["source"], r["selectors"][1]) for r in year["readings"]]
    assert positions == [
        (SOURCE, {"type": "TextPositionSelector", "start": 245, "end": 300}),
        (SOURCE, {"type": "TextPositionSelector", "start": 668, "end": 751}),
        (COMMENTARY, {"type": "TextPositionSelector", "start": 2423, "end": 2477}),
    ]
    wednesday = year["readings"][0]
    assert wednesday["quote"] == "following their talks in Baku on Wednesday (local time)"
    assert wednesday["selectors"][0] == {
        "type": "TextQuoteSelector",
        "exact": wednesday["quote"],
        "prefix": "n and later addressed the media ",
        "suffix": ".\n\nThe documents reflected a bro",
    }


FILE_NAME = re.compile(r"(?<![0-9,.])\b00[01]\b(?![,.]?[0-9])")
"""A source named by its file's number ("000 says", "(001)"), not a number such as 10,000."""


def test_no_answer_names_a_source_by_its_file_name(client: TestClient, session: Session) -> None:
    answers = [*_every_answer(client, session), client.get("/openapi.json").json()]
    named = [m.group() for a in answers for m in FILE_NAME.finditer(json.dumps(a))]
    assert named == []
    assert FILE_NAME.search('{"reason": "001 says \\"to Baku\\""}'), "the pattern finds one"


def test_source_text_is_the_text_its_sha256_names(client: TestClient) -> None:
    source = client.get(f"/api/v1/sources/{COMMENTARY}").json()
    response = client.get(f"/api/v1/sources/{COMMENTARY}/text")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert hashlib.sha256(response.content).hexdigest() == source["sha256"]
    assert response.text == source["text"]
    assert response.content.startswith(b"The signing of the Declaration")
    again = client.get(
        f"/api/v1/sources/{COMMENTARY}/text", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_source_text_of_an_unknown_source_is_a_404(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/sources/no-such-source/text"), 404)
    assert "no-such-source" in body["detail"]


def test_source_text_is_offered_as_plain_text_only(client: TestClient) -> None:
    response = client.get(f"/api/v1/sources/{SOURCE}/text", headers={"Accept": "application/json"})
    assert_problem(response, 406)


def test_a_citation_names_its_place_in_the_source(client: TestClient) -> None:
    """The energy MoU's `kind` quote, by its offsets in the VNS report."""
    agreement = client.get("/api/v1/agreements/mou-energy-vn-az-2025").json()
    quote = "signed a memorandum of understanding"
    (citation,) = [
        c for c in agreement["citations"] if c["quote"] == quote and c["field"] == "kind"
    ]
    text = client.get(f"/api/v1/sources/{SOURCE}/text").text
    start = text.index(quote)
    assert citation["selectors"][1] == {
        "type": "TextPositionSelector",
        "start": start,
        "end": start + len(quote),
    }
    assert citation["selectors"][0]["suffix"] == text[start + len(quote) :][:32]
    assert citation["id"] == citation_id(
        "agreement", "mou-energy-vn-az-2025", "kind", SOURCE, quote
    )


def test_positions_count_code_points(client: TestClient) -> None:
    """The report's text has characters beyond ASCII (Việt Nam, the em dash) before its
    quotes: offsets are in code points, not UTF-8 bytes or UTF-16 units."""
    text = client.get(f"/api/v1/sources/{SOURCE}/text").text
    visit = client.get("/api/v1/visits/state-visit-to-lam-azerbaijan-2025").json()
    (citation, *_) = [c for c in visit["citations"] if c["source"] == SOURCE]
    start = text.index(citation["quote"])
    assert len(text[:start].encode()) > start, "non-ASCII text comes before the quote"
    assert citation["selectors"][1]["start"] == start


def test_a_citation_id_is_stable_across_writes(client: TestClient, keys: dict[str, str]) -> None:
    """Rewriting a record (its citations deleted and inserted again) keeps their ids."""
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    before = [c["id"] for c in client.get(url).json()["citations"]]
    response = client.patch(
        url,
        json={"summary": "Rewritten."},
        headers={**auth(keys["write"]), "If-Match": etag(client, url)},
    )
    assert response.status_code == 200, response.text
    assert [c["id"] for c in client.get(url).json()["citations"]] == before


def test_a_quote_not_in_its_source_is_refused_naming_the_field(
    client: TestClient, keys: dict[str, str]
) -> None:
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    citation = {"source": SOURCE, "quote": "signed a treaty of eternal friendship", "field": "kind"}
    response = client.post(
        f"{url}/citations",
        json=citation,
        headers={**auth(keys["write"]), "If-Match": etag(client, url)},
    )
    body = assert_problem(response, 422)
    assert any(e["parameter"].endswith("quote") for e in body["errors"]), body
    assert "not a verbatim quote" in body["detail"]


def test_editing_a_source_text_moves_its_citations(
    client: TestClient, keys: dict[str, str]
) -> None:
    """A source's new text keeps every quoted passage (else 422), but not at the same
    offsets: every citation and discrepancy reading quoting it is anchored again."""
    url = f"/api/v1/sources/{COMMENTARY}"
    text = client.get(f"{url}/text").text
    response = client.patch(
        url,
        json={"text": "Preface. " + text},
        headers={**auth(keys["write"]), "If-Match": etag(client, url)},
    )
    assert response.status_code == 200, response.text
    moved = client.get(f"{url}/text").text
    visit = client.get("/api/v1/visits/state-visit-to-lam-azerbaijan-2025").json()
    commentary = [c for c in visit["citations"] if c["source"] == COMMENTARY]
    assert commentary
    (year,) = [d for d in visit["discrepancies"] if d["id"] == "baku-ceremony-year"]
    readings = [r for r in year["readings"] if r["source"] == COMMENTARY]
    assert readings
    for quoted in [*commentary, *readings]:
        position = quoted["selectors"][1]
        assert moved[position["start"] : position["end"]] == quoted["quote"]
        assert position["start"] == text.index(quoted["quote"]) + len("Preface. ")
