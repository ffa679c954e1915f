"""The agreements list has two engines, the counting index and SQL, and one declaration of
its filters (`AgreementQuery`): generated lists (filters, sorts, pages, cursors, facets)
get the same answer from both, byte for byte, and a filter the index was not taught is
answered by SQL, never dropped.

Both engines run on `world`, a committed database of the seeds and 1,500 synthetic
agreements: `indexed` has the index, `plain` answers everything with SQL."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from pydantic import Field
from sqlalchemy import func, select

from app.counting.index import AgreementIndex, Unanswerable
from app.models import Agreement
from app.queries import agreements as queries
from app.queries.agreements import Clauses
from app.schemas.agreements import AgreementFilters
from app.schemas.enums import AgreementKind, Facet, Sort

URL = "/api/v1/agreements"
GENERATED = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def values(plain: TestClient) -> dict[str, list[str]]:
    """What the filters can name in `world`: its busiest countries and sectors, some
    signatories and visits."""

    def facet(name: str) -> list[str]:
        counts = plain.get(URL, params={"facets": name, "limit": 1}).json()["facets"][name]
        return [c["value"] for c in counts][:12]

    def ids(path: str) -> list[str]:
        return [i["id"] for i in plain.get(path, params={"limit": 8}).json()["items"]]

    return {
        "country": [*facet("country"), "AZ", "azerbaijan-ssr", "FR"],
        "sector": [*facet("sector"), "oil-and-gas"],
        "signatory": ids("/api/v1/signatories"),
        "visit": ids("/api/v1/visits"),
        "kind": [k.value for k in AgreementKind],
    }


def partial_dates() -> st.SearchStrategy[str]:
    return st.builds(
        lambda year, month, day: (
            f"{year}"
            + (f"-{month:02d}" if month else "")
            + (f"-{day:02d}" if month and day else "")
        ),
        st.integers(1950, 2030),
        st.one_of(st.none(), st.integers(1, 12)),
        st.one_of(st.none(), st.integers(1, 28)),
    )


@st.composite
def lists(draw: st.DrawFn, values: dict[str, list[str]]) -> dict[str, Any]:
    """One list request: some filters, a sort, a page (by offset or by cursor) and facets."""
    params: dict[str, Any] = {}
    for name in ("country", "sector", "kind", "signatory"):
        if draw(st.integers(0, 3)) == 0:
            params[name] = draw(st.lists(st.sampled_from(values[name]), min_size=1, max_size=2))
    if draw(st.integers(0, 6)) == 0:
        params["visit"] = draw(st.sampled_from(values["visit"]))
    for name in ("date_from", "date_to"):
        if draw(st.integers(0, 2)) == 0:
            params[name] = draw(partial_dates())
    if draw(st.integers(0, 8)) == 0:
        params["q"] = draw(st.sampled_from(["agreement", "energy", "cooperation programme"]))
    if draw(st.integers(0, 8)) == 0:
        params["as_of"] = draw(partial_dates())
    params["sort"] = draw(st.sampled_from([s.value for s in Sort]))
    params["limit"] = draw(st.integers(1, 30))
    page = draw(st.sampled_from(["first", "offset", "cursor"]))
    if page == "offset":
        params["offset"] = draw(st.integers(1, 60))
    elif page == "cursor":
        params["cursor"] = True  # the next_cursor of the first page, taken when asked
    params["facets"] = draw(st.lists(st.sampled_from([f.value for f in Facet]), unique=True))
    return params


def answers(client: TestClient, params: dict[str, Any]) -> Any:
    response = client.get(URL, params=params)
    assert response.status_code == 200, (params, response.text)
    return response.json()


def differences(indexed: TestClient, plain: TestClient, params: dict[str, Any]) -> list[str]:
    """What the two engines answer differently for one request (nothing, when they agree)."""
    if params.get("cursor") is True:
        params = {k: v for k, v in params.items() if k != "cursor"}
        after = answers(plain, params)["next_cursor"]
        if after is not None:
            params["cursor"] = after
    want, got = answers(plain, params), answers(indexed, params)
    return [key for key in want if got.get(key) != want[key]]


def test_generated_lists_get_the_same_answer_from_both_engines(
    indexed: TestClient, plain: TestClient, values: dict[str, list[str]]
) -> None:
    @GENERATED
    @given(lists(values))
    def same(params: dict[str, Any]) -> None:
        assert differences(indexed, plain, params) == [], params

    same()


@pytest.mark.parametrize("ignored", sorted(AgreementIndex.FILTERS))
def test_the_comparison_catches_an_index_that_ignores_a_filter(
    indexed: TestClient,
    plain: TestClient,
    values: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    ignored: str,
) -> None:
    """The generated comparison is not blind: an index that quietly drops one filter is
    caught, whichever filter it is."""
    matches = AgreementIndex.matches

    def forgetful(self: AgreementIndex, filters: Any) -> Any:
        return matches(self, {k: v for k, v in filters.items() if k != ignored})

    monkeypatch.setattr(AgreementIndex, "matches", forgetful)
    found = find(
        lists(values),
        lambda params: bool(differences(indexed, plain, params)),
        settings=settings(GENERATED, max_examples=400, phases=[Phase.generate]),
    )
    assert ignored in found


class WithTitlePrefix(AgreementFilters):
    """The agreement filters with one more, which the counting index was never taught."""

    title_prefix: str | None = Field(None, description="Titles starting with these words.")


def test_a_filter_the_index_was_not_taught_is_answered_by_sql(
    indexed: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        queries.SQL_FILTERS,
        "title_prefix",
        lambda session, prefix, sort: Clauses(conditions=[Agreement.title.startswith(prefix)]),
    )
    seen: list[Any] = []
    matches = AgreementIndex.matches
    monkeypatch.setattr(
        AgreementIndex,
        "matches",
        lambda self, filters: seen.append(filters) or matches(self, filters),
    )
    live = indexed.app.state.counting  # type: ignore[attr-defined]
    f = WithTitlePrefix(country=["VN"], title_prefix="Memorandum", facets=["kind"], limit=100)
    assert not queries.indexed(live, f)
    with indexed.app.state.sessions() as session:  # type: ignore[attr-defined]
        listing = queries.list_page(session, live, f)
        expected = session.scalar(
            select(func.count()).select_from(
                queries.filtered(session, queries.resolve(session, f)).for_count.subquery()
            )
        )
    assert seen == []  # the index was never asked
    titles = [row.title for row in listing.page.rows]
    assert titles and all(t.startswith("Memorandum") for t in titles)
    assert (
        listing.page.total == expected < indexed.get(URL, params={"country": "VN"}).json()["total"]
    )
    assert (
        listing.facets is not None and sum(c["count"] for c in listing.facets["kind"]) == expected
    )


def test_the_index_refuses_a_filter_it_does_not_answer(indexed: TestClient) -> None:
    live = indexed.app.state.counting  # type: ignore[attr-defined]
    sessions = indexed.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session, live.use(session) as index, pytest.raises(Unanswerable):
        index.matches({"country": [["VN"]], "q": "energy"})
