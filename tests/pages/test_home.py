"""`/`: what is in the database for people, links and examples for programs."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Agreement, Visit
from app.queries import common
from tests.pages.html import get_page


def test_the_start_shows_the_holdings_the_pairs_and_the_newest_records(
    client: TestClient,
) -> None:
    page = get_page(client, "/")
    assert "/relations/AZ/VN" in page.hrefs
    assert "/sources/vns-baku-signing-ceremony-2025" in page.hrefs
    assert "/visits/state-visit-to-lam-azerbaijan-2025" in page.hrefs
    assert "/agreements" in page.hrefs and "/statements" in page.hrefs
    cells = [td.text for td in page.all("td")]
    counts = dict(zip(cells[::2], cells[1::2], strict=True))
    assert int(counts["agreements"]) >= 11
    [alternate] = page.all("link", rel="alternate", type="application/json")
    assert alternate.attrs["href"] == "/api/v1/overview"
    assert client.get("/api/v1/overview").json()["counts"] == {
        kind: int(n) for kind, n in counts.items()
    }


def test_clients_asking_for_json_still_get_the_links_and_examples(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["links"]["docs"] == "/docs"


@pytest.mark.parametrize("cap", [common.COUNT_CAP, 3])
def test_the_holdings_are_counted_exactly_past_the_lists_cap(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    """The agreements' count is the newest agreements' total when that is exact, and
    counted when the list stops counting at its cap."""
    monkeypatch.setattr(common, "COUNT_CAP", cap)
    cells = [td.text for td in get_page(client, "/").all("td")]
    counts = dict(zip(cells[::2], cells[1::2], strict=True))
    for plural, model in (("agreements", Agreement), ("visits", Visit)):
        assert int(counts[plural]) == session.scalar(select(func.count()).select_from(model))
