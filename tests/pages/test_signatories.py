"""/signatories/{id}."""

from fastapi.testclient import TestClient

from tests.pages.html import get_page
from tests.pages.records import fact, record_page


def test_president_aliyev_with_his_agreements_and_aliases(client: TestClient) -> None:
    page = record_page(client, "/signatories/ilham-aliyev")
    assert page.all("h1")[0].text == "Ilham Aliyev"
    assert "/countries/AZ" in page.hrefs
    assert "/agreements/mou-energy-vn-az-2025" in page.hrefs
    assert "President Ilham Aliyev" in fact(page, "aliases")


def test_an_unknown_signatory_is_a_404_page(client: TestClient) -> None:
    get_page(client, "/signatories/nobody", status=404)
