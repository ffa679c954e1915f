"""`/agreements` and `/statements`, lists as Datasette shows them: the API's filters as a
form, counts by facet as links that add the filter, pages by the API's cursors, and the CSV
download of the same filters."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from app.api.deps import SessionDep
from app.api.provenance import agreement_item
from app.api.query_models import QueryModel
from app.counting.live import LiveIndex
from app.pages.evidence import Item
from app.pages.render import invalid_query, page
from app.queries import agreements as agreement_queries
from app.queries import statements as statement_queries
from app.schemas.agreements import AgreementFilters
from app.schemas.enums import AgreementKind, Sort, StatementKind
from app.schemas.statements import StatementFilters, StatementOut

router = APIRouter(include_in_schema=False)

EMBEDS = ["parties", "sectors"]
FACETS = ["country", "sector", "kind", "year"]
AGREEMENTS_ASK = {"include": EMBEDS, "facets": FACETS}
STATEMENTS_ASK = {"facets": FACETS}  # a statement's countries and sectors are in its row
PAGING = ("cursor", "offset")
"""Parameters of one page only: a filter change starts again from the first page."""


@dataclass(frozen=True)
class Input:
    """A form field: one of the list's filters."""

    name: str
    label: str
    kind: str = "text"
    """`text`, `date` (as the API reads dates: YYYY, YYYY-MM, YYYY-MM-DD), `select`."""
    options: tuple[str, ...] = ()
    repeated: bool = False
    hint: str = ""


@dataclass(frozen=True)
class ListPage:
    path: str
    plural: str
    title: str
    filters: type[BaseModel]
    inputs: tuple[Input, ...]
    rows: Callable[
        [Session, LiveIndex | None, Any], tuple[list[dict[str, Any]], Any, dict[str, list] | None]
    ]
    """The page's rows (the API's JSON, with `countries` and `sectors` as linked items), its
    PageResult, and the facets."""
    columns: tuple[str, ...]
    asks: dict[str, list[str]]
    """What the page asks the API's list for whatever the query says (its embeds and
    facets): its JSON link asks for the same, so that JSON is what the page shows."""


def _agreement_rows(
    session: Session, live: LiveIndex | None, filters: AgreementFilters
) -> tuple[list, Any, dict | None]:
    """Counted, faceted and paged as the API's list is (by the counting index where it
    answers: four facets over a million agreements in milliseconds, where SQL takes seconds)."""
    listing = agreement_queries.list_page(session, live, _shown(filters))
    rows = [agreement_item(row, listing.links, EMBEDS) for row in listing.page.rows]
    return (
        [
            _row(
                row,
                [
                    Item(p["country"]["name"], f"/countries/{p['country']['id']}")
                    for p in row["parties"]
                ],
                [Item(s["name"], f"/agreements?sector={s['id']}") for s in row["sectors"]],
            )
            for row in rows
        ],
        listing.page,
        listing.facets,
    )


def _shown(filters: AgreementFilters) -> AgreementFilters:
    """The page's own embeds and facets, whatever the query said of them."""
    return filters.model_copy(update={**AGREEMENTS_ASK, "format": None})


def _statement_rows(
    session: Session, live: LiveIndex | None, filters: StatementFilters
) -> tuple[list, Any, dict | None]:
    shown = filters.model_copy(update=STATEMENTS_ASK)
    result = statement_queries.list_statements(session, shown)
    rows = [StatementOut.of(s).model_dump(mode="json") for s in result.rows]
    return (
        [
            _row(
                row,
                [Item(c, f"/countries/{c}") for c in row["country_ids"]],
                [Item(s, f"/statements?sector={s}") for s in row["sector_ids"]],
            )
            for row in rows
        ],
        result,
        result.facets,
    )


def _row(row: dict[str, Any], countries: list[Item], sectors: list[Item]) -> dict[str, Any]:
    """A row as the list shows it, whatever its kind."""
    return {**row, "countries": countries, "sectors": sectors}


