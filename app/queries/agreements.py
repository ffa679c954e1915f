"""Agreement lists and detail: filters resolved once, sorts, keyset or offset pages.

Reads select the columns a response shows (no ORM objects) and load each embed of a page, or
of a download's batch, in one `IN` statement; `app.schemas.agreements` turns the rows into
JSON."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    bindparam,
    exists,
    intersect,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.counting.index import AgreementIndex, IndexPage, date_bounds
from app.counting.live import LiveIndex
from app.dates import PartialDate
from app.db.prepared import Prepared, in_ids
from app.models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementReference,
    AgreementSector,
    AgreementSignatory,
    Country,
    Sector,
    Signatory,
    Visit,
)
from app.models._columns import date_sort_key
from app.queries.citations import citation_keys_for, citations_for, discrepancies_for
from app.queries.common import (
    PageResult,
    SortKey,
    columns,
    country_family,
    cursor_position,
    encode_cursor,
    keyset_batches,
    paginate,
    require,
    sector_descendants,
    trimmed,
)
from app.queries.facets import agreement_facets, indexed_facets
from app.queries.text_search import TextQuery
from app.queries.text_search import resolve as resolve_text
from app.schemas.agreements import (
    INCLUDES,
    AgreementFilters,
    AgreementQuery,
    Selection,
    active_filters,
    filter_names,
)
from app.schemas.common import partial_date

SORTS = {
    "date": SortKey.by_date("date", Agreement, descending=False),
    "-date": SortKey.by_date("-date", Agreement, descending=True),
    "title": SortKey.by_column("title", Agreement.title, Agreement.id),
    "-title": SortKey.by_column("-title", Agreement.title, Agreement.id, descending=True),
}
DATE_SORTS = ("date", "-date")
"""The sorts the counting index orders pages in."""


# -- the filters, resolved once ------------------------------------------------------------------

Resolver = Callable[[Session, Any], Any]


def _expanded(expand: Callable[[Session, str, str], list[str]], name: str) -> Resolver:
    return lambda session, values: [expand(session, name, value) for value in values]


def _required(model: type, name: str) -> Resolver:
    def check(session: Session, value: Any) -> Any:
        for record_id in value if isinstance(value, list) else [value]:
            require(session, model, record_id, name)
        return value

    return check


RESOLVERS: dict[str, Resolver] = {
    "country": _expanded(country_family, "country"),
    "sector": _expanded(sector_descendants, "sector"),
    "signatory": _required(Signatory, "signatory"),
    "visit": _required(Visit, "visit"),
    "date_from": lambda session, value: partial_date(value),
    "date_to": lambda session, value: partial_date(value),
    "as_of": lambda session, value: partial_date(value).end,
}
"""How a filter's value is resolved (see `Selection`); any other is kept as given."""


def resolve(session: Session, f: AgreementQuery) -> Selection:
    """Resolve the filters once: one statement per country, sector, signatory and visit
    named (unknown ones raise a 422 naming the parameter)."""
    return Selection(
        {
            name: RESOLVERS[name](session, value) if name in RESOLVERS else value
            for name, value in active_filters(f).items()
        },
        f.sort,
    )


# -- the SQL engine: every filter ------------------------------------------------------------------


@dataclass
class Clauses:
    """What one filter adds to the SQL of a list."""

    links: list[Select[Any]] = field(default_factory=list)
    """Sets of agreement ids every match is in (parties, sectors, signatories)."""
    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    """Conditions on the agreement's own row."""
    text: TextQuery | None = None


def _linked(column: Any, link: Any, many: bool) -> Callable[[Session, Any, str], Clauses]:
    """Each value given (a family of ids with `many`) must be linked to the agreement."""

    def clauses(session: Session, values: Any, sort: str) -> Clauses:
        return Clauses(
            links=[
                select(link).where(column.in_(value) if many else column == value)
                for value in values
            ]
        )

    return clauses


