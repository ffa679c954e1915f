"""The indexed `q` path (word indexes and trigram fallbacks, on SQLite and PostgreSQL)
finds exactly what the plain LIKE path finds, and the index follows inserts, updates and
deletes."""

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agreement, Country, Signatory, Visit
from app.queries.text_search import MAX_ARRAY_WORD_BYTES, plain_match, text_match
from app.text import search_text
from tests.factories import make_agreement

QUERIES = [
    "binh son",
    "Bình Sơn",
    "energy",
    "ENERGY cooperation",
    "hồ chí minh",
    "100%",
    "e_c",
    "a\\b",
    "%%%",
    "zz",
    "memorandum understanding",
    "dung quat refinery",
    "azerbaijan",
    "x",
    "signed",
    "🇦🇿",
    "ministry of economy",
    'said "energy"',
    'o"rourke ministry',
    "AND OR NOT",
    "(energy)",
    "ene*",
]


def _ids(session: Session, model: type, condition: object) -> list[str]:
    return list(session.scalars(select(model.id).where(condition).order_by(model.id)))


@pytest.mark.parametrize("model", [Agreement, Visit, Signatory, Country])
def test_indexed_path_equals_the_plain_path(session: Session, model: type) -> None:
    make_agreement(session, id="pct", title="Fund 100% renewable energy")
    make_agreement(session, id="snake", title="snake_case a\\b title")
    for q in QUERIES:
        assert _ids(session, model, text_match(session, model, q)) == _ids(
            session, model, plain_match(model, q)
        ), q


def test_the_index_follows_writes(session: Session) -> None:
    agreement = make_agreement(session, id="zebra", title="Zebra crossing accord")
    assert _ids(session, Agreement, text_match(session, Agreement, "zebra")) == ["zebra"]
    agreement.search_text = search_text("Giraffe crossing accord")
    session.flush()
    assert _ids(session, Agreement, text_match(session, Agreement, "zebra")) == []
    assert _ids(session, Agreement, text_match(session, Agreement, "giraffe")) == ["zebra"]
    session.delete(agreement)
    session.flush()
    assert _ids(session, Agreement, text_match(session, Agreement, "giraffe")) == []


def test_a_word_too_long_for_the_word_index_is_stored_and_found(session: Session) -> None:
    """A word past what an index key may hold (10,240 bytes that do not compress) is
    written, and a query word it holds is found by the LIKE it falls back to."""
    word = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(160))
    assert len(word) > 3 * MAX_ARRAY_WORD_BYTES
    agreement = make_agreement(session, id="long-word", title="Accord")
    agreement.search_text = search_text(f"Accord {word} signed")  # as from a long summary
    session.flush()
    for q in (word[5000:5020], f"accord {word[:40]}", word):
        assert _ids(session, Agreement, text_match(session, Agreement, q)) == ["long-word"], q
        assert _ids(session, Agreement, plain_match(Agreement, q)) == ["long-word"], q
