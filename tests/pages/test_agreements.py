"""/agreements (the list, like Datasette's) and /agreements/{id}."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Citation
from app.schemas.common import citation_id
from tests.factories import make_agreement, make_event
from tests.pages.html import get_page
from tests.pages.records import fact, record_page

JOINT_STATEMENT = "strategic-partnership-declaration-vn-az-2025"

CITATION_ID_COLUMNS = ("record_type", "record_id", "field", "source_id", "quote")


def test_the_joint_statement_with_each_value_and_how_it_is_known(
    client: TestClient, session: Session
) -> None:
    page = record_page(client, f"/agreements/{JOINT_STATEMENT}")
    assert page.all("h1")[0].text.startswith("Declaration on the Establishment of a Strategic")
    # A cited value: its quote, linked to the passage on its source's page.
    citation = session.scalars(
        select(Citation).where(Citation.record_id == JOINT_STATEMENT, Citation.field == "parties")
    ).one()
    parties = fact(page, "party_codes")
    assert "between the Republic of Azerbaijan and the Socialist Republic" in parties
    assert citation.quote in parties
    anchor = citation_id(*(getattr(citation, c) for c in CITATION_ID_COLUMNS))
    assert f"/sources/{citation.source_id}#citation-{anchor}" in page.hrefs
    # An inferred value: its reason.
    references = fact(page, "references")
    assert "United Nations Convention on the Law of the Sea" in references
    assert "inferred" in references
    assert "inferred" in fact(page, "date")
    assert "2025–27 period" in fact(page, "date")
    assert "/agreements/unclos-1982" in page.hrefs
    assert "/visits/state-visit-to-lam-azerbaijan-2025" in page.hrefs


def test_discrepancies_side_by_side_with_each_readings_quote(client: TestClient) -> None:
    page = record_page(client, f"/agreements/{JOINT_STATEMENT}")
    readings = page.all("div", class_="reading")
    assert len(readings) >= 2
    assert any("Joint Statement" in r.text for r in readings)
    assert any(h.startswith("/sources/") and "#reading-" in h for h in page.hrefs)


def test_each_partys_actions_with_their_quotes(client: TestClient) -> None:
    page = record_page(client, "/agreements/mou-energy-vn-az-2025")
    assert "event-mou-energy-vn-az-2025--signature--AZ" in page.ids


def test_an_unknown_agreement_is_a_404_page_and_the_api_keeps_its_problem(
    client: TestClient,
) -> None:
    page = get_page(client, "/agreements/no-such-agreement", status=404)
    assert "no-such-agreement" in page.response.text
    api = client.get("/api/v1/agreements/no-such-agreement")
    assert api.headers["content-type"] == "application/problem+json"


def test_the_list_has_its_filters_as_a_labelled_form(client: TestClient) -> None:
    page = get_page(client, "/agreements?country=AZ&sector=energy")
    labels = {label.attrs["for"] for label in page.all("label")}
    fields = [e for e in page.elements if e.tag in ("input", "select")]
    assert fields and all(f.attrs["id"] in labels for f in fields)
    assert [f.attrs.get("value") for f in fields if f.attrs["name"] == "country"] == ["AZ", ""]
    assert "/agreements/mou-energy-vn-az-2025" in page.hrefs
    assert "/agreements/mou-culture-vn-az-2025" not in page.hrefs
    assert "/api/v1/agreements.csv?country=AZ&sector=energy" in page.hrefs
    assert page.all("link", rel="alternate")[0].attrs["href"] == (
        "/api/v1/agreements?country=AZ&sector=energy"
        "&include=parties,sectors&facets=country,sector,kind,year"
    )


@pytest.mark.parametrize(
    "path, query",
    [
        ("/agreements", "country=AZ&include=citations&facets=sector"),
        ("/statements", "country=AZ&facets=sector"),
    ],
)
def test_the_json_beside_a_list_holds_what_the_page_shows(
    client: TestClient, path: str, query: str
) -> None:
    """Its four facets, and the agreements' parties and sectors, whatever the query asked."""
    page = get_page(client, f"{path}?{query}")
    [alternate] = page.all("link", rel="alternate", type="application/json")
    body = client.get(alternate.attrs["href"]).json()
    assert set(body["facets"]) == {"country", "sector", "kind", "year"}
    sectors = [f["value"] for f in body["facets"]["sector"]][:3]  # the most common, shown
    assert sectors and all(f"{path}?{query}&sector={s}" in page.hrefs for s in sectors)
    if path == "/agreements":
        assert all("parties" in i and "sectors" in i for i in body["items"])
        assert not any("citations" in i for i in body["items"])


def test_facet_counts_are_links_that_add_the_filter(client: TestClient) -> None:
    page = get_page(client, "/agreements?country=AZ")
    assert "/agreements?country=AZ&sector=energy" in page.hrefs
    assert "/agreements?country=AZ&kind=mou" in page.hrefs
    assert "/agreements?country=AZ&date_from=1959&date_to=1959" in page.hrefs
    assert "/agreements?country=AZ&country=AZ" not in page.hrefs
    narrowed = get_page(client, "/agreements?country=AZ&date_from=1959&date_to=1959")
    assert "/agreements/agreement-vietnamese-students-azerbaijan-ssr-1959" in narrowed.hrefs
    assert "/agreements/mou-energy-vn-az-2025" not in narrowed.hrefs


def test_pages_follow_the_apis_cursors(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/agreements?country=VN&country=AZ&limit=4"
    api = client.get("/api/v1/agreements?country=VN&country=AZ&limit=100").json()
    while url:
        page = get_page(client, url)
        seen += [
            h.rsplit("/", 1)[1] for h in page.hrefs if h.startswith("/agreements/") and "?" not in h
        ]
        following = [a.attrs["href"] for a in page.all("a", rel="next")]
        url = following[0] if following else None
        if url:
            assert dict(parse_qsl(urlsplit(url).query))["cursor"]
    assert seen == [row["id"] for row in api["items"]]


def test_bad_filters_are_a_page_naming_the_parameter(client: TestClient) -> None:
    for query, parameter in (
        ("country=XX", "country"),
        ("limit=abc", "limit"),
        ("date_from=2025-13", "date_from"),
        ("cursor=forged", "cursor"),
        ("bogus=1", "bogus"),
    ):
        page = get_page(client, f"/agreements?{query}", status=422)
        assert f"<code>{parameter}</code>" in page.response.text, query


def test_empty_form_fields_are_ignored(client: TestClient) -> None:
    page = get_page(client, "/agreements?country=VN&sector=&kind=&date_from=&q=")
    assert "/agreements/mou-energy-vn-az-2025" in page.hrefs


def test_the_list_costs_the_same_statements_for_a_longer_page(
    client: TestClient, session: Session, sql_log: list[str]
) -> None:
    for n in range(6):
        make_agreement(session, id=f"list-extra-{n}", parties=("FR", "DE"), sectors=("energy",))
    sql_log.clear()
    get_page(client, "/agreements?country=FR&limit=2")
    short = len(sql_log)
    sql_log.clear()
    get_page(client, "/agreements?country=FR&limit=6")
    assert len(sql_log) == short


def test_an_action_of_every_party_names_no_country(client: TestClient, session: Session) -> None:
    make_agreement(session, id="adopted-together", parties=("VN", "AZ"))
    make_event(session, "adopted-together", "adoption", "2010")
    page = get_page(client, "/agreements/adopted-together")
    assert "event-adopted-together--adoption--all" in page.ids
    assert "/countries/None" not in page.hrefs
    assert "by every party" in page.response.text