DATES = "YYYY, YYYY-MM or YYYY-MM-DD"
SORTS = tuple(s.value for s in Sort)
LISTS = (
    ListPage(
        "/agreements",
        "agreements",
        "Agreements",
        AgreementFilters,
        (
            Input("q", "Words", hint="in titles, other names, summaries, signatories, places"),
            Input("country", "Party", repeated=True, hint="ISO code, e.g. AZ or VNM"),
            Input("sector", "Sector", repeated=True, hint="slug, e.g. energy"),
            Input("kind", "Kind", "select", tuple(k.value for k in AgreementKind), True),
            Input("signatory", "Signatory", repeated=True, hint="id, e.g. petrovietnam"),
            Input("visit", "Signed during visit", hint="visit id"),
            Input("date_from", "From", "date", hint=DATES),
            Input("date_to", "To", "date", hint=DATES),
            Input("as_of", "In force on", "date", hint=DATES),
            Input("sort", "Sort", "select", SORTS),
        ),
        _agreement_rows,
        ("Title", "Date", "Kind", "Parties", "Sectors"),
        AGREEMENTS_ASK,
    ),
    ListPage(
        "/statements",
        "statements",
        "Statements",
        StatementFilters,
        (
            Input("q", "Words", hint="in title, summary or speaker names"),
            Input("country", "Made by", repeated=True, hint="ISO code, e.g. AZ"),
            Input("sector", "Sector", repeated=True, hint="slug, e.g. logistics"),
            Input("kind", "Kind", "select", tuple(k.value for k in StatementKind), True),
            Input("speaker", "Speaker", hint="signatory id, e.g. ilham-aliyev"),
            Input("visit", "During visit", hint="visit id"),
            Input("date_from", "From", "date", hint=DATES),
            Input("date_to", "To", "date", hint=DATES),
            Input("sort", "Sort", "select", SORTS),
        ),
        _statement_rows,
        ("Title", "Date", "Kind", "Made by", "Sectors"),
        STATEMENTS_ASK,
    ),
)


def given(request: Request) -> QueryParams:
    """The query as a form sends it, without the fields left empty."""
    return QueryParams([(k, v) for k, v in request.query_params.multi_items() if v != ""])


def list_context(
    session: Session, live: LiveIndex | None, spec: ListPage, params: QueryParams, filters: Any
) -> dict:
    rows, result, facets = spec.rows(session, live, filters)
    filtering = [(k, v) for k, v in params.multi_items() if k not in PAGING]
    asked = [(k, v) for k, v in filtering if k not in spec.asks]
    asked += [(k, ",".join(v)) for k, v in spec.asks.items()]
    downloadable = urlencode([(k, v) for k, v in filtering if k != "limit"])
    return {
        "title": spec.title,
        "spec": spec,
        "json_href": f"/api/v1/{spec.plural}?{urlencode(asked, safe=',')}",
        "csv_href": f"/api/v1/{spec.plural}.csv" + (f"?{downloadable}" if downloadable else ""),
        "values": {i.name: params.getlist(i.name) for i in spec.inputs},
        "active": [
            (k, v, _href(spec.path, [p for p in filtering if p != (k, v)])) for k, v in filtering
        ],
        "rows": rows,
        "total": result.total,
        "total_exact": result.total_exact,
        "facets": _facet_links(spec.path, filtering, facets),
        "next_href": result.next_cursor
        and _href(spec.path, [*filtering, ("cursor", result.next_cursor)]),
        "first_href": _href(spec.path, filtering)
        if "cursor" in params or "offset" in params
        else None,
    }


def _href(path: str, params: list[tuple[str, str]]) -> str:
    return path + (f"?{urlencode(params)}" if params else "")


def _facet_links(
    path: str, filtering: list[tuple[str, str]], facets: dict[str, list] | None
) -> list[tuple[str, list[tuple[str, int, str | None]]]]:
    """Each facet's values with their counts, and the link that adds each as a filter (none
    for a value already filtered on). A year adds the range of that year."""
    found = []
    for name, counts in (facets or {}).items():
        values = []
        for count in counts:
            value = str(count["value"])
            added = (
                [("date_from", value), ("date_to", value)] if name == "year" else [(name, value)]
            )
            href = None if all(p in filtering for p in added) else _href(path, [*filtering, *added])
            values.append((value, count["count"], href))
        found.append((name, values))
    return found


def add_list_route(spec: ListPage) -> None:
    reader = QueryModel(spec.filters)

    async def list_page(request: Request, session: SessionDep) -> Response:
        params = given(request)
        try:
            filters = reader.read(params)
        except RequestValidationError as exc:
            return invalid_query(exc)
        live = request.app.state.counting
        bounded = isinstance(filters, AgreementFilters) and agreement_queries.indexed(
            live, _shown(filters)
        )
        return await page(
            request,
            session,
            "list.html",
            lambda s: list_context(s, live, spec, params, filters),
            bounded=bounded,
        )

    router.add_api_route(spec.path, list_page, methods=["GET"], name=f"{spec.plural}_page")


for spec in LISTS:
    add_list_route(spec)
