"""GET /api/v1/relations/{a}/{b} and /api/v1/timeline."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models._columns import LAST_GOING_UP
from app.queries import agreements as agreement_queries
from app.queries import common
from app.queries import relations as relations_module
from app.queries import timeline_head as timeline_head_module
from app.queries.agreements import ids_with_parties
from app.queries.common import country_family
from app.queries.relations import (
    SHOWN,
    contact_visits,
    contacts,
    contacts_among,
    iter_timeline,
    timeline,
    timeline_entries,
    visits_each_way,
    visits_from,
)
from app.queries.timeline_head import indexed_contacts, timeline_head, timeline_page
from app.queries.visits import list_visits
from app.schemas.common import date_bounds
from app.schemas.relations import TimelineFilters, TimelineQuery
from app.schemas.visits import VisitFilters
from tests.api.engines import TransactionIndex
from tests.factories import make_agreement, make_visit
from tests.problems import assert_problem


@pytest.fixture
def client(either_engine: TestClient) -> TestClient:
    """Every test here runs twice: on the counting index, as users get it, and on SQL."""
    return either_engine


def test_viet_nam_azerbaijan_relations_from_1959_to_the_partnership(client: TestClient) -> None:
    body = client.get("/api/v1/relations/vn/AZE").json()
    assert [c["id"] for c in body["countries"]] == ["VN", "AZ"]
    assert "first_contact" not in body  # no source says 1959 was the first contact
    assert body["earliest_recorded_contact"]["date"] == "1959"
    assert body["earliest_recorded_contact"]["id"] == "visit-ho-chi-minh-azerbaijan-1959"
    assert body["diplomatic_relations"]["date"] == "1992"
    assert body["diplomatic_relations"]["citations"]
    partnership = body["partnership"]
    assert partnership["kind"] == "strategic-partnership" and partnership["date"] == "2025"
    assert partnership["agreement_id"] == "strategic-partnership-declaration-vn-az-2025"
    assert partnership["date_inferred"] and partnership["citations"]
    to_az = [v["id"] for v in body["visits_from_first"]]
    to_vn = [v["id"] for v in body["visits_from_second"]]
    assert to_az == [
        "state-visit-to-lam-azerbaijan-2025",
        "visit-vice-president-of-vietnam-azerbaijan-2019",
        "visit-president-of-vietnam-azerbaijan-2015",
        "visit-ho-chi-minh-azerbaijan-1959",
    ]
    assert to_vn == [
        "official-visit-ilham-aliyev-vietnam-2014",
        "official-visit-heydar-aliyev-vietnam-1983",
    ]
    assert (body["visits_from_first_total"], body["visits_from_second_total"]) == (4, 2)
    assert all(v["citations"] for v in body["visits_from_first"] + body["visits_from_second"])
    sectors = {b["value"]: b["count"] for b in body["agreements_by_sector"]}
    energy = ids_of(client, "/api/v1/agreements?country=VN&country=AZ&sector=energy&limit=100")
    assert sectors["energy"] == len(energy) and "mou-energy-vn-az-2025" in energy
    years = {b["value"] for b in body["agreements_by_year"]}
    assert {"1959", "2025"} <= years
    agreements = ids_of(client, "/api/v1/agreements?country=VN&country=AZ&limit=100")
    assert body["agreements_total"] == len(agreements)
    assert {a["id"] for a in body["agreements"]} == set(agreements)
    assert all(a["citations"] for a in body["agreements"])


def test_support_runs_from_whom_to_whom_and_a_partnership_both_ways(client: TestClient) -> None:
    """Viet Nam supported Azerbaijan (the Non-Aligned Movement, the 2020 Security Council
    draft), not the other way round: those milestones are one-way, first country to second,
    and the words saying so are cited for `direction`; asking for the pair the other way
    round keeps the milestone's own order."""
    for pair in ("VN/AZ", "AZ/VN"):
        milestones = {
            m["id"]: m for m in client.get(f"/api/v1/relations/{pair}").json()["milestones"]
        }
        for one_way in ("nam-chairmanship-support-vn-az", "unsc-resolution-stance-vn-az-2020"):
            milestone = milestones[one_way]
            assert (milestone["direction"], milestone["country_ids"]) == ("one-way", ["VN", "AZ"])
            [quote] = [c["quote"] for c in milestone["citations"] if c["field"] == "direction"]
            assert "supported Azerbaijan" in quote or "Hanoi opposed" in quote
        partnership = milestones["strategic-partnership-vn-az-2025"]
        assert partnership["direction"] == "mutual"
        established = milestones["diplomatic-relations-vn-az-1992"]
        assert established["direction"] == "mutual"
        assert established["provenance"]["direction"]["basis"] == "inferred"


