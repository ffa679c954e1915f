"""Writes: keys and scopes, validation as strict as seeding, If-Match, audit and changes."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.kinds.registry import KINDS
from app.models import Agreement, Change
from tests.problems import assert_problem

SOURCE = "vns-baku-signing-ceremony-2025"
QUOTE = "signed a memorandum of understanding on cooperation in the energy sector"
# Every value a record shows is cited (a quote whose `field` names it), inferred or reference.
CITED = [
    {"source": SOURCE, "quote": QUOTE, "field": f} for f in ("kind", "date", "parties", "sectors")
]
NEW = {
    "id": "mou-test-2026",
    "title": "Test memorandum on energy",
    "kind": "mou",
    "date": "2025-05",
    "parties": [{"country": "VN"}, {"country": "AZ"}],
    "sectors": ["energy"],
    "citations": [{"source": SOURCE, "quote": QUOTE}, *CITED],
}
EXISTING = {
    "agreements": "mou-energy-vn-az-2025",
    "visits": "state-visit-to-lam-azerbaijan-2025",
    "signatories": "petrovietnam",
    "sectors": "justice",
    "sources": SOURCE,
}
BODIES: dict[str, dict[str, Any]] = {
    "agreements": NEW,
    "visits": {
        "id": "visit-test",
        "title": "Test visit",
        "host_country": "AZ",
        "citations": [{"source": SOURCE, "quote": "Baku", "field": "host_country"}],
    },
    "signatories": {
        "id": "sig-test",
        "name": "Test ministry",
        "kind": "ministry",
        "country": "AZ",
        "citations": [
            {"source": SOURCE, "quote": "Azerbaijani Ministry", "field": "country"},
            {"source": SOURCE, "quote": "Azerbaijani Ministry", "field": "kind"},
        ],
    },
    "sectors": {"id": "sector-test", "name": "Test sector", "parent": "energy"},
    "sources": {"id": "source-test", "title": "Test source", "kind": "note", "text": "Hello."},
}


def auth(secret: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def etag(client: TestClient, url: str) -> str:
    return client.get(url).headers["etag"]


def changes_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Change)) or 0


ROUTES: list[tuple[str, str, str]] = [
    (method, resource, scope)
    for resource in EXISTING
    for method, scope in (("POST", "write"), ("PATCH", "write"), ("DELETE", "admin"))
]


def call(client: TestClient, method: str, resource: str, secret: str | None) -> Any:
    if method == "POST":
        return client.post(f"/api/v1/{resource}", json=BODIES[resource], headers=auth(secret))
    url = f"/api/v1/{resource}/{EXISTING[resource]}"
    headers = {**auth(secret), "If-Match": etag(client, url)}
    if method == "PATCH":
        return client.patch(url, json={}, headers=headers)
    return client.delete(url, headers=headers)


@pytest.mark.parametrize(("method", "resource", "needs"), ROUTES)
@pytest.mark.parametrize("holder", [None, "read", "write", "admin", "revoked"])
def test_auth_matrix(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    method: str,
    resource: str,
    needs: str,
    holder: str | None,
) -> None:
    before = changes_count(session)
    response = call(client, method, resource, keys.get(holder) if holder else None)
    if holder in (None, "revoked"):
        assert_problem(response, 401)
        assert "Bearer" in response.headers["www-authenticate"]
    elif holder == "read" or (holder == "write" and needs == "admin"):
        assert_problem(response, 403)
    else:
        assert response.status_code in (200, 201, 204, 409), response.text
    if response.status_code >= 400:
        assert changes_count(session) == before


@pytest.mark.parametrize("holder", [None, "read", "write", "revoked"])
def test_key_management_needs_admin(
    client: TestClient, keys: dict[str, str], holder: str | None
) -> None:
    secret = keys.get(holder) if holder else None
    expected = 403 if holder in ("read", "write") else 401
    assert_problem(client.get("/api/v1/keys", headers=auth(secret)), expected)
    assert_problem(
        client.post("/api/v1/keys", json={"name": "x", "scope": "read"}, headers=auth(secret)),
        expected,
    )


def test_admin_manages_keys(client: TestClient, keys: dict[str, str]) -> None:
    admin = auth(keys["admin"])
    created = client.post("/api/v1/keys", json={"name": "new", "scope": "write"}, headers=admin)
    assert created.status_code == 201 and created.json()["key"].startswith("tk_")
    assert "key" not in client.get("/api/v1/keys", headers=admin).json()[0]
    new = auth(created.json()["key"])
    assert client.post("/api/v1/agreements", json=NEW, headers=new).status_code == 201
    assert client.delete("/api/v1/keys/new", headers=admin).json()["revoked_at"]
    assert_problem(client.post("/api/v1/agreements", json=NEW, headers=new), 401)


def test_auth_is_checked_before_the_body(client: TestClient, keys: dict[str, str]) -> None:
    bad = {"content": b"{not json", "headers": {"Content-Type": "application/json"}}
    assert_problem(client.post("/api/v1/agreements", **bad), 401)
    bad["headers"] |= auth(keys["read"])
    assert_problem(client.post("/api/v1/agreements", **bad), 403)
    bad["headers"] |= auth(keys["write"])
    assert_problem(client.post("/api/v1/agreements", **bad), 422)


def test_a_curator_adds_corrects_and_sees_the_history(
    client: TestClient, keys: dict[str, str]
) -> None:
    write = auth(keys["write"])
    created = client.post("/api/v1/agreements", json=NEW, headers=write)
    assert created.status_code == 201
    assert created.headers["location"].endswith("/api/v1/agreements/mou-test-2026")
    listed = client.get("/api/v1/agreements", params={"q": "test memorandum"}).json()["items"]
    assert [a["id"] for a in listed] == ["mou-test-2026"]
    url = "/api/v1/agreements/mou-test-2026"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.headers["etag"] == created.headers["etag"]  # the write's answer is not gzipped
    patched = client.patch(
        url,
        json={"title": "Test memorandum on energy (corrected)"},
        headers={
            **write,
            "If-Match": created.headers["etag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"].endswith("(corrected)")
    history = client.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["before"]["title"] == NEW["title"]
    assert history[1]["after"]["title"].endswith("(corrected)")
    assert history[1]["actor"] == "write-key"
    feed = client.get("/api/v1/changes").json()["items"]
    assert [(c["action"], c["record_id"]) for c in feed] == [
        ("create", "mou-test-2026"),
        ("update", "mou-test-2026"),
    ]


BAD_RECORDS: list[tuple[str, dict[str, Any], str]] = [
    (
        "wrong quote",
        {"citations": [{"source": SOURCE, "quote": "a quote no one wrote"}, *CITED]},
        "citations.0.quote",
    ),
    (
        "unknown source",
        {"citations": [{"source": "nope", "quote": QUOTE}, *CITED]},
        "citations.0.source",
    ),
    ("no citation", {"citations": []}, "citations"),
    ("a value neither cited, inferred nor reference", {"citations": CITED[:1]}, "-"),
    ("an alias no quote uses", {"aliases": ["Energy MoU"]}, "-"),
    ("unknown country", {"parties": [{"country": "XZ"}]}, "parties.0.country"),
    ("unknown sector", {"sectors": ["nope"]}, "sectors.0"),
    ("impossible date", {"date": "2025-02-30"}, "date"),
    ("inferred without reason", {"date_inferred": True}, "-"),
    ("unknown field", {"colour": "red"}, "colour"),
    ("bad kind", {"kind": "novel"}, "kind"),
    ("not a slug", {"id": "Not A Slug"}, "id"),
    (
        "a citation of no field",
        {"citations": [*CITED, {"source": SOURCE, "quote": QUOTE, "field": "evil"}]},
        "citations.4.field",
    ),
    ("the same citation twice", {"citations": [*CITED, CITED[1]]}, "citations.4"),
    (
        "an event citing a field events do not have",
        {"events": [{"action": "signature", "citations": [{**CITED[0], "field": "sectors"}]}]},
        "events.0.citations.0.field",
    ),
    ("a title of zero-width characters", {"title": "\u200b\u200c\u200d\u2060\ufeff"}, "title"),
    ("a bidi override in a title", {"title": "MoU \u202e5202"}, "title"),
    ("a bidi isolate in an alias", {"aliases": ["\u2066Energy MoU\u2069"]}, "aliases.0"),
    ("a bidi embedding in a summary", {"summary": "An \u202aembedded\u202c word."}, "summary"),
    (
        "a bidi override in a quote",
        {"citations": [{"source": SOURCE, "quote": "\u202d" + QUOTE}, *CITED]},
        "citations.0.quote",
    ),
]


def test_three_thousand_identical_citations_are_one_named_422(
    client: TestClient, keys: dict[str, str]
) -> None:
    body = {**NEW, "citations": [*CITED, *[CITED[0]] * 3000]}
    response = client.post("/api/v1/agreements", json=body, headers=auth(keys["write"]))
    problem = assert_problem(response, 422)
    assert [e["parameter"] for e in problem["errors"]] == ["citations.4"]
    assert "repeats the citation at index 0" in problem["errors"][0]["message"]
    assert_problem(client.get("/api/v1/agreements/mou-test-2026"), 404)


def test_a_taken_id_is_a_conflict(client: TestClient, keys: dict[str, str]) -> None:
    """The record is well formed; the stored data already has one with that id (409, as
    for any conflict with the current state, not 422)."""
    taken = {**NEW, "id": "mou-energy-vn-az-2025"}
    body = assert_problem(
        client.post("/api/v1/agreements", json=taken, headers=auth(keys["write"])), 409
    )
    assert "mou-energy-vn-az-2025" in body["detail"]


@pytest.mark.parametrize(("case", "change", "field"), BAD_RECORDS)
def test_invalid_records_are_named_422s_and_change_nothing(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    case: str,
    change: dict,
    field: str,
) -> None:
    before = session.scalar(select(func.count()).select_from(Agreement))
    response = client.post(
        "/api/v1/agreements", json={**NEW, **change}, headers=auth(keys["write"])
    )
    body = assert_problem(response, 422)
    assert "Value error" not in response.text
    assert any(
        e["parameter"] == field or e["parameter"].startswith(field + ".") or field == "-"
        for e in body["errors"]
    ), body
    assert session.scalar(select(func.count()).select_from(Agreement)) == before
    assert changes_count(session) == 0


def test_if_match_required_and_stale_refused(client: TestClient, keys: dict[str, str]) -> None:
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    write = auth(keys["write"])
    original = client.get(url)
    assert_problem(client.patch(url, json={"status": "x"}, headers=write), 428)
    first = client.patch(
        url,
        json={"status": "signed (checked)"},
        headers={**write, "If-Match": original.headers["etag"]},
    )
    assert first.status_code == 200
    stale = client.patch(
        url, json={"status": "overwritten"}, headers={**write, "If-Match": original.headers["etag"]}
    )
    assert_problem(stale, 412)
    assert client.get(url).json()["status"] == "signed (checked)"


def test_patch_validates_like_create(client: TestClient, keys: dict[str, str]) -> None:
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    before = client.get(url)
    headers = {**auth(keys["write"]), "If-Match": before.headers["etag"]}
    bad = client.patch(
        url, json={"citations": [{"source": SOURCE, "quote": "invented"}]}, headers=headers
    )
    assert_problem(bad, 422)
    assert_problem(client.patch(url, json={"id": "renamed"}, headers=headers), 422)
    assert client.get(url).content == before.content


@pytest.mark.parametrize("value", ["Renamed", None])
def test_a_misspelled_patch_field_is_a_422_naming_it(
    client: TestClient, keys: dict[str, str], value: str | None
) -> None:
    """As the spec's `AgreementPatch` says (no other field): also `null`, which would remove
    nothing and so hide the typo."""
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    before = client.get(url)
    headers = {**auth(keys["write"]), "If-Match": before.headers["etag"]}
    problem = assert_problem(client.patch(url, json={"titel": value}, headers=headers), 422)
    assert problem["errors"] == [
        {
            "parameter": "titel",
            "location": "body",
            "message": "is not a field of this record; did you mean `title`?",
        }
    ]
    assert client.get(url).content == before.content


def test_merge_patch_null_removes(client: TestClient, keys: dict[str, str]) -> None:
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    response = client.patch(
        url, json={"place": None}, headers={**auth(keys["write"]), "If-Match": etag(client, url)}
    )
    assert response.status_code == 200 and response.json()["place"] is None


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        ("visits", "agreements name it in `visit`"),
        ("signatories", "agreements name it in `signatories.signatory`"),
        ("sectors", "agreements name it in `sectors`"),
        ("sources", "citations quote it"),
        ("agreements", "relations name it in `agreement`"),
    ],
)
def test_deleting_a_record_others_point_at_is_a_409(
    client: TestClient, keys: dict[str, str], resource: str, reason: str
) -> None:
    record = {"agreements": "strategic-partnership-declaration-vn-az-2025"}.get(
        resource, EXISTING[resource]
    )
    url = f"/api/v1/{resource}/{record}"
    response = client.delete(url, headers={**auth(keys["admin"]), "If-Match": etag(client, url)})
    assert reason in assert_problem(response, 409)["detail"]
    assert client.get(url).status_code == 200


def test_deleting_an_agreement_another_refers_to_names_the_referring_one(
    client: TestClient, keys: dict[str, str]
) -> None:
    url = "/api/v1/agreements/unclos-1982"
    response = client.delete(url, headers={**auth(keys["admin"]), "If-Match": etag(client, url)})
    detail = assert_problem(response, 409)["detail"]
    referring = "strategic-partnership-declaration-vn-az-2025"
    assert f"agreements name it in `references` ({referring})" in detail
    assert client.get(url).status_code == 200


def test_delete_leaves_a_tombstone(client: TestClient, keys: dict[str, str]) -> None:
    client.post("/api/v1/agreements", json=NEW, headers=auth(keys["write"]))
    url = "/api/v1/agreements/mou-test-2026"
    response = client.delete(url, headers={**auth(keys["admin"]), "If-Match": etag(client, url)})
    assert response.status_code == 204
    assert_problem(client.get(url), 404)
    last = client.get("/api/v1/changes").json()["items"][-1]
    assert (last["action"], last["after"], last["before"]["id"]) == (
        "delete",
        None,
        "mou-test-2026",
    )


def test_source_text_cannot_drop_a_quoted_passage(client: TestClient, keys: dict[str, str]) -> None:
    url = f"/api/v1/sources/{SOURCE}"
    response = client.patch(
        url,
        json={"text": "Nothing left."},
        headers={**auth(keys["write"]), "If-Match": etag(client, url)},
    )
    assert "text" in {e["parameter"] for e in assert_problem(response, 422)["errors"]}


def test_renaming_a_signatory_updates_search(client: TestClient, keys: dict[str, str]) -> None:
    url = "/api/v1/signatories/petrovietnam"
    client.patch(
        url,
        json={
            "aliases": ["PVN Zebra"],
            "provenance": {"aliases.PVN Zebra": {"basis": "reference", "dataset": "a test"}},
        },
        headers={**auth(keys["write"]), "If-Match": etag(client, url)},
    )
    found = client.get("/api/v1/agreements", params={"q": "zebra"}).json()["items"]
    assert [a["id"] for a in found] == ["mou-oil-gas-petrovietnam-az-ministry-of-economy-2025"]


def test_changes_feed_pages_with_since(client: TestClient, keys: dict[str, str]) -> None:
    write = auth(keys["write"])
    for i in range(5):
        client.post("/api/v1/sectors", json={"id": f"s-{i}", "name": f"S {i}"}, headers=write)
    seen: list[int] = []
    url: str | None = "/api/v1/changes?limit=2"
    first = client.get(url).json()
    while url:
        page = client.get(url)
        seen += [c["id"] for c in page.json()["items"]]
        url = page.links.get("next", {}).get("url")
        assert url is None or f"since={seen[-1]}" in url
    assert len(seen) == 5 and seen == sorted(seen)
    # Every list's envelope: the total counts the changes after `since`, not the page.
    assert (first["total"], first["total_exact"], len(first["items"])) == (5, True, 2)
    after_two = client.get("/api/v1/changes", params={"since": seen[1], "limit": 2}).json()
    assert after_two["total"] == 3 and after_two["next_cursor"] == str(seen[3])


@pytest.mark.parametrize("path", ["/api/v1/changes", "/api/v1/changes.csv"])
@pytest.mark.parametrize("record_type", ["null", "country", "agreements"])
def test_the_feed_filters_by_a_kind_it_writes_or_is_a_422(
    client: TestClient, path: str, record_type: str
) -> None:
    """The kinds the API writes come from their declarations (`app.kinds`); any other type
    is a 422 naming the parameter, before a download starts."""
    problem = assert_problem(client.get(path, params={"record_type": record_type}), 422)
    assert problem["errors"][0]["parameter"] == "record_type"
    assert all(kind.name in problem["detail"] for kind in KINDS.writable)
    assert client.get(path, params={"record_type": "sector"}).status_code == 200


def test_a_citation_is_added_to_its_record(client: TestClient, keys: dict[str, str]) -> None:
    url = "/api/v1/visits/visit-president-of-vietnam-azerbaijan-2015"
    before = client.get(url)
    headers = {**auth(keys["write"]), "If-Match": before.headers["etag"]}
    citation = {
        "source": "commentary-az-vn-strategic-partnership",
        "quote": "President of Vietnam to Baku in 2015",
        "field": "date",
    }
    added = client.post(f"{url}/citations", json=citation, headers=headers)
    assert added.status_code == 201, added.text
    assert added.json()["citations"][-1]["quote"] == citation["quote"]
    assert len(added.json()["citations"]) == len(before.json()["citations"]) + 1
    wrong = client.post(
        f"{url}/citations",
        json={**citation, "quote": "in 2016"},
        headers={**auth(keys["write"]), "If-Match": added.headers["etag"]},
    )
    bad_field = f"citations.{len(added.json()['citations'])}.quote"
    assert bad_field in {e["parameter"] for e in assert_problem(wrong, 422)["errors"]}
    assert_problem(client.post(f"{url}/citations", json=citation, headers=auth(keys["read"])), 403)
    history = client.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history] == ["update"]
