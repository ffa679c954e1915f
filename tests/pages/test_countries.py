"""/countries/{code}: reference data with its dataset."""

from fastapi.testclient import TestClient

from tests.pages.html import get_page
from tests.pages.records import fact, record_page


def test_azerbaijan_with_its_reference_data_and_its_predecessor(client: TestClient) -> None:
    page = record_page(client, "/countries/AZ")
    identifiers = fact(page, "external_ids")
    assert "iso3166_alpha3: AZE" in identifiers
    assert "reference" in identifiers and "ISO 3166-1 (pycountry)" in identifiers
    assert "/countries/azerbaijan-ssr" in page.hrefs
    assert "Azərbaycan" in fact(page, "names")


def test_the_azerbaijan_ssr_links_to_its_successor(client: TestClient) -> None:
    page = record_page(client, "/countries/azerbaijan-ssr")
    assert "/countries/AZ" in page.hrefs


def test_an_unknown_country_is_a_404_page(client: TestClient) -> None:
    get_page(client, "/countries/XX", status=404)
