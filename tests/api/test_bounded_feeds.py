"""History is paged like every list; the changes feed caps bytes as well as rows."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.v1.changes import FEED_BYTES
from app.curation.keys import create_key
from tests.problems import assert_problem

URL = "/api/v1/signatories/petrovietnam"


@pytest.fixture
def auth(session: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(session, 'historian', 'write')[1]}"}


def patch_signatory(client: TestClient, auth: dict[str, str], patch: dict) -> None:
    etag = client.get(URL).headers["etag"]
    response = client.patch(URL, json=patch, headers={**auth, "If-Match": etag})
    assert response.status_code == 200, response.text


def patch_aliases(client: TestClient, auth: dict[str, str], aliases: list[str]) -> None:
    """Replace the aliases, each labelled reference data; the old ones' labels go with them
    (a merge patch keeps a map's other keys, and provenance names only aliases it has). A
    write names an alias as the seeds do, `aliases.<alias>`; a read keys it `aliases[<alias>]`."""
    shown = client.get(URL).json()["provenance"]
    labelled: dict = {
        f"aliases.{key[len('aliases[') : -1]}": None
        for key, entry in shown.items()
        if key.startswith("aliases[") and entry["basis"] != "cited"
    }
    labelled |= {f"aliases.{a}": {"basis": "reference", "dataset": "a test"} for a in aliases}
    patch_signatory(client, auth, {"aliases": aliases, "provenance": labelled})


def test_history_is_paged_by_cursor_with_a_link(client: TestClient, auth: dict) -> None:
    for i in range(5):
        patch_aliases(client, auth, [f"alias {i}"])
    seen: list[str] = []
    url: str | None = f"{URL}/history?limit=2"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 2
        seen += [item["after"]["aliases"][0] for item in body["items"]]
        link = response.links.get("next", {}).get("url")
        assert (link is None) == (body["next_cursor"] is None)
        url = link
        pages += 1
    assert seen == [f"alias {i}" for i in range(5)]
    assert pages == 3
    assert_problem(client.get(f"{URL}/history", params={"limit": 101}), 422, "limit")
    assert_problem(client.get(f"{URL}/history", params={"cursor": "x"}), 422, "cursor")
    assert_problem(client.get(f"{URL}/history", params={"cursor": 2**31}), 422, "cursor")
    assert_problem(client.get(f"{URL}/history", params={"cursor": "١"}), 422, "cursor")


def test_feed_pages_stop_at_the_byte_budget(client: TestClient, auth: dict) -> None:
    """Each change carries ~300 kB of description before and after: a page of 100 would be
    tens of megabytes; it stops past FEED_BYTES and says where to go on."""
    big = "x" * 150_000
    for i in range(6):
        patch_signatory(client, auth, {"description": f"version {i} {big}"})
    for url, cursor in (
        ("/api/v1/changes?limit=1000", "since"),
        (f"{URL}/history?limit=100", "cursor"),
    ):
        items: list[dict] = []
        next_url: str | None = url
        while next_url:
            response = client.get(next_url)
            assert response.status_code == 200, response.text
            assert len(response.content) < FEED_BYTES + 400_000
            page = response.json()
            assert page["items"], "a page always holds at least one change"
            items += page["items"]
            next_url = response.links.get("next", {}).get("url")
            if next_url:
                assert f"{cursor}=" in next_url
        versions = [
            i["after"]["description"][:9] for i in items if i["record_id"] == "petrovietnam"
        ]
        assert versions[-6:] == [f"version {i}" for i in range(6)]
