"""What a close re-read of both sources found wrong or unsupported (issue 24's ten findings),
as the API now shows it: each value in the sources' own words or labelled inferred, and
every reading of a disagreement a quote."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_writes import BODIES, auth

STATEMENT = "/api/v1/agreements/strategic-partnership-declaration-vn-az-2025"
REPORT = "vns-baku-signing-ceremony-2025"
COMMENTARY = "commentary-az-vn-strategic-partnership"


def _fields_cited(record: dict[str, Any]) -> set[str | None]:
    return {c["field"] for c in record["citations"]}


def _known(record: dict[str, Any], field: str) -> bool:
    """The field is cited (a citation names it) or labelled in `provenance`."""
    return field in _fields_cited(record) or field in record["provenance"]


def test_latest_contact_is_the_state_visit(client: TestClient) -> None:
    relations = client.get("/api/v1/relations/VN/AZ").json()
    assert relations["latest_contact"]["id"] == "state-visit-to-lam-azerbaijan-2025"


def test_the_joint_statement_is_told_in_the_sources_verbs(client: TestClient) -> None:
    """The report: the leaders "agreed to adopt" it; the commentary: "The signing". Neither
    says "adopted" (finding 2)."""
    statement = client.get(STATEMENT).json()
    (status,) = [c for c in statement["citations"] if c["field"] == "status"]
    assert statement["status"] == "agreed to adopt"
    assert statement["status"] in status["quote"] and status["source"] == REPORT
    assert {(s["signatory"]["id"], s["role"]) for s in statement["signatories"]} == {
        ("to-lam", "agreed-to-adopt"),
        ("ilham-aliyev", "agreed-to-adopt"),
    }
    (event,) = statement["events"]
    assert (event["action"], event["country_id"]) == ("signature", None)
    (action,) = [c for c in event["citations"] if c["field"] == "action"]
    assert action["source"] == COMMENTARY and action["quote"].startswith("The signing")
    assert "adopted" not in (statement["status"], *(s["role"] for s in statement["signatories"]))
    discrepancy = next(d for d in statement["discrepancies"] if d["field"] == "status")
    assert [r["value"] for r in discrepancy["readings"]] == ["agreed to adopt", "The signing"]


def test_the_joint_statements_sectors_and_references_are_inferred(client: TestClient) -> None:
    """Its quotes name no sector (finding 3); the leaders' words on UNCLOS are not its text,
    so they are no citation of its `references` (finding 5)."""
    statement = client.get(STATEMENT).json()
    assert [s["id"] for s in statement["sectors"]] == ["politics-diplomacy"]
    assert statement["provenance"]["sectors"]["basis"] == "inferred"
    assert statement["provenance"]["references"]["basis"] == "inferred"
    assert {"sectors", "references"}.isdisjoint(_fields_cited(statement))


def test_the_joint_statements_parties_are_the_sentence_that_names_them(
    client: TestClient,
) -> None:
    """Finding 4: the parties' citation is the commentary's "between the Republic of
    Azerbaijan and the Socialist Republic of Vietnam", not the ceremony's documents."""
    statement = client.get(STATEMENT).json()
    (parties,) = [c for c in statement["citations"] if c["field"] == "parties"]
    assert parties["source"] == COMMENTARY
    assert (
        "between the Republic of Azerbaijan and the Socialist Republic of Vietnam"
        in (parties["quote"])
    )
    assert {p["country"]["id"] for p in statement["parties"]} == {"VN", "AZ"}


def test_unclos_sectors_are_the_curators_classification(client: TestClient) -> None:
    """Finding 6: the quote was the leaders' East Sea position, not the Convention."""
    unclos = client.get("/api/v1/agreements/unclos-1982").json()
    assert [s["id"] for s in unclos["sectors"]] == ["security"]
    assert unclos["provenance"]["sectors"]["basis"] == "inferred"
    assert "sectors" not in _fields_cited(unclos)


