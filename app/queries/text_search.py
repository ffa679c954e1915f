"""`q`: every word, case- and accent-folded, must occur in the record's folded search text.

The exact test is a LIKE on `search_text`, with the user's `%`, `_` and `\\` escaped so they
are literal. At scale indexes find the matches first:

- PostgreSQL: a pg_trgm GIN index on `search_text` serves that same LIKE directly.
- SQLite: a query word holds no space, so it occurs in a text exactly when it occurs in
  one of the text's space-separated words. `resolve` looks each query word up in the
  vocabulary of stored words (`search_fts_words`, through its trigram index, then the same
  LIKE on each short vocabulary word) and `<table>_fts_words` indexes the records by those
  whole words, so a query word becomes an OR of stored words, and the records that hold
  one of them are exactly the records the LIKE would match: no record is read to check.
  A query word that stands for too many stored words (or none can be looked up: fewer
  than three characters free of LIKE metacharacters) is left to the trigram table of
  migration 0006 (`<table>_fts`, a phrase MATCH of its runs of 3+ such characters, a
  superset) and the exact LIKE, as before. Either way the results are those of the plain
  path by construction.

On 1M synthetic agreements the matches of `green hydrogen` come from two short word lists
(1.4 ms CPU) where the trigram phrases read the long lists of `gre`, `ree`, `een` and
`gen` (17.7 ms), and no row is fetched to re-check a LIKE.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
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
from sqlalchemy.orm import Session

from app.text import fold

FTS_TABLES = ("agreements", "visits", "signatories", "countries")
VOCABULARY = table("search_fts_words", column("id"), column("word"))
VOCABULARY_TRIGRAMS = table("search_fts_words_trigrams", column("rowid"))
MAX_WORDS = 64
"""The most stored words one query word may stand for; past it (a short or common
fragment such as `gen`) the word falls back to the trigram table and the LIKE."""
WALK_FROM = 2_000
DENSE_FROM = 50_000
"""How a page finds its rows, by the number of matches: see `TextQuery.page_condition`."""
MAX_WORD_BYTES = 32768
"""FTS5 cuts tokens to this length (at indexing and at query time alike), so a longer
stored word could match another that shares its start: such a word falls back too."""

_LIKE_SPECIAL = re.compile(r"[%_\\]")
# Characters the word index's tokenizer separates on besides the space (ASCII controls):
# `fold` removes them from stored text, but a word holding one cannot be looked up whole.
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


@lru_cache(maxsize=16)
def _vocabulary_lookup(words: int) -> Select[Any] | CompoundSelect:
    """What `resolve` runs for `words` query words, built once per count: for word i,
    bound as `match_i` (its fragments, an FTS5 query) and `like_i` (its LIKE pattern), the
    first MAX_WORDS + 1 stored words that contain it. Building and hashing a fresh
    statement cost about five times what SQLite takes to run it (1 ms of CPU)."""
    parts = []
    for n in range(words):
        candidates = _fts_rowids(VOCABULARY_TRIGRAMS.name, bindparam(f"match_{n}"))
        found = (
            select(literal(n).label("n"), VOCABULARY.c.word)
            .where(
                VOCABULARY.c.id.in_(candidates),
                VOCABULARY.c.word.like(bindparam(f"like_{n}"), escape="\\"),
            )
            .limit(MAX_WORDS + 1)
            .subquery()
        )
        parts.append(select(found.c.n, found.c.word))
    return union_all(*parts) if len(parts) > 1 else parts[0]


@lru_cache(maxsize=len(FTS_TABLES))
def _word_count(name: str) -> Select[Any]:
    """How many of table `name`'s records the word query `query` finds, up to `most`
    (built once per table, as `_vocabulary_lookup`)."""
    found = _fts_rowids(f"{name}_fts_words", bindparam("query")).limit(bindparam("most"))
    return select(func.count()).select_from(found.subquery())


@dataclass(frozen=True)
class TextQuery:
    """`q` resolved once: its folded words and, for each word the word index can stand
    for, the stored words that contain it (absent: the word falls back to the trigram
    table and the LIKE; empty: no record holds it)."""

    words: list[str]
    stored: dict[str, list[str]]
    indexed: bool

    def condition(self, model: Any) -> ColumnElement[bool]:
        """The test for any statement: the planner reads the matches from the indexes
        first (`rowid IN (...)`), then the rows."""
        name = model.__tablename__
        if not self.indexed or name not in FTS_TABLES:
            return and_(*(_like(model.search_text, w) for w in self.words))
        return self._condition(model, literal_column(f"{name}.rowid"))

    def page_condition(self, session: Session, model: Any) -> ColumnElement[bool]:
        """The same test for a page walked in its sort order and stopped at its end, by
        how many records the word index finds (counted up to DENSE_FROM + 1):

        - up to WALK_FROM: `condition`, reading and sorting every match;
        - up to DENSE_FROM: `+rowid` keeps the planner from reading every match's row to
          sort them (13,456 rows, 30 ms, for `green hydrogen` at 1M): it walks the sort
          index and looks each rowid up among the matches (3 ms), reading only the page;
        - past it (`cooperation`: more than half of all records): the plain LIKE, since
          the page's rows come within the first few dozen and listing every match would
          cost more (550,000 rowids, 160 ms)."""
        query = self._word_query(model, self._looked_up())
        if query is None:
            return self.condition(model)
        count = _word_count(model.__tablename__)
        params = {"query": query, "most": DENSE_FROM + 1}
        n = session.connection().scalar(count, params) or 0
        if n > DENSE_FROM:
            return and_(*(_like(model.search_text, w) for w in self.words))
        if n > WALK_FROM:
            return self._condition(model, literal_column(f"+{model.__tablename__}.rowid"))
        return self.condition(model)

    def matches(self, model: Any) -> Select[Any] | None:
        """The rowids of the matching records from the word index alone, when it answers
        every word of `q` (so a total needs no row): None otherwise."""
        if any(w not in self.stored for w in self.words):
            return None
        return self._word_rowids(model, self.words)

    def _looked_up(self) -> list[str]:
        return [w for w in self.words if w in self.stored]

    def _word_rowids(self, model: Any, words: list[str]) -> Select[Any] | None:
        """The records that hold every one of `words` (all looked up, each found), from
        the word index; None when there is none to ask or a word was not found."""
        query = self._word_query(model, words)
        return None if query is None else _fts_rowids(f"{model.__tablename__}_fts_words", query)

    def _word_query(self, model: Any, words: list[str]) -> str | None:
        """The word index's query for `_word_rowids`, or None."""
        if not self.indexed or model.__tablename__ not in FTS_TABLES or not words:
            return None
        if any(not self.stored[w] for w in words):
            return None
        return _word_query(words, self.stored)

    def _condition(self, model: Any, rowid: ColumnElement[Any]) -> ColumnElement[bool]:
        name = model.__tablename__
        looked_up = self._looked_up()
        if any(not self.stored[w] for w in looked_up):
            return false()
        conditions: list[ColumnElement[bool]] = []
        found = self._word_rowids(model, looked_up)
        if found is not None:
            conditions.append(rowid.in_(found))
        rest = [w for w in self.words if w not in self.stored]
        fragments = [part for word in rest for part in _fragments(word)]
        if fragments:
            query = " AND ".join(_quoted(fragments))
            conditions.append(rowid.in_(_fts_rowids(f"{name}_fts", query)))
        conditions += [_like(model.search_text, w) for w in rest]
        return and_(*conditions)