SQL_FILTERS: dict[str, Callable[[Session, Any, str], Clauses]] = {
    "country": _linked(AgreementParty.country_id, AgreementParty.agreement_id, many=True),
    "sector": _linked(AgreementSector.sector_id, AgreementSector.agreement_id, many=True),
    "signatory": _linked(
        AgreementSignatory.signatory_id, AgreementSignatory.agreement_id, many=False
    ),
    "kind": lambda session, kinds, sort: Clauses(conditions=[Agreement.kind.in_(kinds)]),
    "visit": lambda session, visit, sort: Clauses(conditions=[Agreement.visit_id == visit]),
    "date_from": lambda session, start, sort: Clauses(conditions=dated_from(sort, start)),
    "date_to": lambda session, end, sort: Clauses(conditions=dated_to(sort, end)),
    "as_of": lambda session, day, sort: Clauses(conditions=[in_force_on(day)]),
    "q": lambda session, q, sort: Clauses(text=resolve_text(session, q)),
}
"""The SQL of each agreement filter: the reference engine, which answers all of them."""
_UNANSWERED = set(filter_names(AgreementQuery)) - set(SQL_FILTERS)
if _UNANSWERED:
    raise TypeError(f"agreement filters without SQL: {sorted(_UNANSWERED)}")


def index_answers(filters: Iterable[str], facets: Iterable[str]) -> bool:
    """Whether the counting index answers these filters and facets, every one of them: any
    other sends the whole list to SQL."""
    return set(filters) <= AgreementIndex.FILTERS and set(facets) <= AgreementIndex.FACETS


@dataclass(frozen=True)
class Filtered:
    """One set of filters, as two statements over the same matches: `rows` tests links
    (parties, sectors, signatories) with EXISTS per row, which suits a page walked in sort
    order and stopped early; `for_count` reads them as one intersection of id sets, each
    from a covering index, which suits reading every match (about 6x faster than probing
    row by row for a busy country and sector at 100k agreements)."""

    rows: Select[tuple[Agreement]]
    for_count: Select[tuple[Agreement]]
    text_count: Select[Any] | None = None
    """When `q` is the only filter and the word index answers it: its matches, to count."""


@dataclass(frozen=True)
class Counted:
    """A total and facets answered by the counting index, and the page's ids where it can
    order them (date sorts)."""

    total: int
    facets: dict[str, list[dict[str, object]]]
    page: IndexPage | None = None


def filtered(session: Session, selection: Selection) -> Filtered:
    """Both statements of a resolved selection (`session` only for `q`'s text match)."""
    clauses = [
        SQL_FILTERS[name](session, value, selection.sort)
        for name, value in selection.filters.items()
    ]
    links = [link for c in clauses for link in c.links]
    conditions = [condition for c in clauses for condition in c.conditions]
    page = list(conditions)
    text = next((c.text for c in clauses if c.text is not None), None)
    if text is not None:
        conditions.append(text.condition(session, Agreement))
        page.append(text.page_condition(session, Agreement))
    base = select(Agreement).where(*conditions)
    rows = select(Agreement).where(
        *page, *(link.where(link.selected_columns[0] == Agreement.id).exists() for link in links)
    )
    if not links:
        alone = (
            text.matches(session, Agreement) if text is not None and len(conditions) == 1 else None
        )
        return Filtered(rows, base, alone)
    ids = intersect(*links) if len(links) > 1 else links[0]
    return Filtered(rows, base.where(Agreement.id.in_(ids)))


# -- the counting index ------------------------------------------------------------------------


