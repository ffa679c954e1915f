"""The bench's hand-written SQL, with treaty-api's filtering semantics, for the ceiling and
Datasette: the same rows (the list's columns and party codes), sorted by `-date` (newest
first, undated last, ties by id descending) on the same indexed expression, the first
`limit` + 1 rows, and the number of matches counted up to 10,001 as treaty-api does."""

import sqlite3
from datetime import timedelta
from functools import lru_cache

from app.dates import parse_partial_date
from app.text import fold

COLUMNS = """
    a.id, a.title, a.kind, a.date, a.date_precision, a.date_inferred, a.visit_id,
    coalesce(a.date_start, '0001-01-01') AS sort_date"""
ORDER = "ORDER BY coalesce(a.date_start, '0001-01-01') DESC, a.id DESC"
COUNT_CAP = 10_000


def _page(where: str, count_where: str | None = None) -> str:
    """Party codes for the page's rows only (not for every match the total counts)."""
    return f"""SELECT page.id, page.title, page.kind, page.date, page.date_precision,
        page.date_inferred, page.visit_id,
        (SELECT json_group_array(country_id) FROM (
            SELECT country_id FROM agreement_parties WHERE agreement_id = page.id
            ORDER BY country_id)) AS party_codes,
        (SELECT count(*) FROM (SELECT 1 FROM agreements a WHERE {count_where or where}
                               LIMIT {COUNT_CAP + 1})) AS total
    FROM (SELECT {COLUMNS} FROM agreements a WHERE {where} {ORDER} LIMIT :limit) AS page
    ORDER BY page.sort_date DESC, page.id DESC"""


@lru_cache
def country_family(db: sqlite3.Connection, code: str) -> tuple[str, ...]:
    """The country and every predecessor (treaty-api's `country=` semantics)."""
    rows = db.execute(
        """WITH RECURSIVE family(id) AS (
               SELECT id FROM countries WHERE id = :code OR alpha2 = :code OR alpha3 = :code
               UNION SELECT c.id FROM countries c JOIN family f ON c.successor_id = f.id)
           SELECT id FROM family ORDER BY id""",
        {"code": code.upper()},
    )
    return tuple(r[0] for r in rows)


@lru_cache
def sector_family(db: sqlite3.Connection, slug: str) -> tuple[str, ...]:
    """The sector and its sub-sectors at any depth (treaty-api's `sector=` semantics)."""
    rows = db.execute(
        """WITH RECURSIVE tree(id) AS (
               SELECT id FROM sectors WHERE id = :slug
               UNION SELECT s.id FROM sectors s JOIN tree t ON s.parent_id = t.id)
           SELECT id FROM tree ORDER BY id""",
        {"slug": slug},
    )
    return tuple(r[0] for r in rows)


def _in(prefix: str, values: tuple[str, ...], params: dict[str, object]) -> str:
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return ", ".join(names)


def filtered_list(
    db: sqlite3.Connection, country: str, sector: str, date_from: str, date_to: str, limit: int
) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {
        "start": parse_partial_date(date_from).start.isoformat(),
        "end": parse_partial_date(date_to).end.isoformat(),
        "limit": limit + 1,
    }
    countries = _in("c", country_family(db, country), params)
    sectors = _in("s", sector_family(db, sector), params)
    params["key_from"] = (parse_partial_date(date_from).start - timedelta(days=366)).isoformat()
    dates = """a.date_end >= :start AND coalesce(a.date_start, '0001-01-01') >= :key_from
          AND coalesce(a.date_start, '0001-01-01') <= :end"""
    where = f"""EXISTS (SELECT 1 FROM agreement_parties p
                      WHERE p.agreement_id = a.id AND p.country_id IN ({countries}))
          AND EXISTS (SELECT 1 FROM agreement_sectors s
                      WHERE s.agreement_id = a.id AND s.sector_id IN ({sectors}))
          AND {dates}"""
    count_where = f"""a.id IN (SELECT agreement_id FROM agreement_parties
                             WHERE country_id IN ({countries})
                         INTERSECT SELECT agreement_id FROM agreement_sectors
                             WHERE sector_id IN ({sectors}))
          AND {dates}"""
    return _page(where, count_where), params


def text_search(q: str, limit: int) -> tuple[str, dict[str, object]]:
    """Every folded word of `q` in `search_text`, candidates from the FTS5 trigram table by
    phrase MATCH (treaty-api's `q` path on SQLite)."""
    params: dict[str, object] = {"limit": limit + 1}
    conditions, phrases = [], []
    for i, word in enumerate(fold(q).split() or [""]):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"w{i}"] = f"%{escaped}%"
        conditions.append(f"a.search_text LIKE :w{i} ESCAPE '\\'")
        if len(word) >= 3 and escaped == word:
            phrases.append('"' + word.replace('"', '""') + '"')
    if phrases:
        params["phrases"] = " AND ".join(phrases)
        conditions.insert(
            0, "a.rowid IN (SELECT rowid FROM agreements_fts WHERE agreements_fts MATCH :phrases)"
        )
    return _page(" AND ".join(conditions)), params
