"""The bench's hand-written SQL, with treaty-api's semantics, for the ceiling and Datasette.

Each request is one statement, so that Datasette can serve it as a canned query and the
ceiling as it is: the page's rows (the list's columns), newest first on the same indexed
expression as treaty-api (undated last, ties by id descending), `limit` + 1 rows as treaty-api
fetches; the total as a column (an uncorrelated subquery, computed once); embeds and facets as
JSON columns (`JSON_COLUMNS`, `facet_<name>`). Totals are exact, as treaty-api's counting
index gives them, except for `q`, which treaty-api caps at 10,000 and so does this.
"""

import json
import re
import sqlite3
from datetime import timedelta
from functools import lru_cache

from app.counting.index import FACET_SIZE
from app.dates import parse_partial_date
from app.text import fold

Statement = tuple[str, dict[str, object]]

ORDER_KEY = "coalesce(a.date_start, '0001-01-01')"
COUNT_CAP = 10_000
# Columns holding JSON text: the ceiling embeds them as they are, Datasette parses them (`_json`).
JSON_COLUMNS = ("provenance", "party_codes", "parties", "sectors")

PARTY_CODES = """(SELECT json_group_array(country_id) FROM agreement_parties
                  WHERE agreement_id = page.id) AS party_codes"""
PARTIES = """(SELECT json_group_array(json_object(
                  'country', json_object('id', c.id, 'name', c.name, 'alpha2', c.alpha2,
                                         'alpha3', c.alpha3,
                                         'is_historical', json(iif(c.is_historical, 'true', 'false'))),
                  'inferred', json(iif(p.inferred_reason IS NULL, 'false', 'true')),
                  'inferred_reason', p.inferred_reason))
              FROM agreement_parties p JOIN countries c ON c.id = p.country_id
              WHERE p.agreement_id = page.id) AS parties"""
SECTORS = """(SELECT json_group_array(json_object('id', s.id, 'name', s.name,
                                                  'parent_id', s.parent_id))
              FROM agreement_sectors x JOIN sectors s ON s.id = x.sector_id
              WHERE x.agreement_id = page.id) AS sectors"""


def _page(where: str, total: str, extra: tuple[str, ...] = (), with_: str = "") -> str:
    """The page (embeds for its rows only), its total and any `extra` columns."""
    columns = ",\n        ".join((PARTY_CODES, *extra, f"({total}) AS total"))
    return f"""{with_}
    SELECT page.id, page.title, page.kind, page.date, page.date_precision, page.date_inferred,
        page.visit_id, page.provenance,
        {columns}
    FROM (SELECT a.id, a.title, a.kind, a.date, a.date_precision, a.date_inferred, a.visit_id,
                 a.provenance, {ORDER_KEY} AS sort_key
          FROM agreements a WHERE {where}
          ORDER BY {ORDER_KEY} DESC, a.id DESC LIMIT :limit OFFSET :offset) AS page
    ORDER BY page.sort_key DESC, page.id DESC"""


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


def party_list(db: sqlite3.Connection, country: str, limit: int) -> Statement:
    """Agreements a country (or a predecessor) is party to, with parties and sectors."""
    params: dict[str, object] = {"limit": limit + 1, "offset": 0}
    countries = _in("c", country_family(db, country), params)
    return _party_page(countries), params


def any_party_list(db: sqlite3.Connection, country: str, limit: int, offset: int = 0) -> Statement:
    """`party_list` with the country's family as one JSON parameter, `countries`: one
    statement for every country (a canned query that the bench's random requests fill)."""
    countries = json.dumps(country_family(db, country))
    params: dict[str, object] = {"countries": countries, "limit": limit + 1, "offset": offset}
    return _party_page("SELECT value FROM json_each(:countries)"), params


def _party_page(countries: str) -> str:
    where = f"""EXISTS (SELECT 1 FROM agreement_parties p
                      WHERE p.agreement_id = a.id AND p.country_id IN ({countries}))"""
    total = (
        "SELECT count(DISTINCT agreement_id) FROM agreement_parties "
        f"WHERE country_id IN ({countries})"
    )
    return _page(where, total, (PARTIES, SECTORS))


def first_page(limit: int, offset: int = 0) -> Statement:
    """The unfiltered list's page at `offset` and the number of agreements."""
    return _page("1", "SELECT count(*) FROM agreements"), {"limit": limit + 1, "offset": offset}


