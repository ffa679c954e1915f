"""GET /api/v1/sources and /sources/{id}: the documents, verbatim."""

import hashlib

from fastapi.testclient import TestClient

from app.config import get_settings
from tests.problems import assert_problem

URL = "/api/v1/sources"


def test_sources_are_verbatim_with_sha256(client: TestClient) -> None:
    items = client.get(URL).json()["items"]
    assert {i["id"] for i in items} >= {
        "vns-baku-signing-ceremony-2025",
        "commentary-az-vn-strategic-partnership",
    }
    for item in items:
        body = client.get(f"{URL}/{item['id']}").json()
        raw = (get_settings().seeds_dir / body["filename"]).read_bytes()
        assert body["text"].encode("utf-8") == raw
        assert body["sha256"] == item["sha256"] == hashlib.sha256(raw).hexdigest()


def test_unknown_source_is_a_404(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/nope"), 404)


NEWS = "vns-baku-signing-ceremony-2025"
DECLARATION = "strategic-partnership-declaration-vn-az-2025"


def all_citations(client: TestClient, source: str) -> list[dict]:
    """Every citation of the source's list, walked page by page by its cursors."""
    items: list[dict] = []
    url: str | None = f"{URL}/{source}/citations?limit=7"
    while url:
        body = client.get(url).json()
        items += body["items"]
        cursor = body["next_cursor"]
        url = f"{URL}/{source}/citations?limit=7&cursor={cursor}" if cursor else None
    return items


def test_a_sources_citations_stand_in_its_text_in_order(client: TestClient) -> None:
    text = client.get(f"{URL}/{NEWS}/text").text
    items = all_citations(client, NEWS)
    assert len(items) == client.get(f"{URL}/{NEWS}/citations").json()["total"]
    starts = []
    for item in items:
        quote, position = item["selectors"]
        assert text[position["start"] : position["end"]] == quote["exact"] == item["quote"]
        assert item["source"] == NEWS
        starts.append(position["start"])
    assert starts == sorted(starts)
    assert len({item["id"] for item in items}) == len(items)


def test_a_sources_citations_name_the_record_each_supports(client: TestClient) -> None:
    declaration = client.get(f"/api/v1/agreements/{DECLARATION}").json()
    cited = {c["id"] for c in declaration["citations"] if c["source"] == NEWS}
    listed = {
        item["id"]: item["record"]
        for item in all_citations(client, NEWS)
        if item["record"]["id"] == DECLARATION
    }
    assert set(listed) == cited
    assert {record["type"] for record in listed.values()} == {"agreement"}
    assert {record["title"] for record in listed.values()} == {declaration["title"]}
    assert {record["url"] for record in listed.values()} == {f"/api/v1/agreements/{DECLARATION}"}


def test_a_citation_of_a_milestone_links_its_countries_relations(client: TestClient) -> None:
    milestones = [
        item["record"]
        for item in all_citations(client, "commentary-az-vn-strategic-partnership")
        if item["record"]["id"] == "nam-chairmanship-support-vn-az"
    ]
    assert milestones
    assert {m["url"] for m in milestones} == {"/api/v1/relations/VN/AZ"}
    assert client.get("/api/v1/relations/VN/AZ").status_code == 200


def test_a_page_of_citations_reads_a_constant_number_of_statements(
    client: TestClient, sql_log: list[str]
) -> None:
    client.get(f"{URL}/{NEWS}/citations?limit=3")
    small = len(sql_log)
    sql_log.clear()
    client.get(f"{URL}/{NEWS}/citations?limit=100")
    assert len(sql_log) == small


def test_citations_of_an_unknown_source_are_a_404_and_a_forged_cursor_a_422(
    client: TestClient,
) -> None:
    assert_problem(client.get(f"{URL}/nope/citations"), 404)
    forged = "WyJwb3NpdGlvbiIsIjciLDRd"  # ["position", "7", 4]: a text where a number goes
    assert_problem(client.get(f"{URL}/{NEWS}/citations?cursor={forged}"), 422, "cursor")