def count_indexed(
    session: Session, live: LiveIndex | None, selection: Selection, f: AgreementFilters
) -> Counted | None:
    """The exact total and facets of `selection` from the counting index, or None where it
    cannot answer (not built yet, or a filter or facet it does not answer): then SQL
    counts. Also the ids of the page, when the sort is by date and the index orders them
    faster than SQL would."""
    facets = facet_names(f)
    if live is None or not index_answers(selection.filters, facets):
        return None
    with live.use(session) as index:
        if index is None:
            return None
        matches = index.matches(selection.filters)
        page = None
        if f.sort in DATE_SORTS and not (f.cursor and f.offset):
            sort = SORTS[f.sort]
            after = cursor_position(sort, f.cursor) if f.cursor else None
            if index.pages_faster(matches, f.offset, f.limit):
                dates = date_bounds(selection.filters)
                page = index.page(matches, sort.descending, f.limit, f.offset, after, dates)
        return Counted(len(matches), indexed_facets(session, index, matches, facets), page)


MAX_INDEXED_IDS = 10_000
"""Agreement ids the counting index hands to a statement at most: past that, SQL finds them
(one parameter per id would cost more than its own search)."""


def ids_with_parties(
    session: Session, live: LiveIndex | None, families: list[list[str]]
) -> list[str] | None:
    """The ids of the agreements that a country of every family is a party to, from the
    counting index (an intersection of bitmaps: microseconds, where SQL walks each country's
    party rows); None where the index cannot answer (not built yet) or past
    `MAX_INDEXED_IDS`."""
    if live is None:
        return None
    with live.use(session) as index:
        if index is None:
            return None
        rows = index.matches({"country": families})
        if len(rows) > MAX_INDEXED_IDS:
            return None
        return [index.ids.id(row) for row in rows]


def indexed(live: LiveIndex | None, f: AgreementFilters) -> bool:
    """Whether the counting index answers this list (its total and facets, and its page
    where that is faster than SQL's): its cost is then bounded by the page, whatever the
    number of matches."""
    return (
        live is not None
        and live.ready.is_set()
        and index_answers(active_filters(f), facet_names(f))
        and f.sort in DATE_SORTS
    )


@dataclass(frozen=True)
class Listing:
    """One page of an agreements list: its rows (the columns of `ROW_COLUMNS`), their
    embeds (`Links`), and the facets when asked for."""

    page: PageResult
    links: "Links"
    facets: dict[str, list[dict[str, object]]] | None


def list_page(
    session: Session,
    live: LiveIndex | None,
    f: AgreementFilters,
    selection: Selection | None = None,
) -> Listing:
    """The list pipeline: resolve the filters once (unless the caller passes them resolved
    as `selection`), then the total (counting index, else SQL), the page, each embed in one
    IN statement, and the facets, all from that value. `f` gives the paging, sort, embeds
    and facets."""
    selection = selection or resolve(session, f)
    counted = count_indexed(session, live, selection, f)
    if counted is not None:
        sort = SORTS[f.sort]
        page = None
        if counted.page is not None:
            page = indexed_page(session, sort, counted.page, counted.total)
        elif not selection.filters and not f.cursor:
            page = first_pages(session, sort, f.limit, f.offset, counted.total)
        if page is not None:
            facets = counted.facets if f.facets else None
            return Listing(page, links_of(session, page.rows, f.include), facets)
    # SQL pages (and counts and facets, where the index did not): only now are the
    # statements built, which costs more Python than an indexed page's whole read (or than
    # a first page of the unfiltered list, prepared once).
    statements = filtered(session, selection)
    page = paginate(
        session,
        statements.rows.with_only_columns(*ROW_COLUMNS),
        SORTS[f.sort],
        count_from=(
            statements.for_count if statements.text_count is None else statements.text_count
        ),
        limit=f.limit,
        offset=f.offset,
        cursor=f.cursor,
        total=counted.total if counted else None,
        tuples=True,
    )
    facets = None
    if f.facets:
        facets = (
            counted.facets
            if counted
            else agreement_facets(session, statements.for_count, facet_names(f))
        )
    return Listing(page, links_of(session, page.rows, f.include), facets)


