"""`q`: every word, case- and accent-folded, must occur in the record's folded search text.

The exact test is a LIKE on `search_text`, with the user's `%`, `_` and `\\` escaped so they
are literal. At scale indexes find the matches first. A query word holds no space, so it
occurs in a text exactly when it occurs in one of the text's space-separated words: both
databases keep the vocabulary of every stored whole word (`search_fts_words`, kept by
triggers, never pruned) and an index of each table's records by those whole words.
`resolve` looks each query word up in the vocabulary (by the same LIKE, on the short
vocabulary words), so a query word becomes an OR of stored words, and the records that
hold one of them are exactly the records the LIKE would match: no record is read to check.

- SQLite (migration 0011): the vocabulary through its FTS5 trigram table; the records
  from `<table>_fts_words`, an FTS5 index whose tokens are the whole words.
- PostgreSQL (migration 0020): the vocabulary through its pg_trgm index; the records from
  a GIN index of `search_words(search_text)` (the text's words as an array), asked with
  `&&`, which GIN answers exactly (no row re-checked). A GIN bitmap cannot stop early, so
  where the planner expects more than DENSE_FROM matches the plain LIKE walks the rows
  instead (`TextQuery._dense`).

A query word that stands for too many stored words (MAX_WORDS), or that none can be looked
up for (fewer than three characters free of LIKE metacharacters), or that a stored word too
long for the word index holds, is left to the trigram indexes of migration 0006 and the
exact LIKE, as before (SQLite: `<table>_fts`, a phrase MATCH of its runs of 3+ such
characters, a superset; PostgreSQL: the pg_trgm index on `search_text` serves the LIKE).
Either way the results are those of the plain path by construction.

On 1M synthetic agreements (SQLite) the matches of `green hydrogen` come from two short
word lists (1.4 ms CPU) where the trigram phrases read the long lists of `gre`, `ree`, `een`
and `gen` (17.7 ms), and no row is fetched to re-check a LIKE.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    Text,
    and_,
    bindparam,
    column,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.text import fold

FTS_TABLES = ("agreements", "visits", "signatories", "countries")
WORD_INDEXED = ("sqlite", "postgresql")
"""The databases whose migrations keep a word index (0011 on SQLite, 0020 on PostgreSQL)."""
VOCABULARY = table("search_fts_words", column("id"), column("word"))
VOCABULARY_TRIGRAMS = table("search_fts_words_trigrams", column("rowid"))
MAX_WORDS = 64
"""The most stored words one query word may stand for; past it (a short or common
fragment such as `gen`) the word falls back to the trigram index and the LIKE."""
WALK_FROM = 2_000
DENSE_FROM = 50_000
"""How a page finds its rows, by the number of matches: see `TextQuery.page_condition`."""
MAX_WORD_BYTES = 32768
"""FTS5 cuts tokens to this length (at indexing and at query time alike), so a longer
stored word could match another that shares its start: such a word falls back too."""
MAX_ARRAY_WORD_BYTES = 1000
"""PostgreSQL's `search_words` leaves out longer words (migration 0020: a GIN or B-tree key
cannot be much longer), so a query word that such a stored word holds falls back too."""

_LIKE_SPECIAL = re.compile(r"[%_\\]")
# Characters the word index's tokenizer separates on besides the space (ASCII controls):
# `fold` removes them from stored text, but a word holding one cannot be looked up whole
# in SQLite's FTS5 (PostgreSQL's words are split on the space alone).
_SEPARATOR = re.compile(r"[\x00-\x1f\x7f]")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pattern(word: str) -> str:
    """The LIKE pattern of the texts that hold `word` (with escape character `\\`)."""
    return f"%{_escape_like(word)}%"


def _like(expression: Any, word: str) -> ColumnElement[bool]:
    return expression.like(_pattern(word), escape="\\")


def plain_match(model: Any, q: str) -> ColumnElement[bool]:
    """The exact test, and the whole of it where no index helps."""
    return and_(*(_like(model.search_text, w) for w in fold(q).split() or [""]))


def _fragments(word: str) -> list[str]:
    """The word's runs of 3+ characters free of LIKE metacharacters: each is in every text
    that holds the word, and a trigram index can look it up."""
    return [part for part in _LIKE_SPECIAL.split(word) if len(part) >= 3]


def _quoted(parts: list[str]) -> list[str]:
    """FTS5 strings: each part taken literally, whatever its punctuation."""
    return ['"' + part.replace('"', '""') + '"' for part in parts]


def _fts_rowids(name: str, query: str | BindParameter[str]) -> Select[Any]:
    fts = table(name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(name).op("MATCH")(query))


def _holds_one_of(model: Any, stored: list[str]) -> ColumnElement[bool]:
    """PostgreSQL: the record's words include one of `stored` (`&&` on the GIN index of
    `search_words(search_text)`, which answers it exactly: no row is re-checked)."""
    words = func.search_words(model.search_text, type_=ARRAY(Text))
    return words.bool_op("&&")(literal(stored, ARRAY(Text)))


@lru_cache(maxsize=16)
def _vocabulary_lookup(words: int, dialect: str) -> Select[Any] | CompoundSelect:
    """What `resolve` runs for `words` query words, built once per count: for word i,
    bound as `like_i` (its LIKE pattern) and on SQLite `match_i` (its fragments, an FTS5
    query of the vocabulary's trigram table; PostgreSQL's pg_trgm index serves the LIKE
    itself), the first MAX_WORDS + 1 stored words that contain it. Building and hashing a
    fresh statement cost about five times what SQLite takes to run it (1 ms of CPU)."""
    parts = []
    for n in range(words):
        contains = [VOCABULARY.c.word.like(bindparam(f"like_{n}"), escape="\\")]
        if dialect == "sqlite":
            candidates = _fts_rowids(VOCABULARY_TRIGRAMS.name, bindparam(f"match_{n}"))
            contains.insert(0, VOCABULARY.c.id.in_(candidates))
        found = (
            select(literal(n).label("n"), VOCABULARY.c.word)
            .where(*contains)
            .limit(MAX_WORDS + 1)
            .subquery()
        )
        parts.append(select(found.c.n, found.c.word))
    return union_all(*parts) if len(parts) > 1 else parts[0]


@lru_cache(maxsize=len(FTS_TABLES))
def _word_count(name: str) -> Select[Any]:
    """How many of table `name`'s records the word query `query` finds, up to `most`
    (SQLite; built once per table, as `_vocabulary_lookup`)."""
    found = _fts_rowids(f"{name}_fts_words", bindparam("query")).limit(bindparam("most"))
    return select(func.count()).select_from(found.subquery())


@dataclass(frozen=True)
class TextQuery:
    """`q` resolved once: its folded words and, for each word the word index can stand
    for, the stored words that contain it (absent: the word falls back to the trigram
    index and the LIKE; empty: no record holds it), on the database `dialect`."""

    words: list[str]
    stored: dict[str, list[str]]
    dialect: str
    _estimates: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def condition(self, session: Session, model: Any) -> ColumnElement[bool]:
        """The test for any statement: the planner reads the matches from the indexes
        first (SQLite: `rowid IN (...)`; PostgreSQL: a bitmap of the GIN index), then the
        rows; on PostgreSQL the plain LIKE where the matches are too many (`_dense`)."""
        if not self._indexes(model) or self._dense(session, model):
            return self._plain(model)
        return self._condition(model, walk=False)

    def page_condition(self, session: Session, model: Any) -> ColumnElement[bool]:
        """The same test for a page walked in its sort order and stopped at its end, by
        how many records the word index finds (counted up to DENSE_FROM + 1):

        - up to WALK_FROM: `condition`, reading and sorting every match;
        - up to DENSE_FROM: `+rowid` keeps the planner from reading every match's row to
          sort them (13,456 rows, 30 ms, for `green hydrogen` at 1M): it walks the sort
          index and looks each rowid up among the matches (3 ms), reading only the page;
        - past it (`cooperation`: more than half of all records): the plain LIKE, since
          the page's rows come within the first few dozen and listing every match would
          cost more (550,000 rowids, 160 ms).

        On PostgreSQL, `condition`: its planner chooses between the GIN bitmap with a sort
        and a walk of the sort index from its own estimate, and `_dense` (the same
        DENSE_FROM, estimated) leaves the densest to the plain LIKE."""
        if self.dialect != "sqlite":
            return self.condition(session, model)
        query = self._word_query(model, self._looked_up())
        if query is None:
            return self.condition(session, model)
        count = _word_count(model.__tablename__)
        params = {"query": query, "most": DENSE_FROM + 1}
        n = session.connection().scalar(count, params) or 0
        if n > DENSE_FROM:
            return self._plain(model)
        if n > WALK_FROM:
            return self._condition(model, walk=True)
        return self.condition(session, model)

    def matches(self, session: Session, model: Any) -> Select[Any] | None:
        """The ids (SQLite: rowids) of the matching records from the word index alone,
        when it answers every word of `q` (so a total needs no row re-checked): None
        otherwise, and on PostgreSQL where the matches are too many (`_dense`)."""
        if any(w not in self.stored for w in self.words):
            return None
        if self.dialect == "postgresql":
            if not self._indexes(model) or any(not self.stored[w] for w in self.words):
                return None
            if self._dense(session, model):
                return None
            return select(model.id).where(*self._found(model, self.words, walk=False))
        query = self._word_query(model, self.words)
        return None if query is None else _fts_rowids(f"{model.__tablename__}_fts_words", query)

    def _indexes(self, model: Any) -> bool:
        return self.dialect in WORD_INDEXED and model.__tablename__ in FTS_TABLES

    def _plain(self, model: Any) -> ColumnElement[bool]:
        return and_(*(_like(model.search_text, w) for w in self.words))

    def _dense(self, session: Session, model: Any) -> bool:
        """PostgreSQL: whether the planner expects more than DENSE_FROM records to hold the
        looked-up words. A GIN index answers with a bitmap of every match, which cannot
        stop at a page's end or at a count's cap (for `cooperation`, 550,000 at 1M, past
        `work_mem`, so lossy and re-checked): past this the plain LIKE, walking the rows,
        finds the page and the capped count sooner, as SQLite's page does. An estimate
        (EXPLAIN, from the GIN expression's element statistics), since counting would cost
        that same bitmap: it chooses the plan, never the answer. Once per table."""
        looked_up = self._looked_up()
        if self.dialect != "postgresql" or not looked_up:
            return False
        if any(not self.stored[w] for w in looked_up):
            return False  # no record matches: `_condition` says so
        name = model.__tablename__
        if name not in self._estimates:
            found = select(literal_column("1")).select_from(model.__table__)
            found = found.where(*self._found(model, looked_up, walk=False))
            self._estimates[name] = _estimated_rows(session, found)
        return self._estimates[name] > DENSE_FROM

    def _looked_up(self) -> list[str]:
        return [w for w in self.words if w in self.stored]

    def _word_query(self, model: Any, words: list[str]) -> str | None:
        """SQLite's word index query for `words` (all looked up), or None when there is
        none to ask or a word was not found."""
        if not self._indexes(model) or not words:
            return None
        if any(not self.stored[w] for w in words):
            return None
        return _word_query(words, self.stored)

    def _found(self, model: Any, words: list[str], walk: bool) -> list[ColumnElement[bool]]:
        """The word index's test that a record holds every one of `words` (all looked up,
        each found). On SQLite `walk` writes `+rowid`, which keeps the planner from
        reading the matches first (see `page_condition`)."""
        if not words:
            return []
        if self.dialect == "postgresql":
            return [_holds_one_of(model, self.stored[w]) for w in dict.fromkeys(words)]
        found = _fts_rowids(f"{model.__tablename__}_fts_words", _word_query(words, self.stored))
        return [_rowid(model, walk).in_(found)]

    def _condition(self, model: Any, walk: bool) -> ColumnElement[bool]:
        looked_up = self._looked_up()
        if any(not self.stored[w] for w in looked_up):
            return false()
        conditions = self._found(model, looked_up, walk)
        rest = [w for w in self.words if w not in self.stored]
        fragments = [part for word in rest for part in _fragments(word)]
        if fragments and self.dialect == "sqlite":
            query = " AND ".join(_quoted(fragments))
            conditions.append(
                _rowid(model, walk).in_(_fts_rowids(f"{model.__tablename__}_fts", query))
            )
        conditions += [_like(model.search_text, w) for w in rest]
        return and_(*conditions)


def _estimated_rows(session: Session, statement: Select[Any]) -> float:
    """How many rows PostgreSQL's planner expects `statement` to give."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    explain = f"EXPLAIN (FORMAT JSON) {compiled}"
    plan = connection.exec_driver_sql(explain, compiled.params).scalar_one()
    return plan[0]["Plan"]["Plan Rows"]


