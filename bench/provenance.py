"""What saying how each value is known costs a page of agreements, in process.

For the first page of the agreements list (by `-date`, `--limit` rows) of the database at
DATABASE_URL (say `bench/data/treaty-100000.sqlite`, `make synth`), each timed `-n` times,
the best kept (a busy machine adds, it never takes away):

- `citations`: the one statement that reads what the page's citations' ids are made of;
- `rows`: the rows as JSON without their `provenance`;
- `rows told`: the rows with it (so `rows told - rows` is the Python that makes it).

    DATABASE_URL=sqlite:///bench/data/treaty-100000.sqlite python bench/provenance.py [--limit 100]
"""

import argparse
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.api.provenance import agreement_item
from app.config import get_settings
from app.db import make_engine
from app.queries import agreements as queries
from app.queries.citations import citation_keys_for
from app.schemas.agreements import AgreementFilters, agreement_json


def best_ms(work: Callable[[], Any], n: int) -> float:
    took = []
    for _ in range(n):
        start = time.perf_counter()
        work()
        took.append(time.perf_counter() - start)
    return min(took) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    engine = make_engine(get_settings().database_url)
    with Session(engine) as session:
        listing = queries.list_page(session, None, AgreementFilters(limit=args.limit))
        rows, links = listing.page.rows, listing.links
        ids = [row.id for row in rows]
        timed = {
            "citations": lambda: citation_keys_for(session, "agreement", ids),
            "rows": lambda: [agreement_json(row, links, ()) for row in rows],
            "rows told": lambda: [agreement_item(row, links) for row in rows],
        }
        for name, work in timed.items():
            print(f"{name:10} {best_ms(work, args.n):6.2f} ms  ({len(rows)} rows)")


if __name__ == "__main__":
    main()
