"""What the write API stores is what the audit says and nothing the rules refuse: every
audit `after` equals the record as stored (and as a GET shows it), a delete is refused
while anything points at the record, and each value rule of app.kinds.fields is a 422
naming the field, with nothing stored."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.kinds import storage
from app.kinds.registry import KINDS
from app.models import Change, Sector
from tests.api.test_writes import BODIES, QUOTE, SOURCE, auth, etag
from tests.problems import assert_problem

UPDATES: dict[str, dict[str, Any]] = {
    # Each changes something the store normalizes (list order, defaults), where it can.
    "agreements": {"parties": [{"country": "VN"}, {"country": "FR"}, {"country": "AZ"}]},
    "visits": {
        "city": "Baku",
        "provenance": {"city": {"basis": "inferred", "reason": "A test."}},
        "date": "2025-04",
        "date_inferred": True,
        "date_inferred_reason": "A test.",
    },
    "signatories": {
        "aliases": ["TM"],
        "provenance": {"aliases.TM": {"basis": "reference", "dataset": "a test"}},
        "external_ids": {"wikidata": "Q1"},
    },
    "sectors": {"description": "A test sector."},
    "sources": {"notes": "Checked.", "filename": None},
}


def _same(recorded: Any, shown: Any) -> bool:
    """`recorded` (seed shape) agrees with `shown` (a GET's shape) wherever they overlap:
    shared keys, lists item by item, an id against the record it names."""
    if isinstance(recorded, dict) and isinstance(shown, dict):
        return all(_same(v, shown[k]) for k, v in recorded.items() if k in shown)
    if isinstance(recorded, list) and isinstance(shown, list):
        return len(recorded) == len(shown) and all(map(_same, recorded, shown))
    if isinstance(shown, dict) and "id" in shown:
        return recorded == shown["id"]
    return recorded == shown


@pytest.mark.parametrize("resource", list(UPDATES))
def test_every_audit_after_is_the_record_as_stored(
    client: TestClient, session: Session, keys: dict[str, str], resource: str
) -> None:
    body = BODIES[resource]
    url = f"/api/v1/{resource}/{body['id']}"
    created = client.post(f"/api/v1/{resource}", json=body, headers=auth(keys["write"]))
    assert created.status_code == 201, created.text
    patched = client.patch(
        url,
        json=UPDATES[resource],
        headers={**auth(keys["write"]), "If-Match": created.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    history = client.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history] == ["create", "update"]
    stored = storage.read(session, KINDS.plural(resource), body["id"])
    assert stored is not None
    assert history[-1]["after"] == stored.model_dump(mode="json")
    assert history[-1]["after"] != history[0]["after"]
    shown = client.get(url).json()
    assert _same(history[-1]["after"], shown), (history[-1]["after"], shown)
    # The create's after is what the POST stored, as its 201 answer shows.
    assert _same(history[0]["after"], created.json()), (history[0]["after"], created.json())


def test_a_created_source_records_its_file_name(client: TestClient, keys: dict[str, str]) -> None:
    client.post("/api/v1/sources", json=BODIES["sources"], headers=auth(keys["write"]))
    history = client.get("/api/v1/sources/source-test/history").json()["items"]
    assert history[0]["after"]["filename"] == "source-test.txt"


def _unlink_agreements_of(client: TestClient, visit: str, secret: str) -> None:
    for agreement in client.get(f"/api/v1/visits/{visit}").json()["agreements"]:
        url = f"/api/v1/agreements/{agreement['id']}"
        response = client.patch(
            url, json={"visit": None}, headers={**auth(secret), "If-Match": etag(client, url)}
        )
        assert response.status_code == 200, response.text


def test_a_visit_discrepancies_point_at_cannot_be_deleted(
    client: TestClient, keys: dict[str, str]
) -> None:
    visit = "state-visit-to-lam-azerbaijan-2025"
    _unlink_agreements_of(client, visit, keys["write"])
    url = f"/api/v1/visits/{visit}"
    response = client.delete(url, headers={**auth(keys["admin"]), "If-Match": etag(client, url)})
    detail = assert_problem(response, 409)["detail"]
    assert "discrepancies point at it" in detail
    assert "baku-documents-signed-count" in detail
    assert "agreements name it" not in detail
    assert client.get(url).status_code == 200


def test_a_409_names_every_kind_of_pointer(client: TestClient, keys: dict[str, str]) -> None:
    url = "/api/v1/agreements/strategic-partnership-declaration-vn-az-2025"
    response = client.delete(url, headers={**auth(keys["admin"]), "If-Match": etag(client, url)})
    detail = assert_problem(response, 409)["detail"]
    assert "relations name it in `agreement` (" in detail
    assert "discrepancies point at it (" in detail


NUL_FIELDS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "agreements": [
        ("title", {"title": "MoU\x00"}),
        ("summary", {"summary": "A\x00B"}),
        ("place", {"place": "Baku\x00"}),
        ("status", {"status": "signed\x00"}),
        ("aliases.0", {"aliases": ["alias\x00"]}),
        ("parties.0.inferred_reason", {"parties": [{"country": "VN", "inferred_reason": "\x00"}]}),
        (
            "citations.0.field",
            {"citations": [{"source": SOURCE, "quote": QUOTE, "field": "x\x00"}]},
        ),
        ("citations.0.quote", {"citations": [{"source": SOURCE, "quote": QUOTE + "\x00"}]}),
        ("date_inferred_reason", {"date_inferred": True, "date_inferred_reason": "\x00"}),
    ],
    "visits": [
        ("title", {"title": "\x1b[31mVisit"}),
        ("city", {"city": "Baku\x00"}),
        ("summary", {"summary": "\x00"}),
        ("guest_title", {"guest_title": "President\x00"}),
        ("kind", {"kind": "state\x00"}),
    ],
    "signatories": [
        ("name", {"name": "Ministry\x00"}),
        ("description", {"description": "\x7f"}),
        ("aliases.0", {"aliases": ["\x00"]}),
        ("external_ids.wikidata", {"external_ids": {"wikidata": "Q1\x00"}}),
    ],
    "sectors": [("name", {"name": "Sector\x00"}), ("description", {"description": "\x00"})],
    "sources": [
        ("title", {"title": "Source\x00"}),
        ("text", {"text": "Hello.\x00"}),
        ("notes", {"notes": "\x1b"}),
        ("publisher", {"publisher": "VNS\x00"}),
        ("filename", {"filename": "a\x00.txt"}),
    ],
}
RULES: list[tuple[str, str, dict[str, Any], str]] = [
    # (resource, case, change, field named)
    ("agreements", "id with a trailing newline", {"id": "mou-test-2026\n"}, "id"),
    ("sectors", "id with a trailing newline", {"id": "sector-test\n"}, "id"),
    ("sectors", "parent with a trailing newline", {"parent": "energy\n"}, "parent"),
    (
        "agreements",
        "country with a trailing newline",
        {"parties": [{"country": "VN\n"}]},
        "parties.0.country",
    ),
    ("agreements", "date with a trailing newline", {"date": "2025\n"}, "date"),
    ("agreements", "Arabic-Indic digits", {"date": "٢٠٢٥"}, "date"),
    ("agreements", "full-width digits", {"date": "２０２５"}, "date"),
    ("visits", "impossible date", {"date": "2025-02-30"}, "date"),
    (
        "agreements",
        "a blank quote",
        {"citations": [{"source": SOURCE, "quote": " "}]},
        "citations.0.quote",
    ),
    (
        "agreements",
        "a one-letter quote",
        {"citations": [{"source": SOURCE, "quote": "e"}]},
        "citations.0.quote",
    ),
    ("agreements", "a blank title", {"title": "   "}, "title"),
    ("visits", "a blank title", {"title": "\t"}, "title"),
    ("signatories", "a blank name", {"name": " "}, "name"),
    ("sectors", "a blank name", {"name": "  "}, "name"),
    ("signatories", "a blank alias", {"aliases": [" "]}, "aliases.0"),
    (
        "visits",
        "provenance of no field",
        {"provenance": {"evil": {"basis": "inferred", "reason": "A test."}}},
        "provenance.evil",
    ),
    (
        "signatories",
        "provenance of an alias the record does not have",
        {"provenance": {"aliases.Nobody": {"basis": "reference", "dataset": "a test"}}},
        "provenance.aliases.Nobody",
    ),
    (
        "signatories",
        "an external id of no declared dataset",
        {"external_ids": {"evil": "x"}},
        "external_ids.evil.[key]",
    ),
    *(
        (resource, f"a control character in {field}", change, field)
        for resource, cases in NUL_FIELDS.items()
        for field, change in cases
    ),
]


def _stored(session: Session, resource: str) -> int:
    model = KINDS.plural(resource).model
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("resource", "case", "change", "field"), RULES, ids=[f"{r}: {c}" for r, c, _, _ in RULES]
)
def test_a_value_rule_is_a_422_naming_the_field_and_nothing_is_stored(
    client: TestClient,
    session: Session,
    keys: dict[str, str],
    resource: str,
    case: str,
    change: dict[str, Any],
    field: str,
) -> None:
    before = _stored(session, resource)
    response = client.post(
        f"/api/v1/{resource}", json={**BODIES[resource], **change}, headers=auth(keys["write"])
    )
    named = {e["parameter"] for e in assert_problem(response, 422)["errors"]}
    assert field in named, named
    assert _stored(session, resource) == before
    assert session.scalar(select(func.count()).select_from(Change)) == 0


def test_a_patch_is_held_to_the_same_rules(client: TestClient, keys: dict[str, str]) -> None:
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    before = client.get(url)
    headers = {**auth(keys["write"]), "If-Match": before.headers["etag"]}
    for patch, field in (
        ({"title": "Energy\x00"}, "title"),
        ({"aliases": ["\x00"]}, "aliases.0"),
        ({"date": "2025\n"}, "date"),
        ({"title": " "}, "title"),
    ):
        named = {
            e["parameter"]
            for e in assert_problem(client.patch(url, json=patch, headers=headers), 422)["errors"]
        }
        assert field in named
    assert client.get(url).content == before.content


def test_a_record_stored_before_a_rule_existed_is_a_409_not_a_500(
    client: TestClient, session: Session, keys: dict[str, str]
) -> None:
    session.add(Sector(id="legacy-sector", name="Legacy\x1b[0m"))
    session.flush()
    url = "/api/v1/sectors/legacy-sector"
    response = client.patch(
        url, json={"name": "Legacy"}, headers={**auth(keys["write"]), "If-Match": etag(client, url)}
    )
    assert "name" in assert_problem(response, 409)["detail"]
