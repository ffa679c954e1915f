"""The counting index answers exactly what SQL answers, and follows every write.

Both run on a committed scratch database (seeds plus synthetic agreements), one app with the
index and one without, so every total and facet is compared with the SQL path's own."""

import base64
from collections.abc import Iterable
from datetime import date

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text

from app.counting.build import BATCH, build_index, rows_for
from app.counting.index import DIMENSIONS, NO_VISIT, AgreementIndex, AgreementRow
from app.curation.keys import create_key
from app.db import make_engine, make_sessionmaker, transaction
from app.models import Agreement
from app.queries.agreements import SORTS, resolve
from app.schemas.agreements import AgreementFilters
from bench.synth import synthesize
from tests.api.engines import client_of

URL = "/api/v1/agreements"
SOURCE = "vns-baku-signing-ceremony-2025"
QUOTE = "signed a memorandum of understanding on cooperation in the energy sector"
FACETS = ["country", "sector", "kind", "year", "decade"]


def test_ready_says_when_the_index_is_built(indexed: TestClient) -> None:
    assert indexed.get("/ready").json()["counting"] == "ready"


def _some(plain: TestClient, path: str) -> str:
    return plain.get(path, params={"limit": 1}).json()["items"][0]["id"]


def _filters(plain: TestClient) -> list[dict[str, object]]:
    signatory = _some(plain, "/api/v1/signatories")
    visit = _some(plain, "/api/v1/visits")
    return [
        {},
        {"country": "VN"},
        {"country": ["AZ", "VN"]},
        {"country": "RU"},
        {"country": "AZ", "sector": "energy"},
        {"sector": "energy"},
        {"kind": ["mou", "treaty"]},
        {"date_from": "2000", "date_to": "2010"},
        {"date_to": "1990"},
        {"date_from": "2005-06-15"},
        {"date_from": "2019-02", "date_to": "2019-02", "sort": "title"},
        {"signatory": signatory},
        {"visit": visit},
        {"country": "VN", "date_from": "1990", "kind": "mou", "sort": "date"},
    ]


def test_totals_and_facets_equal_sql(indexed: TestClient, plain: TestClient) -> None:
    for params in _filters(plain):
        query = {**params, "facets": FACETS, "limit": 5}
        expected = plain.get(URL, params=query)
        got = indexed.get(URL, params=query)
        assert expected.status_code == got.status_code == 200, (params, got.text)
        want = expected.json()
        assert want["total_exact"], "the world is small enough for SQL to count exactly"
        assert got.json() == want, params


LISTED = ("country", "sector", "kind", "signatory")


def _index_page(client: TestClient, params: dict[str, object]) -> tuple[list[str], bool] | None:
    """The page `params` asks for, as the counting index orders it: (ids, more)."""
    fields = {k: [v] if k in LISTED and not isinstance(v, list) else v for k, v in params.items()}
    f = AgreementFilters.model_validate(fields)
    after = None
    if f.cursor:  # [sort, value, id] in base64url JSON (app.queries.common.encode_cursor)
        _, value, last_id = orjson.loads(base64.urlsafe_b64decode(f.cursor + "=="))
        after = (date.fromisoformat(value), last_id)
    live = client.app.state.counting  # type: ignore[attr-defined]
    with client.app.state.sessions() as session, live.use(session) as index:  # type: ignore[attr-defined]
        filters = resolve(session, f).filters
        assert index is not None
        matches = index.matches(filters)
        page = index.page(matches, f.sort.startswith("-"), f.limit, f.offset, after)
    return None if page is None else (page.ids, page.more)


def _sql_page(plain: TestClient, params: dict[str, object]) -> tuple[list[str], bool]:
    body = plain.get(URL, params=params).json()
    return [item["id"] for item in body["items"]], body["next_cursor"] is not None


