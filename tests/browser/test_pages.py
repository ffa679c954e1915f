"""The reader's pages in Chromium with networking blocked: a crawl of every link reachable
from `/` (no broken link, no request to another origin, no console error, no Content-
Security-Policy violation, no serious or critical axe-core violation on any page kind),
the keyboard's focus visible, and the guards those checks rely on shown to catch what they
look for."""

import re

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Response, expect

from tests.browser.crawl import Crawl
from tests.browser.harness import Offline, screenshot

pytestmark = pytest.mark.browser

AXE = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}
# Swagger UI and ReDoc are third-party bundles with policies of their own (inline script):
# the crawl checks their links and console, not their accessibility or their policy.
THIRD_PARTY = {"/docs", "/redoc"}
# The page kinds every crawl from `/` must reach (one that reached none would prove nothing).
PAGE_KINDS = {
    "/",
    "/relations/*/*",
    "/agreements",
    "/agreements?",
    "/agreements/*",
    "/visits/*",
    "/signatories/*",
    "/countries/*",
    "/sources/*",
    "/statements",
    "/statements/*",
}
RELATIONSHIP = "/relations/VN/AZ"
ENERGY_MOU = "mou-energy-vn-az-2025"
SOURCE = "vns-baku-signing-ceremony-2025"
FETCH_DIRECTIVES = ("default-src", "script-src", "style-src", "img-src", "connect-src", "font-src")
# Sources that name no other origin: the page's own, none, inline data, a hash or a keyword.
OWN_SOURCE = re.compile(r"'self'|'none'|data:|'sha(256|384|512)-[A-Za-z0-9+/=]+'|'unsafe-[a-z-]+'")
CSP_VIOLATION = re.compile(r"Content Security Policy", re.IGNORECASE)


def axe_violations(page: Page) -> list[str]:
    """Each serious or critical axe-core violation on the page: rule, impact, elements."""
    found = AXE.run(page).response["violations"]
    return [
        f"{page.url}: {rule['id']} ({rule['impact']}): {rule['help']} at "
        + ", ".join(str(node["target"]) for node in rule["nodes"][:5])
        for rule in found
        if rule["impact"] in BLOCKING_IMPACTS
    ]


def csp_problems(url: str, policy: str | None) -> list[str]:
    """What a page's Content-Security-Policy allows from another origin, or of inline
    script; the reader's pages must allow neither (a hash allows one exact inline style)."""
    if not policy:
        return [f"{url}: no Content-Security-Policy"]
    directives = {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }
    problems = []
    for name in FETCH_DIRECTIVES:
        values = directives.get(name, directives.get("default-src"))
        if values is None:
            problems.append(f"{url}: {name} not limited")
            continue
        others = [v for v in values if not OWN_SOURCE.fullmatch(v)]
        if name == "script-src":
            others += [v for v in values if v.startswith("'unsafe-")]
        if others:
            problems.append(f"{url}: {name} allows {others}")
    return problems


def test_every_page_reachable_from_the_root_works_offline(
    page: Page, base_url: str, offline: Offline
) -> None:
    crawl = Crawl(base_url)
    inaccessible: list[str] = []
    policies: list[str] = []
    checked: set[str] = set()

    def check(page: Page, response: Response, kind: str) -> None:
        if kind in checked or kind in THIRD_PARTY:
            return
        checked.add(kind)
        inaccessible.extend(axe_violations(page))
        policy = response.headers.get("content-security-policy")
        policies.extend(csp_problems(response.url, policy))

    crawl.run(page, check)
    kinds = set(crawl.rendered.values())
    assert PAGE_KINDS - kinds == set(), f"the crawl from / never reached {PAGE_KINDS - kinds}"
    csp = [message for message in offline.console if CSP_VIOLATION.search(message)]
    problems = {
        "broken links": crawl.broken,
        "serious or critical axe-core violations": inaccessible,
        "Content-Security-Policy headers": policies,
        "Content-Security-Policy violations": csp,
    }
    report = [f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items() if found]
    assert report == [], "\n".join(report)
    offline.assert_clean()


