"""The ceiling: the least a server can do to answer the bench's requests.

A raw ASGI app (no framework, no ORM, no validation) on the sqlite3 module and orjson, run by
uvicorn: `CEILING_DB=bench/data/x.sqlite uvicorn bench.ceiling:app --port P`. Each request
runs one statement of `bench/queries.py` (which mirrors treaty-api's semantics: items, their
embeds, the exact total, facets) and writes its JSON columns into the answer as they are
(`orjson.Fragment`, never parsed), so its requests/s bound what treaty-api could reach.

    /party-list?country=VN&limit=20      the country's agreements, with parties and sectors
    /page-1?limit=20[&offset=0]          the unfiltered list
    /any-party-list?country=VN&limit=20[&offset=0]   as /party-list, at an offset
    /list?country=&sector=&date_from=&date_to=&limit=20            the busy filter
    /facets?(as /list)&facets=country,sector,year,kind             plus its facets
    /q?q=&limit=20                       text search
"""

import os
import sqlite3
from collections.abc import Callable
from urllib.parse import parse_qs

import orjson

from bench import queries

_db: sqlite3.Connection | None = None


def connection() -> sqlite3.Connection:
    global _db
    if _db is None:
        path = os.environ["CEILING_DB"]
        _db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    return _db


def _busy(db: sqlite3.Connection, p: dict[str, str]) -> tuple[str, str, str, str]:
    return p["country"], p["sector"], p["date_from"], p["date_to"]


ROUTES: dict[str, Callable[[sqlite3.Connection, dict[str, str]], queries.Statement]] = {
    "/party-list": lambda db, p: queries.party_list(db, p["country"], int(p["limit"])),
    "/page-1": lambda db, p: queries.first_page(int(p["limit"]), int(p.get("offset", 0))),
    "/any-party-list": lambda db, p: queries.any_party_list(
        db, p["country"], int(p["limit"]), int(p.get("offset", 0))
    ),
    "/list": lambda db, p: queries.filtered_list(db, *_busy(db, p), int(p["limit"])),
    "/facets": lambda db, p: queries.faceted_list(
        db, *_busy(db, p), int(p["limit"]), tuple(p["facets"].split(","))
    ),
    "/q": lambda db, p: queries.text_search(p["q"], int(p["limit"])),
}


def answer(path: str, params: dict[str, str]) -> tuple[int, object]:
    if path == "/health":
        return 200, {"status": "ok"}
    if path not in ROUTES:
        return 404, {"detail": "not found"}
    db = connection()
    sql, args = ROUTES[path](db, params)
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    limit = int(params["limit"])
    items = []
    for row in rows[:limit]:
        item = dict(zip(names, row, strict=True))
        for name in queries.JSON_COLUMNS:
            if name in item:
                item[name] = orjson.Fragment(item[name])
        items.append(item)
    first = dict(zip(names, rows[0], strict=True)) if rows else {}
    page: dict[str, object] = {"items": items, "total": first.get("total", 0)}
    facets = {n[6:]: orjson.Fragment(first[n]) for n in names if n.startswith("facet_") and rows}
    if facets:
        page["facets"] = facets
    for item in items:
        del item["total"]
        for name in facets:
            del item[f"facet_{name}"]
    return 200, page


async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    params = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    status, payload = answer(scope["path"], params)
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