def indexed_page(session: Session, sort: SortKey, page: IndexPage, total: int) -> PageResult:
    """The rows of a page whose ids (and order) the counting index chose: one `IN` read."""
    rows = _ROWS_BY_ID[sort.name].rows(session, {"ids": list(page.ids)})
    return PageResult(rows, total, encode_cursor(sort, rows[-1]) if page.more else None)


def first_pages(session: Session, sort: SortKey, limit: int, offset: int, total: int) -> PageResult:
    """A page of the unfiltered list by offset (the first page of the API, the one most
    asked for), its total counted by the index: one prepared statement walking the sort's
    index, as SQL's page would, without building that statement per request."""
    rows = _UNFILTERED[sort.name].rows(session, {"limit": limit + 1, "offset": offset})
    page, next_cursor = trimmed(rows, sort, limit)
    return PageResult(page, total, next_cursor)


def facet_names(f: AgreementFilters) -> list[str]:
    """The facets asked for, as plain str keys for the JSON encoder."""
    return [str(name) for name in f.facets]


REFERENCE_COLUMNS = (
    Agreement.id,
    Agreement.title,
    Agreement.kind,
    Agreement.date,
    Agreement.date_precision,
    Agreement.date_inferred,
)
"""What a reference to an agreement shows (`references`, `referenced_by`)."""
ROW_COLUMNS = (
    *REFERENCE_COLUMNS,
    Agreement.visit_id,
    Agreement.provenance,
    Agreement.date_start,
)
"""What a list row shows, and `date_start` for its cursor."""
DETAIL_COLUMNS = (
    *ROW_COLUMNS,
    Agreement.date_inferred_reason,
    Agreement.aliases,
    Agreement.place,
    Agreement.place_country_id,
    Agreement.summary,
    Agreement.status,
)


@dataclass(frozen=True)
class Links:
    """What a page of agreements links to, by agreement id, each read in one statement:
    parties always (for `party_codes`; with their countries when embedded), the other
    embeds only when asked for; and `cited`, what each row's `provenance` reads of its
    citations (the embedded ones themselves, or only what their ids are made of)."""

    parties: dict[str, list[Row[Any]]]
    signatories: dict[str, list[Row[Any]]]
    sectors: dict[str, list[Row[Any]]]
    visits: dict[str, Row[Any]]
    citations: dict[str, list[Any]]
    cited: dict[str, list[Any]]


def links_of(session: Session, rows: Sequence[Any], include: Sequence[str]) -> Links:
    ids = {"ids": [row.id for row in rows]}
    if not ids["ids"]:
        return Links({}, {}, {}, {}, {}, {})
    visit_ids = {"ids": sorted({row.visit_id for row in rows if row.visit_id})}

    def embed(name: str, stmt: Prepared) -> dict[str, list[Any]]:
        return _grouped(stmt.rows(session, ids)) if name in include else {}

    embedded = "citations" in include
    citations = citations_for(session, "agreement", ids["ids"]) if embedded else {}
    return Links(
        parties=_grouped((_PARTIES if "parties" in include else _PARTY_CODES).rows(session, ids)),
        signatories=embed("signatories", _SIGNERS),
        sectors=embed("sectors", _SECTORS),
        visits={v.id: v for v in _VISITS.rows(session, visit_ids)}
        if "visit" in include and visit_ids["ids"]
        else {},
        citations=citations,
        cited=citations if embedded else citation_keys_for(session, "agreement", ids["ids"]),
    )


