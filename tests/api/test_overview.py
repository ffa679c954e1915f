"""GET /api/v1/overview: what the database holds, as the start page shows it."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import RelationEvent

URL = "/api/v1/overview"


def test_the_overview_counts_every_kind_as_its_list_does(client: TestClient) -> None:
    counts = client.get(URL).json()["counts"]
    for kind in ("agreements", "visits", "statements", "sources", "signatories"):
        assert counts[kind] == client.get(f"/api/v1/{kind}").json()["total"]


def test_the_overview_names_the_pair_the_newest_records_and_the_sources(
    client: TestClient,
) -> None:
    body = client.get(URL).json()
    assert ("AZ", "VN") in {(p["first_id"], p["second_id"]) for p in body["pairs"]}
    newest_visits = client.get("/api/v1/visits?limit=5").json()["items"]
    assert [v["id"] for v in body["newest"]["visits"]] == [v["id"] for v in newest_visits]
    declaration = next(
        a
        for a in body["newest"]["agreements"]
        if a["id"] == "strategic-partnership-declaration-vn-az-2025"
    )
    assert declaration["date_inferred"] is True
    assert "vns-baku-signing-ceremony-2025" in {s["id"] for s in body["sources"]}
    assert "text" not in body["sources"][0]


def test_a_pair_is_listed_once_whichever_way_its_milestones_run(
    client: TestClient, session: Session
) -> None:
    """A one-way milestone keeps its countries in its own order (Azerbaijan to Viet Nam
    here, where the seeds' run from Viet Nam): still one pair, counting both ways."""

    def milestones() -> dict[tuple[str, str], int]:
        pairs = client.get(URL).json()["pairs"]
        return {(p["first_id"], p["second_id"]): p["milestones"] for p in pairs}

    before = milestones()[("AZ", "VN")]
    session.add(
        RelationEvent(
            id="az-support-for-vn",
            kind="multilateral-support",
            title="Azerbaijan's support for Viet Nam",
            country_a_id="AZ",
            country_b_id="VN",
            direction="one-way",
        )
    )
    session.flush()
    after = milestones()
    assert after[("AZ", "VN")] == before + 1
    assert ("VN", "AZ") not in after
