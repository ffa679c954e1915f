"""The relationship page: its timeline is the pair's dated timeline entries, drawn."""

import re
from itertools import combinations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.pages import relations as relation_pages
from app.queries import relations as relations_queries
from tests.factories import make_agreement
from tests.pages.html import Page, get_page

VISIT_2025 = "state-visit-to-lam-azerbaijan-2025"


def api_timeline(client: TestClient, url: str) -> list[dict]:
    """Every entry of a timeline, page after page by its `Link: rel=next`."""
    entries: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        entries += response.json()["items"]
        url = response.links.get("next", {}).get("url")
    return entries


def shapes(page: Page) -> dict[str, dict[str, str]]:
    """Each mark's shape (the element after its title), by the mark's id."""
    found = {}
    for i, element in enumerate(page.elements):
        if element.tag == "a" and "mark" in element.attrs.get("class", "").split():
            assert page.elements[i + 1].tag == "title"
            found[element.attrs["data-id"]] = {
                "tag": page.elements[i + 2].tag,
                **page.elements[i + 2].attrs,
            }
    return found


def centre(shape: dict[str, str]) -> tuple[float, float]:
    if shape["tag"] == "circle":
        return float(shape["cx"]), float(shape["cy"])
    if shape["tag"] == "rect":
        return float(shape["x"]) + float(shape["width"]) / 2, float(shape["y"]) + float(
            shape["height"]
        ) / 2
    points = [tuple(map(float, p.split(","))) for p in shape["points"].split()]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def test_the_marks_are_the_dated_entries_of_the_api_timeline_in_order(
    client: TestClient,
) -> None:
    page = get_page(client, "/relations/VN/AZ")
    entries = api_timeline(client, "/api/v1/timeline?country=VN&country=AZ&limit=7")
    dated = [(e["kind"], e["id"], e["date"]) for e in entries if e["date"]]
    assert len(page.all("svg", class_="timeline")) == 1
    assert [(m["data-kind"], m["data-id"], m["data-date"]) for m in page.marks] == dated
    assert ("visit", VISIT_2025, "2025") in dated
    assert ("relation", "diplomatic-relations-vn-az-1992", "1992") in dated


def test_each_mark_links_to_its_record_with_a_title(client: TestClient) -> None:
    page = get_page(client, "/relations/VN/AZ")
    hrefs = {m["data-id"]: m["href"] for m in page.marks}
    assert hrefs[VISIT_2025] == f"/visits/{VISIT_2025}"
    assert hrefs["mou-energy-vn-az-2025"] == "/agreements/mou-energy-vn-az-2025"
    assert hrefs["aliyev-balanced-trade-2025"] == "/statements/aliyev-balanced-trade-2025"
    # A milestone has no page of its own: its entry on this page.
    milestone = "diplomatic-relations-vn-az-1992"
    assert hrefs[milestone] == f"/relations/VN/AZ#milestone-{milestone}"
    assert f"milestone-{milestone}" in page.ids
    titles = re.findall(r'class="mark[^"]*"[^>]*><title>([^<]+)</title>', page.response.text)
    assert len(titles) == len(page.marks)
    assert (
        "State visit of General Secretary Tô Lâm to Azerbaijan (visit, 2025, date inferred)"
        in titles
    )


def test_inferred_dates_are_hollow_and_stated_ones_filled(client: TestClient) -> None:
    found = shapes(get_page(client, "/relations/VN/AZ"))
    stated = found["visit-ho-chi-minh-azerbaijan-1959"]
    inferred = found[VISIT_2025]
    assert stated["fill"] == stated["stroke"] != "#ffffff"
    assert inferred["fill"] == "#ffffff" != inferred["stroke"]
    # Kinds differ by shape, not colour alone.
    marks = {m["data-id"]: m for m in get_page(client, "/relations/VN/AZ").marks}
    assert marks[VISIT_2025]["data-inferred"] == "true"
    assert marks["visit-ho-chi-minh-azerbaijan-1959"]["data-inferred"] == "false"
    assert {m["class"] for m in marks.values()} == {"mark"}
    assert found["mou-energy-vn-az-2025"]["tag"] == "rect"
    assert found[VISIT_2025]["tag"] == "circle"


