"""/statements (the list) and /statements/{id}."""

from fastapi.testclient import TestClient

from tests.pages.html import get_page
from tests.pages.records import fact, record_page


def test_a_statement_with_its_speaker_and_what_it_invokes(client: TestClient) -> None:
    page = record_page(client, "/statements/east-sea-position-2025")
    assert "/agreements/unclos-1982" in page.hrefs
    assert "inferred" in fact(page, "date")


def test_a_remark_by_president_aliyev(client: TestClient) -> None:
    page = record_page(client, "/statements/aliyev-balanced-trade-2025")
    assert "/signatories/ilham-aliyev" in page.hrefs
    assert "expressed hope" in fact(page, "kind")


def test_the_list_with_its_filters(client: TestClient) -> None:
    page = get_page(client, "/statements?country=AZ&sector=logistics")
    assert "/statements/aliyev-education-logistics-2025" in page.hrefs
    assert "/statements/vn-more-students-2025" not in page.hrefs
    assert "/api/v1/statements.csv?country=AZ&sector=logistics" in page.hrefs
    assert client.get("/api/v1/statements.csv?country=AZ&sector=logistics").status_code == 200


def test_a_bad_kind_is_a_page_naming_it(client: TestClient) -> None:
    page = get_page(client, "/statements?kind=shout", status=422)
    assert "<code>kind</code>" in page.response.text


def test_an_unknown_statement_is_a_404_page(client: TestClient) -> None:
    get_page(client, "/statements/no-such-statement", status=404)