def _assert_pages_equal(
    indexed: TestClient, plain: TestClient, params: dict[str, object]
) -> set[str]:
    """Page 1, an offset page and the cursor page after page 1: the same ids either way
    (the ids seen are returned)."""
    first = plain.get(URL, params=params).json()
    pages = [params, {**params, "offset": params["limit"]}]
    if first["next_cursor"]:
        pages.append({**params, "cursor": first["next_cursor"]})
    seen: set[str] = set()
    for page in pages:
        expected = _sql_page(plain, page)
        assert _index_page(indexed, page) == expected, page
        seen.update(expected[0])
    return seen


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_index_pages_equal_sql(indexed: TestClient, plain: TestClient, sort: str) -> None:
    """Every date-sorted page the index gives is SQL's: ties on a day broken by id, undated
    agreements last either way (the title sorts are SQL's alone)."""
    for params in _filters(plain):
        for limit in (1, 7, 50):
            _assert_pages_equal(indexed, plain, {**params, "sort": sort, "limit": limit})
    undated = {"country": ["VN", "FR"], "sort": sort, "limit": 5}
    last = plain.get(URL, params={**undated, "offset": 10_000}).json()["total"] - 1
    assert _index_page(indexed, {**undated, "offset": last, "limit": 1}) == (
        ["undated-agreement"],
        False,
    )


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_unfiltered_first_pages_equal_sql(
    indexed: TestClient, plain: TestClient, sort: str
) -> None:
    """The unfiltered list by offset (a prepared statement where the index counts) answers
    what SQL's page does: the same items, total and next cursor, at the start, in the middle
    and past the end."""
    total = plain.get(URL, params={"limit": 1}).json()["total"]
    for limit in (1, 20, 100):
        for offset in (0, 7, total - 3, total + 5):
            params = {"sort": sort, "limit": limit, "offset": offset, "include": "parties"}
            want = plain.get(URL, params=params)
            assert want.status_code == 200, want.text
            assert indexed.get(URL, params=params).json() == want.json(), params


def test_index_pages_after_a_cursor_the_index_lacks(indexed: TestClient, plain: TestClient) -> None:
    """A cursor's id need not be an agreement's (a deleted one, a hand-made one)."""
    for sort, value in (("date", "1995-03-01"), ("-date", "2010-06-30")):
        for last_id in ("a", "synth-m", "zzz"):
            payload = orjson.dumps([sort, value, last_id])
            cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
            params = {"country": "VN", "sort": sort, "limit": 9, "cursor": cursor}
            assert _index_page(indexed, params) == _sql_page(plain, params), params


def test_dates_written_around_the_model_count_exactly(world: str, plain: TestClient) -> None:
    """The index reads a year as a run of the date order only while every agreement's
    `date_start` and `date_end` lie within its `date`'s year, as the model writes them:
    one written by hand outside it still gets SQL's totals and pages."""
    engine = make_engine(world)
    moved = "UPDATE agreements SET date_start = :start, date_end = :end WHERE id = :id"
    with engine.begin() as conn:
        agreement_id, start, end = conn.execute(
            text("SELECT id, date_start, date_end FROM agreements WHERE date LIKE '2005%' LIMIT 1")
        ).one()
        conn.execute(text(moved), {"start": "2012-06-01", "end": "2012-06-01", "id": agreement_id})
    try:
        with client_of(world, counting_index=True) as client:
            assert client.app.state.counting.ready.wait(60)  # type: ignore[attr-defined]
            in_2012 = _sql_page(plain, {"date_from": "2012", "date_to": "2012", "limit": 100})[0]
            assert agreement_id in in_2012
            for year in ("2005", "2012"):
                for sort in ("date", "-date"):
                    params = {"date_from": year, "date_to": year, "sort": sort, "limit": 5}
                    got = client.get(URL, params=params).json()
                    assert got == plain.get(URL, params=params).json(), params
    finally:
        with engine.begin() as conn:
            conn.execute(text(moved), {"start": start, "end": end, "id": agreement_id})
        engine.dispose()


def test_totals_are_not_counted_with_sql(indexed: TestClient, world: str) -> None:
    statements: list[str] = []
    engine: Engine = indexed.app.state.engine  # type: ignore[attr-defined]

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        body = indexed.get(URL, params={"country": "VN", "sector": "energy"}).json()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert body["total"] > 0 and body["total_exact"]
    assert not [s for s in statements if "count(" in s]


@pytest.mark.parametrize("batch", [7, BATCH])
def test_a_build_indexes_each_agreement_as_putting_its_row_does(world: str, batch: int) -> None:
    """The bulk read (batches of joined strings, links matched to their agreements by id,
    row numbers in id order) gives the index that putting each agreement's row, read
    record by record, gives: the same ids for every value, dates, visits and the facet
    tables' counts. Seven at a time, batches end between an agreement's links."""
    engine = make_engine(world)
    with make_sessionmaker(engine)() as session:
        built = build_index(session, batch=batch)
        ids = sorted(session.scalars(select(Agreement.id)))
        put = AgreementIndex()
        for row in rows_for(session, ids):
            put.put(row)
    engine.dispose()

    def agreements(index: AgreementIndex, rows: Iterable[int]) -> set[str]:
        return {index.ids.id(row) for row in rows}

    def visit(index: AgreementIndex, row: int) -> str | None:
        code = int(index.visits[row])
        return None if code == NO_VISIT else index.visit_ids.id(code - 1)

    assert agreements(built, built.live) == agreements(put, put.live) == set(ids)
    assert [built.ids.id(row) for row in range(len(ids))] == ids  # rows in id order
    for name in DIMENSIONS:
        assert set(built.values(name)) == set(put.values(name)), name
        for value in built.values(name):
            assert agreements(built, built.by[name][value]) == agreements(
                put, put.by[name][value]
            ), (name, value)
    for agreement_id in ids:
        a, b = built.row_of(agreement_id), put.row_of(agreement_id)
        assert (built.starts[a], built.ends[a]) == (put.starts[b], put.ends[b]), agreement_id
        assert visit(built, a) == visit(put, b), agreement_id
    for name, table in built.links.items():
        counts = table.counts(built.live)
        assert {v: int(counts[c]) for v, c in table.code_of.items() if v and counts[c]} == {
            v: len(put.by[name][v]) for v in put.values(name)
        }, name