def test_the_committee_is_named_as_a_source_names_it(client: TestClient) -> None:
    """Finding 7: its name is words of the report, and that the commentary's "commission"
    is the same body is labelled the curators' reading."""
    body = client.get("/api/v1/bodies/intergovernmental-committee-vn-az").json()
    report = client.get(f"/api/v1/sources/{REPORT}/text").text
    assert body["name"] in report
    (name,) = [c for c in body["citations"] if c["field"] == "name"]
    assert body["name"] in name["quote"]
    assert body["provenance"]["aliases[intergovernmental commission]"]["basis"] == "inferred"


@pytest.mark.parametrize(("code", "predecessor"), [("VN", "VDVN"), ("AZ", "azerbaijan-ssr")])
def test_a_countrys_predecessors_are_labelled_inferred(
    client: TestClient, code: str, predecessor: str
) -> None:
    """Finding 8: the links are the curators' reading of general history."""
    country = client.get(f"/api/v1/countries/{code}").json()
    assert [p["id"] for p in country["predecessors"]] == [predecessor]
    entry = country["provenance"][f"predecessors[{predecessor}]"]
    assert entry["basis"] == "inferred" and "predecessor" in entry["reason"]


def test_petrovietnam_is_a_company_only_by_inference(client: TestClient) -> None:
    """Finding 9: the source says "National Industry-Energy Group"."""
    petrovietnam = client.get("/api/v1/signatories/petrovietnam").json()
    assert petrovietnam["kind"] == "company"
    assert petrovietnam["provenance"]["kind"]["basis"] == "inferred"
    assert "National Industry-Energy Group" in petrovietnam["provenance"]["kind"]["reason"]


def test_every_signatory_kind_milestone_kind_and_event_action_is_known(
    client: TestClient,
) -> None:
    """Finding 9: each is cited or labelled, on every record that holds one."""
    signatories = client.get("/api/v1/signatories", params={"limit": 100}).json()["items"]
    for row in signatories:
        signatory = client.get(f"/api/v1/signatories/{row['id']}").json()
        assert _known(signatory, "kind"), signatory["id"]
    milestones = client.get("/api/v1/relations/VN/AZ").json()["milestones"]
    assert "diplomatic-relations-vn-az-1992" in {m["id"] for m in milestones}
    for milestone in milestones:
        assert _known(milestone, "kind") and _known(milestone, "country_ids"), milestone["id"]
    agreements = client.get("/api/v1/agreements", params={"limit": 100}).json()["items"]
    for row in agreements:
        for event in client.get(f"/api/v1/agreements/{row['id']}").json()["events"]:
            assert _known(event, "action"), event["id"]


def test_conclusion_is_the_curators_word_for_agreed_on(client: TestClient) -> None:
    programme = client.get("/api/v1/agreements/cooperation-programme-justice-vn-az-2025-2027")
    for event in programme.json()["events"]:
        assert event["action"] == "conclusion"
        assert '"agreed on"' in event["provenance"]["action"]["reason"]


def test_every_reading_is_words_of_its_quote(client: TestClient) -> None:
    """Finding 10: a reading states what its quote says; deductions are in the description."""
    records = [
        client.get(STATEMENT).json(),
        client.get("/api/v1/visits/state-visit-to-lam-azerbaijan-2025").json(),
        client.get("/api/v1/bodies/intergovernmental-committee-vn-az").json(),
    ]
    readings = [r for record in records for d in record["discrepancies"] for r in d["readings"]]
    assert "the first visit by a Vietnamese leader to Azerbaijan" in {r["value"] for r in readings}
    for reading in readings:
        assert reading["value"] in reading["quote"], reading


def test_a_signatory_whose_kind_nothing_states_is_refused(
    client: TestClient, keys: dict[str, str]
) -> None:
    body = {
        **BODIES["signatories"],
        "citations": [c for c in BODIES["signatories"]["citations"] if c["field"] != "kind"],
    }
    response = client.post("/api/v1/signatories", json=body, headers=auth(keys["write"]))
    assert response.status_code == 422, response.text
    assert "inference or reference for: kind" in response.json()["detail"]
