"""The source page: the whole text, every quoted passage highlighted and anchored, valid HTML
however the quotes overlap."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Citation, Source
from app.pages.render import citation_anchor
from app.pages.source_text import Passage, Support, cut
from tests.pages.html import Page, get_page

NEWS = "vns-baku-signing-ceremony-2025"
COMMENTARY = "commentary-az-vn-strategic-partnership"


def shown_text(page: Page) -> str:
    """The text of the source as the page shows it, without the notes after the passages."""
    body = page.all("div", class_="source-text")[0].text
    for note in page.all("span", class_="supports"):
        body = body.replace(" " + note.text, "", 1)
    return body


def test_the_whole_text_with_every_citation_anchored_once(
    client: TestClient, session: Session
) -> None:
    page = get_page(client, f"/sources/{NEWS}")
    source = session.get(Source, NEWS)
    assert source is not None
    assert shown_text(page) == source.text
    cited = session.scalars(select(Citation).where(Citation.source_id == NEWS)).all()
    anchors = [m.attrs.get("id") for m in page.all("mark") if m.attrs.get("id")]
    assert sorted(a for a in anchors if a.startswith("citation-")) == sorted(
        citation_anchor(c) for c in cited
    )
    assert len(anchors) == len(set(anchors))


def test_each_passage_says_what_it_supports(client: TestClient) -> None:
    page = get_page(client, f"/sources/{COMMENTARY}")
    notes = " ".join(n.text for n in page.all("span", class_="supports"))
    assert "agreement: Declaration on the Establishment of a Strategic Partnership" in notes
    assert "/agreements/strategic-partnership-declaration-vn-az-2025" in page.hrefs
    assert "/relations/VN/AZ#milestone-unsc-resolution-stance-vn-az-2020" in page.hrefs


def test_discrepancy_readings_are_anchored_too(client: TestClient) -> None:
    page = get_page(client, f"/sources/{NEWS}")
    assert "reading-baku-ceremony-year-0" in page.ids


def test_sources_are_named_by_title_never_by_file_name(
    client: TestClient, session: Session
) -> None:
    source = session.get(Source, NEWS)
    assert source is not None
    page = get_page(client, f"/sources/{NEWS}")
    assert page.all("h1")[0].text == source.title
    assert f"/api/v1/sources/{NEWS}" in page.hrefs
    assert f"/api/v1/sources/{NEWS}/text" in page.hrefs
    assert source.filename not in page.response.text
    assert "000_" not in page.response.text


def test_overlapping_quotes_nest_and_note_after_the_stretch() -> None:
    text = "The quick brown fox jumps over the lazy dog."

    def passage(anchor: str, quote: str) -> Passage:
        return Passage(anchor, quote, Support(f"record {anchor}", f"/r/{anchor}", anchor))

    runs, missing = cut(
        text,
        [
            passage("a", "quick brown"),
            passage("b", "brown fox"),
            passage("c", "quick brown fox jumps"),
            passage("d", "lazy"),
            passage("e", "not in the text"),
        ],
    )
    assert "".join(r.text for r in runs) == text
    assert [p.anchor for p in missing] == ["e"]
    assert [(r.text, r.marked, r.anchors) for r in runs] == [
        ("The ", False, []),
        ("quick ", True, ["a", "c"]),
        ("brown", True, ["b"]),
        (" fox", True, []),
        (" jumps", True, []),
        (" over the ", False, []),
        ("lazy", True, ["d"]),
        (" dog.", False, []),
    ]
    noted = [(r.text, [(s.label, f) for s, f in r.notes]) for r in runs if r.notes]
    assert noted == [
        (" jumps", [("record a", ["a"]), ("record c", ["c"]), ("record b", ["b"])]),
        ("lazy", [("record d", ["d"])]),
    ]


def test_an_unknown_source_is_a_404_page(client: TestClient) -> None:
    get_page(client, "/sources/no-such-source", status=404)


def test_both_sources_cost_the_same_statements(client: TestClient, sql_log: list[str]) -> None:
    get_page(client, f"/sources/{NEWS}")
    news = len(sql_log)
    sql_log.clear()
    get_page(client, f"/sources/{COMMENTARY}")
    assert len(sql_log) == news


def test_the_source_pages_json_is_the_passages_it_marks(client: TestClient) -> None:
    page = get_page(client, f"/sources/{NEWS}")
    [alternate] = page.all("link", rel="alternate", type="application/json")
    assert alternate.attrs["href"] in page.hrefs
    passages = client.get(alternate.attrs["href"]).json()["items"]
    assert {f"citation-{p['id']}" for p in passages} <= set(page.ids)