def _grouped(rows: list[Any]) -> dict[str, list[Any]]:
    """Rows by their first column (the agreement id), in the statement's order."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return grouped


# The embeds' statements, prepared once (they run on most list requests): each reads the
# links of a whole page, `ids`, in one statement. app.schemas.agreements unpacks their rows
# in this column order.
_PARTY_CODE_COLUMNS = (
    select(AgreementParty.agreement_id, AgreementParty.country_id)
    .where(in_ids(AgreementParty.agreement_id))
    .order_by(AgreementParty.agreement_id, AgreementParty.country_id)
)
_PARTY_CODES = Prepared(_PARTY_CODE_COLUMNS)
_PARTIES = Prepared(
    _PARTY_CODE_COLUMNS.add_columns(
        AgreementParty.inferred_reason,
        Country.name,
        Country.alpha2,
        Country.alpha3,
        Country.is_historical,
    ).join(Country, Country.id == AgreementParty.country_id)
)
_SIGNERS = Prepared(
    select(
        AgreementSignatory.agreement_id,
        Signatory.id,
        Signatory.name,
        Signatory.kind,
        Signatory.country_id,
        AgreementSignatory.role,
        AgreementSignatory.side_id,
    )
    .join(Signatory, Signatory.id == AgreementSignatory.signatory_id)
    .where(in_ids(AgreementSignatory.agreement_id))
    .order_by(AgreementSignatory.agreement_id, AgreementSignatory.position)
)
_SECTORS = Prepared(
    select(AgreementSector.agreement_id, Sector.id, Sector.name, Sector.parent_id)
    .join(Sector, Sector.id == AgreementSector.sector_id)
    .where(in_ids(AgreementSector.agreement_id))
    .order_by(AgreementSector.agreement_id, AgreementSector.sector_id)
)
_ROWS_BY_ID = {
    name: Prepared(
        select(*ROW_COLUMNS).where(in_ids(Agreement.id)).order_by(*SORTS[name].order_by())
    )
    for name in DATE_SORTS
}
"""A page the counting index chose (it orders date sorts only), read by its ids."""
_UNFILTERED = {
    name: Prepared(
        select(*ROW_COLUMNS)
        .order_by(*sort.order_by())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    for name, sort in SORTS.items()
}
"""`first_pages`' statements."""
_VISITS = Prepared(
    select(Visit.id, Visit.title, Visit.date, Visit.date_precision, Visit.date_inferred).where(
        in_ids(Visit.id)
    )
)


def filter_agreements(session: Session, f: AgreementQuery) -> Select[tuple[Agreement]]:
    """The statement of every matching agreement (unordered, unpaged)."""
    return filtered(session, resolve(session, f)).rows


def dated_from(sort: str, start: PartialDate) -> list[ColumnElement[bool]]:
    """The record's date interval ends on or after `start`'s first day.

    When sorting by date the bound is also put on the sort's own indexed key (a date of any
    precision spans at most a year, so `date_end >= x` implies `date_start >= x - 1 year`):
    the planner then walks that one index in order and stops at the page's end, instead of
    reading every row in range and sorting them. Undated rows, whose key is a sentinel, fail
    the `date_end` test anyway."""
    year = timedelta(days=366)  # clamped: year 1 has no year before it
    conditions = [Agreement.date_end >= start.start]
    key = _date_key(sort)
    if key is not None:
        conditions.append(key >= max(start.start, date.min + year) - year)
    return conditions


def dated_to(sort: str, end: PartialDate) -> list[ColumnElement[bool]]:
    """The record's date interval starts on or before `end`'s last day (the sort's key
    bounded too, as `dated_from` says)."""
    conditions = [Agreement.date_start <= end.end]
    key = _date_key(sort)
    if key is not None:
        conditions.append(key <= end.end)
    return conditions


def _date_key(sort: str) -> ColumnElement[Any] | None:
    if not sort.endswith("date"):
        return None
    return date_sort_key(Agreement.date_start, sort.startswith("-"))


@dataclass(frozen=True)
class Linked:
    """A row of a download and the links of its batch (what one line is written from)."""

    row: Row[Any]
    links: Links


DOWNLOAD_EMBEDS = ("parties", "sectors")
"""What a download reads beside its rows: the parties' and the sectors' names and codes for
CSV (an NDJSON line is a list item, as the list shows it without `include=`)."""