def test_no_two_marks_overlap(client: TestClient) -> None:
    centres = [centre(s) for s in shapes(get_page(client, "/relations/VN/AZ")).values()]
    for (x1, y1), (x2, y2) in combinations(centres, 2):
        assert abs(x1 - x2) >= 10 or abs(y1 - y2) >= 10, ((x1, y1), (x2, y2))


def test_undated_events_are_listed_beside_the_timeline(client: TestClient) -> None:
    page = get_page(client, "/relations/VN/AZ")
    assert "nam-chairmanship-support-vn-az" not in {m["data-id"] for m in page.marks}
    assert "/relations/VN/AZ#milestone-nam-chairmanship-support-vn-az" in page.hrefs
    assert "/statements/principles-un-charter" in page.hrefs


def test_a_one_way_milestone_says_from_whom_to_whom(client: TestClient) -> None:
    page = get_page(client, "/relations/AZ/VN")
    [support] = page.all("article", id="milestone-nam-chairmanship-support-vn-az")
    assert "from VN to AZ" in support.text
    [partnership] = page.all("article", id="milestone-strategic-partnership-vn-az-2025")
    assert "both ways" in partnership.text


def test_below_the_timeline_visits_each_way_agreements_by_sector_bodies_statements(
    client: TestClient,
) -> None:
    page = get_page(client, "/relations/VN/AZ")
    text = page.response.text
    assert "Visits from Vietnam to Azerbaijan" in text
    assert "Visits from Azerbaijan to Vietnam" in text
    assert "/visits/official-visit-ilham-aliyev-vietnam-2014" in page.hrefs
    assert "/agreements?country=VN&country=AZ&sector=energy" in page.hrefs
    assert "/bodies/intergovernmental-committee-vn-az" in page.hrefs
    assert "/statements/east-sea-position-2025" in page.hrefs


def test_a_pair_with_more_visits_than_shown_links_to_all_of_them(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relations_queries, "SHOWN", 1)
    page = get_page(client, "/relations/VN/AZ")
    assert "The newest 1 of 4" in page.response.text
    assert "/api/v1/relations/VN/AZ/visits" in page.hrefs
    assert "/api/v1/relations/AZ/VN/visits" in page.hrefs


def test_any_spelling_of_the_codes_and_the_json_beside_it(client: TestClient) -> None:
    page = get_page(client, "/relations/vnm/az")
    assert page.all("link", rel="alternate", type="application/json")[0].attrs["href"] == (
        "/api/v1/relations/VN/AZ"
    )
    assert "/api/v1/relations/VN/AZ" in page.hrefs
    api = client.get("/api/v1/relations/VN/AZ")
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["countries"][0]["id"] == "VN"


def test_an_unknown_country_is_a_404_page(client: TestClient) -> None:
    page = get_page(client, "/relations/VN/XX", status=404)
    assert "XX" in page.response.text


def test_the_page_costs_the_same_statements_however_many_events(
    client: TestClient, session: Session, sql_log: list[str]
) -> None:
    get_page(client, "/relations/VN/AZ")
    before = len(sql_log)
    for n in range(3):
        make_agreement(session, id=f"pair-extra-{n}", date=f"200{n}", parties=("VN", "AZ"))
    sql_log.clear()
    page = get_page(client, "/relations/VN/AZ")
    assert "pair-extra-2" in {m["data-id"] for m in page.marks}
    assert len(sql_log) == before


def test_the_page_reads_the_timeline_once_and_finds_the_contacts_in_it(
    client: TestClient, sql_log: list[str]
) -> None:
    """Each reading of the timeline is a union of every kind of record (20 ms for a busy
    pair at a million agreements): the page reads it once, in one batch when it is short,
    and its earliest and latest contacts are among what it read."""
    get_page(client, "/relations/VN/AZ")
    assert len([s for s in sql_log if "UNION ALL" in s.upper()]) == 1


def test_a_timeline_too_long_to_draw_is_drawn_from_its_start_and_says_so(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relation_pages, "MAX_ENTRIES", 5)
    page = get_page(client, "/relations/VN/AZ")
    entries = api_timeline(client, "/api/v1/timeline?country=VN&country=AZ")
    assert [m["data-id"] for m in page.marks] == [e["id"] for e in entries[:5]]
    assert "more than 5 events" in page.response.text
    assert "/api/v1/timeline.csv?country=VN&country=AZ" in page.hrefs