def _busy_filter(
    db: sqlite3.Connection, country: str, sector: str, date_from: str, date_to: str
) -> tuple[str, str, dict[str, object]]:
    """The busy filter's WHERE for the page (`EXISTS`, walking the sort index) and for the
    matches (an intersection of id sets from the covering indexes), and their parameters."""
    start = parse_partial_date(date_from).start
    params: dict[str, object] = {
        "start": start.isoformat(),
        "end": parse_partial_date(date_to).end.isoformat(),
        "key_from": (start - timedelta(days=366)).isoformat(),
    }
    countries = _in("c", country_family(db, country), params)
    sectors = _in("s", sector_family(db, sector), params)
    dates = f"""a.date_end >= :start AND {ORDER_KEY} >= :key_from AND {ORDER_KEY} <= :end"""
    where = f"""EXISTS (SELECT 1 FROM agreement_parties p
                      WHERE p.agreement_id = a.id AND p.country_id IN ({countries}))
          AND EXISTS (SELECT 1 FROM agreement_sectors s
                      WHERE s.agreement_id = a.id AND s.sector_id IN ({sectors}))
          AND {dates}"""
    matches = f"""a.id IN (SELECT agreement_id FROM agreement_parties
                         WHERE country_id IN ({countries})
                     INTERSECT SELECT agreement_id FROM agreement_sectors
                         WHERE sector_id IN ({sectors}))
          AND {dates}"""
    return where, matches, params


def filtered_list(
    db: sqlite3.Connection, country: str, sector: str, date_from: str, date_to: str, limit: int
) -> Statement:
    where, matches, params = _busy_filter(db, country, sector, date_from, date_to)
    params.update(limit=limit + 1, offset=0)
    return _page(where, f"SELECT count(*) FROM agreements a WHERE {matches}"), params


def busy_filter_where(
    db: sqlite3.Connection, country: str, sector: str, date_from: str, date_to: str
) -> str:
    """The busy filter's matches as a literal WHERE clause on `agreements` (Datasette's
    `_where`: its table view has no alias)."""
    _, matches, params = _busy_filter(db, country, sector, date_from, date_to)
    return re.sub(r"\ba\.", "agreements.", inline(matches, params))


# (value, agreement_id) pairs per facet over the matches, rolled up as treaty-api does:
# historical countries into their successor, sub-sectors into their ancestors.
FACET_PAIRS = {
    "country": """SELECT p.country_id AS value, p.agreement_id FROM agreement_parties p
                  WHERE p.agreement_id IN matches
                  UNION SELECT c.successor_id, p.agreement_id
                  FROM agreement_parties p JOIN countries c ON c.id = p.country_id
                  WHERE c.successor_id IS NOT NULL AND p.agreement_id IN matches""",
    "sector": """SELECT DISTINCT r.owner AS value, x.agreement_id
                 FROM agreement_sectors x JOIN rollup r ON r.node = x.sector_id
                 WHERE x.agreement_id IN matches""",
    "year": """SELECT substr(a.date, 1, 4) AS value, a.id AS agreement_id FROM agreements a
               WHERE a.id IN matches AND a.date IS NOT NULL""",
    "kind": "SELECT a.kind AS value, a.id AS agreement_id FROM agreements a WHERE a.id IN matches",
}
ROLLUP = """rollup(node, owner) AS (
        SELECT id, id FROM sectors
        UNION SELECT r.node, s.parent_id FROM rollup r JOIN sectors s ON s.id = r.owner
        WHERE s.parent_id IS NOT NULL)"""


def _facet(name: str) -> str:
    return f"""(SELECT json_group_array(json_object('value', value, 'count', n)) FROM (
            SELECT value, count(*) AS n FROM ({FACET_PAIRS[name]})
            GROUP BY value ORDER BY n DESC, value LIMIT {FACET_SIZE})) AS facet_{name}"""


def faceted_list(
    db: sqlite3.Connection,
    country: str,
    sector: str,
    date_from: str,
    date_to: str,
    limit: int,
    facets: tuple[str, ...],
) -> Statement:
    """The busy filter's page and total plus counts per facet value: one GROUP BY each over
    the matches, computed once."""
    where, matches, params = _busy_filter(db, country, sector, date_from, date_to)
    params.update(limit=limit + 1, offset=0)
    with_ = f"""WITH RECURSIVE
        matches(id) AS MATERIALIZED (SELECT a.id FROM agreements a WHERE {matches}),
        {ROLLUP}"""
    extra = tuple(_facet(name) for name in facets)
    return _page(where, "SELECT count(*) FROM matches", extra, with_), params


def text_search(q: str, limit: int) -> Statement:
    """Every folded word of `q` in `search_text`, candidates from the FTS5 trigram table by
    phrase MATCH (treaty-api's `q` path on SQLite), counted up to COUNT_CAP."""
    params: dict[str, object] = {"limit": limit + 1, "offset": 0}
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
    where = " AND ".join(conditions)
    total = (
        f"SELECT min(count(*), {COUNT_CAP}) FROM "
        f"(SELECT 1 FROM agreements a WHERE {where} LIMIT {COUNT_CAP + 1})"
    )
    return _page(where, total), params


def inline(sql: str, params: dict[str, object]) -> str:
    """`sql` with its `:name` parameters written as literals (the bench's own values only)."""

    def literal(match: re.Match[str]) -> str:
        value = params[match.group(1)]
        return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"

    return re.sub(r":(\w+)", literal, sql)