def iter_agreements(
    session: Session, f: AgreementQuery, batch: int = 1000
) -> Iterator[list[Linked]]:
    """Every matching agreement in sort order, in keyset batches of the list's columns and
    their links, as a page reads them: memory stays flat however many there are, and each
    batch costs what the first does.

    The filters are resolved here, before the first batch, so a bad filter is a 422 and not
    an error in the middle of a streamed body."""
    stmt = filter_agreements(session, f).with_only_columns(*ROW_COLUMNS)
    batches = keyset_batches(session, stmt, SORTS[f.sort], batch, tuples=True)
    return (_linked(session, rows) for rows in batches)


def _linked(session: Session, rows: list[Row[Any]]) -> list[Linked]:
    links = links_of(session, rows, DOWNLOAD_EMBEDS)
    return [Linked(row, links) for row in rows]


@dataclass(frozen=True)
class Detail:
    """One agreement's row (`DETAIL_COLUMNS`) and everything its detail shows."""

    row: Row[Any]
    links: Links
    events: list[Row[Any]]
    event_citations: dict[str, list[Any]]
    discrepancies: list[Any]
    references: list[Row[Any]]
    referenced_by: list[Row[Any]]


def get_detail(session: Session, agreement_id: str) -> Detail | None:
    row = columns(session, select(*DETAIL_COLUMNS).where(Agreement.id == agreement_id)).first()
    if row is None:
        return None
    events = list(
        columns(
            session,
            select(*EVENT_COLUMNS)
            .where(AgreementEvent.agreement_id == agreement_id)
            .order_by(AgreementEvent.date_start.nulls_last(), AgreementEvent.id),
        )
    )
    references, referenced_by = references_of(session, agreement_id)
    return Detail(
        row,
        links_of(session, [row], INCLUDES),
        events,
        citations_for(session, "event", [e.id for e in events]),
        discrepancies_for(session, "agreement", agreement_id),
        references,
        referenced_by,
    )


EVENT_COLUMNS = (
    AgreementEvent.id,
    AgreementEvent.action,
    AgreementEvent.country_id,
    AgreementEvent.note,
    AgreementEvent.date,
    AgreementEvent.date_precision,
    AgreementEvent.date_inferred,
    AgreementEvent.date_inferred_reason,
    AgreementEvent.provenance,
)


def references_of(session: Session, agreement_id: str) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """The agreements this one refers to, and those that refer to it, by date then id, in
    one statement (each statement of a detail is a round trip to PostgreSQL)."""
    refs = AgreementReference

    def linked(side: int, match: Select[tuple[str]]) -> Select[Any]:
        shown = select(literal(side).label("side"), *REFERENCE_COLUMNS, Agreement.date_start)
        return shown.where(Agreement.id.in_(match))

    both = union_all(
        linked(0, select(refs.referenced_id).where(refs.agreement_id == agreement_id)),
        linked(1, select(refs.agreement_id).where(refs.referenced_id == agreement_id)),
    ).subquery()
    order = (both.c.side, both.c.date_start.nulls_last(), both.c.id)
    found: tuple[list[Row[Any]], list[Row[Any]]] = ([], [])
    for row in columns(session, select(both).order_by(*order)):
        found[row.side].append(row)
    return found


def in_force_on(day: date) -> ColumnElement[bool]:
    """Entered into force by `day` (certainly: the whole date interval is before it) and
    not terminated or withdrawn by then."""
    entered = exists().where(
        AgreementEvent.agreement_id == Agreement.id,
        AgreementEvent.action == "entry-into-force",
        AgreementEvent.date_end <= day,
    )
    ended = exists().where(
        AgreementEvent.agreement_id == Agreement.id,
        AgreementEvent.action.in_(["termination", "withdrawal"]),
        AgreementEvent.date_start <= day,
    )
    return entered & ~ended
