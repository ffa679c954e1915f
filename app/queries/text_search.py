"""`q`: every word, case- and accent-folded, must occur in the record's folded search text.

The exact test is a LIKE on `search_text`, with the user's `%`, `_` and `\\` escaped so they
are literal. At scale a trigram index finds the candidates first:

- PostgreSQL: a pg_trgm GIN index on `search_text` serves that same LIKE directly.
- SQLite: an FTS5 trigram table (`<table>_fts`, kept by triggers) is asked, with a MATCH of
  quoted phrases (2-3x faster than its LIKE support), for the rows that contain each word's
  runs of 3+ characters free of LIKE metacharacters. That is a superset of the exact
  matches, which the exact LIKE then filters, so the results are those of the plain path by
  construction.
"""

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, column, literal_column, select, table
from sqlalchemy.orm import Session

from app.text import fold

FTS_TABLES = ("agreements", "visits", "signatories", "countries")
_LIKE_SPECIAL = re.compile(r"[%_\\]")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def plain_match(model: Any, q: str) -> ColumnElement[bool]:
    """The exact test, and the whole of it where no index helps."""
    return and_(
        *(
            model.search_text.like(f"%{_escape_like(w)}%", escape="\\")
            for w in fold(q).split() or [""]
        )
    )


def text_match(session: Session, model: Any, q: str) -> ColumnElement[bool]:
    words = fold(q).split() or [""]
    exact = plain_match(model, q)
    name = model.__tablename__
    if session.get_bind().dialect.name != "sqlite" or name not in FTS_TABLES:
        return exact
    fragments = [part for word in words for part in _LIKE_SPECIAL.split(word) if len(part) >= 3]
    if not fragments:
        return exact
    fts = table(f"{name}_fts", column("rowid"))
    phrases = " AND ".join('"' + part.replace('"', '""') + '"' for part in fragments)
    candidates = select(fts.c.rowid).where(literal_column(fts.name).op("MATCH")(phrases))
    return and_(literal_column(f"{name}.rowid").in_(candidates), exact)
