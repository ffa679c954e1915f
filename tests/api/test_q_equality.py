"""`q` answers the same items and totals through its indexes (SQLite: word index and
vocabulary, trigram fallback; PostgreSQL: pg_trgm) as through the plain LIKE alone, on a
few hundred generated agreements whose words overlap, nest, carry punctuation and case."""

import itertools

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from app.models import Agreement, Country, Signatory, Visit
from app.queries import common, text_search
from app.queries import search as search_queries
from app.queries.agreements import SORTS
from app.queries.text_search import MAX_WORDS, plain_match, text_match
from tests.factories import make_agreement

URL = "/api/v1/agreements"
PIECES = (
    "green",
    "greenhouse",
    "evergreen",
    "hydrogen",
    "Hydrogène",
    "GREEN",
    "green-hydrogen",
    "(green)",
    "green,",
    "o'rourke",
    'said "green"',
    "100%",
    "snake_case",
    "a\\b",
    "🇦🇿",
    "Straße",
    "İstanbul",
    "power",
    "x" * 120,
)
# Raw stored text that `fold` would never write: upper case, a tab, a double space.
RAW = ("GREEN Power", "ÉNERGIE green", "tab\tgreen word", "two  spaces")
QUERIES = [
    "green",
    "green hydrogen",
    "GREEN",
    "Hydrogène",
    "ergreen",
    "gen",
    "gen1",
    "gen12x",
    "en",
    "e",
    "%",
    "100%",
    "_",
    "e_c",
    "a\\b",
    '"green"',
    "(green)",
    "green,",
    "o'rourke",
    "🇦🇿",
    "ss",
    "straße",
    "istanbul",
    "x" * 60,
    "zzz-nothing",
    "nergie",
    "tab",
    "green power",
    "power green hydrogen",
    "en green",
    "gen green",
    "ma",
    "spaces",
]


@pytest.fixture
def generated(session: Session) -> None:
    """300 agreements, titles of one to three pieces, plus one distinct `genNx` word each
    for more than MAX_WORDS of them (so `gen` stands for too many words and falls back)."""
    combos = itertools.cycle(
        itertools.chain(
            itertools.combinations(PIECES, 1),
            itertools.combinations(PIECES, 2),
            itertools.combinations(PIECES, 3),
        )
    )
    for i in range(300):
        extra = f" gen{i}x" if i < MAX_WORDS + 10 else ""
        make_agreement(
            session,
            id=f"q-{i:03d}",
            title=" ".join(next(combos)) + extra,
            date=f"{1990 + i % 30}",
        )
    for i, raw in enumerate(RAW):
        make_agreement(session, id=f"raw-{i}", date="2001").search_text = raw
    session.flush()


def _plain(session: Session, q: str) -> tuple[list[str], int]:
    match = plain_match(Agreement, q)
    page = select(Agreement.id).where(match).order_by(*SORTS["-date"].order_by()).limit(100)
    total = session.scalar(select(func.count()).select_from(Agreement).where(match))
    return list(session.scalars(page)), total or 0


@pytest.mark.usefixtures("generated")
@pytest.mark.parametrize(
    ("walk_from", "dense_from"),
    [(text_search.WALK_FROM, text_search.DENSE_FROM), (5, 10**6), (5, 20)],
    ids=["as-set", "walking-the-sort-index", "plain-like-when-dense"],
)
def test_q_answers_what_the_plain_path_answers(
    client: TestClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    walk_from: int,
    dense_from: int,
) -> None:
    """Every way a page may be planned (the thresholds lowered to reach each on a few
    hundred records) gives the same page and total."""
    monkeypatch.setattr(text_search, "WALK_FROM", walk_from)
    monkeypatch.setattr(text_search, "DENSE_FROM", dense_from)
    for q in QUERIES:
        body = client.get(URL, params={"q": q, "limit": 100}).json()
        items, total = _plain(session, q)
        assert ([i["id"] for i in body["items"]], body["total"]) == (items, total), q
        assert body["total_exact"] is True


@pytest.mark.usefixtures("generated")
@pytest.mark.parametrize("model", [Agreement, Visit, Signatory, Country])
def test_each_searchable_table_matches_as_the_plain_path(session: Session, model: type) -> None:
    for q in QUERIES:
        indexed = select(model.id).where(text_match(session, model, q)).order_by(model.id)
        plain = select(model.id).where(plain_match(model, q)).order_by(model.id)
        assert list(session.scalars(indexed)) == list(session.scalars(plain)), q


@pytest.mark.usefixtures("generated")
def test_search_answers_what_the_plain_path_answers(client: TestClient, session: Session) -> None:
    for q in ("green", "green hydrogen", "gen", "zzz-nothing"):
        body = client.get("/api/v1/search", params={"q": q, "kind": "agreement"}).json()
        _, total = _plain(session, q)
        assert body["total"] == total, q


def test_a_word_written_after_the_index_was_built_is_found(session: Session) -> None:
    """The vocabulary follows inserts and updates (here: words no record held before)."""
    agreement = make_agreement(session, id="new-words", title="Quokkasaurus accord")
    assert _ids(session, "kkasaur") == ["new-words"]
    agreement.search_text = "wombatology accord"
    session.flush()
    assert _ids(session, "kkasaur") == []
    assert _ids(session, "batolog") == ["new-words"]


def _ids(session: Session, q: str) -> list[str]:
    return list(session.scalars(select(Agreement.id).where(text_match(session, Agreement, q))))


def _plain_search(session: Session, q: str) -> tuple[list[tuple[str, str]], int]:
    """Every hit of every kind as one union sorted whole: (kind, id) in order, and how many."""
    hits = union_all(
        *(
            select(
                literal(rank).label("rank"),
                literal(kind).label("kind"),
                model.id.label("id"),
                title.label("title"),
            ).where(plain_match(model, q))
            for rank, (kind, model, title, _) in enumerate(search_queries.KINDS)
        )
    ).subquery()
    order = (hits.c.rank, hits.c.title, hits.c.id)
    found = session.execute(select(hits.c.kind, hits.c.id).order_by(*order)).all()
    return [tuple(hit) for hit in found], len(found)


@pytest.mark.usefixtures("generated")
@pytest.mark.parametrize("cap", [common.COUNT_CAP, 40])
@pytest.mark.parametrize(
    ("walk_from", "dense_from"),
    [(text_search.WALK_FROM, text_search.DENSE_FROM), (5, 10**6), (5, 20)],
)
def test_search_reads_each_kind_as_far_as_the_page_as_the_union_sorted_whole(
    client: TestClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    cap: int,
    walk_from: int,
    dense_from: int,
) -> None:
    """`/search` reads each kind in its order only as far as its page needs (each way a
    page may be planned): its pages (across kinds, too) and its total (capped as one count
    of the union) are those of every kind's hits sorted whole."""
    monkeypatch.setattr(text_search, "WALK_FROM", walk_from)
    monkeypatch.setattr(text_search, "DENSE_FROM", dense_from)
    monkeypatch.setattr(search_queries, "COUNT_CAP", cap)
    monkeypatch.setattr(common, "COUNT_CAP", cap)
    for q in ("green", "gen", "e", "an", "zzz-nothing"):
        hits, total = _plain_search(session, q)
        for offset in (0, 7, len(hits) - 3):
            params = {"q": q, "limit": 10, "offset": max(offset, 0)}
            body = client.get("/api/v1/search", params=params).json()
            page = [(i["kind"], i["id"]) for i in body["items"]]
            assert page == hits[max(offset, 0) : max(offset, 0) + 10], (q, offset)
            assert (body["total"], body["total_exact"]) == (min(total, cap), total <= cap), q
