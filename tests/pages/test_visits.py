"""/visits/{id}: the 2025 state visit, each value with how it is known."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_agreement
from tests.pages.html import get_page
from tests.pages.records import fact, record_page

STATE_VISIT = "state-visit-to-lam-azerbaijan-2025"


def test_the_2025_state_visit(client: TestClient) -> None:
    page = record_page(client, f"/visits/{STATE_VISIT}")
    assert page.all("h1")[0].text == "State visit of General Secretary Tô Lâm to Azerbaijan"
    assert "/signatories/to-lam" in page.hrefs
    assert "During To Lam’s visit to Azerbaijan" in fact(page, "host_country_id")
    assert "cited" in fact(page, "host_country_id")
    assert "inferred" in fact(page, "date")
    assert "/agreements/mou-energy-vn-az-2025" in fact(page, "agreements") or (
        "/agreements/mou-energy-vn-az-2025" in page.hrefs
    )
    assert "discrepancy-baku-ceremony-year" in page.ids


def test_the_1959_visit_says_its_countries_are_the_curators_reading(client: TestClient) -> None:
    page = record_page(client, "/visits/visit-ho-chi-minh-azerbaijan-1959")
    assert "the curators' reading" in fact(page, "host_country_id")
    assert "/countries/azerbaijan-ssr" in page.hrefs


def test_an_unknown_visit_is_a_404_page(client: TestClient) -> None:
    get_page(client, "/visits/no-such-visit", status=404)


def test_a_visit_with_more_agreements_costs_no_more_statements(
    client: TestClient, session: Session, sql_log: list[str]
) -> None:
    visit = "visit-ho-chi-minh-azerbaijan-1959"
    get_page(client, f"/visits/{visit}")
    few = len(sql_log)
    for n in range(3):
        make_agreement(session, id=f"signed-during-{n}", parties=("VN", "AZ")).visit_id = visit
    session.flush()
    sql_log.clear()
    page = get_page(client, f"/visits/{visit}")
    assert "/agreements/signed-during-2" in page.hrefs
    assert len(sql_log) == few
