"""Writes under concurrency (real server, separate connections) and mirrors replaying the
changes feed."""

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from threading import Barrier
from typing import TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.curation.keys import create_key
from app.db import make_engine, transaction
from app.kinds import storage
from app.kinds.registry import KINDS
from tests.api.test_writes import BODIES
from tests.problems import assert_problem
from tests.servers import serve

URL = "/api/v1/agreements/mou-energy-vn-az-2025"
T = TypeVar("T")


def _server_with_key(database_url: str) -> tuple[str, dict[str, str]]:
    engine = make_engine(database_url)
    with transaction(engine) as session:
        _, secret = create_key(session, "racer", "write")
    engine.dispose()
    return database_url, {"Authorization": f"Bearer {secret}"}


def test_concurrent_patches_with_one_etag_let_exactly_one_win(seeded_url: str) -> None:
    database_url, auth = _server_with_key(seeded_url)
    with serve(database_url) as base, httpx.Client(base_url=base, timeout=30) as http:
        etag = http.get(URL).headers["etag"]

        def patch(i: int) -> int:
            return http.patch(
                URL, json={"summary": f"writer {i}"}, headers={**auth, "If-Match": etag}
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = Counter(pool.map(patch, range(8)))
        assert statuses == {200: 1, 412: 7}
        history = http.get(f"{URL}/history").json()["items"]
        assert len(history) == 1
        assert http.get(URL).json()["summary"] == history[0]["after"]["summary"]


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Each call in a thread of its own, all released together; their results in order."""
    start = Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


CREATORS = 10
CREATE_ROUNDS = 5


@pytest.mark.parametrize("resource", list(BODIES))
def test_concurrent_creates_of_one_id_let_exactly_one_win(seeded_url: str, resource: str) -> None:
    """10 clients POST the same new id at once, round after round: one gets 201, the others
    a 409 naming the id, and the id's history holds that one create."""
    database_url, auth = _server_with_key(seeded_url)
    with serve(database_url) as base, httpx.Client(base_url=base, timeout=30) as http:
        for round_ in range(CREATE_ROUNDS):
            body = {**BODIES[resource], "id": f"{BODIES[resource]['id']}-{round_}"}
            post = partial(http.post, f"/api/v1/{resource}", json=body, headers=auth)
            answers = at_once([post] * CREATORS)
            assert Counter(a.status_code for a in answers) == {201: 1, 409: CREATORS - 1}, [
                a.text for a in answers if a.status_code != 201
            ]
            for refused in (a for a in answers if a.status_code == 409):
                assert repr(body["id"]) in assert_problem(refused, 409)["detail"]
            history = http.get(f"/api/v1/{resource}/{body['id']}/history").json()["items"]
            assert [h["action"] for h in history] == ["create"]


CYCLE_ROUNDS = 50


def reparent(http: httpx.Client, auth: dict[str, str], sector: str, parent: str) -> httpx.Response:
    """PATCH the sector's parent as a client does: with the ETag of a fresh GET, again after
    a 412 (the other change may alter the sector's detail: its children)."""
    url = f"/api/v1/sectors/{sector}"
    for _ in range(5):
        etag = http.get(url).headers["etag"]
        answer = http.patch(url, json={"parent": parent}, headers={**auth, "If-Match": etag})
        if answer.status_code != 412:
            break
    return answer


def test_concurrent_parent_changes_never_store_a_cycle(seeded_url: str) -> None:
    """With b under a, one client puts c under b while another puts a under c, both at once,
    50 times: one change is stored and the other is a 422 naming `parent`, never both (a
    cycle a > b > c > a)."""
    database_url, auth = _server_with_key(seeded_url)
    with serve(database_url) as base, httpx.Client(base_url=base, timeout=30) as http:
        for round_ in range(CYCLE_ROUNDS):
            a, b, c = (f"cycle-{round_}-{name}" for name in "abc")
            for sector, parent in ((a, None), (b, a), (c, None)):
                body = {"id": sector, "name": sector.title(), "parent": parent}
                assert http.post("/api/v1/sectors", json=body, headers=auth).status_code == 201
            answers = at_once(
                [partial(reparent, http, auth, c, b), partial(reparent, http, auth, a, c)]
            )
            assert sorted(r.status_code for r in answers) == [200, 422], [r.text for r in answers]
            assert_problem(next(r for r in answers if r.status_code == 422), 422, "parent")
            parents = {s: http.get(f"/api/v1/sectors/{s}").json()["parent_id"] for s in (a, c)}
            assert (parents[c] == b) != (parents[a] == c), parents


def test_read_modify_write_loops_lose_no_update(seeded_url: str) -> None:
    """4 writers each add 5 aliases, retrying on 412: all 20 must be there at the end."""
    database_url, auth = _server_with_key(seeded_url)
    retries = Counter()
    with serve(database_url) as base, httpx.Client(base_url=base, timeout=30) as http:

        def writer(k: int) -> None:
            for i in range(5):
                while True:
                    current = http.get(URL)
                    alias = f"writer {k} alias {i}"
                    # An alias no quote uses is labelled: here, as reference data.
                    labelled = {f"aliases.{alias}": {"basis": "reference", "dataset": "a test"}}
                    response = http.patch(
                        URL,
                        json={
                            "aliases": [*current.json()["aliases"], alias],
                            "provenance": labelled,
                        },
                        headers={**auth, "If-Match": current.headers["etag"]},
                    )
                    if response.status_code == 200:
                        break
                    assert response.status_code == 412, response.text
                    retries[k] += 1

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(writer, range(4)))
        aliases = http.get(URL).json()["aliases"]
        assert sorted(a for a in aliases if a.startswith("writer")) == sorted(
            f"writer {k} alias {i}" for k in range(4) for i in range(5)
        )
        assert len(http.get(f"{URL}/history", params={"limit": 100}).json()["items"]) == 20
    print(f"412 retries per writer: {dict(retries)}")