def ids_of(client: TestClient, url: str) -> list[str]:
    return [item["id"] for item in client.get(url).json()["items"]]


def test_milestones_the_sources_state_with_their_quotes(client: TestClient) -> None:
    """Support in multilateral forums and the party-to-party plan are milestones, each cited;
    the Non-Aligned Movement support is undated in the source, so its date stays null."""
    milestones = {m["id"]: m for m in client.get("/api/v1/relations/VN/AZ").json()["milestones"]}
    nam = milestones["nam-chairmanship-support-vn-az"]
    assert nam["date"] is None and nam["kind"] == "multilateral-support"
    assert "chairmanship of the Non-Aligned Movement" in nam["citations"][0]["quote"]
    unsc = milestones["unsc-resolution-stance-vn-az-2020"]
    assert unsc["date"] == "2020" and unsc["date_inferred"] is False
    assert any("UN Security Council" in c["quote"] for c in unsc["citations"])
    bodies = client.get("/api/v1/relations/AZ/VN").json()["bodies"]
    assert [b["id"] for b in bodies] == ["intergovernmental-committee-vn-az"]
    assert client.get("/api/v1/relations/VN/FR").json()["bodies"] == []
    party = milestones["party-relations-plan-vn-az-2025"]
    assert "New Azerbaijan Party" in party["citations"][0]["quote"]
    assert party["provenance"]["date"]["basis"] == "inferred"


def test_relations_read_the_same_both_ways(client: TestClient) -> None:
    ab = client.get("/api/v1/relations/VN/AZ").json()
    ba = client.get("/api/v1/relations/AZ/VN").json()
    assert ab["visits_from_first"] == ba["visits_from_second"]
    assert ab["agreements_total"] == ba["agreements_total"]