def test_more_than_the_sql_cap_is_exact(seeded_url: str) -> None:
    """Past 10,000 matches SQL says only 'more'; the index gives the number."""
    engine = make_engine(seeded_url)
    synthesize(engine, 10_050, seed=3)
    with engine.connect() as conn:
        expected = conn.scalar(text("SELECT count(*) FROM agreements"))
    engine.dispose()
    with client_of(seeded_url, counting_index=True) as client:
        assert client.app.state.counting.ready.wait(60)  # type: ignore[attr-defined]
        body = client.get(URL).json()
    assert body["total"] == expected and body["total_exact"]


def test_index_follows_writes(world: str, indexed: TestClient) -> None:
    engine = make_engine(world)
    with transaction(engine) as session:
        _, secret = create_key(session, "counting", "admin")
    engine.dispose()
    auth = {"Authorization": f"Bearer {secret}"}

    def total(**params: object) -> int:
        return indexed.get(URL, params=params).json()["total"]

    before_vn, before_fr = total(country="VN"), total(country="FR")
    record = {
        "id": "counting-test-agreement",
        "title": "Agreement made to be counted",
        "kind": "agreement",
        "date": "1977",
        "parties": [{"country": "VN"}, {"country": "LA"}],
        "sectors": ["energy"],
        "citations": [
            {"source": SOURCE, "quote": QUOTE},
            *(
                {"source": SOURCE, "quote": QUOTE, "field": f}
                for f in ("kind", "parties", "sectors")
            ),
        ],
        "date_inferred": True,
        "date_inferred_reason": "A test record.",
    }
    created = indexed.post(URL, json=record, headers=auth)
    assert created.status_code == 201, created.text
    assert total(country="VN") == before_vn + 1
    assert total(country="VN", sector="energy", date_from="1977", date_to="1977") >= 1

    etag = indexed.get(f"{URL}/{record['id']}").headers["etag"]
    patched = indexed.patch(
        f"{URL}/{record['id']}",
        json={"parties": [{"country": "FR"}, {"country": "LA"}]},
        headers={**auth, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    assert (total(country="VN"), total(country="FR")) == (before_vn, before_fr + 1)
    with client_of(world, counting_index=False) as plain:  # one added since the build, ranked
        for sort in ("date", "-date"):
            params = {"country": "LA", "date_from": "1977", "date_to": "1977", "sort": sort}
            seen = _assert_pages_equal(indexed, plain, {**params, "limit": 1})
            assert record["id"] in seen
        for params in ({"facets": "country"}, {"country": "LA", "facets": FACETS}):
            facets = indexed.get(URL, params=params).json()["facets"]
            assert facets == plain.get(URL, params=params).json()["facets"], params

    etag = indexed.get(f"{URL}/{record['id']}").headers["etag"]
    deleted = indexed.delete(f"{URL}/{record['id']}", headers={**auth, "If-Match": etag})
    assert deleted.status_code == 204, deleted.text
    assert (total(country="VN"), total(country="FR")) == (before_vn, before_fr)


def test_visits_of_agreements_put_since_the_build(world: str) -> None:
    """A visit the index was built with and one it first meets in a write both filter."""
    engine = make_engine(world)
    with make_sessionmaker(engine)() as session:
        index = build_index(session)
        visit = session.scalar(select(Agreement.visit_id).where(Agreement.visit_id.is_not(None)))
        expected = session.scalar(select(func.count()).where(Agreement.visit_id == visit))
    engine.dispose()
    assert visit is not None and index.count({"visit": visit}) == expected
    index.put(AgreementRow("visit-test-known", "agreement", "2001", None, None, visit))
    index.put(AgreementRow("visit-test-new", "agreement", "2001", None, None, "visit-test-new"))
    assert index.count({"visit": visit}) == expected + 1
    assert index.count({"visit": "visit-test-new"}) == 1
    index.remove("visit-test-known")
    assert index.count({"visit": visit}) == expected