def test_a_focused_link_is_visible(page: Page, base_url: str, offline: Offline) -> None:
    """Tab to the first link: it must look different focused than not."""
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.evaluate("e => e.tagName") == "A"
    box = focused.bounding_box()
    assert box is not None
    clip = {
        "x": max(box["x"] - 6, 0),
        "y": max(box["y"] - 6, 0),
        "width": box["width"] + 12,
        "height": box["height"] + 12,
    }
    with_focus = page.screenshot(clip=clip, animations="disabled", caret="hide")
    focused.evaluate("e => e.blur()")
    without = page.screenshot(clip=clip, animations="disabled", caret="hide")
    assert with_focus != without, "the focused link looks the same as when not focused"
    offline.assert_clean()


def test_axe_reports_an_image_without_a_text_alternative(page: Page, base_url: str) -> None:
    """The accessibility check the crawl relies on does fail a page."""
    page.goto(base_url + "/")
    page.evaluate(
        "() => document.querySelector('h1').append("
        "Object.assign(document.createElement('img'), {src: 'data:image/gif;base64,R0lGODlhAQABAAAAACw='}))"
    )
    assert any(": image-alt (critical)" in found for found in axe_violations(page))


def test_the_console_guard_sees_a_policy_violation(
    page: Page, base_url: str, offline: Offline
) -> None:
    """An inline script on a page whose policy forbids it is reported in the console, where
    the crawl looks for violations."""
    page.goto(base_url + "/health")
    page.evaluate(
        "() => document.body.appendChild("
        "Object.assign(document.createElement('script'), {textContent: 'window.ran = 1'}))"
    )
    assert page.evaluate("() => window.ran") is None
    page.wait_for_function("() => true")
    assert any(CSP_VIOLATION.search(message) for message in offline.console), offline.console
    offline.console.clear()


def timeline_entries(base_url: str, a: str, b: str) -> list[tuple[str, str, str]]:
    """The dated entries of `/api/v1/timeline` for two countries, every page of it."""
    entries: list[dict[str, str | None]] = []
    params: dict[str, object] = {"country": [a, b], "limit": 100}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while True:
            page = client.get("/api/v1/timeline", params=params).raise_for_status().json()
            entries += page["items"]
            if not page.get("next_cursor"):
                break
            params["cursor"] = page["next_cursor"]
    return sorted((e["kind"], e["id"], e["date"]) for e in entries if e["date"])


MARKS_JS = """svg => [...svg.querySelectorAll("a.mark")].map(a => [
    a.dataset.kind, a.dataset.id, a.dataset.date, a.getAttribute("href"),
    a.querySelector("title")?.textContent ?? "",
])"""


def test_the_timeline_marks_are_the_relations_dated_events(
    page: Page, base_url: str, offline: Offline
) -> None:
    page.goto(f"{base_url}{RELATIONSHIP}")
    timeline = page.locator("svg.timeline")
    expect(timeline).to_be_visible()
    marks = timeline.evaluate(MARKS_JS)
    assert sorted((kind, id_, date) for kind, id_, date, _, _ in marks) == timeline_entries(
        base_url, "VN", "AZ"
    )
    assert ("agreement", ENERGY_MOU) in {(kind, id_) for kind, id_, *_ in marks}
    for kind, id_, _, href, title in marks:
        assert href.endswith(id_), (kind, id_, href)  # its page, or its milestone here
        assert title.strip(), f"the mark of {id_} has no <title>"
    screenshot(page, "relationship-vn-az.png")
    offline.assert_clean()


def test_a_source_page_highlights_its_quotes(page: Page, base_url: str, offline: Offline) -> None:
    page.goto(f"{base_url}/sources/{SOURCE}")
    quotes = page.locator("mark[id^='citation-']")
    expect(quotes.first).to_be_visible()
    quotes.first.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -120)")
    screenshot(page, "source-page.png")
    offline.assert_clean()
