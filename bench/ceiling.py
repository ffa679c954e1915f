"""The ceiling: the least a server can do to answer the bench's queries.

A raw ASGI app (no framework, no ORM, no validation) on the sqlite3 module and orjson, run by
uvicorn: `CEILING_DB=bench/data/x.sqlite uvicorn bench.ceiling:app --port P`. It answers
`/list` and `/q` with the same SQL as `bench/queries.py`, which mirrors treaty-api's
filtering semantics (items plus the total), so its requests/s bound what treaty-api could reach.
"""

import os
import sqlite3
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


def answer(path: str, params: dict[str, list[str]]) -> tuple[int, object]:
    db = connection()
    one = {k: v[0] for k, v in params.items()}
    if path == "/health":
        return 200, {"status": "ok"}
    if path == "/list":
        sql, args = queries.filtered_list(
            db, one["country"], one["sector"], one["date_from"], one["date_to"], int(one["limit"])
        )
    elif path == "/q":
        sql, args = queries.text_search(one["q"], int(one["limit"]))
    else:
        return 404, {"detail": "not found"}
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor]
    total = rows[0]["total"] if rows else 0
    for row in rows:
        del row["total"]
    return 200, {"items": rows, "total": total}


async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    status, payload = answer(scope["path"], parse_qs(scope["query_string"].decode()))
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
