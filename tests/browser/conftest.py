"""The browser tests' setup: the app served by uvicorn on a free loopback port, on its own
migrated and seeded SQLite file, and Debian's headless Chromium driven by Playwright, with
every request that would leave the machine blocked.

Without Chromium, Playwright or axe-core (the `browser` extra) the whole folder is skipped
(`make browser-deps` installs them); CI sets BROWSER_TESTS=required so that a missing browser
fails the run instead."""

import os
from collections.abc import Iterator
from importlib.util import find_spec

import pytest

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, VIEWPORT, Offline
from tests.servers import seed_database, serve

SKIP_REASON = (
    "browser tests skipped: install Debian's chromium and the `browser` extra (make browser-deps)"
)
if not CHROMIUM.exists() or None in (find_spec("playwright"), find_spec("axe_playwright_python")):
    if os.environ.get("BROWSER_TESTS") == "required":
        pytest.fail(SKIP_REASON.replace("skipped", "required"), pytrace=False)
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

# expect() keeps its own 5 s default, which the context's timeout does not change: on a
# loaded machine ReDoc was still "Loading ..." after 5 s.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated and seeded SQLite file, whatever TEST_DATABASE_URL says."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db')}/treaty.sqlite"
    seed_database(url)
    return url


@pytest.fixture(scope="session")
def base_url(database_url: str) -> Iterator[str]:
    """The app served by uvicorn in a thread."""
    with serve(database_url) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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
    return offline.watch(context.new_page())
