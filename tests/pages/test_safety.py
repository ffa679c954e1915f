"""What every page is safe by: each value escaped, a policy that lets nothing in from
elsewhere and runs no script, and the docs keeping a policy of their own."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.pages.render import CONTENT_SECURITY_POLICY
from tests.factories import make_agreement
from tests.pages.html import get_page

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quoted"'


def test_a_title_holding_markup_shows_as_text_everywhere(
    client: TestClient, session: Session
) -> None:
    make_agreement(session, id="hostile-title", title=HOSTILE, date="2010", parties=("VN", "AZ"))
    for url in ("/agreements/hostile-title", "/relations/VN/AZ", "/agreements?country=VN"):
        page = get_page(client, url)
        body = page.response.text
        assert "<script" not in body and "<img" not in body, url
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body, url
        assert any(HOSTILE in e.text for e in page.elements), url
    assert get_page(client, "/agreements/hostile-title").all("h1")[0].text == HOSTILE


def test_markup_in_a_filter_is_escaped_on_its_error_page(client: TestClient) -> None:
    page = get_page(client, "/agreements?country=<b>x</b>", status=422)
    assert "<b>" not in page.response.text


def test_every_page_has_a_policy_allowing_nothing_from_elsewhere(client: TestClient) -> None:
    assert "script-src" not in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    for url, status in (
        ("/", 200),
        ("/relations/VN/AZ", 200),
        ("/sources/vns-baku-signing-ceremony-2025", 200),
        ("/agreements", 200),
        ("/agreements/nope", 404),
        ("/agreements?limit=0", 422),
    ):
        page = get_page(client, url, status=status)
        assert page.response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.all("script") == [] and page.all("style") == []
        assert not [e for e in page.elements if "style" in e.attrs]
        assert not [e for e in page.elements if any(a.startswith("on") for a in e.attrs)]


def test_the_docs_keep_their_own_policy(client: TestClient) -> None:
    for url in ("/docs", "/redoc"):
        response = client.get(url)
        assert response.status_code == 200
        assert "script-src 'self'" in response.headers["content-security-policy"], url


def test_the_stylesheet_is_served_here_for_a_year(client: TestClient) -> None:
    page = get_page(client, "/")
    [sheet] = page.all("link", rel="stylesheet")
    href = sheet.attrs["href"]
    assert href.startswith("/static/pages.") and href.endswith(".css")
    response = client.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "immutable" in response.headers["cache-control"]
    assert ":focus-visible" in response.text and "@media print" in response.text
    assert client.get("/static/pages.0000.css").status_code == 404
