"""Reading pages in tests without a browser: the HTML parsed once, its elements checked for
nesting, its links, ids, headings and timeline marks."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from httpx import Response

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Page:
    response: Response
    elements: list[Element] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Tags closed out of order or left open: HTML a browser would have to repair."""

    def all(self, tag: str, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    @property
    def ids(self) -> set[str]:
        return {e.attrs["id"] for e in self.elements if "id" in e.attrs}

    @property
    def hrefs(self) -> list[str]:
        return [e.attrs["href"] for e in self.elements if "href" in e.attrs]

    @property
    def marks(self) -> list[dict[str, str]]:
        """The timeline's marks: each `<a class="mark">` inside `<svg class="timeline">`."""
        return [
            e.attrs
            for e in self.elements
            if e.tag == "a" and "mark" in e.attrs.get("class", "").split()
        ]


class _Reader(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.page.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1].tag != tag:
            self.page.problems.append(f"</{tag}> closes <{self.open[-1].tag if self.open else ''}>")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def read(response: Response) -> Page:
    page = Page(response)
    reader = _Reader(page)
    reader.feed(response.text)
    reader.close()
    page.problems += [f"<{e.tag}> left open" for e in reader.open]
    return page


def get_page(client: TestClient, url: str, status: int = 200) -> Page:
    """The page at `url`, asked for as a browser does, checked for what every page must be:
    HTML with its policy, one h1, a language, well nested, no id twice."""
    response = client.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == status, (url, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src" not in response.headers["content-security-policy"]
    page = read(response)
    assert page.problems == [], (url, page.problems[:5])
    assert len(page.all("h1")) == 1, url
    assert page.all("html")[0].attrs.get("lang") == "en"
    ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1)[:5])
    return page
