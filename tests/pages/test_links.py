"""Every link of every page reachable from `/` answers 200, and every `#fragment` names an id
on the page it links to: a link check without a browser (the browser tests crawl too)."""

from collections import deque
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.pages.html import Page, get_page

PAGES = ("/", "/agreements", "/statements", "/relations/", "/sources/", "/visits/")
RECORDS = ("/agreements/", "/statements/", "/visits/", "/signatories/", "/countries/", "/bodies/")


def is_page(path: str) -> bool:
    return path in PAGES or path.startswith(PAGES[3:] + RECORDS)


def test_every_link_reachable_from_the_start_resolves(client: TestClient) -> None:
    pages: dict[str, Page] = {}
    others: set[str] = set()
    fragments: set[tuple[str, str]] = set()
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        if url in pages:
            continue
        page = pages[url] = get_page(client, url)
        for href in page.hrefs:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, f"{url} links elsewhere: {href}"
            target = (parts.path or urlsplit(url).path) + (f"?{parts.query}" if parts.query else "")
            if parts.fragment:
                fragments.add((target, parts.fragment))
            # Lists are crawled unfiltered; a filtered list (a facet, a page) is only fetched,
            # or the combinations of filters would never end.
            if is_page(parts.path) and not parts.query:
                queue.append(target)
            elif target not in pages:
                others.add(target)
    for target in sorted(others - set(pages)):
        page_like = is_page(urlsplit(target).path)
        if page_like:
            pages[target] = get_page(client, target)
        else:
            assert client.get(target).status_code == 200, target
    for target, fragment in sorted(fragments):
        assert fragment in pages[target].ids, f"{target}#{fragment}"
    crawled = {urlsplit(u).path for u in pages}
    assert {"/relations/VN/AZ", "/sources/vns-baku-signing-ceremony-2025"} <= crawled
    assert "/visits/state-visit-to-lam-azerbaijan-2025" in crawled
    assert any(f.startswith("citation-") for _, f in fragments)
