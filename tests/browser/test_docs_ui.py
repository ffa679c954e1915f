"""/docs and /redoc in headless Chromium with every request that leaves the machine blocked:
the pages work offline (the setup is in conftest.py). The screenshots land in
docs/screenshots/ for the README and the docs site when SCREENSHOT_DIR says so (`make screenshots`).
"""

import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from app.curation.keys import create_key
from app.db import make_engine, transaction
from tests.browser.harness import Offline, screenshot
from tests.servers import seed_database, serve

pytestmark = pytest.mark.browser

LIST_AGREEMENTS = "#operations-agreements-list_agreements"
ENERGY_MOU = "mou-energy-vn-az-2025"
SCROLL_TO_TEXT = """(element, text) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        if (walker.currentNode.textContent.includes(text)) {
            walker.currentNode.parentElement.scrollIntoView({block: "center"});
            return;
        }
    }
}"""


@pytest.fixture(scope="module")
def curators_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of its own for the test that writes: the other pages (and the README's
    screenshots) show the curated records only."""
    url = f"sqlite:///{tmp_path_factory.mktemp('curator-db')}/treaty.sqlite"
    seed_database(url)
    return url


@pytest.fixture(scope="module")
def curators_base_url(curators_database_url: str) -> Iterator[str]:
    with serve(curators_database_url) as url:
        yield url


@pytest.fixture(scope="module")
def write_key(curators_database_url: str) -> str:
    engine = make_engine(curators_database_url)
    with transaction(engine) as session:
        secret = create_key(session, "browser-curator", "write")[1]
    engine.dispose()
    return secret


@pytest.fixture(scope="module")
def operation_summaries(base_url: str) -> list[str]:
    spec = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    return [op["summary"] for item in spec["paths"].values() for op in item.values()]


def test_swagger_ui_answers_agreements_with_azerbaijan(
    page: Page, base_url: str, offline: Offline, operation_summaries: list[str]
) -> None:
    page.goto(f"{base_url}/docs")
    expect(page.locator(".opblock")).to_have_count(len(operation_summaries))
    assert f"{base_url}/_assets/swagger-ui-bundle.js" in offline.served

    operation = page.locator(LIST_AGREEMENTS)
    operation.locator(".opblock-summary-control").click()
    try_out = operation.locator(".try-out__btn")
    # `tryItOutEnabled` opens the form at once (the button then reads "Cancel").
    if try_out.inner_text().strip() == "Try it out":
        try_out.click()
    expect(try_out).to_have_text("Cancel")

    country = operation.locator("tr[data-param-name='country'][data-param-in='query']")
    items = country.locator(".json-schema-form-item")
    while items.count():
        items.first.locator(".json-schema-form-item-remove").click()
    country.get_by_role("button", name="Add string item").click()
    expect(items).to_have_count(1)
    items.first.locator("input").fill("AZ")

    operation.locator("button.execute").click()
    request_url = operation.locator(".request-url pre")
    expect(request_url).to_contain_text("/api/v1/agreements?")
    expect(request_url).to_contain_text("country=AZ")
    live = operation.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("200")
    body = live.locator("tr.response .response-col_description pre").first
    expect(body).to_contain_text(ENERGY_MOU)

    # The screenshot shows the request URL, the status and the energy MoU in the body.
    body.evaluate(SCROLL_TO_TEXT, ENERGY_MOU)
    operation.locator(".request-url").evaluate(
        "e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -24); }"
    )
    screenshot(page, "swagger-agreements-az.png")
    offline.assert_clean()


def test_redoc_renders_every_operation(
    page: Page, base_url: str, offline: Offline, operation_summaries: list[str]
) -> None:
    page.goto(f"{base_url}/redoc")
    expect(page.locator("h2", has_text="List agreements")).to_be_visible()
    headings = {text.strip() for text in page.locator("h2").all_inner_texts()}
    assert sorted(set(operation_summaries) - headings) == []
    assert f"{base_url}/_assets/redoc.standalone.js" in offline.served
    screenshot(page, "redoc.png")
    offline.assert_clean()


def test_offline_blocks_the_network(page: Page, offline: Offline) -> None:
    """The guard the other tests rely on does stop a request to another host."""
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        page.goto("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css")
    assert offline.blocked == ["https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"]
    offline.blocked.clear()


def test_a_curator_adds_an_agreement_from_swagger_ui(
    page: Page, curators_base_url: str, offline: Offline, write_key: str
) -> None:
    """Authorize with a write key, then POST a cited agreement with "Try it out"."""
    page.goto(f"{curators_base_url}/docs")
    page.locator("button.authorize").first.click()
    dialog = page.locator(".dialog-ux")
    dialog.locator("input").first.fill(write_key)
    dialog.locator("button.modal-btn.authorize").first.click()
    dialog.locator("button.modal-btn.btn-done").first.click()

    operation = page.locator("#operations-agreements-create_agreement")
    operation.locator(".opblock-summary-control").click()
    # Once open, the form also shows a "Reset" button of the same class: take the first.
    try_out = operation.locator(".try-out__btn").first
    if try_out.inner_text().strip() == "Try it out":
        try_out.click()
    operation.locator("textarea.body-param__text").fill(
        json.dumps(
            {
                "id": "mou-swagger-test",
                "title": "MoU added from Swagger UI",
                "kind": "mou",
                "parties": [{"country": "VN"}, {"country": "AZ"}],
                "citations": [
                    {
                        "source": "vns-baku-signing-ceremony-2025",
                        "quote": "signed a memorandum of understanding",
                        "field": field,
                    }
                    for field in (None, "kind", "parties")
                ],
            }
        )
    )
    operation.locator("button.execute").click()
    live = operation.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("201")
    assert httpx.get(f"{curators_base_url}/api/v1/agreements/mou-swagger-test").status_code == 200
    offline.assert_clean()
