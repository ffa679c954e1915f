"""/bodies/{id}: a standing body, and where the sources name it differently."""

from fastapi.testclient import TestClient

from tests.pages.records import record_page


def test_the_intergovernmental_committee_and_its_names(client: TestClient) -> None:
    page = record_page(client, "/bodies/intergovernmental-committee-vn-az")
    assert "/countries/VN" in page.hrefs
    assert "discrepancy-intergovernmental-body-name" in page.ids
