"""A bounded crawl of the app's pages in Chromium: every same-origin link reachable from `/`
is checked, and the HTML pages among them rendered, a few of each path pattern.

Every link found (an `<a>`, a `<link>`, an image or a form's action) is fetched once with
Playwright's request client: it must answer below 400, and a link to `#anchor` of an HTML
page must find that id there (unless the page runs script, which may route fragments).
HTML answers are then opened in the browser tab, at most `per_pattern` of each pattern
(`/agreements/*`, `/relations/*/*`, and `/agreements?` for the list with any query string),
so that a list's facet and paging links do not walk the whole database. JSON, CSV and the
like are checked, never rendered."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

# Every URL an element of the page points at, absolute (an SVG link's `href` is no string:
# each is resolved from its attribute).
LINKS_JS = """() => {
    const url = (value) => new URL(value, document.baseURI).href;
    const attribute = (selector, name) =>
        [...document.querySelectorAll(selector)].map(e => url(e.getAttribute(name)));
    return [
        ...attribute("a[href], link[href], area[href]", "href"),
        ...attribute("img[src], script[src], source[src]", "src"),
        ...[...document.querySelectorAll("form")].map(f => url(f.getAttribute("action") ?? "")),
    ];
}"""


def pattern(url: str) -> str:
    """The path with every segment after the first made `*`, and `?` if it has a query:
    `/agreements/mou-x` -> `/agreements/*`, `/agreements?country=VN` -> `/agreements?`."""
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    path = "/" + "/".join(segments[:1] + ["*"] * (len(segments) - 1))
    return path + ("?" if parts.query else "")


@dataclass
class Fetched:
    status: int
    content_type: str
    body: str  # HTML without script only, for its anchors (a script app routes fragments)


@dataclass
class Crawl:
    """What a crawl found. `rendered` maps each page opened in the tab to its pattern."""

    origin: str
    per_pattern: int = 3
    fetched: dict[str, Fetched] = field(default_factory=dict)
    rendered: dict[str, str] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)

    def run(self, page: Page, on_page: Callable[[Page, Response, str], None]) -> None:
        """Crawl from `/`; `on_page(page, response, pattern)` runs on each rendered page."""
        start = self.origin + "/"
        self._fetch(page, start, "(start)")
        queue = deque([start])
        per_pattern: Counter[str] = Counter()
        while queue:
            url = queue.popleft()
            kind = pattern(url)
            if per_pattern[kind] >= self.per_pattern:
                continue
            per_pattern[kind] += 1
            response = page.goto(url)
            assert response is not None, url
            if page.evaluate("() => document.scripts.length"):  # it may add links after load
                page.wait_for_load_state("networkidle")
            if response.status >= 400:
                self.broken.append(f"{url}: {response.status} in the browser")
                continue
            self.rendered[url] = kind
            on_page(page, response, kind)
            for link in page.evaluate(LINKS_JS):
                target, anchor = urldefrag(link)
                if not target.startswith(self.origin + "/") or (target == url and not anchor):
                    continue
                fresh = target not in self.fetched
                fetched = self._fetch(page, target, url)
                if anchor and fetched.body and f'id="{anchor}"' not in fetched.body:
                    self.broken.append(f"{link} (on {url}): no element with id {anchor!r}")
                if fresh and fetched.status < 400 and fetched.content_type == "text/html":
                    queue.append(target)

    def _fetch(self, page: Page, url: str, referrer: str) -> Fetched:
        if url in self.fetched:
            return self.fetched[url]
        response = page.request.get(url, headers={"Accept": "text/html,*/*;q=0.8"})
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        body = response.text() if content_type == "text/html" else ""
        if "<script" in body:
            body = ""
        self.fetched[url] = Fetched(response.status, content_type, body)
        if response.status >= 400:
            self.broken.append(f"{url} (linked from {referrer}): {response.status}")
        return self.fetched[url]
