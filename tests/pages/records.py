"""What every record page must show: its JSON beside it, and each value with how it is known."""

from fastapi.testclient import TestClient

from tests.pages.html import Page, get_page


def record_page(client: TestClient, path: str) -> Page:
    """The page at `path`, with its JSON linked both ways (`<link rel=alternate>` and a
    visible link) to the API's record, which answers."""
    page = get_page(client, path)
    alternate = page.all("link", rel="alternate", type="application/json")
    assert [a.attrs["href"] for a in alternate] == [f"/api/v1{path}"]
    assert f"/api/v1{path}" in page.hrefs
    assert client.get(f"/api/v1{path}").status_code == 200
    return page


def fact(page: Page, name: str) -> str:
    """The text of one field's entry: its value and how it is known."""
    return page.all("div", id=f"field-{name}")[0].text
