"""/docs and /redoc in headless Chromium (Debian's `chromium`, driven by Playwright), with
every request that leaves the machine blocked: the pages work offline.

The app runs in uvicorn on a free loopback port, on its own migrated and seeded SQLite file.
The screenshots land in docs/screenshots/ for the README.
"""

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.curation.keys import create_key
from app.db import make_engine, transaction
from tests.servers import seed_database, serve

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = (
    "browser tests skipped: install Debian's chromium and `pip install playwright` "
    "(make browser-deps)"
)
# CI sets BROWSER_TESTS=required so that a missing browser fails the run instead of skipping it.
_missing = not CHROMIUM.exists()
try:
    from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright
    from playwright.sync_api import Error as PlaywrightError
except ImportError:
    _missing = True
if _missing:
    if os.environ.get("BROWSER_TESTS") == "required":
        pytest.fail(SKIP_REASON.replace("skipped", "required"), pytrace=False)
    pytest.skip(SKIP_REASON, allow_module_level=True)

pytestmark = pytest.mark.browser

# `make screenshots` refreshes the README's pictures; plain test runs keep the tree clean.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="treaty-shots-"))
VIEWPORT = {"width": 1280, "height": 900}
# Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 20_000
# expect() keeps its own 5 s default, which the context's timeout does not change: on a
# loaded machine ReDoc was still "Loading ..." after 5 s.
expect.set_options(timeout=TIMEOUT_MS)
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
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated and seeded SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db')}/treaty.sqlite"
    seed_database(url)
    return url


@pytest.fixture(scope="module")
def base_url(database_url: str) -> Iterator[str]:
    """The app served by uvicorn in a thread."""
    with serve(database_url) as url:
        yield url


@pytest.fixture(scope="module")
def write_key(database_url: str) -> str:
    engine = make_engine(database_url)
    with transaction(engine) as session:
        secret = create_key(session, "browser-curator", "write")[1]
    engine.dispose()
    return secret


@pytest.fixture(scope="module")
def operation_summaries(base_url: str) -> list[str]:
    spec = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    return [op["summary"] for item in spec["paths"].values() for op in item.values()]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Offline:
    """Aborts every request whose host is not the loopback, and remembers it; collects the
    pages' uncaught script errors too."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.served: list[str] = []
        self.errors: list[str] = []

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests that would leave the machine: {self.blocked}"
        assert self.errors == [], f"script errors: {self.errors}"

    def __call__(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob"} or parts.hostname in LOOPBACK:
            self.served.append(url)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline() -> Offline:
    return Offline()


@pytest.fixture
def context(browser: Browser, offline: Offline) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", offline)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, offline: Offline) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: offline.errors.append(str(error)))
    return page


def _screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=path, full_page=False, animations="disabled", caret="hide")
    assert path.stat().st_size > 10_000, f"{path} looks blank"
    return path


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
    _screenshot(page, "swagger-agreements-az.png")
    offline.assert_clean()


def test_redoc_renders_every_operation(
    page: Page, base_url: str, offline: Offline, operation_summaries: list[str]
) -> None:
    page.goto(f"{base_url}/redoc")
    expect(page.locator("h2", has_text="List agreements")).to_be_visible()
    headings = {text.strip() for text in page.locator("h2").all_inner_texts()}
    assert sorted(set(operation_summaries) - headings) == []
    assert f"{base_url}/_assets/redoc.standalone.js" in offline.served
    _screenshot(page, "redoc.png")
    offline.assert_clean()


def test_offline_blocks_the_network(context: BrowserContext, offline: Offline) -> None:
    """The guard the other tests rely on does stop a request to another host."""
    page = context.new_page()
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        page.goto("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css")
    assert offline.blocked == ["https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"]
    offline.blocked.clear()


def test_a_curator_adds_an_agreement_from_swagger_ui(
    page: Page, base_url: str, offline: Offline, write_key: str
) -> None:
    """Authorize with a write key, then POST a cited agreement with "Try it out"."""
    page.goto(f"{base_url}/docs")
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
    assert httpx.get(f"{base_url}/api/v1/agreements/mou-swagger-test").status_code == 200
    assert offline.blocked == [] and offline.errors == []