def test_the_visits_each_way_are_paged_at_their_url(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relations show the newest visits each way with their total; their URL pages all
    of them, a visit counting as from Azerbaijan when its guest is Azerbaijani though he came
    as a USSR official (which the visits list's `guest` filter, by guest country, leaves)."""
    monkeypatch.setattr(relations_module, "SHOWN", 1)
    body = client.get("/api/v1/relations/VN/AZ").json()
    assert [v["id"] for v in body["visits_from_second"]] == [
        "official-visit-ilham-aliyev-vietnam-2014"
    ]
    assert body["visits_from_second_total"] == 2
    assert body["visits_from_second_url"] == "/api/v1/relations/AZ/VN/visits"
    walked, params = [], {"limit": 1}
    while params:
        page = client.get(body["visits_from_second_url"], params=params).json()
        walked += [v["id"] for v in page["items"]]
        assert page["total"] == 2 and all(v["provenance"] for v in page["items"])
        params = page["next_cursor"] and {"limit": 1, "cursor": page["next_cursor"]}
    assert walked == [
        "official-visit-ilham-aliyev-vietnam-2014",
        "official-visit-heydar-aliyev-vietnam-1983",
    ]
    by_guest_country = ids_of(client, "/api/v1/visits?guest=AZ&host=VN")
    assert "official-visit-heydar-aliyev-vietnam-1983" not in by_guest_country
    oldest = client.get(body["visits_from_first_url"], params={"sort": "date", "date_to": "2000"})
    assert [v["id"] for v in oldest.json()["items"]] == ["visit-ho-chi-minh-azerbaijan-1959"]


def test_pair_with_no_records(client: TestClient) -> None:
    body = client.get("/api/v1/relations/FR/NZ").json()
    assert body["agreements_total"] == 0 and body["earliest_recorded_contact"] is None


@pytest.mark.parametrize(
    "path",
    ["/api/v1/relations/XX/AZ", "/api/v1/relations/VN/QQQ", "/api/v1/relations/XX/AZ/visits"],
)
def test_unknown_country_is_a_404(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 404)


def test_timeline_merges_everything_in_order(client: TestClient) -> None:
    items = client.get("/api/v1/timeline", params={"country": ["VN", "AZ"], "limit": 100}).json()[
        "items"
    ]
    dated = [i["date"][:4] for i in items if i["date"]]
    assert dated == sorted(dated)
    undated = [i["id"] for i in items if not i["date"]]
    assert "nam-chairmanship-support-vn-az" in undated and "principles-un-charter" in undated
    assert items[-len(undated) :] == [i for i in items if not i["date"]]  # undated: last
    assert "unsc-resolution-stance-vn-az-2020" in {i["id"] for i in items}
    assert {i["kind"] for i in items} == {"agreement", "visit", "relation", "statement"}
    assert items[0]["date"] == "1959"
    for item in items:
        assert client.get(item["url"]).status_code == 200


def test_timeline_of_one_country_and_a_range(client: TestClient) -> None:
    body = client.get("/api/v1/timeline", params={"country": "AZ", "date_to": "1999"}).json()
    assert [i["id"] for i in body["items"]] == [
        "visit-ho-chi-minh-azerbaijan-1959",
        "agreement-vietnamese-students-azerbaijan-ssr-1959",
        "official-visit-heydar-aliyev-vietnam-1983",
        "diplomatic-relations-vn-az-1992",
    ]


def test_timeline_walks_by_cursor_as_by_offset(client: TestClient) -> None:
    """Following `next_cursor` (as the `Link` header gives it) two entries at a time reads
    the same entries, in the same order, as one page does."""
    pair = {"country": ["VN", "AZ"]}
    whole = client.get("/api/v1/timeline", params={**pair, "limit": 100}).json()
    walked, page = [], {**pair, "limit": 2}
    while True:
        response = client.get("/api/v1/timeline", params=page)
        body = response.json()
        walked += [i["id"] for i in body["items"]]
        assert body["total"] == whole["total"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert f"cursor={cursor}" in response.headers["link"]
        page["cursor"] = cursor
    assert walked == [i["id"] for i in whole["items"]]
    assert walked[-1] == "socar-joint-energy-projects"  # undated, last: the cursor passes it


def test_timeline_refuses_a_cursor_it_did_not_make(client: TestClient) -> None:
    visits = client.get("/api/v1/visits", params={"limit": 1}).json()["next_cursor"]
    for cursor in (visits, "WyJ0aW1lbGluZSIsIjE5NTktMDEtMDEiLCIxIiwieCJd", "bm90IGpzb24"):
        assert_problem(
            client.get("/api/v1/timeline", params={"country": "VN", "cursor": cursor}),
            422,
            "cursor",
        )
    both = {"country": "VN", "cursor": visits, "offset": 2}
    assert_problem(client.get("/api/v1/timeline", params=both), 422, "cursor")
    (example,) = [
        p["schema"]["examples"][0]
        for p in client.get("/openapi.json").json()["paths"]["/api/v1/timeline"]["get"][
            "parameters"
        ]
        if p["name"] == "cursor"
    ]
    assert (
        client.get("/api/v1/timeline", params={"country": "VN", "cursor": example}).status_code
        == 200
    )


def test_timeline_needs_a_country(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/timeline"), 422, "country")
    assert_problem(client.get("/api/v1/timeline?country=VN&country=AZ&country=FR"), 422, "country")


def test_the_index_finds_the_agreements_between_two_countries(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relations and the timeline take a pair's agreements from the counting index when
    it answers: the same entries and contacts as SQL finds; past the cap, SQL finds them."""
    live = TransactionIndex()
    families = [country_family(session, "country", code) for code in ("VN", "AZ")]
    ids = ids_with_parties(session, live, families)
    assert ids is not None and "mou-energy-vn-az-2025" in ids
    assert "mou-energy-vn-az-2025" not in (ids_with_parties(session, live, [["VN"], ["US"]]) or [])
    by_sql = sorted(session.execute(timeline_entries(families)).all())
    assert sorted(session.execute(timeline_entries(families, ids)).all()) == by_sql
    assert contacts(session, families, ids) == contacts(session, families)
    monkeypatch.setattr(agreement_queries, "MAX_INDEXED_IDS", len(ids) - 1)
    assert ids_with_parties(session, live, families) is None


@pytest.mark.parametrize("ties", [False, True])
def test_contacts_among_the_timeline_are_those_sql_finds(session: Session, ties: bool) -> None:
    """A page that has read a pair's whole timeline takes its contacts from it, and the
    relations take them from the counting index: the same as `contacts` finds, ties on the
    first day and on the latest end included (lower rank, then lower id, whatever the
    start)."""
    if ties:
        for id_, date in (
            ("late-b", "2099"),
            ("late-a", "2099-12"),
            ("late-c", "2099-12-31"),
            ("0-on-the-first-visits-day", "1959"),
        ):
            make_agreement(session, id=id_, date=date, parties=("VN", "AZ"))
        session.flush()
    families = [country_family(session, "country", code) for code in ("VN", "AZ")]
    query = TimelineQuery(country=["VN", "AZ"])
    whole = [entry for batch in iter_timeline(session, query) for entry in batch]
    found = contacts_among(whole)
    assert found == contacts(session, families)
    visits = contact_visits(session, *families)
    assert indexed_contacts(session, TransactionIndex(), families, visits) == found
    assert found[0] is not None and found[0]["id"] == "visit-ho-chi-minh-azerbaijan-1959"
    assert found[1] is not None and (found[1]["id"] == "late-a") == ties


def test_a_pairs_visits_ranked_at_once_are_those_sql_lists_and_finds(session: Session) -> None:
    """The relations' visits each way (each way's newest `SHOWN`, its total) and the visits'
    candidates for the contacts, from one ranking of the pair's visits: the same as the
    paged list and the contacts SQL finds, with ties on every day, undated visits, a visit
    whose guest is from the country though his own country is another, and a long visit
    that ends last without starting last."""
    for i in range(2 * SHOWN):
        make_visit(session, id=f"us-cn-{i:02d}", guest_country="US", host_country="CN",
                   date=None if i % 9 == 0 else f"{2001 + i % 3}")  # fmt: skip
        make_visit(session, id=f"cn-us-{i:02d}", guest_country="CN", host_country="US",
                   date=f"{2001 + i % 4}-0{1 + i % 2}")  # fmt: skip
    make_visit(session, id="aliyev-as-ussr", guest_country="SUHH", host_country="US",
               guest="heydar-aliyev", date="2003")  # fmt: skip
    long_one = make_visit(
        session, id="a-long-one", guest_country="US", host_country="CN", date="1990"
    )
    long_one.date_end = LAST_GOING_UP  # as if it never ended
    session.flush()
    families = [country_family(session, "country", code) for code in ("US", "CN")]
    each_way = visits_each_way(session, *families)
    for way, (guests, hosts) in enumerate((families, families[::-1])):
        listed = list_visits(session, VisitFilters(limit=SHOWN), visits_from(guests, hosts))
        page = each_way[way]
        assert [v.id for v in page.rows] == [v.id for v in listed.rows]
        assert page.total == listed.total
    az = [families[0], country_family(session, "country", "AZ")]
    assert "aliyev-as-ussr" in [v.id for v in visits_each_way(session, *az[::-1])[0].rows]
    candidates = {e["id"] for e in contact_visits(session, *families)}
    assert candidates == {"a-long-one"} | {
        e["id"] for e in contacts(session, families) if e and e["kind"] == "visit"
    }


def _timeline_ties(session: Session) -> None:
    """Agreements of VN and AZ on the days of their visits and milestones (ties broken by
    rank, then id), undated ones (last), and some on VN's own days."""
    for id_, date in (
        ("0-first-on-1959", "1959"),  # the day of Ho Chi Minh's visit, before it by id
        ("z-last-on-1959", "1959-01-01"),
        ("tie-1992", "1992"),  # the day diplomatic relations were established
        ("undated-a", None),
        ("undated-z", None),
        ("late-2099", "2099-12-31"),
    ):
        make_agreement(session, id=id_, date=date, parties=("VN", "AZ"))
    for i in range(12):
        make_agreement(session, id=f"vn-only-{i:02d}", date=f"{1990 + i % 3}", parties=("VN",))
    session.flush()


@pytest.mark.parametrize("codes", [("VN",), ("VN", "AZ")])
@pytest.mark.parametrize("bounds", [(None, None), ("1990", None), (None, "1992"), ("1959", "1959")])
def test_the_timeline_read_by_kind_is_the_timeline_sorted_in_sql(
    session: Session, codes: tuple[str, ...], bounds: tuple[str | None, str | None]
) -> None:
    """The timeline's head, its agreements from the counting index and each other kind
    read in order, is the timeline SQL sorts whole: after every position of it (ties of
    date across kinds and within one, undated entries), counting the same agreements."""
    _timeline_ties(session)
    families = [country_family(session, "country", code) for code in codes]
    query = TimelineQuery(country=list(codes), date_from=bounds[0], date_to=bounds[1])
    whole = [entry for batch in iter_timeline(session, query) for entry in batch]
    assert len(whole) >= 4  # at least a page
    live = TransactionIndex()
    for at in range(len(whole) + 1):
        after = None if at == 0 else _timeline_position(whole[at - 1])
        head = timeline_head(session, live, families, date_bounds(*bounds), 4, after)
        assert head is not None
        assert head.rows == whole[at : at + 4], at
        assert head.agreements == sum(e["kind"] == "agreement" for e in whole)


def _timeline_position(entry: dict) -> tuple:
    return (entry["date_start"] or LAST_GOING_UP, entry["rank"], entry["id"])


def test_the_timeline_total_is_capped_as_sql_caps_it(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap the total counted kind by kind is what one count of the union gives."""
    _timeline_ties(session)
    families = [country_family(session, "country", "VN")]
    query = TimelineFilters(country=["VN"])
    for cap in (3, 20, 10_000):
        monkeypatch.setattr(common, "COUNT_CAP", cap)
        monkeypatch.setattr(timeline_head_module, "COUNT_CAP", cap)
        by_sql = timeline(session, families, query)
        by_kind = timeline_page(session, TransactionIndex(), families, query)
        assert (by_kind.total, by_kind.total_exact) == (by_sql.total, by_sql.total_exact)
        assert by_kind.rows == by_sql.rows and by_kind.next_cursor == by_sql.next_cursor