def _word_query(words: list[str], stored: dict[str, list[str]]) -> str:
    return " AND ".join("(" + " OR ".join(_quoted(stored[w])) + ")" for w in dict.fromkeys(words))


def _usable(stored: list[str]) -> bool:
    return len(stored) <= MAX_WORDS and not any(
        _SEPARATOR.search(word) or len(word.encode()) > MAX_WORD_BYTES for word in stored
    )


def resolve(session: Session, q: str) -> TextQuery:
    """Fold `q` into words and, on SQLite, look up in one statement the stored words that
    contain each (at most MAX_WORDS + 1 of them, enough to know when there are too many)."""
    words = fold(q).split() or [""]
    indexed = session.get_bind().dialect.name == "sqlite"
    lookups = list(dict.fromkeys(w for w in words if _fragments(w))) if indexed else []
    if not lookups:
        return TextQuery(words, {}, indexed)
    params = {}
    for n, word in enumerate(lookups):
        params[f"match_{n}"] = " AND ".join(_quoted(_fragments(word)))
        params[f"like_{n}"] = _pattern(word)
    stored: dict[str, list[str]] = defaultdict(list)
    for n, word in session.connection().execute(_vocabulary_lookup(len(lookups)), params):
        stored[lookups[n]].append(word)
    return TextQuery(
        words,
        {w: stored[w] for w in lookups if _usable(stored[w])},
        indexed,
    )


def text_match(session: Session, model: Any, q: str) -> ColumnElement[bool]:
    if model.__tablename__ not in FTS_TABLES:
        return plain_match(model, q)
    return resolve(session, q).condition(model)