def _rowid(model: Any, walk: bool) -> ColumnElement[Any]:
    return literal_column(f"{'+' if walk else ''}{model.__tablename__}.rowid")


def _word_query(words: list[str], stored: dict[str, list[str]]) -> str:
    return " AND ".join("(" + " OR ".join(_quoted(stored[w])) + ")" for w in dict.fromkeys(words))


def _usable(stored: list[str], dialect: str) -> bool:
    """Whether the word index can stand for the stored words found for a query word."""
    if len(stored) > MAX_WORDS:
        return False
    if dialect == "sqlite":
        return not any(
            _SEPARATOR.search(word) or len(word.encode()) > MAX_WORD_BYTES for word in stored
        )
    return all(len(word.encode()) <= MAX_ARRAY_WORD_BYTES for word in stored)


def resolve(session: Session, q: str) -> TextQuery:
    """Fold `q` into words and, where the database keeps a word index, look up in one
    statement the stored words that contain each (at most MAX_WORDS + 1 of them, enough to
    know when there are too many)."""
    words = fold(q).split() or [""]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        _plan_with_values(session)
    indexed = dialect in WORD_INDEXED
    lookups = list(dict.fromkeys(w for w in words if _fragments(w))) if indexed else []
    if not lookups:
        return TextQuery(words, {}, dialect)
    params = {}
    for n, word in enumerate(lookups):
        params[f"like_{n}"] = _pattern(word)
        if dialect == "sqlite":
            params[f"match_{n}"] = " AND ".join(_quoted(_fragments(word)))
    stored: dict[str, list[str]] = defaultdict(list)
    lookup = _vocabulary_lookup(len(lookups), dialect)
    for n, word in session.connection().execute(lookup, params):
        stored[lookups[n]].append(word)
    return TextQuery(
        words,
        {w: stored[w] for w in lookups if _usable(stored[w], dialect)},
        dialect,
    )


def _plan_with_values(session: Session) -> None:
    """PostgreSQL: plan the rest of this transaction's statements with their values. How
    `q` is best answered depends on its words (a plain LIKE walks the rows for a common
    word, an index finds a rare one), but psycopg prepares a statement run five times on a
    connection and PostgreSQL may then plan it once for any value: at 1M the capped count
    of `cooperation` took 230-290 ms so planned, against 24 ms planned for its value."""
    session.connection().exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def text_match(session: Session, model: Any, q: str) -> ColumnElement[bool]:
    if model.__tablename__ not in FTS_TABLES:
        return plain_match(model, q)
    return resolve(session, q).condition(session, model)
