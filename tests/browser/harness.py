"""What the browser tests share beyond their fixtures: Chromium's flags, the guard that keeps
every request on the loopback and collects what went wrong, and the screenshots."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # imported by conftest.py before it knows Playwright is installed
    from playwright.sync_api import ConsoleMessage, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
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
VIEWPORT = {"width": 1280, "height": 900}
LOOPBACK = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 20_000
# `make screenshots` refreshes the README's and the docs site's pictures; plain test runs keep the tree clean.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="treaty-shots-"))


class Offline:
    """Aborts every request whose host is not the loopback, and remembers it; collects the
    pages' uncaught script errors and console errors (Chromium reports a Content-Security-
    Policy violation there) too."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.served: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        return page

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests that would leave the machine: {self.blocked}"
        assert self.errors == [], f"script errors: {self.errors}"
        assert self.console == [], f"console errors: {self.console}"

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def __call__(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob"} or parts.hostname in LOOPBACK:
            self.served.append(url)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    """`name` under SCREENSHOT_DIR (a temporary folder unless set)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    assert path.stat().st_size > 10_000, f"{path} looks blank"
    return path