def test_replaying_the_changes_feed_rebuilds_the_same_state(
    client: TestClient, session: Session, seeded_url: str
) -> None:
    _, secret = create_key(session, "curator", "admin")
    auth = {"Authorization": f"Bearer {secret}"}
    quote = "signed a memorandum of understanding on cooperation in the energy sector"
    client.post(
        "/api/v1/sectors",
        json={"id": "hydrogen", "name": "Hydrogen", "parent": "energy"},
        headers=auth,
    )
    client.post(
        "/api/v1/agreements",
        headers=auth,
        json={
            "id": "mou-hydrogen-test",
            "title": "Hydrogen MoU",
            "kind": "mou",
            "parties": [{"country": "VN"}, {"country": "AZ"}],
            "sectors": ["hydrogen"],
            "citations": [
                {"source": "vns-baku-signing-ceremony-2025", "quote": quote, "field": field}
                for field in ("kind", "parties", "sectors", "date")
            ],
        },
    )
    for url, patch in (
        ("/api/v1/agreements/mou-hydrogen-test", {"date": "2026-01"}),
        (URL, {"status": "signed (replayed)"}),
        (
            "/api/v1/signatories/petrovietnam",
            {
                "aliases": ["PVN"],
                "provenance": {"aliases.PVN": {"basis": "reference", "dataset": "a test"}},
            },
        ),
    ):
        etag = client.get(url).headers["etag"]
        assert client.patch(url, json=patch, headers={**auth, "If-Match": etag}).is_success
    url = "/api/v1/agreements/mou-hydrogen-test"
    client.delete(url, headers={**auth, "If-Match": client.get(url).headers["etag"]})
    feed = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert [c["action"] for c in feed] == [
        "create",
        "create",
        "update",
        "update",
        "update",
        "delete",
    ]

    mirror = make_engine(seeded_url)
    with transaction(mirror) as replica:
        for change in feed:
            kind = KINDS[change["record_type"]]
            if change["after"] is None:
                storage.remove(replica, kind, change["record_id"])
            else:
                storage.write(replica, kind, kind.shape.model_validate(change["after"]))
            replica.flush()
    with transaction(mirror) as replica:
        for change in feed:
            kind = KINDS[change["record_type"]]
            assert storage.read(replica, kind, change["record_id"]) == storage.read(
                session, kind, change["record_id"]
            ), change["record_id"]
    mirror.dispose()
